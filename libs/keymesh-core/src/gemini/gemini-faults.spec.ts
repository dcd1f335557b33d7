/**
 * The fault matrix, part 1: key-scoped faults (rotate at once) and the caller's faults (thrown
 * unchanged), for the real @google/genai SDK against the fake Gemini over real sockets.
 * The faulty key is always tried first (`strategy: 'priority'`, ties in key order).
 */
import { ApiError, GoogleGenAI } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { TEXT, bodyOf, expectNoSecret, rejection, sleep, useRig, SECRET } from './__tests__/harness.js';

const rig = useRig();
const QUOTA_COOLDOWN_MS = 120_000;

describe('gemini: key-scoped faults move the request to the next key at once', () => {
  it('429 per-minute rate limit: one request on A, the answer from B, A sidelined until RetryInfo.retryDelay', async () => {
    const r = await rig({ keys: { a: { kind: 'rate_limit', limit: 0, windowMs: 30_000 }, b: { kind: 'ok' } } });
    const before = Date.now();
    const response = await r.generate();
    const after = Date.now();

    expect(response.text).toBe(TEXT);
    expect(r.count('a')).toBe(1);
    expect(r.count('b')).toBe(1);
    expect(r.fake.requests.map((q) => q.status)).toEqual([429, 200]);
    // One retry owner: genai sends no x-stainless-retry-count, and made no retry of its own.
    expect(r.fake.requests.map((q) => q.retryCount)).toEqual([undefined, undefined]);
    const a = r.key('a');
    // RetryInfo is the provider's exact instruction: the 429 never counts toward the breaker.
    expect(a).toMatchObject({ state: 'closed', available: false, disabledReason: null, lastErrorKind: 'rate_limited', consecutiveFailures: 0, failures: 1, requests: 1, inFlight: 0 });
    // The fake's RetryInfo is "30s" (the whole window): the cooldown is exactly that hint.
    expect(a.availableAt).toBeGreaterThanOrEqual(before + 30_000);
    expect(a.availableAt).toBeLessThanOrEqual(after + 30_000);
    expect(r.key('b')).toMatchObject({ state: 'closed', available: true, failures: 0, requests: 1, lastErrorKind: null });

    expect(r.names()).toEqual(['key.rate_limited', 'request.retried', 'key.rotated', 'request.succeeded']);
    expect(r.of('key.rate_limited')[0]).toMatchObject({ pool: 'gemini-test', keyId: 'a', retryAfterMs: 30_000, until: a.availableAt, source: 'hint' });
    // No sleep before the rotation.
    expect(r.of('request.retried')[0]).toMatchObject({ keyId: 'a', attempt: 1, kind: 'rate_limited', status: 429, delayMs: 0 });
    expect(r.of('key.rotated')[0]).toMatchObject({ keyId: 'b', fromKeyId: 'a', reason: 'rate_limited' });
    expect(r.of('request.succeeded')[0]).toMatchObject({ keyId: 'b', attempts: 2 });
    expectNoSecret(r.events);
    expectNoSecret(r.pool.snapshot());

    // While sidelined, A is not tried again.
    await r.generate();
    expect(r.count('a')).toBe(1);
    expect(r.count('b')).toBe(2);
  });

  it('429 daily quota (QuotaFailure …PerDay…): A disabled for quotaCooldownMs, the answer from B', async () => {
    const r = await rig({ keys: { a: { kind: 'quota' }, b: { kind: 'ok' } }, pool: { quotaCooldownMs: QUOTA_COOLDOWN_MS } });
    const before = Date.now();
    expect((await r.generate()).text).toBe(TEXT);
    const after = Date.now();

    expect([r.count('a'), r.count('b')]).toEqual([1, 1]);
    const a = r.key('a');
    expect(a).toMatchObject({ state: 'disabled', available: false, disabledReason: 'quota_exhausted', lastErrorKind: 'quota_exhausted', failures: 1 });
    expect(a.availableAt).toBeGreaterThanOrEqual(before + QUOTA_COOLDOWN_MS);
    expect(a.availableAt).toBeLessThanOrEqual(after + QUOTA_COOLDOWN_MS);
    expect(r.names()).toEqual(['key.disabled', 'request.retried', 'key.rotated', 'request.succeeded']);
    expect(r.of('key.disabled')[0]).toMatchObject({ keyId: 'a', reason: 'quota_exhausted', until: a.availableAt });
    expect(r.of('request.retried')[0]).toMatchObject({ keyId: 'a', kind: 'quota_exhausted', status: 429, delayMs: 0 });
    expect(r.of('key.rotated')[0]).toMatchObject({ keyId: 'b', fromKeyId: 'a', reason: 'quota_exhausted' });
  });

  it('per-minute and daily 429s are told apart by quotaId, not by the message (both mention billing)', async () => {
    const r = await rig({
      keys: { a: { kind: 'rate_limit', limit: 0, windowMs: 60_000, retryAfterMs: 45_000 }, b: { kind: 'quota' }, c: { kind: 'ok' } },
      pool: { quotaCooldownMs: QUOTA_COOLDOWN_MS },
    });
    const before = Date.now();
    expect((await r.generate()).text).toBe(TEXT);
    const after = Date.now();

    expect([r.count('a'), r.count('b'), r.count('c')]).toEqual([1, 1, 1]);
    const a = r.key('a');
    const b = r.key('b');
    expect(a).toMatchObject({ state: 'closed', disabledReason: null, lastErrorKind: 'rate_limited' });
    expect(a.availableAt).toBeGreaterThanOrEqual(before + 45_000);
    expect(a.availableAt).toBeLessThanOrEqual(after + 45_000);
    expect(b).toMatchObject({ state: 'disabled', disabledReason: 'quota_exhausted', lastErrorKind: 'quota_exhausted' });
    expect(b.availableAt).toBeGreaterThanOrEqual(before + QUOTA_COOLDOWN_MS);
    expect(r.names()).toEqual(['key.rate_limited', 'request.retried', 'key.rotated', 'key.disabled', 'request.retried', 'key.rotated', 'request.succeeded']);
    expect(r.of('key.rotated')).toMatchObject([
      { keyId: 'b', fromKeyId: 'a', reason: 'rate_limited' },
      { keyId: 'c', fromKeyId: 'b', reason: 'quota_exhausted' },
    ]);

    // The premise: both raw bodies say "billing"; only the QuotaFailure quotaId differs.
    const raw = (secret: string) => new GoogleGenAI({ apiKey: secret, httpOptions: { baseUrl: r.fake.url } }).models.generateContent({ model: 'm', contents: 'hi' });
    const perMinute = bodyOf(await rejection(raw(SECRET.a))).error;
    const daily = bodyOf(await rejection(raw(SECRET.b))).error;
    expect(perMinute.message).toContain('billing');
    expect(daily.message).toContain('billing');
    const quotaId = (e: typeof daily) => (e.details?.find((d) => String(d['@type']).endsWith('QuotaFailure')) as { violations: Array<{ quotaId: string }> }).violations[0].quotaId;
    expect(quotaId(perMinute)).toMatch(/PerMinute/);
    expect(quotaId(daily)).toMatch(/PerDay/);
  });

  it.each([
    ['401 UNAUTHENTICATED', { kind: 'status', status: 401 } as const, 401],
    ['403 PERMISSION_DENIED (key reported leaked)', { kind: 'status', status: 403 } as const, 403],
    ['400 INVALID_ARGUMENT with ErrorInfo API_KEY_INVALID', { kind: 'invalid_key' } as const, 400],
  ])('%s: A disabled until enableKey, the answer from B', async (_label, behaviour, status) => {
    const r = await rig({ keys: { a: behaviour, b: { kind: 'ok' } } });
    expect((await r.generate()).text).toBe(TEXT);

    expect([r.count('a'), r.count('b')]).toEqual([1, 1]);
    expect(r.fake.requests[0].status).toBe(status);
    expect(r.key('a')).toMatchObject({ state: 'disabled', available: false, availableAt: null, disabledReason: 'key_rejected', lastErrorKind: 'key_rejected', failures: 1 });
    expect(r.names()).toEqual(['key.disabled', 'request.retried', 'key.rotated', 'request.succeeded']);
    expect(r.of('key.disabled')[0]).toMatchObject({ keyId: 'a', reason: 'key_rejected', until: null });
    expect(r.of('request.retried')[0]).toMatchObject({ keyId: 'a', kind: 'key_rejected', status, delayMs: 0 });
    expect(r.of('key.rotated')[0]).toMatchObject({ keyId: 'b', fromKeyId: 'a', reason: 'key_rejected' });

    // Disabled means disabled: later requests skip A without touching it …
    await r.generate();
    expect(r.count('a')).toBe(1);
    // … until enableKey, after which A (first by priority) serves again.
    r.fake.setKey(SECRET.a, { kind: 'ok' });
    r.pool.enableKey('a');
    expect(r.key('a')).toMatchObject({ state: 'closed', available: true, disabledReason: null });
    await r.generate();
    expect([r.count('a'), r.count('b')]).toEqual([2, 2]);
    expect(r.of('key.enabled')).toMatchObject([{ keyId: 'a', reason: 'manual' }]);
  });
});

