/**
 * The fault matrix, part 2: provider trouble (5xx, connection reset, a body dropped or stalled
 * mid-way) is retried after a full-jitter backoff and never sidelines a key; and the fault on
 * the ONLY key, pinned against PRODUCT.md "When no key can be tried".
 */
import { ApiError } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { isPoolExhaustedError, type PoolExhaustedError } from '@keymesh/core';
import { TEXT, rejection, useRig } from './__tests__/harness.js';

const rig = useRig();

/** A hand-written per-minute 429 whose RetryInfo is sub-second, so waiting for it stays fast (undefined: no RetryInfo). */
function perMinute429(retryDelay: string | undefined) {
  return {
    kind: 'status' as const,
    status: 429,
    body: {
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        message: 'You exceeded your current quota, please check your plan and billing details.',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] },
          ...(retryDelay === undefined ? [] : [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay }]),
        ],
      },
    },
  };
}

describe('gemini: provider trouble is retried after backoff and never sidelines a key', () => {
  it.each([500, 503])('%i on every attempt of the only key: the key is retried (it is not sidelined); attempts run out → ApiError unchanged', async (status) => {
    const r = await rig({ keys: { a: { kind: 'status', status } }, pool: { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } } });
    const error = await rejection(r.generate());

    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(status);
    expect(r.count('a')).toBe(3);
    expect(r.key('a')).toMatchObject({ state: 'closed', available: true, consecutiveFailures: 0, failures: 3, lastErrorKind: 'provider_trouble', disabledReason: null });
    expect(r.names()).toEqual(['request.retried', 'request.retried', 'request.failed']);
    for (const [i, retried] of r.of('request.retried').entries()) {
      expect(retried).toMatchObject({ keyId: 'a', attempt: i + 1, kind: 'provider_trouble', status });
      expect(retried.delayMs).toBeGreaterThanOrEqual(0);
      expect(retried.delayMs).toBeLessThanOrEqual(5);
    }
    expect(r.of('request.failed')[0]).toMatchObject({ keyId: 'a', attempts: 3, kind: 'provider_trouble', status });
  });

  it.each([500, 503])('%i, least-used: the backoff retry lands on B and answers; no key.rotated (not key-scoped)', async (status) => {
    const r = await rig({ keys: { a: { kind: 'status', status }, b: { kind: 'ok' } }, pool: { strategy: 'least-used' } });
    expect((await r.generate()).text).toBe(TEXT);
    expect([r.count('a'), r.count('b')]).toEqual([1, 1]);
    expect(r.key('a')).toMatchObject({ state: 'closed', available: true, consecutiveFailures: 0, failures: 1, lastErrorKind: 'provider_trouble' });
    expect(r.names()).toEqual(['request.retried', 'request.succeeded']);
    expect(r.of('request.retried')[0]).toMatchObject({ keyId: 'a', kind: 'provider_trouble', status });
    expect(r.of('request.succeeded')[0]).toMatchObject({ keyId: 'b', attempts: 2 });
  });

  it('503 then OK on the same (only) key: the second attempt answers from A', async () => {
    const r = await rig({ keys: { a: [{ kind: 'status', status: 503 }, { kind: 'ok' }] } });
    expect((await r.generate()).text).toBe(TEXT);
    expect(r.count('a')).toBe(2);
    expect(r.of('request.succeeded')).toMatchObject([{ keyId: 'a', attempts: 2 }]);
  });

  it('connection reset (genai: TypeError "fetch failed"): least-used retries on B', async () => {
    const r = await rig({ keys: { a: { kind: 'reset' }, b: { kind: 'ok' } }, pool: { strategy: 'least-used' } });
    expect((await r.generate()).text).toBe(TEXT);
    expect([r.count('a'), r.count('b')]).toEqual([1, 1]);
    expect(r.key('a')).toMatchObject({ state: 'closed', available: true, failures: 1, lastErrorKind: 'provider_trouble' });
    expect(r.of('request.retried')).toMatchObject([{ keyId: 'a', kind: 'provider_trouble' }]);
    expect(r.of('request.retried')[0].status).toBeUndefined();
  });

  it('connection reset on every attempt of the only key: the plain TypeError("fetch failed") after maxAttempts', async () => {
    const r = await rig({ keys: { a: { kind: 'reset' } }, pool: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } } });
    const error = await rejection(r.generate());
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
    expect(r.count('a')).toBe(2);
    expect(r.of('request.failed')).toMatchObject([{ keyId: 'a', attempts: 2, kind: 'provider_trouble' }]);
  });

  it('a non-stream body dropped half-way is read inside the attempt and retried (least-used → B)', async () => {
    const r = await rig({ keys: { a: { kind: 'stream_drop', afterChunks: 0 }, b: { kind: 'ok' } }, pool: { strategy: 'least-used' } });
    expect((await r.generate()).text).toBe(TEXT);
    expect(r.fake.requests.map((q) => [q.status, q.behaviour])).toEqual([[200, 'stream_drop'], [200, 'ok']]);
    expect(r.of('request.retried')).toMatchObject([{ keyId: 'a', kind: 'provider_trouble' }]);
    expect(r.key('a')).toMatchObject({ available: true, failures: 1, lastErrorKind: 'provider_trouble' });
  });

  it('a stalled non-stream body fails the attempt after idleTimeoutMs and is retried on B (least-used)', async () => {
    const r = await rig({ keys: { a: { kind: 'stall_body' }, b: { kind: 'ok' } }, pool: { strategy: 'least-used', idleTimeoutMs: 100 } });
    const started = performance.now();
    expect((await r.generate()).text).toBe(TEXT);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1_000);
    expect([r.count('a'), r.count('b')]).toEqual([1, 1]);
    expect(r.key('a')).toMatchObject({ available: true, failures: 1, lastErrorKind: 'provider_trouble', inFlight: 0 });
    expect(r.names()).toEqual(['request.retried', 'request.succeeded']);
  });

  it('genai’s own httpOptions.timeout (an AbortError the caller did not cause) is provider trouble: retried on B (least-used)', async () => {
    const r = await rig({ keys: { a: { kind: 'ok', latencyMs: 1_000 }, b: { kind: 'ok' } }, httpOptions: { timeout: 80 }, pool: { strategy: 'least-used' } });
    expect((await r.generate()).text).toBe(TEXT);
    expect([r.count('a'), r.count('b')]).toEqual([1, 1]);
    expect(r.of('request.retried')).toMatchObject([{ keyId: 'a', kind: 'provider_trouble' }]);
    expect(r.key('a')).toMatchObject({ available: true, failures: 1, lastErrorKind: 'provider_trouble' });
  });

  it('a body stalled on every attempt of the only key: Keymesh’s StreamIdleTimeoutError after maxAttempts (genai has no timeout of its own)', async () => {
    const r = await rig({ keys: { a: { kind: 'stall_body' } }, pool: { idleTimeoutMs: 60, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } } });
    const error = await rejection(r.generate());
    expect(error).toMatchObject({ name: 'StreamIdleTimeoutError', code: 'ERR_KEYMESH_STREAM_IDLE', idleTimeoutMs: 60 });
    expect(r.count('a')).toBe(2);
    expect(r.of('request.failed')).toMatchObject([{ keyId: 'a', attempts: 2, kind: 'provider_trouble' }]);
  });
});

