import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { isKeymeshError, isPoolExhaustedError } from '@keymesh/core';
import { DEFAULT_TEXT, type Behaviour } from '@keymesh/testing';
import { LIMITED, OK, PARAMS, expectOneCredentialNoSdkRetry, failOnUnhandledRejections, rejection, until, useAnthropic } from './__tests__/harness.js';

/**
 * Streams: `stream: true` and the `messages.stream()` helper. A stream fails over only before its
 * first chunk; after that an error reaches the caller as the SDK raises it, and nothing is
 * retried (a retry would duplicate output). No test here may leave an unhandled rejection.
 */
const setup = useAnthropic();
failOnUnhandledRejections();

type Event = Anthropic.RawMessageStreamEvent;
const STREAM = { ...PARAMS, stream: true as const };

/** Iterates a stream to its end or its error, keeping every event and when the last one came. */
async function drain(stream: AsyncIterable<Event>): Promise<{ events: Event[]; error: unknown; lastEventAt: number }> {
  const events: Event[] = [];
  let lastEventAt = Date.now();
  try {
    for await (const event of stream) {
      events.push(event);
      lastEventAt = Date.now();
    }
    return { events, error: undefined, lastEventAt };
  } catch (error) {
    return { events, error, lastEventAt };
  }
}

const textOfEvents = (events: Event[]) =>
  events.map((e) => (e.type === 'content_block_delta' && e.delta.type === 'text_delta' ? e.delta.text : '')).join('');

