/**
 * The fault on the ONLY key of the pool (PRODUCT.md "When no key can be tried"): the pool waits
 * for the key when it frees inside the budget; otherwise it fails fast with PoolExhaustedError
 * whose `cause` is the SDK's error; when attempts or budget run out while the key was still being
 * tried, the SDK's own error is rethrown unchanged.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { isPoolExhaustedError, type PoolExhaustedError } from '@keymesh/core';
import type { KeyBehaviour } from '@keymesh/testing';
import { FAST_RETRY, SECRET_A, chat, expectNoSecretIn, expectSdkRetriesOff, rejection, useOpenAIHarness } from './__tests__/openai-kit.js';

const start = useOpenAIHarness();

describe('the fault on the only key (PRODUCT.md "When no key can be tried")', () => {
  it('429 whose hint is beyond the budget: PoolExhaustedError at once, cause = the SDK’s RateLimitError', async () => {
    const h = await start({ a: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, pool: { retry: { budgetMs: 5_000 } } });
    const started = Date.now();
    const error = await rejection(chat(h.client));

    expect(Date.now() - started).toBeLessThan(1_000); // fails fast, no wait for the key
    expect(isPoolExhaustedError(error)).toBe(true);
    const exhausted = error as PoolExhaustedError;
    expect(exhausted.code).toBe('ERR_KEYMESH_POOL_EXHAUSTED');
    expect(exhausted.cause).toBeInstanceOf(OpenAI.RateLimitError);
    expect(exhausted).toMatchObject({ poolName: 'default', attempts: 1 });
    expect(exhausted.retryAfterMs).toBeGreaterThan(58_000);
    expect(exhausted.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(exhausted.keys).toEqual([{ keyId: 'a', state: 'closed', reason: 'rate_limited', availableAt: h.key('a').availableAt }]);
    expect(h.fake.countFor(SECRET_A)).toBe(1);
    expectSdkRetriesOff(h.fake);
    // request.retried fires before the pool finds no key left to retry on.
    expect(h.names()).toEqual(['key.rate_limited', 'request.retried', 'pool.exhausted', 'request.failed']);
    expect(h.payloads('request.failed')[0]).toMatchObject({ keyId: 'a', attempts: 1, kind: 'pool_exhausted' });
    expectNoSecretIn(exhausted.message);
    expectNoSecretIn(exhausted.keys);
  });

  it('429 with a short hint: the pool waits for the key and retries; when attempts run out the SDK’s RateLimitError is rethrown unchanged', async () => {
    const h = await start({
      a: { kind: 'rate_limit', limit: 0, windowMs: 60_000, hints: ['retry-after-ms'], retryAfterMs: 20 },
      pool: { retry: { maxAttempts: 3 }, breaker: { failureThreshold: 10 } },
    });
    const error = await rejection(chat(h.client));

    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(isPoolExhaustedError(error)).toBe(false);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after-ms')).toBe('20');
    expect(h.fake.countFor(SECRET_A)).toBe(3);
    expectSdkRetriesOff(h.fake);
    const requests = h.fake.requestsFor(SECRET_A);
    expect(requests[1].at - requests[0].at).toBeGreaterThanOrEqual(19); // waited for the hint, no hot loop
    expect(h.names()).toEqual(['key.rate_limited', 'request.retried', 'key.rate_limited', 'request.retried', 'key.rate_limited', 'request.failed']);
    expect(h.payloads('request.failed')[0]).toMatchObject({ kind: 'rate_limited', status: 429, attempts: 3 });
    // A hinted 429 is the provider's exact instruction, not a fault of the key: it never counts toward the breaker.
    expect(h.key('a')).toMatchObject({ state: 'closed', consecutiveFailures: 0, failures: 3 });
  });

  it('three unhinted 429s open the circuit for cooldownMs (30 s, beyond the budget): circuit.opened, then PoolExhaustedError', async () => {
    const h = await start({
      a: { kind: 'rate_limit', limit: 0, windowMs: 60_000, hints: 'none' },
      pool: { retry: { budgetMs: 3_000 }, rateLimitCooldownMs: 10 },
    });
    const error = await rejection(chat(h.client));

    expect(isPoolExhaustedError(error)).toBe(true);
    expect((error as PoolExhaustedError).cause).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as PoolExhaustedError).attempts).toBe(3);
    expect(h.fake.countFor(SECRET_A)).toBe(3);
    expect(h.names()).toEqual([
      'key.rate_limited', 'request.retried',
      'key.rate_limited', 'request.retried',
      'circuit.opened', 'key.rate_limited', 'request.retried',
      'pool.exhausted', 'request.failed',
    ]);
    const opened = h.payloads('circuit.opened')[0];
    expect(opened).toMatchObject({ keyId: 'a', consecutiveFailures: 3 });
    expect(opened.until - opened.at).toBe(30_000);
    expect(h.key('a')).toMatchObject({ state: 'open', available: false, availableAt: opened.until });
  });

  it.each([
    { fault: '401', a: { kind: 'invalid_key' } as KeyBehaviour, ErrorClass: OpenAI.AuthenticationError, reason: 'key_rejected', retryAfterMs: null },
    { fault: '403', a: { kind: 'status', status: 403 } as KeyBehaviour, ErrorClass: OpenAI.PermissionDeniedError, reason: 'key_rejected', retryAfterMs: null },
    { fault: 'insufficient_quota', a: { kind: 'quota' } as KeyBehaviour, ErrorClass: OpenAI.RateLimitError, reason: 'quota_exhausted', retryAfterMs: 3_600_000 },
  ])('$fault: the key is disabled beyond the budget → PoolExhaustedError, cause = $ErrorClass.name', async ({ a, ErrorClass, reason, retryAfterMs }) => {
    const h = await start({ a });
    const error = await rejection(chat(h.client));

    expect(isPoolExhaustedError(error)).toBe(true);
    const exhausted = error as PoolExhaustedError;
    expect(exhausted.cause).toBeInstanceOf(ErrorClass);
    if (retryAfterMs === null) expect(exhausted.retryAfterMs).toBeNull();
    else expect(Math.abs(exhausted.retryAfterMs! - retryAfterMs)).toBeLessThanOrEqual(50);
    expect(exhausted.keys[0]).toMatchObject({ keyId: 'a', state: 'disabled', reason });
    expect(h.fake.countFor(SECRET_A)).toBe(1);
    expect(h.names()).toEqual(['key.disabled', 'request.retried', 'pool.exhausted', 'request.failed']);
  });

  it.each([
    { status: 400, ErrorClass: OpenAI.BadRequestError, requests: 1 },
    { status: 404, ErrorClass: OpenAI.NotFoundError, requests: 1 },
    { status: 500, ErrorClass: OpenAI.InternalServerError, requests: 5 },
    { status: 503, ErrorClass: OpenAI.InternalServerError, requests: 5 },
  ])('$status: the SDK’s own $ErrorClass.name, unchanged, after $requests request(s)', async ({ status, ErrorClass, requests }) => {
    const h = await start({ a: { kind: 'status', status }, pool: { retry: FAST_RETRY } });
    const error = await rejection(chat(h.client));
    expect(error).toBeInstanceOf(ErrorClass);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
    expect(h.fake.countFor(SECRET_A)).toBe(requests); // maxAttempts defaults to 5
    expectSdkRetriesOff(h.fake);
    expect(h.key('a').state).toBe('closed');
  });
});