describe('gemini: the fault on the ONLY key (PRODUCT.md "When no key can be tried")', () => {
  it('429 whose hint frees the key outside the budget → PoolExhaustedError at once, cause = the ApiError', async () => {
    const r = await rig({ keys: { a: { kind: 'rate_limit', limit: 0, windowMs: 30_000 } }, pool: { retry: { budgetMs: 1_000, baseDelayMs: 1, maxDelayMs: 5 } } });
    const started = performance.now();
    const error = await rejection(r.generate());
    expect(performance.now() - started).toBeLessThan(500); // fail fast, no waiting out the budget

    expect(isPoolExhaustedError(error)).toBe(true);
    const exhausted = error as PoolExhaustedError;
    expect(exhausted.code).toBe('ERR_KEYMESH_POOL_EXHAUSTED');
    expect(exhausted.cause).toBeInstanceOf(ApiError);
    expect((exhausted.cause as ApiError).status).toBe(429);
    expect(exhausted.retryAfterMs).toBeGreaterThan(29_000);
    expect(exhausted.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(exhausted).toMatchObject({ poolName: 'gemini-test', attempts: 1 });
    expect(exhausted.keys).toMatchObject([{ keyId: 'a', state: 'closed', reason: 'rate_limited', availableAt: r.key('a').availableAt }]);
    expect(r.count('a')).toBe(1);
    expect(r.names()).toEqual(['key.rate_limited', 'request.retried', 'pool.exhausted', 'request.failed']);
    expect(r.of('pool.exhausted')[0]).toMatchObject({ retryAfterMs: exhausted.retryAfterMs, attempts: 1 });
    expect(r.of('request.failed')[0]).toMatchObject({ keyId: 'a', kind: 'pool_exhausted', attempts: 1 });
  });

  it('429 whose RetryInfo frees the key inside the budget: the pool waits for it, then the key answers', async () => {
    const r = await rig({ keys: { a: [perMinute429('0.15s'), { kind: 'ok' }] } });
    expect((await r.generate()).text).toBe(TEXT);
    expect(r.count('a')).toBe(2);
    const [first, second] = r.fake.requests;
    expect(second.at - first.at).toBeGreaterThanOrEqual(140);
    expect(r.of('key.rate_limited')).toMatchObject([{ keyId: 'a', retryAfterMs: 150, source: 'hint' }]);
    expect(r.of('request.succeeded')).toMatchObject([{ keyId: 'a', attempts: 2 }]);
  });

  it('429 on every attempt while the key keeps coming back: attempts run out → the ApiError unchanged (not PoolExhaustedError)', async () => {
    const r = await rig({ keys: { a: perMinute429('0.02s') }, pool: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } } });
    const error = await rejection(r.generate());
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(429);
    expect(isPoolExhaustedError(error)).toBe(false);
    expect(r.count('a')).toBe(2);
    expect(r.of('request.failed')).toMatchObject([{ keyId: 'a', attempts: 2, kind: 'rate_limited', status: 429 }]);
  });

  it.each([
    ['401', { kind: 'status', status: 401 } as const, 401, 'key_rejected', null],
    ['API_KEY_INVALID', { kind: 'invalid_key' } as const, 400, 'key_rejected', null],
    ['daily quota', { kind: 'quota' } as const, 429, 'quota_exhausted', 120_000],
  ])('%s → PoolExhaustedError (cause = the ApiError), key disabled', async (_label, behaviour, status, reason, retryAfterMs) => {
    const r = await rig({ keys: { a: behaviour }, pool: { quotaCooldownMs: 120_000 } });
    const error = await rejection(r.generate());
    expect(isPoolExhaustedError(error)).toBe(true);
    const exhausted = error as PoolExhaustedError;
    expect((exhausted.cause as ApiError).status).toBe(status);
    expect(exhausted.cause).toBeInstanceOf(ApiError);
    if (retryAfterMs === null) expect(exhausted.retryAfterMs).toBeNull();
    else {
      expect(exhausted.retryAfterMs).toBeGreaterThan(retryAfterMs - 1_000);
      expect(exhausted.retryAfterMs).toBeLessThanOrEqual(retryAfterMs);
    }
    expect(exhausted.keys).toMatchObject([{ keyId: 'a', state: 'disabled', reason }]);
    expect(r.count('a')).toBe(1);
    expect(r.names()).toEqual(['key.disabled', 'request.retried', 'pool.exhausted', 'request.failed']);
  });

  it.each([
    ['500', { kind: 'status', status: 500 } as const, 3],
    ['503', { kind: 'status', status: 503 } as const, 3],
    ['400', { kind: 'status', status: 400 } as const, 1],
    ['404', { kind: 'status', status: 404 } as const, 1],
  ])('%s → the ApiError unchanged after %i request(s)', async (label, behaviour, requests) => {
    const r = await rig({ keys: { a: behaviour }, pool: { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } } });
    const error = await rejection(r.generate());
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(Number(label));
    expect(r.count('a')).toBe(requests);
    expect(r.key('a')).toMatchObject({ state: 'closed', available: true });
  });

  it('three consecutive unhinted 429s open the circuit; after its cooldown the half-open trial closes it', async () => {
    // A 429 with RetryInfo is the provider's exact instruction and never counts toward the breaker;
    // these carry none, so each counts (sidelined for the short default cooldown meanwhile).
    const r = await rig({
      keys: { a: [perMinute429(undefined), perMinute429(undefined), perMinute429(undefined), { kind: 'ok' }] },
      pool: { breaker: { failureThreshold: 3, cooldownMs: 80 }, rateLimitCooldownMs: 10 },
    });
    expect((await r.generate()).text).toBe(TEXT);
    expect(r.count('a')).toBe(4);
    expect(r.names().filter((n) => n.startsWith('circuit.'))).toEqual(['circuit.opened', 'circuit.half_opened', 'circuit.closed']);
    expect(r.of('circuit.opened')[0]).toMatchObject({ keyId: 'a', consecutiveFailures: 3 });
    const [, , third, fourth] = r.fake.requests;
    expect(fourth.at - third.at).toBeGreaterThanOrEqual(75); // waited out the breaker, not just the 10 ms cooldown
    expect(r.key('a')).toMatchObject({ state: 'closed', consecutiveFailures: 0, available: true });
    expect(r.of('request.succeeded')).toMatchObject([{ keyId: 'a', attempts: 4 }]);
  });
});
