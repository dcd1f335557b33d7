/**
 * The fault matrix for the openai adapter: the real `openai` SDK, wrapped by `createKeymesh`,
 * against the fake OpenAI server over real sockets. Key `a` is tried first (`strategy: 'priority'`)
 * and carries the fault; for every fault we pin what the caller gets, how many requests each key
 * received, each key's state afterwards and the events emitted.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { StreamIdleTimeoutError } from '@keymesh/core';
import type { KeyBehaviour } from '@keymesh/testing';
import {
  FAST_RETRY,
  SECRET_A,
  SECRET_B,
  SECRET_C,
  TEXT_A,
  TEXT_B,
  TEXT_C,
  chat,
  expectNoSecretIn,
  expectSdkRetriesOff,
  rejection,
  sleep,
  until,
  useOpenAIHarness,
} from './__tests__/openai-kit.js';

const start = useOpenAIHarness();
const okB: KeyBehaviour = { kind: 'ok', text: TEXT_B };
const okC: KeyBehaviour = { kind: 'ok', text: TEXT_C };

describe('key-scoped faults on the first key: the request moves to the next key at once', () => {
  const cases: Array<{
    fault: string;
    a: KeyBehaviour;
    kind: 'rate_limited' | 'quota_exhausted' | 'key_rejected';
    status: number;
    sidelinedEvent: 'key.rate_limited' | 'key.disabled';
    /** Checks the sidelining event and key a's snapshot. */
    check: (event: Record<string, unknown>, a: ReturnType<Awaited<ReturnType<typeof start>>['key']>) => void;
  }> = [
    {
      fault: '429 rate limit (the real hints: retry-after, retry-after-ms, x-ratelimit-*)',
      a: { kind: 'rate_limit', limit: 0, windowMs: 45_000 },
      kind: 'rate_limited',
      status: 429,
      sidelinedEvent: 'key.rate_limited',
      check: (event, a) => {
        // The fake's hint is the time left in its 45 s window; the longest hint wins.
        const until = event.until as number;
        expect(event.source).toBe('hint');
        expect(until - (event.at as number)).toBeGreaterThanOrEqual(44_000);
        expect(until - (event.at as number)).toBeLessThanOrEqual(45_000);
        // A hinted 429 sidelines its limit for the hint and never counts toward the breaker.
        expect(a).toMatchObject({ state: 'closed', available: false, availableAt: until, disabledReason: null, consecutiveFailures: 0 });
      },
    },
    {
      fault: '429 carrying only retry-after-ms',
      a: { kind: 'rate_limit', limit: 0, windowMs: 60_000, hints: ['retry-after-ms'], retryAfterMs: 1_500 },
      kind: 'rate_limited',
      status: 429,
      sidelinedEvent: 'key.rate_limited',
      check: (event, a) => {
        expect(event).toMatchObject({ source: 'hint', retryAfterMs: 1_500 });
        expect((event.until as number) - (event.at as number)).toBe(1_500);
        expect(a).toMatchObject({ state: 'closed', available: false, availableAt: event.until, disabledReason: null });
      },
    },
    {
      fault: '429 with no hint at all',
      a: { kind: 'rate_limit', limit: 0, windowMs: 60_000, hints: 'none' },
      kind: 'rate_limited',
      status: 429,
      sidelinedEvent: 'key.rate_limited',
      check: (event, a) => {
        // No hint: the default short cooldown (rateLimitCooldownMs, 1 s for the first 429).
        expect(event).toMatchObject({ source: 'default', retryAfterMs: 1_000 });
        expect(a).toMatchObject({ state: 'closed', available: false, availableAt: event.until });
      },
    },
    {
      fault: '429 insufficient_quota (out of credit)',
      a: { kind: 'quota' },
      kind: 'quota_exhausted',
      status: 429,
      sidelinedEvent: 'key.disabled',
      check: (event, a) => {
        expect(event.reason).toBe('quota_exhausted');
        expect((event.until as number) - (event.at as number)).toBe(3_600_000); // quotaCooldownMs default
        expect(a).toMatchObject({ state: 'disabled', available: false, availableAt: event.until, disabledReason: 'quota_exhausted' });
      },
    },
    {
      fault: '401 invalid_api_key',
      a: { kind: 'invalid_key' },
      kind: 'key_rejected',
      status: 401,
      sidelinedEvent: 'key.disabled',
      check: (event, a) => {
        expect(event).toMatchObject({ reason: 'key_rejected', until: null });
        expect(a).toMatchObject({ state: 'disabled', available: false, availableAt: null, disabledReason: 'key_rejected' });
      },
    },
    {
      fault: '403 (region / permission)',
      a: { kind: 'status', status: 403 },
      kind: 'key_rejected',
      status: 403,
      sidelinedEvent: 'key.disabled',
      check: (event, a) => {
        expect(event).toMatchObject({ reason: 'key_rejected', until: null });
        expect(a).toMatchObject({ state: 'disabled', available: false, availableAt: null, disabledReason: 'key_rejected' });
      },
    },
  ];

  it.each(cases)('$fault', async ({ a, kind, status, sidelinedEvent, check }) => {
    const h = await start({ a, b: okB, c: okC });
    const completion = await chat(h.client);

    expect(completion.choices[0].message.content).toBe(TEXT_B);
    // Exactly one request on the faulty key: no SDK retry burned it again.
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B), h.fake.countFor(SECRET_C)]).toEqual([1, 1, 0]);
    expect(h.fake.requestsFor(SECRET_A)[0].status).toBe(status);
    expectSdkRetriesOff(h.fake);

    expect(h.names()).toEqual([sidelinedEvent, 'request.retried', 'key.rotated', 'request.succeeded']);
    expect(h.payloads('request.retried')[0]).toMatchObject({ keyId: 'a', attempt: 1, kind, status, delayMs: 0 });
    expect(h.payloads('key.rotated')[0]).toMatchObject({ keyId: 'b', fromKeyId: 'a', reason: kind });
    expect(h.payloads('request.succeeded')[0]).toMatchObject({ keyId: 'b', attempts: 2 });
    const sidelined = h.payloads(sidelinedEvent)[0] as unknown as Record<string, unknown>;
    expect(sidelined).toMatchObject({ pool: 'default', keyId: 'a' });
    expectNoSecretIn(h.events);

    const keyA = h.key('a');
    expect(keyA).toMatchObject({ requests: 1, failures: 1, lastErrorKind: kind, inFlight: 0, hint: 'sk-…aaaa' });
    check(sidelined, keyA);
    expect(h.key('b')).toMatchObject({ state: 'closed', available: true, requests: 1, failures: 0, lastErrorKind: null });
    expect(h.key('c')).toMatchObject({ state: 'closed', available: true, requests: 0 });

    // Sidelined: the next request goes straight to key b, key a is not asked again.
    expect((await chat(h.client)).choices[0].message.content).toBe(TEXT_B);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 2]);
  });

  it('per-request and client-level maxRetries cannot turn the SDK retries back on', async () => {
    // A 5 s hint: the SDK would honour it (0–60 s) if its retries were on; the pool sidelines the key for it.
    const h = await start({ a: { kind: 'rate_limit', limit: 0, windowMs: 60_000, hints: ['retry-after-ms'], retryAfterMs: 5_000 }, b: okB, sdk: { maxRetries: 4 } });
    const completion = await chat(h.client, { maxRetries: 5 });
    expect(completion.choices[0].message.content).toBe(TEXT_B);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 1]);
    expectSdkRetriesOff(h.fake);
    expect(h.client.maxRetries).toBe(0);
  });
});

