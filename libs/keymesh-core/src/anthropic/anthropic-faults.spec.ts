import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { isPoolExhaustedError, type OutcomeKind, type PoolExhaustedError } from '@keymesh/core';
import { DEFAULT_TEXT, type Behaviour } from '@keymesh/testing';
import { A, B, LIMITED, OK, PARAMS, expectOneCredentialNoSdkRetry, rejection, textOf, until, useAnthropic } from './__tests__/harness.js';

/**
 * The fault matrix, part 1: key-scoped faults (rotate at once), the caller's faults (thrown
 * unchanged) and caller aborts, for the real @anthropic-ai/sdk against the fake Anthropic API.
 * Provider trouble is in anthropic-trouble.spec.ts, stream faults in anthropic-streams.spec.ts.
 */
const setup = useAnthropic();
const HOUR = 3_600_000;

interface KeyScopedRow {
  name: string;
  behaviour: Behaviour;
  kind: Extract<OutcomeKind, 'rate_limited' | 'quota_exhausted' | 'key_rejected'>;
  status: number;
  errorClass: abstract new (...args: never[]) => Error;
}

const keyScoped: KeyScopedRow[] = [
  { name: '429 rate limit', behaviour: LIMITED, kind: 'rate_limited', status: 429, errorClass: Anthropic.RateLimitError },
  { name: '429 spend limit (out of credit)', behaviour: { kind: 'quota' }, kind: 'quota_exhausted', status: 429, errorClass: Anthropic.RateLimitError },
  { name: '402 billing', behaviour: { kind: 'status', status: 402 }, kind: 'quota_exhausted', status: 402, errorClass: Anthropic.PaymentRequiredError },
  { name: '401 invalid key', behaviour: { kind: 'invalid_key' }, kind: 'key_rejected', status: 401, errorClass: Anthropic.AuthenticationError },
  { name: '403 permission', behaviour: { kind: 'status', status: 403 }, kind: 'key_rejected', status: 403, errorClass: Anthropic.PermissionDeniedError },
];

