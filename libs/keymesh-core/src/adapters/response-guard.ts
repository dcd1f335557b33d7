import { StreamIdleTimeoutError } from '../errors/stream-idle-timeout-error.js';
import { concatBytes } from './bytes.js';
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
 * Every wait for the next chunk is bounded by `idleTimeoutMs`.
 */
export async function settleResponse(response: Response, options: SettleOptions): Promise<Response> {
  const source = response.body;
  if (source === null) return response;
  const reader = source.getReader();
  if (!options.stream) {
    const chunks: Uint8Array[] = [];
    for (let next = await readNext(reader, options); !next.done; next = await readNext(reader, options)) chunks.push(next.value);
    const body = concatBytes(chunks);
    options.onBody?.(body);
    return rebuilt(response, body);
  }
  const head = options.streamFailover === 'headers' ? { chunks: [], done: false } : await readFirstEvent(reader, options);
  const error = head.chunks.length === 0 ? undefined : options.inspectFirstEvent?.(new TextDecoder().decode(concatBytes(head.chunks)));
  if (error !== undefined) {
    reader.cancel(error).catch(() => {});
    throw error;
  }
  const pending = head.chunks;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pending.length > 0) return controller.enqueue(pending.shift()!);
      if (head.done) return controller.close();
      try {
        const next = await readNext(reader, { idleTimeoutMs: options.idleTimeoutMs });
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        controller.error(error);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return rebuilt(response, body);
}

/** Reads until the first complete server-sent event (comments and empty blocks are not events) or the end of the stream. */
async function readFirstEvent(reader: Reader, options: SettleOptions): Promise<{ chunks: Uint8Array[]; done: boolean }> {
  const chunks: Uint8Array[] = [];
  let text = '';
  const decoder = new TextDecoder();
  for (;;) {
    const next = await readNext(reader, { idleTimeoutMs: options.idleTimeoutMs });
    if (next.done) return { chunks, done: true };
    chunks.push(next.value);
    if (options.inspectFirstEvent === undefined) return { chunks, done: false };
    text += decoder.decode(next.value, { stream: true });
    if (firstEvent(text) !== undefined) return { chunks, done: false };
  }
}

/** One read, failed (and the source cancelled) when nothing arrives within the idle timeout or by the deadline. */
async function readNext(reader: Reader, options: Pick<SettleOptions, 'idleTimeoutMs' | 'deadline'>): ReturnType<Reader['read']> {
  const untilDeadline = options.deadline ? options.deadline.at - Date.now() : Infinity;
  const byDeadline = untilDeadline < options.idleTimeoutMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        const error = byDeadline ? options.deadline!.error() : new StreamIdleTimeoutError(options.idleTimeoutMs);
        // Reject before cancelling: a cancel resolves the pending read as "done", which would
        // otherwise win the race and pass a stalled body off as a complete one.
        reject(error);
        reader.cancel(error).catch(() => {});
      },
      Math.max(0, Math.min(untilDeadline, options.idleTimeoutMs)),
    );
  });
  try {
    return await Promise.race([reader.read(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A new Response with the same status, headers, and what SDKs and callers read off it (`url`, `redirected`). */
function rebuilt(original: Response, body: ConstructorParameters<typeof Response>[0]): Response {
  const response = new Response(body, { status: original.status, statusText: original.statusText, headers: original.headers });
  for (const property of ['url', 'redirected'] as const) {
    Object.defineProperty(response, property, { value: original[property], enumerable: true, configurable: true });
  }
  return response;
}
