/** classifyAnthropic on its own, with errors built by the real @anthropic-ai/sdk 1 from the provider's real bodies and headers. */
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { classifyAnthropic } from '@keymesh/core/anthropic';

const now = Date.parse('2026-11-25T08:00:00Z');
const ctx = { now, maxCooldownMs: 86_400_000 };
const inSeconds = (s: number) => new Date(now + s * 1_000).toISOString().replace(/\.\d+Z$/, 'Z');

function sdkError(status: number, error: object, headers: Record<string, string>) {
  return Anthropic.APIError.generate(status, { type: 'error', error, request_id: 'req_test' }, undefined, new Headers(headers));
}

/** The headers Anthropic sends with a rate-limit 429: every dimension's limit, remaining and reset. */
function rateLimitHeaders(remaining: { requests: number; input: number; output: number; tokens: number }, resets: { requests: number; input: number; output: number; tokens: number }) {
  return {
    'retry-after': '12',
    'anthropic-ratelimit-requests-limit': '50',
    'anthropic-ratelimit-requests-remaining': String(remaining.requests),
    'anthropic-ratelimit-requests-reset': inSeconds(resets.requests),
    'anthropic-ratelimit-input-tokens-limit': '40000',
    'anthropic-ratelimit-input-tokens-remaining': String(remaining.input),
    'anthropic-ratelimit-input-tokens-reset': inSeconds(resets.input),
    'anthropic-ratelimit-output-tokens-limit': '8000',
    'anthropic-ratelimit-output-tokens-remaining': String(remaining.output),
    'anthropic-ratelimit-output-tokens-reset': inSeconds(resets.output),
    'anthropic-ratelimit-tokens-limit': '48000',
    'anthropic-ratelimit-tokens-remaining': String(remaining.tokens),
    'anthropic-ratelimit-tokens-reset': inSeconds(resets.tokens),
  };
}
const rateLimitBody = { type: 'rate_limit_error', message: 'This request would exceed the rate limit for your organization of 40,000 input tokens per minute.' };

describe('classifyAnthropic: which limit a 429 names (anthropic-ratelimit-* headers)', () => {
  it('input tokens exhausted: dimension input_tokens, per minute; the hint is the longest applicable one', () => {
    const error = sdkError(429, rateLimitBody, rateLimitHeaders({ requests: 31, input: 0, output: 7000, tokens: 40000 }, { requests: 2, input: 12, output: 1, tokens: 1 }));
    expect(classifyAnthropic(error, ctx)).toEqual({ kind: 'rate_limited', status: 429, retryAfterMs: 12_000, limit: { dimension: 'input_tokens', window: 'minute' } });
  });

  it('two dimensions exhausted: the one whose reset is furthest away is named', () => {
    const error = sdkError(429, rateLimitBody, rateLimitHeaders({ requests: 0, input: 10, output: 0, tokens: 10 }, { requests: 3, input: 1, output: 20, tokens: 1 }));
    expect(classifyAnthropic(error, ctx)).toMatchObject({ kind: 'rate_limited', limit: { dimension: 'output_tokens' } });
  });

  it('no dimension at remaining 0 (or no headers): no attribution', () => {
    const error = sdkError(429, rateLimitBody, rateLimitHeaders({ requests: 3, input: 10, output: 10, tokens: 10 }, { requests: 1, input: 1, output: 1, tokens: 1 }));
    expect(classifyAnthropic(error, ctx)).not.toHaveProperty('limit');
    expect(classifyAnthropic(sdkError(429, rateLimitBody, {}), ctx)).toEqual({ kind: 'rate_limited', status: 429 });
  });

  it('spend limits stay quota_exhausted', () => {
    const error = sdkError(429, { type: 'rate_limit_error', message: 'spend limit', details: { error_code: 'enforced_spend_limit_reached' } }, {});
    expect(classifyAnthropic(error, ctx)).toEqual({ kind: 'quota_exhausted', status: 429 });
  });

  it('409 is provider trouble, as the SDK retries it', () => {
    expect(classifyAnthropic(sdkError(409, { type: 'api_error', message: 'conflict' }, {}), ctx)).toEqual({ kind: 'provider_trouble', status: 409 });
  });
});
