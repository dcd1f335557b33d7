/**
 * Streams through the openai adapter: failover only before the first chunk reaches the caller,
 * errors after it surface as the SDK raises them (no silent retry, no duplicated chunks), the idle
 * timeout, and the synchronous `chat.completions.stream()` helper. No test may leave an unhandled
 * rejection behind.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { isPoolExhaustedError, StreamIdleTimeoutError } from '@keymesh/core';
import type { KeyBehaviour } from '@keymesh/testing';
import {
  FAST_RETRY,
  MESSAGES,
  MODEL,
  SECRET_A,
  SECRET_B,
  TEXT_B,
  expectSdkRetriesOff,
  rejection,
  useNoUnhandledRejections,
  useOpenAIHarness,
} from './__tests__/openai-kit.js';

const start = useOpenAIHarness();
useNoUnhandledRejections();
const okB: KeyBehaviour = { kind: 'ok', text: TEXT_B };

/** The fake splits its text into word pieces: the deltas a full stream of TEXT_B yields. */
const FIRST_DELTAS = [{ role: 'assistant', content: '', refusal: null }, { content: 'Hello ' }, { content: 'from ' }];

function streamChat(client: OpenAI) {
  return client.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true });
}

/** Iterates a stream, keeping every chunk's delta and the error that ended it (if any). */
async function drain(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  const deltas: unknown[] = [];
  let error: unknown;
  try {
    for await (const chunk of stream) {
      deltas.push(chunk.choices[0]?.delta);
    }
  } catch (caught) {
    error = caught;
  }
  const text = deltas.map((d) => (d as { content?: string } | undefined)?.content ?? '').join('');
  return { deltas, text, error };
}