describe("the caller's faults: thrown unchanged, never retried, never held against the key", () => {
  it.each([
    { status: 400, ErrorClass: OpenAI.BadRequestError },
    { status: 404, ErrorClass: OpenAI.NotFoundError },
    { status: 422, ErrorClass: OpenAI.UnprocessableEntityError },
  ])('$status → $ErrorClass.name', async ({ status, ErrorClass }) => {
    const h = await start({ a: { kind: 'status', status }, b: okB, c: okC });
    const error = await rejection(chat(h.client));

    expect(error).toBeInstanceOf(ErrorClass);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B), h.fake.countFor(SECRET_C)]).toEqual([1, 0, 0]);
    expectSdkRetriesOff(h.fake);
    expect(h.names()).toEqual(['request.failed']);
    expect(h.payloads('request.failed')[0]).toMatchObject({ keyId: 'a', attempts: 1, kind: 'caller_fault', status });
    expect(h.key('a')).toMatchObject({ state: 'closed', available: true, consecutiveFailures: 0, failures: 0, lastErrorKind: null, requests: 1 });
  });
});

describe('provider trouble: backoff and retry; never sidelines a key or opens its circuit', () => {
  const persistent: Array<{ fault: string; a: KeyBehaviour; pool?: { idleTimeoutMs: number }; expectError: (error: unknown) => void }> = [
    { fault: '500', a: { kind: 'status', status: 500 }, expectError: (e) => expect(e).toSatisfy((x) => x instanceof OpenAI.InternalServerError && x.status === 500) },
    { fault: '502', a: { kind: 'status', status: 502 }, expectError: (e) => expect(e).toSatisfy((x) => x instanceof OpenAI.InternalServerError && x.status === 502) },
    { fault: '503', a: { kind: 'status', status: 503 }, expectError: (e) => expect(e).toSatisfy((x) => x instanceof OpenAI.InternalServerError && x.status === 503) },
    {
      fault: 'connection reset before any byte',
      a: { kind: 'reset' },
      expectError: (e) => {
        expect(e).toBeInstanceOf(OpenAI.APIConnectionError);
        expect(e).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
      },
    },
    {
      fault: 'non-stream body stalled after the headers (idleTimeoutMs 60)',
      a: { kind: 'stall_body' },
      pool: { idleTimeoutMs: 60 },
      expectError: (e) => {
        expect(e).toBeInstanceOf(StreamIdleTimeoutError);
        expect(e).toMatchObject({ code: 'ERR_KEYMESH_STREAM_IDLE', idleTimeoutMs: 60 });
      },
    },
    {
      fault: 'non-stream body dropped half-way',
      a: { kind: 'stream_drop', afterChunks: 0 },
      expectError: (e) => expect(e).toMatchObject({ name: 'TypeError', message: 'terminated' }),
    },
  ];

  it.each(persistent)('$fault on the only key: retried on it after backoff, then the last error is rethrown unchanged', async ({ a, pool, expectError }) => {
    // With other keys the retry goes to one of them (see the round-robin case below); alone, the key is retried.
    const h = await start({ a, pool: { retry: { ...FAST_RETRY, maxAttempts: 3 }, ...pool } });
    const error = await rejection(chat(h.client));

    expectError(error);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B), h.fake.countFor(SECRET_C)]).toEqual([3, 0, 0]);
    expectSdkRetriesOff(h.fake);
    expect(h.names()).toEqual(['request.retried', 'request.retried', 'request.failed']);
    for (const [i, retried] of h.payloads('request.retried').entries()) {
      expect(retried).toMatchObject({ keyId: 'a', attempt: i + 1, kind: 'provider_trouble' });
      expect(retried.delayMs).toBeGreaterThanOrEqual(0);
      expect(retried.delayMs).toBeLessThanOrEqual(FAST_RETRY.maxDelayMs);
    }
    expect(h.payloads('request.failed')[0]).toMatchObject({ keyId: 'a', attempts: 3, kind: 'provider_trouble' });
    // Three failures ≥ failureThreshold (3), yet the circuit stays closed: rotating keys does not fix an outage.
    expect(h.key('a')).toMatchObject({ state: 'closed', available: true, consecutiveFailures: 0, failures: 3, lastErrorKind: 'provider_trouble', disabledReason: null });
  });

  // BUG (shared file adapters/stainless.ts:77 + adapters/response-guard.ts): the adapter reads a
  // non-stream body inside the attempt, after the SDK's makeRequest returned and its fetch timer
  // was cleared, bounded only by idleTimeoutMs (default 300 s per read). openai 7's own `timeout`
  // covers a stalled non-stream body (plain SDK: APIConnectionTimeoutError after `timeout` ms), so
  // through Keymesh a client with `timeout: 150` hangs for idleTimeoutMs instead (here 1 s; by
  // default 5 min per attempt). Suggested fix: in pooledMakeRequest, bound the body read by
  // min(idleTimeoutMs, props.startTime + (request.timeout ?? this.timeout) - Date.now()) and raise
  // the SDK's APIConnectionTimeoutError (provider trouble, so it is retried) when that deadline
  // passes. Remove `.fails` then.
  it("the SDK's own `timeout` still bounds a stalled non-stream body", async () => {
    const h = await start({ a: { kind: 'stall_body' }, sdk: { timeout: 150 }, pool: { idleTimeoutMs: 1_000, retry: { maxAttempts: 1 } } });
    const plain = new OpenAI({ apiKey: SECRET_A, baseURL: h.fake.url, maxRetries: 0, timeout: 150 });
    let started = Date.now();
    expect(await rejection(chat(plain))).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(Date.now() - started).toBeLessThan(600);
    started = Date.now();
    const error = await rejection(chat(h.client));
    expect(Date.now() - started).toBeLessThan(600);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it('a 500 then a success on the same (only) key: the retry after the backoff succeeds', async () => {
    const h = await start({ a: [{ kind: 'status', status: 500 }, { kind: 'ok', text: TEXT_A }], pool: { retry: FAST_RETRY } });
    expect((await chat(h.client)).choices[0].message.content).toBe(TEXT_A);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([2, 0]);
    expect(h.names()).toEqual(['request.retried', 'request.succeeded']);
    expect(h.payloads('request.retried')[0]).toMatchObject({ keyId: 'a', kind: 'provider_trouble', status: 500 });
    expect(h.payloads('request.succeeded')[0]).toMatchObject({ keyId: 'a', attempts: 2 });
    expect(h.key('a')).toMatchObject({ state: 'closed', available: true, failures: 1 });
  });

  it("a 503's retry-after-ms sets the backoff, and with round-robin the retry lands on the next key", async () => {
    const h = await start({ a: { kind: 'status', status: 503, headers: { 'retry-after-ms': '40' } }, b: okB, pool: { strategy: 'round-robin', retry: FAST_RETRY } });
    const started = Date.now();
    expect((await chat(h.client)).choices[0].message.content).toBe(TEXT_B);
    expect(Date.now() - started).toBeGreaterThanOrEqual(38);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 1]);
    // Provider trouble is not key-scoped: no key.rotated, the key stays available.
    expect(h.names()).toEqual(['request.retried', 'request.succeeded']);
    expect(h.payloads('request.retried')[0]).toMatchObject({ keyId: 'a', kind: 'provider_trouble', status: 503, delayMs: 40 });
    expect(h.key('a')).toMatchObject({ state: 'closed', available: true, lastErrorKind: 'provider_trouble' });
  });
});