describe('key-scoped faults: the request moves to the next key at once', () => {
  it.each(keyScoped)('$name on key A: B answers, A reached the fake exactly once and is sidelined', async (row) => {
    const { fake, client, events, key } = await setup([row.behaviour, OK]);
    const t0 = Date.now();
    const message = await client.messages.create(PARAMS);
    const t1 = Date.now();

    // a. the caller gets B's completion
    expect(textOf(message)).toBe(DEFAULT_TEXT);
    // b. one request per key, SDK retries off, one credential each
    expect([fake.countFor(A), fake.countFor(B)]).toEqual([1, 1]);
    expect(fake.requests.map((r) => [r.key?.slice(-1), r.status])).toEqual([['a', row.status], ['b', 200]]);
    expectOneCredentialNoSdkRetry(fake);
    // no sleep: B was asked right after A's answer (A's hint, when it has one, is 30 s)
    expect(t1 - t0).toBeLessThan(5_000);

    // c. A's state
    const a = key('a');
    // A hinted 429 never counts toward the breaker; rejections and quota do.
    expect(a).toMatchObject({ available: false, lastErrorKind: row.kind, consecutiveFailures: row.kind === 'rate_limited' ? 0 : 1, failures: 1, requests: 1, inFlight: 0 });
    if (row.kind === 'rate_limited') {
      // sidelined until the fake's hint: retry-after 30 s, reset 30 s after the window opened
      expect(a).toMatchObject({ state: 'closed', disabledReason: null });
      expect(a.availableAt).toBeGreaterThanOrEqual(fake.requests[0]!.at + 30_000);
      expect(a.availableAt).toBeLessThanOrEqual(t1 + 30_000);
    } else if (row.kind === 'quota_exhausted') {
      expect(a).toMatchObject({ state: 'disabled', disabledReason: 'quota_exhausted' });
      expect(a.availableAt).toBeGreaterThanOrEqual(t0 + HOUR);
      expect(a.availableAt).toBeLessThanOrEqual(t1 + HOUR);
    } else {
      expect(a).toMatchObject({ state: 'disabled', disabledReason: 'key_rejected', availableAt: null });
    }
    expect(key('b')).toMatchObject({ state: 'closed', available: true, requests: 1, failures: 0, lastErrorKind: null });

    // d. events, in order
    const sidelined = row.kind === 'rate_limited' ? 'key.rate_limited' : 'key.disabled';
    expect(events.names()).toEqual([sidelined, 'request.retried', 'key.rotated', 'request.succeeded']);
    if (row.kind === 'rate_limited') {
      expect(events.of('key.rate_limited')).toEqual([expect.objectContaining({ keyId: 'a', retryAfterMs: 30_000, source: 'hint', until: a.availableAt })]);
    } else {
      expect(events.of('key.disabled')).toEqual([expect.objectContaining({ keyId: 'a', reason: row.kind, until: a.availableAt })]);
    }
    expect(events.of('request.retried')).toEqual([expect.objectContaining({ keyId: 'a', attempt: 1, kind: row.kind, status: row.status, delayMs: 0 })]);
    expect(events.of('key.rotated')).toEqual([expect.objectContaining({ keyId: 'b', fromKeyId: 'a', reason: row.kind })]);
    expect(events.of('request.succeeded')).toEqual([expect.objectContaining({ keyId: 'b', attempts: 2 })]);
  });

  it('three keys: 429 on A, 401 on B, C answers; each faulty key is asked once', async () => {
    const { fake, client, events, key } = await setup([LIMITED, { kind: 'invalid_key' }, OK]);
    expect(textOf(await client.messages.create(PARAMS))).toBe(DEFAULT_TEXT);
    expect(fake.requests.map((r) => [r.key?.slice(-1), r.status])).toEqual([['a', 429], ['b', 401], ['c', 200]]);
    expectOneCredentialNoSdkRetry(fake);
    expect([key('a').state, key('b').state, key('c').state]).toEqual(['closed', 'disabled', 'closed']);
    expect(events.of('key.rotated').map((e) => [e.fromKeyId, e.keyId, e.reason])).toEqual([['a', 'b', 'rate_limited'], ['b', 'c', 'key_rejected']]);
    expect(events.of('request.succeeded')).toEqual([expect.objectContaining({ keyId: 'c', attempts: 3 })]);
  });

  it('opens the circuit of a key after failureThreshold consecutive unhinted 429s', async () => {
    const { client, events, key } = await setup([{ kind: 'status', status: 429 }, OK], {
      pool: { breaker: { failureThreshold: 2, cooldownMs: 60_000 }, rateLimitCooldownMs: 1 },
    });
    await client.messages.create(PARAMS);
    await new Promise((resolve) => setTimeout(resolve, 10)); // A's 1 ms default cooldown passes; priority tries A again
    await client.messages.create(PARAMS);
    expect(key('a')).toMatchObject({ state: 'open', consecutiveFailures: 2, available: false });
    expect(events.of('circuit.opened')).toEqual([expect.objectContaining({ keyId: 'a', consecutiveFailures: 2 })]);
    expect(key('a').availableAt! - events.of('circuit.opened')[0]!.at).toBe(60_000);
  });
});