describe('stream: true', () => {
  it('429 on the first key before any byte: the caller iterates the full text from the next key', async () => {
    const h = await start({ a: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, b: okB });
    const result = await drain(await streamChat(h.client));

    expect(result.error).toBeUndefined();
    expect(result.text).toBe(TEXT_B);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 1]);
    expect(h.fake.requests.every((r) => r.stream)).toBe(true);
    expectSdkRetriesOff(h.fake);
    expect(h.names()).toEqual(['key.rate_limited', 'request.retried', 'key.rotated', 'request.succeeded']);
    expect(h.key('a')).toMatchObject({ available: false, lastErrorKind: 'rate_limited' });
  });

  it('dropped after 3 chunks: the caller gets exactly those 3 chunks, then the SDK’s error; one request, no silent retry', async () => {
    const h = await start({ a: { kind: 'stream_drop', afterChunks: 3 }, b: okB, pool: { retry: FAST_RETRY } });
    const result = await drain(await streamChat(h.client));

    expect(result.deltas).toEqual(FIRST_DELTAS);
    expect(result.error).toMatchObject({ name: 'TypeError', message: 'terminated' });
    expect(h.fake.requests).toHaveLength(1);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 0]);
    // The pool settled the request when the first chunk arrived: a success on key a.
    expect(h.names()).toEqual(['request.succeeded']);
    expect(h.payloads('request.succeeded')[0]).toMatchObject({ keyId: 'a', attempts: 1 });
    expect(h.key('a')).toMatchObject({ state: 'closed', available: true, failures: 0, inFlight: 0 });
  });

  it('an error event after 2 chunks: the 2 chunks, then OpenAI.APIError (no status); one request', async () => {
    const h = await start({ a: { kind: 'stream_error', afterChunks: 2 }, b: okB, pool: { retry: FAST_RETRY } });
    const result = await drain(await streamChat(h.client));

    expect(result.deltas).toEqual(FIRST_DELTAS.slice(0, 2));
    expect(result.error).toBeInstanceOf(OpenAI.APIError);
    expect((result.error as InstanceType<typeof OpenAI.APIError>).status).toBeUndefined();
    expect((result.error as Error).message).toContain('overloaded');
    expect(h.fake.requests).toHaveLength(1);
    expect(h.names()).toEqual(['request.succeeded']);
    expect(h.key('a')).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('stalled before its first chunk: after idleTimeoutMs the attempt fails over (least-used picks the untried key)', async () => {
    const h = await start({ a: { kind: 'stall_body' }, b: okB, pool: { idleTimeoutMs: 80, strategy: 'least-used', retry: FAST_RETRY } });
    const started = Date.now();
    const result = await drain(await streamChat(h.client));

    expect(result.error).toBeUndefined();
    expect(result.text).toBe(TEXT_B);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 1]);
    expect(h.names()).toEqual(['request.retried', 'request.succeeded']);
    expect(h.payloads('request.retried')[0]).toMatchObject({ keyId: 'a', kind: 'provider_trouble' });
    expect(h.key('a')).toMatchObject({ state: 'closed', available: true, lastErrorKind: 'provider_trouble' });
  });

  it('stalled before its first chunk on the only key: the stall is provider trouble, so the key is retried', async () => {
    const h = await start({ a: [{ kind: 'stall_body' }, { kind: 'ok', text: 'second try on a' }], pool: { idleTimeoutMs: 50, retry: FAST_RETRY } });
    const result = await drain(await streamChat(h.client));
    expect(result.text).toBe('second try on a');
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([2, 0]);
  });

  it('dropped before its first chunk: provider trouble inside the attempt, so it fails over', async () => {
    const h = await start({ a: { kind: 'stream_drop', afterChunks: 0 }, b: okB, pool: { strategy: 'least-used', retry: FAST_RETRY } });
    const result = await drain(await streamChat(h.client));
    expect(result.error).toBeUndefined();
    expect(result.text).toBe(TEXT_B);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 1]);
    expect(h.names()).toEqual(['request.retried', 'request.succeeded']);
  });

  // GAP (shared file adapters/response-guard.ts, settleResponse): "before the first chunk" is
  // judged on bytes, not on events. When the provider's in-stream error event is the very first
  // event (openai: `data: {"error":{"type":"server_error",…}}`), the attempt has already "succeeded"
  // on those bytes, so the caller gets OpenAI.APIError (no status) with zero chunks and no failover,
  // although nothing reached the caller yet and a retry could not duplicate output. Suggested fix:
  // let the adapter inspect the first SSE event inside the attempt (e.g. an `inspectFirstChunk`
  // hook passed to settleResponse; for openai, a first `data:` payload with an `error` member throws
  // a provider-trouble error). Remove `.fails` then.
  it('an error event as the very first event fails over like a drop before the first chunk', async () => {
    const h = await start({ a: { kind: 'stream_error', afterChunks: 0 }, b: okB, pool: { strategy: 'least-used', retry: FAST_RETRY } });
    const result = await drain(await streamChat(h.client));
    expect(result.error).toBeUndefined();
    expect(result.text).toBe(TEXT_B);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 1]);
  });

  it('stalled after its first chunk: StreamIdleTimeoutError (ERR_KEYMESH_STREAM_IDLE) about idleTimeoutMs after the last chunk', async () => {
    const h = await start({ a: { kind: 'stream_stall', afterChunks: 2 }, b: okB, pool: { idleTimeoutMs: 120 } });
    const stream = await streamChat(h.client);
    // The idle timer for the read after the sent chunks starts once the caller starts iterating.
    const iterating = Date.now();
    const result = await drain(stream);

    expect(result.deltas).toEqual(FIRST_DELTAS.slice(0, 2));
    expect(result.error).toBeInstanceOf(StreamIdleTimeoutError);
    expect(result.error).toMatchObject({ code: 'ERR_KEYMESH_STREAM_IDLE', idleTimeoutMs: 120 });
    const waited = Date.now() - iterating;
    expect(waited).toBeGreaterThanOrEqual(115);
    expect(waited).toBeLessThan(700);
    expect(h.fake.requests).toHaveLength(1);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 0]);
  });

  it('a caller abort mid-stream ends the iteration promptly and silently, exactly as the plain SDK does; no retry', async () => {
    const h = await start({ a: { kind: 'stream_stall', afterChunks: 1 }, b: okB, pool: { idleTimeoutMs: 5_000 } });
    const abortMidStream = async (client: OpenAI) => {
      const controller = new AbortController();
      const stream = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true }, { signal: controller.signal });
      setTimeout(() => controller.abort(), 30);
      const started = Date.now();
      return { ...(await drain(stream)), ms: Date.now() - started };
    };
    const pooled = await abortMidStream(h.client);
    const plain = await abortMidStream(new OpenAI({ apiKey: SECRET_A, baseURL: h.fake.url, maxRetries: 0 }));

    // openai's Stream swallows an abort during iteration (it returns instead of throwing).
    expect(plain.deltas).toHaveLength(1);
    expect(plain.error).toBeUndefined();
    expect(pooled.deltas).toEqual(plain.deltas);
    expect(pooled.error).toBeUndefined();
    expect(pooled.ms).toBeLessThan(1_000); // the abort, not the 5 s idle timeout, ended it
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([2, 0]);
  });

  it('under attemptTimeoutMs too, a caller abort after the first chunk ends the stream promptly (the attempt\'s own signal is gone by then)', async () => {
    const h = await start({ a: { kind: 'stream_stall', afterChunks: 1 }, b: okB, pool: { idleTimeoutMs: 5_000, attemptTimeoutMs: 10_000 } });
    const controller = new AbortController();
    const stream = await h.client.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    const { deltas } = await drain(stream);
    expect(deltas).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1_000); // the abort, not the 5 s idle timeout, ended it
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 0]);
  });

  it('breaking out of a stream early ends it without an error or a retry', async () => {
    const h = await start({ a: { kind: 'stream_stall', afterChunks: 2 }, b: okB, pool: { idleTimeoutMs: 100 } });
    const stream = await streamChat(h.client);
    let seen = 0;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      seen++;
      break;
    }
    expect(seen).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 150)); // past the idle timeout: nothing may fire
    expect(h.fake.requests).toHaveLength(1);
    expect(h.names()).toEqual(['request.succeeded']);
  });
});

