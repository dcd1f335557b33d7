import { systemClock, type Clock } from '../clock.js';
import { StreamIdleTimeoutError } from '../errors/stream-idle-timeout-error.js';
import { concatBytes } from './bytes.js';
import { settledResponse } from './settled-response.js';
import { firstEvent } from './sse-first-event.js';

export interface SettleOptions {
  stream: boolean;
  /** Longest wait for the next chunk. */
  idleTimeoutMs: number;
  /** Epoch ms by which a non-stream body must be complete (the SDK's own request timeout), and the error to raise then. */
  deadline?: { at: number; error: () => Error };
  /** Looks at a stream's first server-sent event; an error returned is thrown inside the attempt, so the request fails over. */
  inspectFirstEvent?: (event: string) => Error | undefined;
  /**
   * `'headers'`: a stream is handed over at its headers, nothing read ahead (failover then covers
   * only errors before them). Default `'first-event'`.
   */
  streamFailover?: StreamFailover;
  /** Given a non-stream body once it is read in full (the adapters read its usage from it). */
  onBody?: (body: Uint8Array) => void;
  /** The clock the idle timeout and deadline run on; default the system's. */
  clock?: Clock;
}

/**
 * Where a stream stops failing over: `'first-event'` (the default) reads its first event inside
 * the attempt, so an error event or a dropped connection before any output still moves to
 * another key, at the cost of resolving `create({ stream: true })` only when that event arrives
 * (the model's time to first token); `'headers'` resolves at the response headers, as the bare
 * SDK does, and fails over only on errors before them.
 */
export type StreamFailover = 'first-event' | 'headers';

type Reader = ReadableStreamDefaultReader<Uint8Array>;

/**
 * Settles a successful response inside the attempt, so that failures which can still be retried
 * without duplicating output are retried:
 * - a non-stream body is read in full (a connection dropped or stalled mid-body is provider
 *   trouble, and nothing has reached the caller yet);
 * - a stream is read up to its first event; after that the chunks flow to the caller as they
 *   come, and a later error surfaces as the SDK raises it.
 * Every wait for the next chunk is bounded by `idleTimeoutMs` (see `BodyWatch`). The response
 * handed back is the same object with its body served from what was read (`settledResponse`).
 */
export async function settleResponse(response: Response, options: SettleOptions): Promise<Response> {
  const source = response.body;
  if (source === null) return response;
  const reader = source.getReader();
  const watch = new BodyWatch(reader, options.idleTimeoutMs, options.stream ? undefined : options.deadline, options.clock ?? systemClock);
  if (!options.stream) {
    const chunks: Uint8Array[] = [];
    try {
      for (let next = await watch.read(); !next.done; next = await watch.read()) chunks.push(next.value);
    } finally {
      watch.stop();
    }
    const body = concatBytes(chunks);
    options.onBody?.(body);
    return settledResponse(response, body);
  }
  let head: FirstEvent;
  try {
    head = options.streamFailover === 'headers' ? { chunks: [], text: '', done: false } : await readFirstEvent(watch, options.inspectFirstEvent);
  } catch (error) {
    watch.stop();
    throw error;
  }
  const error = head.chunks.length === 0 ? undefined : options.inspectFirstEvent?.(head.text);
  if (error !== undefined) {
    watch.stop();
    reader.cancel(error).catch(() => {});
    throw error;
  }
  return settledResponse(response, guardedStream(watch, head.chunks, head.done));
}

/**
 * The rest of a stream, for the caller: the chunks read ahead, then each chunk as the caller asks
 * for it (no read ahead, no copy), every wait bounded by the watch.
 */