describe("gemini: the caller's faults are thrown unchanged and never count against a key", () => {
  it.each([
    [400, 'INVALID_ARGUMENT'],
    [404, 'NOT_FOUND'],
  ])('%i %s: ApiError thrown as genai raised it, one request, B never tried, A untouched', async (status, name) => {
    const r = await rig({ keys: { a: { kind: 'status', status }, b: { kind: 'ok' } } });
    const error = await rejection(r.generate());

    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(status);
    expect(bodyOf(error).error).toMatchObject({ code: status, status: name });
    expect([r.count('a'), r.count('b')]).toEqual([1, 0]);
    expect(r.key('a')).toMatchObject({ state: 'closed', available: true, failures: 0, consecutiveFailures: 0, lastErrorKind: null, requests: 1, inFlight: 0 });
    expect(r.names()).toEqual(['request.failed']);
    expect(r.of('request.failed')[0]).toMatchObject({ keyId: 'a', attempts: 1, kind: 'caller_fault', status });
  });

  it('a 404 from a real route (models.get of an unknown model) is the caller’s too', async () => {
    const r = await rig({ keys: { a: { kind: 'ok' }, b: { kind: 'ok' } } });
    const error = await rejection(r.ai.models.get({ model: 'no-such-model' }));
    expect((error as ApiError).status).toBe(404);
    expect([r.count('a'), r.count('b')]).toEqual([1, 0]);
    expect(r.of('request.failed')).toMatchObject([{ keyId: 'a', kind: 'caller_fault', status: 404 }]);
  });

  it('400 INVALID_ARGUMENT with a BadRequest field violation (no API_KEY_INVALID) is the caller’s, not a bad key', async () => {
    const body = {
      error: {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message: 'Invalid value at \'generation_config.temperature\'',
        details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'generation_config.temperature', description: 'out of range' }] }],
      },
    };
    const r = await rig({ keys: { a: { kind: 'status', status: 400, body }, b: { kind: 'ok' } } });
    const error = await rejection(r.generate());
    expect((error as ApiError).status).toBe(400);
    expect(bodyOf(error)).toEqual(body);
    expect(r.key('a')).toMatchObject({ state: 'closed', available: true, failures: 0, disabledReason: null });
    expect([r.count('a'), r.count('b')]).toEqual([1, 0]);
    expect(r.of('request.failed')).toMatchObject([{ keyId: 'a', kind: 'caller_fault', status: 400 }]);
  });

  it('caller abort mid-request: rejects at once with the signal’s reason; no retry; the key is not blamed', async () => {
    const r = await rig({ keys: { a: { kind: 'ok', latencyMs: 2_000 }, b: { kind: 'ok' } } });
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const pending = rejection(r.generate({ abortSignal: controller.signal }));
    await expect.poll(() => r.fake.requests.length).toBe(1);
    const abortedAt = performance.now();
    controller.abort(reason);
    const error = await pending;

    expect(error).toBe(reason);
    expect(performance.now() - abortedAt).toBeLessThan(500);
    await sleep(30);
    expect([r.count('a'), r.count('b')]).toEqual([1, 0]);
    expect(r.names()).toEqual(['request.failed']);
    expect(r.of('request.failed')[0]).toMatchObject({ keyId: 'a', attempts: 1, kind: 'aborted' });
    // Accounting happens when the aborted fetch settles: the key is released, not blamed.
    await expect.poll(() => r.key('a').inFlight).toBe(0);
    expect(r.key('a')).toMatchObject({ state: 'closed', available: true, failures: 0, lastErrorKind: null });
  });

  it('caller abort without a reason: genai’s caller gets the signal’s own AbortError DOMException', async () => {
    const r = await rig({ keys: { a: { kind: 'stall_body' }, b: { kind: 'ok' } } });
    const controller = new AbortController();
    const pending = rejection(r.generate({ abortSignal: controller.signal }));
    await expect.poll(() => r.fake.requests.length).toBe(1);
    controller.abort();
    const error = await pending;
    expect(error).toBe(controller.signal.reason);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(r.count('b')).toBe(0);
    await expect.poll(() => r.key('a').inFlight).toBe(0);
    expect(r.key('a').failures).toBe(0);
  });

  it('an already-aborted signal: rejects with its reason before any request', async () => {
    const r = await rig({ keys: { a: { kind: 'ok' } } });
    const reason = new Error('too late');
    const error = await rejection(r.generate({ abortSignal: AbortSignal.abort(reason) }));
    expect(error).toBe(reason);
    expect(r.fake.requests).toHaveLength(0);
  });
});
