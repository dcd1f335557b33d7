/** classifyOpenAI on its own, with errors built by the real openai 7 SDK from the provider's real bodies. */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { classifyOpenAI } from '@keymesh/core/openai';

const ctx = { now: Date.UTC(2026, 0, 1), maxCooldownMs: 86_400_000 };

/** What the SDK raises for an error answer: `APIError.generate(status, body, message, headers)`. */
function sdkError(status: number, error: object, headers: Record<string, string> = {}) {
  return OpenAI.APIError.generate(status, { error }, undefined, new Headers(headers));
}

describe('classifyOpenAI: which limit a 429 names', () => {
  it("tokens per minute: the error type and the message's model and window (provider-facts.md body)", () => {
    const error = sdkError(
      429,
      {
        message: 'Rate limit reached for gpt-4o in organization org-test123 on tokens per min (TPM): Limit 30000, Used 29500, Requested 1200. Please try again in 1.4s.',
        type: 'tokens',
        param: null,
        code: 'rate_limit_exceeded',
      },
      { 'retry-after-ms': '1400' },
    );
    expect(classifyOpenAI(error, ctx)).toEqual({ kind: 'rate_limited', status: 429, retryAfterMs: 1_400, limit: { dimension: 'tokens', model: 'gpt-4o', window: 'minute' } });
  });

  it('requests per day, for a project', () => {
    const error = sdkError(429, {
      message: 'Rate limit reached for gpt-4o-mini in project proj_abc on requests per day (RPD): Limit 10000, Used 10000, Requested 1. Please try again in 8.64s.',
      type: 'requests',
      param: null,
      code: 'rate_limit_exceeded',
    });
    expect(classifyOpenAI(error, ctx)).toMatchObject({ kind: 'rate_limited', limit: { dimension: 'requests', model: 'gpt-4o-mini', window: 'day' } });
  });

  it('a type without the usual message still names the dimension; neither: no attribution', () => {
    expect(classifyOpenAI(sdkError(429, { message: 'Too many requests', type: 'requests', code: 'rate_limit_exceeded' }), ctx)).toEqual({
      kind: 'rate_limited',
      status: 429,
      limit: { dimension: 'requests' },
    });
    expect(classifyOpenAI(sdkError(429, { message: 'Too many requests', type: null, code: null }), ctx)).toEqual({ kind: 'rate_limited', status: 429 });
  });

  it('insufficient_quota stays quota_exhausted, without a limit', () => {
    const error = sdkError(429, { message: 'You exceeded your current quota.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' });
    expect(classifyOpenAI(error, ctx)).toEqual({ kind: 'quota_exhausted', status: 429 });
  });
});

describe('classifyOpenAI: the SDK retry rules it follows', () => {
  it('409 (lock timeout) is provider trouble, retried as the SDK retries it', () => {
    expect(classifyOpenAI(sdkError(409, { message: 'lock timeout', type: 'server_error' }), ctx)).toEqual({ kind: 'provider_trouble', status: 409 });
  });

  it('x-should-retry: false on a 409 ends the request; a 500 with it is left to the default classifier', () => {
    expect(classifyOpenAI(sdkError(409, { message: 'conflict' }, { 'x-should-retry': 'false' }), ctx)).toEqual({ kind: 'provider_trouble', status: 409, retry: false });
    expect(classifyOpenAI(sdkError(500, { message: 'boom' }, { 'x-should-retry': 'false' }), ctx)).toBeUndefined();
  });
});
