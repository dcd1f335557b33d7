import { StreamIdleTimeoutError } from '../errors/stream-idle-timeout-error.js';

/**
 * Settles a successful response inside the attempt, so that failures which can still be retried
 * without duplicating output are retried:
 * - a non-stream body is read in full (a connection dropped or stalled mid-body is provider
 *   trouble, and nothing has reached the caller yet);
 * - a stream is read up to its first chunk; after that the chunks flow to the caller as they
 *   come, and a later error surfaces as the SDK raises it.
 * Every wait for the next chunk is bounded by `idleTimeoutMs`.
 */
export async function settleResponse(response: Response, options: { stream: boolean; idleTimeoutMs: number }): Promise<Response> {
  const source = response.body;
  if (source === null) return response;
  const reader = source.getReader();
  const init = { status: response.status, statusText: response.statusText, headers: response.headers };
  if (!options.stream) {
    const chunks: Uint8Array[] = [];
    for (let next = await readWithin(reader, options.idleTimeoutMs); !next.done; next = await readWithin(reader, options.idleTimeoutMs)) {
      chunks.push(next.value);
    }
    return new Response(chunks.length === 1 ? chunks[0]! : concat(chunks), init);
  }
  const first = await readWithin(reader, options.idleTimeoutMs);
  let pending: Uint8Array | undefined = first.done ? undefined : first.value;
  let finished = first.done;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pending !== undefined) {
        controller.enqueue(pending);
        pending = undefined;
        return;
      }
      if (finished) return controller.close();
      try {
        const next = await readWithin(reader, options.idleTimeoutMs);
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        controller.error(error);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(body, init);
}

/** One read, failed (and the source cancelled) when nothing arrives within `idleTimeoutMs`. */
async function readWithin(reader: ReadableStreamDefaultReader<Uint8Array>, idleTimeoutMs: number): ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new StreamIdleTimeoutError(idleTimeoutMs);
      // Reject before cancelling: a cancel resolves the pending read as "done", which would
      // otherwise win the race and pass a stalled body off as a complete one.
      reject(error);
      reader.cancel(error).catch(() => {});
    }, idleTimeoutMs);
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } finally {
    clearTimeout(timer);
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