describe('key-scoped faults on the only key', () => {
  it.each(keyScoped)('$name: PoolExhaustedError (cause: the SDK error) when the key frees after the budget', async (row) => {
    const { fake, client, events, key } = await setup([row.behaviour], { pool: { retry: { budgetMs: 2_000 } } });
    const t0 = Date.now();
    const error = (await rejection(client.messages.create(PARAMS))) as PoolExhaustedError;
    expect(Date.now() - t0).toBeLessThan(1_500); // failed fast: no wait for a key that frees after the budget
    expect(isPoolExhaustedError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ERR_KEYMESH_POOL_EXHAUSTED', poolName: 'default', attempts: 1 });
    expect(error.cause).toBeInstanceOf(row.errorClass);
    expect((error.cause as InstanceType<typeof Anthropic.APIError>).status).toBe(row.status);
    expect(fake.requests).toHaveLength(1);
    expectOneCredentialNoSdkRetry(fake);

    const a = key('a');
    if (row.kind === 'rate_limited') {
      expect(error.retryAfterMs).toBeGreaterThan(29_000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
    } else if (row.kind === 'quota_exhausted') {
      expect(error.retryAfterMs).toBeGreaterThan(HOUR - 1_000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(HOUR);
    } else {
      expect(error.retryAfterMs).toBeNull();
    }
    expect(error.keys).toEqual([{ keyId: 'a', state: a.state, reason: row.kind, availableAt: a.availableAt }]);
    const sidelined = row.kind === 'rate_limited' ? 'key.rate_limited' : 'key.disabled';
    expect(events.names()).toEqual([sidelined, 'request.retried', 'pool.exhausted', 'request.failed']);
    expect(events.of('pool.exhausted')).toEqual([expect.objectContaining({ retryAfterMs: error.retryAfterMs, attempts: 1 })]);
    expect(events.of('request.failed')).toEqual([expect.objectContaining({ keyId: 'a', kind: 'pool_exhausted', attempts: 1 })]);
  });

  it.each(keyScoped)('$name: the SDK error itself when attempts run out (maxAttempts 1)', async (row) => {
    const { fake, client, events } = await setup([row.behaviour], { pool: { retry: { maxAttempts: 1 } } });
    const error = await rejection(client.messages.create(PARAMS));
    expect(error).toBeInstanceOf(row.errorClass);
    expect(isPoolExhaustedError(error)).toBe(false);
    expect(fake.requests).toHaveLength(1);
    expect(events.of('request.failed')).toEqual([expect.objectContaining({ keyId: 'a', kind: row.kind, status: row.status, attempts: 1 })]);
  });

  it('a spend-limit 429 arrives as the SDK error with its error code', async () => {
    const { client } = await setup([{ kind: 'quota' }], { pool: { retry: { maxAttempts: 1 } } });
    const error = (await rejection(client.messages.create(PARAMS))) as InstanceType<typeof Anthropic.RateLimitError>;
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.errorCode).toBe('enforced_spend_limit_reached');
  });

  it('two keys both 429 within the attempts: the last RateLimitError is rethrown unchanged', async () => {
    const { fake, client, events } = await setup([LIMITED, LIMITED], { pool: { retry: { maxAttempts: 2 } } });
    const error = (await rejection(client.messages.create(PARAMS))) as InstanceType<typeof Anthropic.RateLimitError>;
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.headers.get('retry-after')).toBe('30');
    expect(fake.requests.map((r) => r.key?.slice(-1))).toEqual(['a', 'b']);
    expect(events.of('request.failed')).toEqual([expect.objectContaining({ keyId: 'b', kind: 'rate_limited', status: 429, attempts: 2 })]);
  });

  it('waits for the only key when its hint ends inside the budget, then succeeds on it', async () => {
    const { fake, client, events, key } = await setup([[{ kind: 'status', status: 429, headers: { 'retry-after-ms': '150' } }, OK]]);
    const t0 = Date.now();
    expect(textOf(await client.messages.create(PARAMS))).toBe(DEFAULT_TEXT);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(fake.requests[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(140);
    expect(events.of('key.rate_limited')).toEqual([expect.objectContaining({ keyId: 'a', retryAfterMs: 150, source: 'hint' })]);
    expect(events.of('request.succeeded')).toEqual([expect.objectContaining({ keyId: 'a', attempts: 2 })]);
    expect(key('a')).toMatchObject({ state: 'closed', available: true, consecutiveFailures: 0 });
  });
});

const callerFaults = [
  { status: 400, errorClass: Anthropic.BadRequestError },
  { status: 404, errorClass: Anthropic.NotFoundError },
  { status: 422, errorClass: Anthropic.UnprocessableEntityError },
];

describe("the caller's faults are thrown unchanged and never count against a key", () => {
  it.each(callerFaults)('$status on key A: the SDK class, B never asked, A untouched', async ({ status, errorClass }) => {
    const { fake, client, events, key } = await setup([{ kind: 'status', status }, OK]);
    const error = (await rejection(client.messages.create(PARAMS))) as InstanceType<typeof Anthropic.APIError>;
    expect(error).toBeInstanceOf(errorClass);
    expect(error.status).toBe(status);
    expect(fake.requests.map((r) => r.key?.slice(-1))).toEqual(['a']);
    expectOneCredentialNoSdkRetry(fake);
    expect(key('a')).toMatchObject({ state: 'closed', available: true, failures: 0, consecutiveFailures: 0, lastErrorKind: null, requests: 1 });
    expect(key('b')).toMatchObject({ requests: 0 });
    expect(events.names()).toEqual(['request.failed']);
    expect(events.of('request.failed')).toEqual([expect.objectContaining({ keyId: 'a', kind: 'caller_fault', status, attempts: 1 })]);
  });

  it.each(callerFaults)('$status on the only key: the SDK class, one request', async ({ status, errorClass }) => {
    const { fake, client } = await setup([{ kind: 'status', status }]);
    expect(await rejection(client.messages.create(PARAMS))).toBeInstanceOf(errorClass);
    expect(fake.requests).toHaveLength(1);
  });

  it('a request the API rejects as malformed (400 on every key) is sent once', async () => {
    const { fake, client } = await setup([OK, OK]);
    const bad = { model: PARAMS.model, messages: PARAMS.messages } as unknown as typeof PARAMS; // no max_tokens
    expect(await rejection(client.messages.create(bad))).toBeInstanceOf(Anthropic.BadRequestError);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('caller abort', () => {
  it.each([2, 1])('aborting an in-flight request (%i keys): APIUserAbortError at once, nothing retried, key untouched', async (keys) => {
    const { fake, client, events, key, pool } = await setup(([{ kind: 'ok', latencyMs: 3_000 }, OK] as Behaviour[]).slice(0, keys));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const t0 = Date.now();
    const error = await rejection(client.messages.create(PARAMS, { signal: controller.signal }));
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(Anthropic.APIUserAbortError);
    expect(fake.requests.map((r) => r.key?.slice(-1))).toEqual(['a']);
    await until(() => pool.snapshot().keys.every((k) => k.inFlight === 0));
    expect(key('a')).toMatchObject({ state: 'closed', available: true, failures: 0, lastErrorKind: null });
    expect(events.names()).toEqual(['request.failed']);
    expect(events.of('request.failed')).toEqual([expect.objectContaining({ keyId: 'a', kind: 'aborted', attempts: 1 })]);
  });

  it('an already aborted signal: APIUserAbortError, no request sent', async () => {
    const { fake, client, events } = await setup([OK, OK]);
    const error = await rejection(client.messages.create(PARAMS, { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(Anthropic.APIUserAbortError);
    expect(fake.requests).toHaveLength(0);
    // Pinned: a request refused before its first attempt emits no request.failed.
    expect(events.names()).toEqual([]);
  });

  it('aborting during a backoff sleep ends the request at once', async () => {
    const { fake, client, events } = await setup([{ kind: 'status', status: 503, headers: { 'retry-after-ms': '2000' } }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 80);
    const t0 = Date.now();
    const error = await rejection(client.messages.create(PARAMS, { signal: controller.signal }));
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(Anthropic.APIUserAbortError);
    expect(fake.requests).toHaveLength(1);
    expect(events.names()).toEqual(['request.retried', 'request.failed']);
    expect(events.of('request.retried')[0]).toMatchObject({ delayMs: 2_000, kind: 'provider_trouble', status: 503 });
    expect(events.of('request.failed')[0]).toMatchObject({ kind: 'aborted' });
  });

  it('aborting while waiting for a sidelined key ends the request at once', async () => {
    const { fake, client } = await setup([[{ kind: 'status', status: 429, headers: { 'retry-after-ms': '3000' } }, OK]]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 80);
    const t0 = Date.now();
    expect(await rejection(client.messages.create(PARAMS, { signal: controller.signal }))).toBeInstanceOf(Anthropic.APIUserAbortError);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(fake.requests).toHaveLength(1);
  });
});
