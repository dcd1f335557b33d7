import { describe, expect, it } from 'vitest';
import { replayableBody } from './replayable-body.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const streamOf = (...parts: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(bytes(part));
      controller.close();
    },
  });
const text = async (body: unknown) => new Response(body as ReadableStream).text();

describe('replayableBody', () => {
  it('a stream within the limit becomes bytes that can be sent again', async () => {
    const { body, replayable } = await replayableBody(streamOf('{"a":', '1}'), 64);
    expect(replayable).toBe(true);
    expect(body).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(body as Uint8Array)).toBe('{"a":1}');
  });

  it('an async iterable of strings too', async () => {
    async function* parts() {
      yield 'ab';
      yield 'cd';
    }
    const { body, replayable } = await replayableBody(parts(), 64);
    expect(replayable).toBe(true);
    expect(new TextDecoder().decode(body as Uint8Array)).toBe('abcd');
  });

  it('beyond the limit: one stream of everything (nothing lost), not replayable', async () => {
    const { body, replayable } = await replayableBody(streamOf('0123', '4567', '89'), 5);
    expect(replayable).toBe(false);
    expect(await text(body)).toBe('0123456789');
  });

  it('any other body is passed through unchanged', async () => {
    for (const body of ['text', bytes('x'), undefined, null, new URLSearchParams('a=1')]) {
      expect(await replayableBody(body, 1)).toEqual({ body, replayable: true });
    }
  });
});
