import { concatBytes } from './bytes.js';

/** Default for `maxReplayBodyBytes`: a copy of a streamed request body is kept up to this size. */
export const defaultMaxReplayBodyBytes = 8 * 1024 * 1024;

export type RequestBody = { body: unknown; replayable: boolean };

/** A `ReadableStream` or async iterable body: it can be read once. */
export function isOneShotBody(body: unknown): body is ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> {
  if (typeof body !== 'object' || body === null) return false;
  return (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) || Symbol.asyncIterator in body;
}

/**
 * Makes a one-shot request body replayable, so a retry on another key sends the same bytes: it
 * is read into memory up to `limit` bytes. A larger body is passed on as a stream of what was
 * read and the rest, and marked not replayable: that request gets one attempt, as the SDKs
 * never retry a streaming body. Any other body is returned as it is.
 */
export async function replayableBody(body: unknown, limit = defaultMaxReplayBodyBytes): Promise<RequestBody> {
  if (!isOneShotBody(body)) return { body, replayable: true };
  const iterator = (body instanceof ReadableStream ? streamChunks(body) : body)[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { body: concatBytes(chunks), replayable: true };
    const chunk = toBytes(next.value);
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size > limit) return { body: resumed(chunks, iterator), replayable: false };
  }
}

async function* streamChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) yield next.value;
  } finally {
    reader.releaseLock();
  }
}

/** The chunks already read, then the rest of the source. */
function resumed(read: Uint8Array[], rest: AsyncIterator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (read.length > 0) return controller.enqueue(read.shift()!);
      const next = await rest.next();
      if (next.done) controller.close();
      else controller.enqueue(toBytes(next.value));
    },
    async cancel(reason) {
      await rest.return?.(reason);
    },
  });
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('A streamed request body must yield bytes or strings.');
}
