/**
 * Rate-limit hints for Gemini. The Gemini API sends no rate-limit headers on success, so nothing
 * feeds `headroom` and no key is sidelined before it answers 429; the cooldown comes from the
 * 429 body's RetryInfo.retryDelay instead (genai's ApiError carries no headers at all).
 */
import { describe, expect, it } from 'vitest';
import { TEXT, useRig } from './__tests__/harness.js';

const rig = useRig();

function status(code: number, details: object[]) {
  return {
    kind: 'status' as const,
    status: code,
    body: { error: { code, status: code === 429 ? 'RESOURCE_EXHAUSTED' : 'UNAVAILABLE', message: 'hinted', details } },
  };
}
const retryInfo = (retryDelay: string) => ({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay });
const perMinute = { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] };

describe('gemini: success responses carry no rate-limit headers', () => {
  it('a rate_limit key with limit 2 serves twice with headroom null, is not sidelined pre-emptively, answers the 3rd with 429, then RetryInfo sets the cooldown', async () => {
    const r = await rig({ keys: { a: { kind: 'rate_limit', limit: 2, windowMs: 60_000 }, b: { kind: 'ok' } } });
    await r.generate();
    await r.generate();
    // The 2nd success exhausted the window, but Gemini never says so on a 200.
    expect(Object.keys(r.fake.requests[1].headers)).not.toContain('x-ratelimit-remaining-requests');
    expect(r.key('a')).toMatchObject({ headroom: null, available: true, requests: 2, failures: 0 });
    expect(r.of('key.rate_limited')).toEqual([]);

    const before = Date.now();
    expect((await r.generate()).text).toBe(TEXT);
    const after = Date.now();
    expect([r.count('a'), r.count('b')]).toEqual([3, 1]);
    expect(r.fake.requestsFor(r.fake.requests[2].key).map((q) => q.status)).toEqual([200, 200, 429]);
    const a = r.key('a');
    expect(a).toMatchObject({ available: false, headroom: null, lastErrorKind: 'rate_limited' });
    // RetryInfo is the time left in the fake's window (whole seconds, rounded up): at most 60 s.
    const hint = r.of('key.rate_limited')[0];
    expect(hint).toMatchObject({ keyId: 'a', source: 'hint' });
    expect(hint.retryAfterMs % 1_000).toBe(0);
    expect(hint.retryAfterMs).toBeGreaterThanOrEqual(59_000);
    expect(hint.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(a.availableAt).toBeGreaterThanOrEqual(before + hint.retryAfterMs);
    expect(a.availableAt).toBeLessThanOrEqual(after + hint.retryAfterMs);
  });

  it('the headroom strategy still rotates on Gemini (every key reads headroom null)', async () => {
    const r = await rig({ keys: { a: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, b: { kind: 'ok' } }, pool: { strategy: 'headroom' } });
    await r.generate();
    await r.generate();
    expect(r.pool.snapshot().keys.map((k) => k.headroom)).toEqual([null, null]);
    expect(r.count('b')).toBe(2);
    expect(r.count('a')).toBeLessThanOrEqual(1);
  });
});

describe('gemini: RetryInfo drives the cooldown', () => {
  it.each([
    ['7s', 7_000],
    ['1.5s', 1_500],
    ['0.250s', 250],
  ])('retryDelay %s → availableAt = now + %i ms', async (retryDelay, ms) => {
    const r = await rig({ keys: { a: status(429, [perMinute, retryInfo(retryDelay)]), b: { kind: 'ok' } } });
    const before = Date.now();
    await r.generate();
    const after = Date.now();
    const a = r.key('a');
    expect(a.availableAt).toBeGreaterThanOrEqual(before + ms);
    expect(a.availableAt).toBeLessThanOrEqual(after + ms);
    expect(r.of('key.rate_limited')).toMatchObject([{ keyId: 'a', retryAfterMs: ms, source: 'hint' }]);
  });

  it('a retryDelay beyond maxCooldownMs is clamped to it', async () => {
    const r = await rig({ keys: { a: status(429, [perMinute, retryInfo('90000s')]), b: { kind: 'ok' } }, pool: { maxCooldownMs: 60_000 } });
    await r.generate();
    expect(r.of('key.rate_limited')).toMatchObject([{ keyId: 'a', retryAfterMs: 60_000, source: 'hint' }]);
  });

  it('a 429 without RetryInfo falls back to rateLimitCooldownMs (source "default")', async () => {
    const r = await rig({ keys: { a: status(429, [perMinute]), b: { kind: 'ok' } }, pool: { rateLimitCooldownMs: 2_000 } });
    const before = Date.now();
    await r.generate();
    expect(r.of('key.rate_limited')).toMatchObject([{ keyId: 'a', retryAfterMs: 2_000, source: 'default' }]);
    expect(r.key('a').availableAt).toBeGreaterThanOrEqual(before + 2_000);
  });

  it('a malformed retryDelay is ignored, not trusted', async () => {
    const r = await rig({ keys: { a: status(429, [perMinute, retryInfo('soon')]), b: { kind: 'ok' } }, pool: { rateLimitCooldownMs: 2_000 } });
    await r.generate();
    expect(r.of('key.rate_limited')).toMatchObject([{ keyId: 'a', retryAfterMs: 2_000, source: 'default' }]);
  });

  it('on a 503, RetryInfo replaces the backoff formula (the retry waits for it)', async () => {
    const r = await rig({ keys: { a: [status(503, [retryInfo('0.12s')]), { kind: 'ok' }] } });
    expect((await r.generate()).text).toBe(TEXT);
    expect(r.of('request.retried')).toMatchObject([{ keyId: 'a', kind: 'provider_trouble', status: 503, delayMs: 120 }]);
    const [first, second] = r.fake.requests;
    expect(second.at - first.at).toBeGreaterThanOrEqual(110);
    expect(r.key('a')).toMatchObject({ available: true, state: 'closed' });
  });
});
