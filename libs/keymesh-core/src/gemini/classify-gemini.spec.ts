/** classifyGemini on its own, with errors shaped exactly as genai 3 raises them. */
import { ApiError } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { classifyGemini } from '@keymesh/core/gemini';

const ctx = { now: Date.UTC(2026, 0, 1), maxCooldownMs: 86_400_000 };
const T = 'type.googleapis.com/google.rpc.';

/** What genai's throwErrorIfNotOK builds: the JSON body as the message. */
function apiError(status: number, details?: object[], rpcStatus = 'RESOURCE_EXHAUSTED'): ApiError {
  return new ApiError({ status, message: JSON.stringify({ error: { code: status, status: rpcStatus, message: 'm', ...(details ? { details } : {}) } }) });
}
const quota = (quotaId: string) => ({ '@type': `${T}QuotaFailure`, violations: [{ quotaId }] });
const retry = (retryDelay: string) => ({ '@type': `${T}RetryInfo`, retryDelay });

describe('classifyGemini', () => {
  it('per-minute 429 with RetryInfo → rate_limited with the hint', () => {
    expect(classifyGemini(apiError(429, [quota('GenerateRequestsPerMinutePerProjectPerModel-FreeTier'), retry('45s')]), ctx)).toEqual({
      kind: 'rate_limited',
      status: 429,
      retryAfterMs: 45_000,
      limit: { window: 'minute', dimension: 'requests' },
    });
  });

  it('daily 429 → quota_exhausted, even when a per-minute violation is listed too', () => {
    expect(classifyGemini(apiError(429, [quota('GenerateRequestsPerDayPerProjectPerModel-FreeTier')]), ctx)).toEqual({
      kind: 'quota_exhausted',
      status: 429,
      limit: { window: 'day', dimension: 'requests' },
    });
    const both = { '@type': `${T}QuotaFailure`, violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel' }, { quotaId: 'GenerateRequestsPerDayPerProjectPerModel' }] };
    expect(classifyGemini(apiError(429, [both]), ctx)?.kind).toBe('quota_exhausted');
  });

  it('a 429 whose body is not JSON is still a rate limit, without a hint', () => {
    expect(classifyGemini(new ApiError({ status: 429, message: 'Too Many Requests' }), ctx)).toEqual({ kind: 'rate_limited', status: 429 });
  });

  it('400 with ErrorInfo API_KEY_INVALID → key_rejected; other 400s defer to the default (caller_fault)', () => {
    const info = { '@type': `${T}ErrorInfo`, reason: 'API_KEY_INVALID', domain: 'googleapis.com' };
    expect(classifyGemini(apiError(400, [info], 'INVALID_ARGUMENT'), ctx)).toEqual({ kind: 'key_rejected', status: 400 });
    expect(classifyGemini(apiError(400, [{ ...info, reason: 'SOMETHING_ELSE' }], 'INVALID_ARGUMENT'), ctx)).toBeUndefined();
    expect(classifyGemini(apiError(400, undefined, 'INVALID_ARGUMENT'), ctx)).toBeUndefined();
  });

  it('401/403/404 defer to the default classifier', () => {
    for (const status of [401, 403, 404]) expect(classifyGemini(apiError(status, undefined, 'X'), ctx)).toBeUndefined();
  });

  it('5xx → provider_trouble, with RetryInfo when present; the in-stream error message prefix is skipped', () => {
    expect(classifyGemini(apiError(500, undefined, 'INTERNAL'), ctx)).toEqual({ kind: 'provider_trouble', status: 500 });
    const streamed = new ApiError({ status: 503, message: `got status: UNAVAILABLE. ${JSON.stringify({ error: { code: 503, details: [retry('2s')] } })}` });
    expect(classifyGemini(streamed, ctx)).toEqual({ kind: 'provider_trouble', status: 503, retryAfterMs: 2_000 });
  });

  it('RetryInfo is clamped to maxCooldownMs and garbage is dropped', () => {
    expect(classifyGemini(apiError(429, [retry('999999s')]), { ...ctx, maxCooldownMs: 60_000 })).toMatchObject({ retryAfterMs: 60_000 });
    expect(classifyGemini(apiError(429, [retry('-5s')]), ctx)).toEqual({ kind: 'rate_limited', status: 429 });
  });

  it('no status: an AbortError (genai’s own timeout) is provider trouble; anything else defers', () => {
    expect(classifyGemini(new DOMException('This operation was aborted', 'AbortError'), ctx)).toEqual({ kind: 'provider_trouble' });
    expect(classifyGemini(new TypeError('fetch failed'), ctx)).toBeUndefined();
    expect(classifyGemini(new Error('boom'), ctx)).toBeUndefined();
    expect(classifyGemini(undefined, ctx)).toBeUndefined();
  });
});

describe('classifyGemini: which limit a 429 names (QuotaFailure)', () => {
  // Gemini's real per-minute token 429 body (provider-facts.md: quotaMetric, quotaId, quotaDimensions, quotaValue).
  const tokenViolation = {
    quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_input_token_count',
    quotaId: 'GenerateContentInputTokensPerModelPerMinute-FreeTier',
    quotaDimensions: { location: 'global', model: 'gemini-2.5-flash' },
    quotaValue: '250000',
  };
  const requestsPerDay = {
    quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
    quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
    quotaDimensions: { location: 'global', model: 'gemini-2.5-pro' },
    quotaValue: '100',
  };

  it('per-minute input tokens for one model: model, window and dimension', () => {
    const outcome = classifyGemini(apiError(429, [{ '@type': `${T}QuotaFailure`, violations: [tokenViolation] }, retry('25s')]), ctx);
    expect(outcome).toEqual({ kind: 'rate_limited', status: 429, retryAfterMs: 25_000, limit: { model: 'gemini-2.5-flash', window: 'minute', dimension: 'input_tokens' } });
  });

  it('per-day requests: quota_exhausted, window day; the daily violation is the one named when both are listed', () => {
    const outcome = classifyGemini(apiError(429, [{ '@type': `${T}QuotaFailure`, violations: [tokenViolation, requestsPerDay] }]), ctx);
    expect(outcome).toEqual({ kind: 'quota_exhausted', status: 429, limit: { model: 'gemini-2.5-pro', window: 'day', dimension: 'requests' } });
  });

  it('no QuotaFailure: no attribution; 5xx never carry one', () => {
    expect(classifyGemini(apiError(429, [retry('1s')]), ctx)).not.toHaveProperty('limit');
    expect(classifyGemini(apiError(503, [{ '@type': `${T}QuotaFailure`, violations: [tokenViolation] }], 'UNAVAILABLE'), ctx)).not.toHaveProperty('limit');
  });
});