describe('caller abort', () => {
  it('in flight: the SDK’s APIUserAbortError at once, no retry on another key, nothing held against the key', async () => {
    const h = await start({ a: { kind: 'ok', text: TEXT_A, latencyMs: 1_000 }, b: okB });
    const controller = new AbortController();
    const pending = rejection(chat(h.client, { signal: controller.signal }));
    await until(() => h.fake.countFor(SECRET_A) === 1); // the request is at the provider, waiting for its answer
    const abortedAt = Date.now();
    controller.abort();
    const error = await pending;

    expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(Date.now() - abortedAt).toBeLessThan(300);
    await sleep(50); // a retry, if any, would have been sent by now
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 0]);
    expect(h.names()).toEqual(['request.failed']);
    expect(h.payloads('request.failed')[0]).toMatchObject({ keyId: 'a', attempts: 1, kind: 'aborted' });
    expect(h.key('a')).toMatchObject({ state: 'closed', available: true, failures: 0, lastErrorKind: null, inFlight: 0 });
  });

  // BUG (shared file adapters/stainless.ts:84): the adapter rethrows `new AbortError()` with no
  // `cause`, where openai 7.57's own `_makeUserAbortError(signal)` sets `cause` = the signal's
  // reason (e.g. the TimeoutError of AbortSignal.timeout(), or the caller's own reason). Callers
  // that inspect `err.cause` to tell a deadline from a user cancel lose that. Suggested fix: on the
  // caller-abort path, `const e = new AbortError(); Object.defineProperty(e, 'cause', { value:
  // callerSignal.reason, writable: true, configurable: true }); throw e;`. Remove `.fails` then.
  it('the APIUserAbortError carries the signal’s reason as `cause`, as the plain SDK’s does', async () => {
    const h = await start({ a: { kind: 'ok', latencyMs: 300 } });
    const plain = new OpenAI({ apiKey: SECRET_A, baseURL: h.fake.url, maxRetries: 0 });
    const reason = new Error('the user gave up');
    const abortIn20ms = () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(reason), 20);
      return controller.signal;
    };
    const plainError = await rejection(chat(plain, { signal: abortIn20ms() }));
    expect(plainError).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect((plainError as Error).cause).toBe(reason);
    const pooledError = await rejection(chat(h.client, { signal: abortIn20ms() }));
    expect(pooledError).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect((pooledError as Error).cause).toBe(reason);
  });

  it('already aborted: APIUserAbortError, and no request reaches the provider', async () => {
    const h = await start({ a: { kind: 'ok' }, b: okB });
    const error = await rejection(chat(h.client, { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(h.fake.requests).toHaveLength(0);
    expect(h.key('a')).toMatchObject({ requests: 0, failures: 0 });
  });

  it('during a provider-trouble backoff: APIUserAbortError, the retry never happens', async () => {
    const h = await start({ a: { kind: 'status', status: 503, headers: { 'retry-after-ms': '2000' } }, b: okB });
    const controller = new AbortController();
    h.pool.on('request.retried', () => setTimeout(() => controller.abort(), 10));
    const started = Date.now();
    const error = await rejection(chat(h.client, { signal: controller.signal }));
    expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 0]);
    expect(h.names()).toEqual(['request.retried', 'request.failed']);
    expect(h.payloads('request.failed')[0]).toMatchObject({ kind: 'aborted' });
  });
});