describe('chat.completions.stream() helper (returned synchronously, not a Promise)', () => {
  it('.finalChatCompletion() works through the pool after a 429 on the first key', async () => {
    const h = await start({ a: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, b: okB });
    const helper = h.client.chat.completions.stream({ model: MODEL, messages: MESSAGES });
    expect(typeof (helper as unknown as { then?: unknown }).then).toBe('undefined');

    const final = await helper.finalChatCompletion();
    expect(final.choices[0].message.content).toBe(TEXT_B);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 1]);
    expect(h.fake.requests.every((r) => r.stream)).toBe(true);
    expectSdkRetriesOff(h.fake);
    expect(h.names()).toEqual(['key.rate_limited', 'request.retried', 'key.rotated', 'request.succeeded']);
  });

  it('iterating the helper yields the chunks from the next key', async () => {
    const h = await start({ a: { kind: 'invalid_key' }, b: okB });
    const helper = h.client.chat.completions.stream({ model: MODEL, messages: MESSAGES });
    const contents: string[] = [];
    helper.on('content', (delta) => contents.push(delta));
    let chunks = 0;
    for await (const chunk of helper) {
      expect(chunk.object).toBe('chat.completion.chunk');
      chunks++;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(contents.join('')).toBe(TEXT_B);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 1]);
    expect(h.key('a')).toMatchObject({ state: 'disabled', disabledReason: 'key_rejected' });
  });

  it('every key rejected: the helper’s promise rejects and its error event fires once; the SDK wraps PoolExhaustedError in an OpenAIError (cause)', async () => {
    const h = await start({ a: { kind: 'invalid_key' }, b: { kind: 'invalid_key' } });
    const helper = h.client.chat.completions.stream({ model: MODEL, messages: MESSAGES });
    const errors: unknown[] = [];
    helper.on('error', (error) => errors.push(error));

    const error = await rejection(helper.finalChatCompletion());
    expect(errors).toEqual([error]);
    // The helper turns any error that is not an OpenAIError into one, keeping the original as `cause`.
    expect(error).toBeInstanceOf(OpenAI.OpenAIError);
    expect(isPoolExhaustedError(error)).toBe(false);
    const cause = (error as { cause?: unknown }).cause;
    expect(isPoolExhaustedError(cause)).toBe(true);
    expect((cause as { cause?: unknown }).cause).toBeInstanceOf(OpenAI.AuthenticationError);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 1]);
    expect(h.names().slice(-2)).toEqual(['pool.exhausted', 'request.failed']);
  });

  it('provider trouble on every attempt: the SDK error class reaches the helper unchanged', async () => {
    const h = await start({ a: { kind: 'status', status: 500 }, b: { kind: 'status', status: 500 }, pool: { retry: { ...FAST_RETRY, maxAttempts: 2 } } });
    const helper = h.client.chat.completions.stream({ model: MODEL, messages: MESSAGES });
    const error = await rejection(helper.done());
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(500);
    expect(h.fake.requests).toHaveLength(2);
  });

  it('a helper observed only through its error event leaves no unhandled rejection', async () => {
    const h = await start({ a: { kind: 'status', status: 400 } });
    const helper = h.client.chat.completions.stream({ model: MODEL, messages: MESSAGES });
    const error = await new Promise<unknown>((resolve) => helper.on('error', resolve));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(h.fake.requests).toHaveLength(1);
  });
});
