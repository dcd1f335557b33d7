/** Issue 12 on the genai adapter: echoed secrets in ApiError, and the streamFailover switch. */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MODEL, SECRET, TEXT, drain, rejection, useRig } from './__tests__/harness.js';

const rig = useRig();

describe('gemini: kept text', () => {
  it("an error body echoing the key: genai's ApiError (its message is the body) never prints it", async () => {
    const echo = { kind: 'status' as const, status: 500, body: { error: { code: 500, status: 'INTERNAL', message: `internal error for key ${SECRET.a}` } } };
    const r = await rig({ keys: { a: echo }, pool: { retry: { maxAttempts: 1 } } });
    const error = await rejection(r.generate());
    expect((error as Error).message).toContain('sk-…');
    expect(inspect(error, { depth: 10 })).not.toContain(SECRET.a);
  });
});

describe('gemini: streamFailover', () => {
  it("'first-event' (default): an error as the first chunk fails over to the next key", async () => {
    const r = await rig({ keys: { a: { kind: 'stream_error', afterChunks: 0 }, b: { kind: 'ok' } }, pool: { strategy: 'round-robin' } });
    const { pieces, error } = await drain(await r.ai.models.generateContentStream({ model: MODEL, contents: 'hi' }));
    expect(error).toBeUndefined();
    expect(pieces.join('')).toBe(TEXT);
    expect([r.count('a'), r.count('b')]).toEqual([1, 1]);
  });

  it("'headers': the stream is handed over at its headers, so that error reaches the caller (the documented trade-off)", async () => {
    const r = await rig({ keys: { a: { kind: 'stream_error', afterChunks: 0 }, b: { kind: 'ok' } }, pool: { strategy: 'round-robin', streamFailover: 'headers' } });
    const { pieces, error } = await drain(await r.ai.models.generateContentStream({ model: MODEL, contents: 'hi' }));
    expect(pieces).toEqual([]);
    expect(error).toMatchObject({ status: 503 });
    expect([r.count('a'), r.count('b')]).toEqual([1, 0]);
  });

  it("per request: httpOptions.headers['x-keymesh-stream-failover'], never sent to Google", async () => {
    const r = await rig({ keys: { a: { kind: 'stream_error', afterChunks: 0 }, b: { kind: 'ok' } }, pool: { strategy: 'round-robin' } });
    const stream = await r.ai.models.generateContentStream({ model: MODEL, contents: 'hi', config: { httpOptions: { headers: { 'x-keymesh-stream-failover': 'headers' } } } });
    const { error } = await drain(stream);
    expect(error).toMatchObject({ status: 503 });
    expect(r.fake.requests[0]!.headers['x-keymesh-stream-failover']).toBeUndefined();
  });
});
