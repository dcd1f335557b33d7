/**
 * Streams through the pool: fail over only before the first item reaches the caller; after that,
 * errors surface as genai raises them (no silent retry, no duplicated chunks), and a stream that
 * goes silent ends with Keymesh's StreamIdleTimeoutError. No unhandled rejections anywhere.
 */
import { ApiError } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { MODEL, PIECES, TEXT, drain, rejection, sleep, trackUnhandledRejections, useRig } from './__tests__/harness.js';

const rig = useRig();
trackUnhandledRejections();

describe('gemini streams: before the first chunk, faults fail over', () => {
  it('generateContentStream: 429 on A at the await → the caller iterates the full text from B', async () => {
    const r = await rig({ keys: { a: { kind: 'rate_limit', limit: 0, windowMs: 30_000 }, b: { kind: 'ok' } } });
    const { pieces, error } = await drain(await r.ai.models.generateContentStream({ model: MODEL, contents: 'hi' }));

    expect(error).toBeUndefined();
    expect(pieces).toEqual(PIECES);
    expect(pieces.join('')).toBe(TEXT);
    expect([r.count('a'), r.count('b')]).toEqual([1, 1]);
    expect(r.fake.requests.every((q) => q.stream && q.query['alt'] === 'sse')).toBe(true);
    expect(r.names()).toEqual(['key.rate_limited', 'request.retried', 'key.rotated', 'request.succeeded']);
    expect(r.key('a')).toMatchObject({ available: false, lastErrorKind: 'rate_limited' });
  });

  it('chats.create().sendMessageStream: 401 on A → B streams the reply, and the chat history keeps one turn', async () => {
    const r = await rig({ keys: { a: { kind: 'status', status: 401 }, b: { kind: 'ok' } } });
    const chat = r.ai.chats.create({ model: MODEL });
    const { pieces, error } = await drain(await chat.sendMessageStream({ message: 'hello' }));

    expect(error).toBeUndefined();
    expect(pieces.join('')).toBe(TEXT);
    expect([r.count('a'), r.count('b')]).toEqual([1, 1]);
    expect(r.key('a')).toMatchObject({ state: 'disabled', disabledReason: 'key_rejected' });
    // genai records a streamed reply as one model entry per chunk; the failed attempt adds nothing.
    const history = chat.getHistory();
    expect(history.map((c) => c.role)).toEqual(['user', ...PIECES.map(() => 'model')]);
    expect(history.slice(1).flatMap((c) => c.parts?.map((p) => p.text) ?? []).join('')).toBe(TEXT);
    // The second turn goes straight to B and carries the whole first turn once.
    await drain(await chat.sendMessageStream({ message: 'again' }));
    expect([r.count('a'), r.count('b')]).toEqual([1, 2]);
    const second = r.fake.requests[2].body as { contents: Array<{ role: string }> };
    expect(second.contents.filter((c) => c.role === 'user')).toHaveLength(2);
  });

  it('a stream that stalls before its first chunk fails over after idleTimeoutMs (least-used → B)', async () => {
    const r = await rig({ keys: { a: { kind: 'stall_body' }, b: { kind: 'ok' } }, pool: { strategy: 'least-used', idleTimeoutMs: 100 } });
    const started = performance.now();
    const stream = await r.ai.models.generateContentStream({ model: MODEL, contents: 'hi' });
    const waited = performance.now() - started;
    const { pieces, error } = await drain(stream);

    expect(error).toBeUndefined();
    expect(pieces).toEqual(PIECES);
    expect(waited).toBeGreaterThanOrEqual(95);
    expect(waited).toBeLessThan(1_000);
    expect([r.count('a'), r.count('b')]).toEqual([1, 1]);
    expect(r.of('request.retried')).toMatchObject([{ keyId: 'a', kind: 'provider_trouble' }]);
  });

  it('a stream dropped before its first event fails over (least-used → B)', async () => {
    const r = await rig({ keys: { a: { kind: 'stream_drop', afterChunks: 0 }, b: { kind: 'ok' } }, pool: { strategy: 'least-used' } });
    const { pieces, error } = await drain(await r.ai.models.generateContentStream({ model: MODEL, contents: 'hi' }));
    expect(error).toBeUndefined();
    expect(pieces).toEqual(PIECES);
    expect([r.count('a'), r.count('b')]).toEqual([1, 1]);
  });

  // Regression: the adapter used to settle only the first *bytes* inside the attempt, and an error
  // event is the first bytes, so the caller got ApiError(503) with nothing delivered and no retry.
  it('an error event as the very first event fails over: nothing had reached the caller (least-used → B)', async () => {
    const r = await rig({ keys: { a: { kind: 'stream_error', afterChunks: 0 }, b: { kind: 'ok' } }, pool: { strategy: 'least-used' } });
    const { pieces, error } = await drain(await r.ai.models.generateContentStream({ model: MODEL, contents: 'hi' }));
    expect(error).toBeUndefined();
    expect(pieces).toEqual(PIECES);
    expect([r.count('a'), r.count('b')]).toEqual([1, 1]);
    expect(r.of('request.retried')).toMatchObject([{ keyId: 'a', kind: 'provider_trouble', status: 503 }]);
  });
});