describe('stream: true', () => {
  it.each<[string, Behaviour, string]>([
    ['429', LIMITED, 'rate_limited'],
    ['401', { kind: 'invalid_key' }, 'key_rejected'],
  ])('a %s before the first byte fails over: the caller iterates the full text from B', async (_name, fault, kind) => {
    const { fake, client, events } = await setup([fault, OK]);
    const { events: got, error } = await drain(await client.messages.create(STREAM));
    expect(error).toBeUndefined();
    expect(textOfEvents(got)).toBe(DEFAULT_TEXT);
    expect(got[0]!.type).toBe('message_start');
    expect(got.at(-1)!.type).toBe('message_stop');
    expect(fake.requests.map((r) => [r.key?.slice(-1), r.stream])).toEqual([['a', true], ['b', true]]);
    expectOneCredentialNoSdkRetry(fake);
    expect(events.of('key.rotated')).toEqual([expect.objectContaining({ fromKeyId: 'a', keyId: 'b', reason: kind })]);
  });

  it.each<[string, Behaviour, (error: unknown) => void]>([
    [
      'dropped connection',
      { kind: 'stream_drop', afterChunks: 3 },
      (error) => {
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toBe('terminated');
      },
    ],
    [
      'in-stream error event',
      { kind: 'stream_error', afterChunks: 3 },
      (error) => {
        // the SDK's in-stream error: an APIError with the event's type and no status
        expect(error).toBeInstanceOf(Anthropic.APIError);
        expect(error).not.toBeInstanceOf(Anthropic.InternalServerError);
        expect(error).toMatchObject({ status: undefined, type: 'overloaded_error' });
      },
    ],
  ])('%s after 3 events on key A: the caller gets those 3 events, then the SDK error; nothing is retried', async (_name, fault, check) => {
    for (const keys of [[fault, OK], [fault]]) {
      const { fake, client, events, key } = await setup(keys);
      const { events: got, error } = await drain(await client.messages.create(STREAM));
      check(error);
      expect(got.map((e) => e.type)).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
      expect(fake.requests.map((r) => r.key?.slice(-1))).toEqual(['a']);
      // the attempt succeeded at the first chunk: the pool saw a success and nothing else
      expect(events.names()).toEqual(['request.succeeded']);
      expect(events.of('request.succeeded')).toEqual([expect.objectContaining({ keyId: 'a', attempts: 1 })]);
      expect(key('a')).toMatchObject({ state: 'closed', available: true, failures: 0, lastErrorKind: null, inFlight: 0 });
    }
  });

  it.each<[string, Behaviour]>([
    ['stalls', { kind: 'stall_body' }],
    ['drops', { kind: 'stream_drop', afterChunks: 0 }],
  ])('a stream that %s before its first chunk fails over to the next key', async (_name, fault) => {
    const { fake, client, events } = await setup([fault, OK], { pool: { strategy: 'least-used', idleTimeoutMs: 80 } });
    const t0 = Date.now();
    const { events: got, error } = await drain(await client.messages.create(STREAM));
    expect(error).toBeUndefined();
    expect(textOfEvents(got)).toBe(DEFAULT_TEXT);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(fake.requests.map((r) => r.key?.slice(-1))).toEqual(['a', 'b']);
    expect(events.names()).toEqual(['request.retried', 'request.succeeded']);
    expect(events.of('request.retried')[0]).toMatchObject({ keyId: 'a', kind: 'provider_trouble' });
  });

  it('a stream that stalls after its first chunk errors with StreamIdleTimeoutError after about idleTimeoutMs', async () => {
    const idleTimeoutMs = 150;
    const { fake, client } = await setup([{ kind: 'stream_stall', afterChunks: 2 }, OK], { pool: { idleTimeoutMs } });
    const { events: got, error, lastEventAt } = await drain(await client.messages.create(STREAM));
    const silence = Date.now() - lastEventAt;
    expect(got.map((e) => e.type)).toEqual(['message_start', 'content_block_start']);
    expect(isKeymeshError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'StreamIdleTimeoutError', code: 'ERR_KEYMESH_STREAM_IDLE', idleTimeoutMs });
    expect(silence).toBeGreaterThanOrEqual(idleTimeoutMs - 20);
    expect(silence).toBeLessThan(idleTimeoutMs + 600);
    expect(fake.requests).toHaveLength(1);
  });

  it('aborting mid-stream ends the iteration quietly, as the SDK does; the attempt is already settled', async () => {
    const { fake, client, pool } = await setup([{ kind: 'stream_stall', afterChunks: 2 }]);
    const controller = new AbortController();
    const stream = await client.messages.create(STREAM, { signal: controller.signal });
    const got: Event[] = [];
    for await (const event of stream) {
      got.push(event);
      if (got.length === 2) controller.abort();
    }
    expect(got).toHaveLength(2);
    expect(fake.requests).toHaveLength(1);
    expect(pool.snapshot().keys[0]).toMatchObject({ inFlight: 0, failures: 0 });
  });

  it('a caller abort while waiting for the first chunk frees the attempt at once, not after idleTimeoutMs', async () => {
    const { client, pool } = await setup([{ kind: 'stall_body' }, OK], { pool: { idleTimeoutMs: 5_000 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const t0 = Date.now();
    expect(await rejection(client.messages.create(STREAM, { signal: controller.signal }))).toBeInstanceOf(Anthropic.APIUserAbortError);
    await until(() => pool.snapshot().keys[0]!.inFlight === 0, 1_000);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(pool.snapshot().keys[1]).toMatchObject({ requests: 0 });
  });

  // The first event is read inside the attempt: an `event: error` there means nothing reached
  // the caller, so the request is retried. `overloaded_error` is provider trouble, which never
  // sidelines a key; the retry goes to another key when one can serve (here B).
  it('an in-stream error before any event reached the caller is retried, and the caller sees only the good stream', async () => {
    const { fake, client, key } = await setup([[{ kind: 'stream_error', afterChunks: 0 }, OK], OK]);
    const { events: got, error } = await drain(await client.messages.create(STREAM));
    expect(error).toBeUndefined();
    expect(textOfEvents(got)).toBe(DEFAULT_TEXT);
    expect(fake.requests.map((r) => r.key?.slice(-1))).toEqual(['a', 'b']);
    expect(key('a')).toMatchObject({ state: 'closed', available: true, lastErrorKind: 'provider_trouble' });
  });
});

describe('the messages.stream() helper', () => {
  it('.finalText() works through the pool after a 429 on the first key', async () => {
    const { fake, client, events } = await setup([LIMITED, OK]);
    const stream = client.messages.stream(PARAMS);
    expect(await stream.finalText()).toBe(DEFAULT_TEXT);
    expect(fake.requests.map((r) => [r.key?.slice(-1), r.status, r.stream])).toEqual([['a', 429, true], ['b', 200, true]]);
    expect(fake.requests[1]!.headers['x-stainless-helper-method']).toBe('stream');
    expectOneCredentialNoSdkRetry(fake);
    expect(events.of('request.succeeded')).toEqual([expect.objectContaining({ keyId: 'b', attempts: 2 })]);
  });

  it('.finalMessage() and text events work after a 401 on the first key', async () => {
    const { fake, client } = await setup([{ kind: 'invalid_key' }, OK]);
    const deltas: string[] = [];
    const message = await client.messages.stream(PARAMS).on('text', (delta) => deltas.push(delta)).finalMessage();
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: DEFAULT_TEXT })]);
    expect(message.stop_reason).toBe('end_turn');
    expect(deltas.join('')).toBe(DEFAULT_TEXT);
    expect(fake.requests.map((r) => [r.key?.slice(-1), r.status])).toEqual([['a', 401], ['b', 200]]);
  });

  it('can be iterated event by event after a 429 on the first key', async () => {
    const { client } = await setup([LIMITED, OK]);
    const { events: got, error } = await drain(client.messages.stream(PARAMS));
    expect(error).toBeUndefined();
    expect(got[0]!.type).toBe('message_start');
    expect(got.at(-1)!.type).toBe('message_stop');
    expect(textOfEvents(got)).toBe(DEFAULT_TEXT);
  });

  it('every key rejected: the promise rejects and the error event fires once, no unhandled rejection', async () => {
    const { fake, client } = await setup([{ kind: 'invalid_key' }, { kind: 'invalid_key' }]);
    const seen: unknown[] = [];
    const stream = client.messages.stream(PARAMS).on('error', (error) => seen.push(error));
    const error = await rejection(stream.finalText());
    // The helper wraps any error that is not an AnthropicError: PoolExhaustedError arrives as its cause.
    expect(error).toBeInstanceOf(Anthropic.AnthropicError);
    expect(isPoolExhaustedError((error as Error).cause)).toBe(true);
    expect(((error as Error).cause as Error).cause).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(seen).toEqual([error]);
    expect(fake.requests).toHaveLength(2);
  });

  it('every key rate limited until attempts run out: the RateLimitError itself, through finalMessage()', async () => {
    const { fake, client } = await setup([LIMITED, LIMITED], { pool: { retry: { maxAttempts: 2 } } });
    const error = await rejection(client.messages.stream(PARAMS).finalMessage());
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(fake.requests).toHaveLength(2);
  });

  it('a drop after the first events rejects done() with the SDK-wrapped terminated error, nothing retried', async () => {
    const { fake, client } = await setup([{ kind: 'stream_drop', afterChunks: 3 }, OK]);
    const texts: string[] = [];
    const stream = client.messages.stream(PARAMS).on('text', (t) => texts.push(t));
    const error = await rejection(stream.done());
    expect(error).toBeInstanceOf(Anthropic.AnthropicError);
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect(texts).toEqual(['Hello ']); // the one text delta among the first 3 events
    expect(fake.requests).toHaveLength(1);
  });

  it('abort() before the answer: the abort event, APIUserAbortError from finalText(), the key untouched', async () => {
    const { client, pool } = await setup([{ kind: 'ok', latencyMs: 300 }]);
    const stream = client.messages.stream(PARAMS);
    let aborted = 0;
    stream.on('abort', () => aborted++);
    setTimeout(() => stream.abort(), 30);
    expect(await rejection(stream.finalText())).toBeInstanceOf(Anthropic.APIUserAbortError);
    expect(aborted).toBe(1);
    await until(() => pool.snapshot().keys[0]!.inFlight === 0);
    expect(pool.snapshot().keys[0]).toMatchObject({ failures: 0, available: true });
  });
});