function guardedStream(watch: BodyWatch, pending: Uint8Array[], done: boolean): ReadableStream<Uint8Array> {
  let next = 0;
  const pull = (controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> | void => {
    if (next < pending.length) {
      controller.enqueue(pending[next]!);
      pending[next++] = empty;
      return;
    }
    if (done) {
      watch.stop();
      return controller.close();
    }
    return watch.read().then(
      (chunk) => {
        if (!chunk.done) return controller.enqueue(chunk.value);
        watch.stop();
        controller.close();
      },
      (error: unknown) => {
        watch.stop();
        controller.error(error);
      },
    );
  };
  return new ReadableStream<Uint8Array>({ pull, cancel: (reason) => watch.cancel(reason) }, { highWaterMark: 0 });
}

const empty = new Uint8Array(0);

interface FirstEvent {
  chunks: Uint8Array[];
  /** The chunks decoded, when there is an inspector to read them. */
  text: string;
  done: boolean;
}

/** Reads until the first complete server-sent event (comments and empty blocks are not events) or the end of the stream. */
async function readFirstEvent(watch: BodyWatch, inspect: SettleOptions['inspectFirstEvent']): Promise<FirstEvent> {
  const chunks: Uint8Array[] = [];
  let text = '';
  // One decoder per stream: it keeps a character split across chunks for the next one.
  const decoder = new TextDecoder();
  for (;;) {
    const next = await watch.read();
    if (next.done) return { chunks, text: text + decoder.decode(), done: true };
    chunks.push(next.value);
    if (inspect === undefined) return { chunks, text, done: false };
    // Chunks may split a multi-byte character: the decoder keeps the partial bytes for the next one.
    text += decoder.decode(next.value, { stream: true });
    if (firstEvent(text) !== undefined) return { chunks, text: text + decoder.decode(), done: false };
  }
}

/**
 * Bounds every wait for a body's next chunk by the idle timeout (and a non-stream body by the
 * SDK's deadline) with one timer per body, not one per chunk: a read notes when it started (a
 * clock read), and the timer, when it fires, re-arms itself for what is left of the current wait
 * instead of failing — or stays off while no read is waiting. A body whose chunks come faster
 * than the timeout arms its timer once.
 */
export class BodyWatch {
  #since = 0;
  #waiting = false;
  #timer: unknown = undefined;
  #failed: Error | undefined = undefined;
  #stopped = false;

  constructor(
    private readonly reader: Reader,
    private readonly idleTimeoutMs: number,
    private readonly deadline: SettleOptions['deadline'],
    private readonly clock: Clock,
  ) {}

  /** One read; fails (and cancels the source) when nothing arrives within the idle timeout or by the deadline. */
  async read(): ReturnType<Reader['read']> {
    if (this.#failed !== undefined) throw this.#failed;
    this.#since = this.clock.now();
    this.#waiting = true;
    if (this.#timer === undefined && !this.#stopped) this.#arm(this.#dueAt() - this.#since);
    try {
      const next = await this.reader.read();
      // A cancel resolves the pending read as "done": the timeout must not pass for a complete body.
      if (this.#failed !== undefined) throw this.#failed;
      return next;
    } catch (error) {
      throw this.#failed ?? error;
    } finally {
      this.#waiting = false;
    }
  }

  /** The body ended, failed or was handed over: no timer is left behind. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  cancel(reason: unknown): Promise<void> {
    this.stop();
    return this.reader.cancel(reason);
  }

  #dueAt(): number {
    const idleAt = this.#since + this.idleTimeoutMs;
    return this.deadline !== undefined && this.deadline.at < idleAt ? this.deadline.at : idleAt;
  }

  #arm(ms: number): void {
    this.#timer = this.clock.setTimeout(() => this.#fire(), Math.max(0, ms));
  }

  #fire(): void {
    this.#timer = undefined;
    if (!this.#waiting || this.#stopped) return;
    const now = this.clock.now();
    const dueAt = this.#dueAt();
    if (now < dueAt) return this.#arm(dueAt - now);
    const byDeadline = this.deadline !== undefined && this.deadline.at <= this.#since + this.idleTimeoutMs;
    const error = byDeadline ? this.deadline!.error() : new StreamIdleTimeoutError(this.idleTimeoutMs);
    this.#failed = error;
    this.stop();
    this.reader.cancel(error).catch(() => {});
  }
}