describe('gemini streams: after the first chunk, errors reach the caller as genai raises them', () => {
  it('dropped after 2 chunks: exactly those 2 chunks, then TypeError("terminated"); one request, no retry', async () => {
    const r = await rig({ keys: { a: { kind: 'stream_drop', afterChunks: 2 }, b: { kind: 'ok' } } });
    const { pieces, error } = await drain(await r.ai.models.generateContentStream({ model: MODEL, contents: 'hi' }));

    expect(pieces).toEqual(PIECES.slice(0, 2));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
    await sleep(20);
    expect(r.fake.requests).toHaveLength(1);
    expect([r.count('a'), r.count('b')]).toEqual([1, 0]);
    // The attempt succeeded when the first item arrived; what happens later is not the pool's to count.
    expect(r.names()).toEqual(['request.succeeded']);
    expect(r.key('a')).toMatchObject({ failures: 0, inFlight: 0, available: true });
  });

  it('an error event after 2 chunks: those 2 chunks, then ApiError 503 from the event; one request', async () => {
    const r = await rig({ keys: { a: { kind: 'stream_error', afterChunks: 2 }, b: { kind: 'ok' } } });
    const { pieces, error } = await drain(await r.ai.models.generateContentStream({ model: MODEL, contents: 'hi' }));

    expect(pieces).toEqual(PIECES.slice(0, 2));
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    await sleep(20);
    expect(r.fake.requests).toHaveLength(1);
    expect(r.names()).toEqual(['request.succeeded']);
  });

  it('stalled after the first chunk: that chunk, then StreamIdleTimeoutError (ERR_KEYMESH_STREAM_IDLE) about idleTimeoutMs later', async () => {
    const r = await rig({ keys: { a: { kind: 'stream_stall', afterChunks: 1 }, b: { kind: 'ok' } }, pool: { idleTimeoutMs: 150 } });
    const stream = await r.ai.models.generateContentStream({ model: MODEL, contents: 'hi' });
    const { pieces, error, times } = await drain(stream);
    const silence = performance.now() - times[0];

    expect(pieces).toEqual(PIECES.slice(0, 1));
    expect(error).toMatchObject({ name: 'StreamIdleTimeoutError', code: 'ERR_KEYMESH_STREAM_IDLE', idleTimeoutMs: 150 });
    expect(silence).toBeGreaterThanOrEqual(140);
    expect(silence).toBeLessThan(600);
    expect(r.fake.requests).toHaveLength(1);
    expect(r.count('b')).toBe(0);
  });

  it('the caller aborts mid-stream: iteration rejects with genai’s own AbortError (genai aborts its fetch without the reason); no retry', async () => {
    const r = await rig({ keys: { a: { kind: 'stream_stall', afterChunks: 1 }, b: { kind: 'ok' } }, pool: { idleTimeoutMs: 5_000 } });
    const controller = new AbortController();
    const reason = new Error('user closed the tab');
    const stream = await r.ai.models.generateContentStream({ model: MODEL, contents: 'hi', config: { abortSignal: controller.signal } });
    const pieces: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of stream) {
          pieces.push(chunk.text ?? '');
          controller.abort(reason);
        }
      })(),
    );
    expect(pieces).toEqual(PIECES.slice(0, 1));
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(error).not.toBe(reason);
    await sleep(20);
    expect(r.fake.requests).toHaveLength(1);
    expect(r.names()).toEqual(['request.succeeded']);
  });

  it('breaking out of the loop early settles cleanly: no error, nothing in flight, no unhandled rejection', async () => {
    const r = await rig({ keys: { a: { kind: 'ok' } } });
    const pieces: string[] = [];
    for await (const chunk of await r.ai.models.generateContentStream({ model: MODEL, contents: 'hi' })) {
      pieces.push(chunk.text ?? '');
      break;
    }
    expect(pieces).toEqual(PIECES.slice(0, 1));
    expect(r.key('a')).toMatchObject({ inFlight: 0, failures: 0 });
    // The pool still serves the next stream in full.
    expect((await drain(await r.ai.models.generateContentStream({ model: MODEL, contents: 'hi' }))).pieces).toEqual(PIECES);
  });

  it('a stream created and never iterated does not turn into an unhandled rejection', async () => {
    const r = await rig({ keys: { a: { kind: 'stream_error', afterChunks: 1 } } });
    const stream = await r.ai.models.generateContentStream({ model: MODEL, contents: 'hi' });
    expect(typeof stream[Symbol.asyncIterator]).toBe('function');
    await sleep(30);
    expect(r.fake.requests).toHaveLength(1);
  });
});
