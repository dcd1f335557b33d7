import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { classifyStatus, defaultClassifier, headersOf, statusOf } from './default-classifier.js';
import { isNetworkError } from './network-errors.js';
import type { ClassifyContext } from './outcome.js';

const ctx: ClassifyContext = { now: Date.parse('2026-01-01T00:00:00Z'), maxCooldownMs: 86_400_000 };

function httpError(status: number, headers?: unknown): Error & { status: number; headers?: unknown } {
  return Object.assign(new Error(`HTTP ${status}`), { status, headers });
}

function withCause(error: Error, cause: unknown): Error {
  return Object.assign(error, { cause });
}

describe('defaultClassifier: by status', () => {
  it('429 → rate_limited with the hint', () => {
    expect(defaultClassifier(httpError(429, { 'retry-after': '5' }), ctx)).toEqual({ kind: 'rate_limited', status: 429, retryAfterMs: 5000 });
  });

  it('429 reads a Headers instance too (the SDKs put one on the error)', () => {
    const error = httpError(429, new Headers({ 'Retry-After-Ms': '1500' }));
    expect(defaultClassifier(error, ctx)).toEqual({ kind: 'rate_limited', status: 429, retryAfterMs: 1500 });
  });

  it('429 without a hint has no retryAfterMs at all', () => {
    const outcome = defaultClassifier(httpError(429), ctx);
    expect(outcome).toEqual({ kind: 'rate_limited', status: 429 });
    expect(outcome).not.toHaveProperty('retryAfterMs');
  });

  it('429 hint is clamped to maxCooldownMs', () => {
    expect(defaultClassifier(httpError(429, { 'retry-after': '999999999' }), { ...ctx, maxCooldownMs: 60_000 })).toMatchObject({
      retryAfterMs: 60_000,
    });
  });

  it.each([401, 403])('%d → key_rejected (no hint even when one is sent)', (status) => {
    expect(defaultClassifier(httpError(status, { 'retry-after': '5' }), ctx)).toEqual({ kind: 'key_rejected', status });
  });

  it.each([408, 500, 502, 503, 504, 529])('%d → provider_trouble', (status) => {
    expect(defaultClassifier(httpError(status), ctx)).toEqual({ kind: 'provider_trouble', status });
  });

  it('503 with Retry-After keeps the hint', () => {
    expect(defaultClassifier(httpError(503, { 'Retry-After': '2' }), ctx)).toEqual({ kind: 'provider_trouble', status: 503, retryAfterMs: 2000 });
  });

  it.each([400, 404, 409, 422])('%d → caller_fault', (status) => {
    expect(defaultClassifier(httpError(status, { 'retry-after': '5' }), ctx)).toEqual({ kind: 'caller_fault', status });
  });

  it('statusCode is honoured when status is absent', () => {
    expect(defaultClassifier({ statusCode: 429, headers: { 'retry-after': '1' } }, ctx)).toEqual({ kind: 'rate_limited', status: 429, retryAfterMs: 1000 });
    expect(defaultClassifier({ statusCode: 401 }, ctx)).toEqual({ kind: 'key_rejected', status: 401 });
    expect(defaultClassifier({ statusCode: 503 }, ctx)).toEqual({ kind: 'provider_trouble', status: 503 });
  });

  it('a numeric status wins over statusCode', () => {
    expect(defaultClassifier({ status: 401, statusCode: 503 }, ctx)).toEqual({ kind: 'key_rejected', status: 401 });
  });

  it('a status given as a string is ignored', () => {
    expect(defaultClassifier({ status: '429', headers: { 'retry-after': '5' } }, ctx)).toEqual({ kind: 'caller_fault' });
    expect(defaultClassifier({ status: '503' }, ctx)).toEqual({ kind: 'caller_fault' });
    expect(statusOf({ status: '429' })).toBeUndefined();
  });

  it('a string status falls through to a numeric statusCode', () => {
    expect(defaultClassifier({ status: '200', statusCode: 429 }, ctx)).toMatchObject({ kind: 'rate_limited', status: 429 });
  });

  it('non-integer statuses are ignored', () => {
    expect(statusOf({ status: 429.5 })).toBeUndefined();
    expect(statusOf({ status: Number.NaN })).toBeUndefined();
  });

  it('property: classifyStatus partitions every integer status', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 999 }), (status) => {
        const kind = classifyStatus(status);
        if (status === 429) expect(kind).toBe('rate_limited');
        else if (status === 401 || status === 403) expect(kind).toBe('key_rejected');
        else if (status === 408 || status >= 500) expect(kind).toBe('provider_trouble');
        else expect(kind).toBe('caller_fault');
        expect(defaultClassifier({ status }, ctx).kind).toBe(kind);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('headersOf returns the error headers or undefined', () => {
    const headers = { a: '1' };
    expect(headersOf({ headers })).toBe(headers);
    expect(headersOf({ headers: 'x' })).toBeUndefined();
    expect(headersOf('boom')).toBeUndefined();
    expect(headersOf(null)).toBeUndefined();
  });
});

describe('defaultClassifier: network errors are provider trouble', () => {
  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'EPIPE', 'EAI_AGAIN'])('code %s', (code) => {
    expect(defaultClassifier(Object.assign(new Error('socket'), { code }), ctx)).toEqual({ kind: 'provider_trouble' });
  });

  it('a code nested in a cause chain', () => {
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const fetchFailed = withCause(new TypeError('fetch failed'), socket);
    const sdk = withCause(Object.assign(new Error('Connection error.'), { name: 'SomeSdkError' }), fetchFailed);
    expect(defaultClassifier(sdk, ctx)).toEqual({ kind: 'provider_trouble' });

    const deep = withCause(new Error('l0'), withCause(new Error('l1'), withCause(new Error('l2'), { code: 'ECONNREFUSED' })));
    expect(defaultClassifier(deep, ctx)).toEqual({ kind: 'provider_trouble' });
  });

  it("TypeError('fetch failed') and TypeError('terminated')", () => {
    expect(defaultClassifier(new TypeError('fetch failed'), ctx)).toEqual({ kind: 'provider_trouble' });
    expect(defaultClassifier(new TypeError('terminated'), ctx)).toEqual({ kind: 'provider_trouble' });
  });

  it('a DOMException-like TimeoutError (and a real one)', () => {
    expect(defaultClassifier({ name: 'TimeoutError', message: 'The operation was aborted due to timeout' }, ctx)).toEqual({ kind: 'provider_trouble' });
    expect(defaultClassifier(new DOMException('timed out', 'TimeoutError'), ctx)).toEqual({ kind: 'provider_trouble' });
  });

  it('SDK connection error classes by name', () => {
    class APIConnectionError extends Error {
      override name = 'APIConnectionError';
    }
    class APIConnectionTimeoutError extends Error {
      override name = 'APIConnectionTimeoutError';
    }
    expect(defaultClassifier(new APIConnectionError('Connection error.'), ctx)).toEqual({ kind: 'provider_trouble' });
    expect(defaultClassifier(new APIConnectionTimeoutError('Request timed out.'), ctx)).toEqual({ kind: 'provider_trouble' });
  });

  it('isNetworkError agrees', () => {
    expect(isNetworkError(new TypeError('terminated'))).toBe(true);
    expect(isNetworkError({ code: 'ECONNRESET' })).toBe(true);
    expect(isNetworkError(new Error('boom'))).toBe(false);
  });
});

describe("defaultClassifier: anything else is the caller's fault", () => {
  it.each<[string, unknown]>([
    ["Error('boom')", new Error('boom')],
    ['a string', 'boom'],
    ['undefined', undefined],
    ['null', null],
    ['a number', 503],
    ['an AbortError DOMException', new DOMException('This operation was aborted', 'AbortError')],
    ['an AbortError-like object', { name: 'AbortError', message: 'aborted' }],
    ['APIUserAbortError', Object.assign(new Error('Request was aborted.'), { name: 'APIUserAbortError' })],
    ['an unrelated TypeError', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['an unknown error code', Object.assign(new Error('nope'), { code: 'ENOENT' })],
    ['a numeric code', { code: 104 }],
  ])('%s', (_label, error) => {
    expect(defaultClassifier(error, ctx)).toEqual({ kind: 'caller_fault' });
  });

  it('a cyclic cause chain terminates', () => {
    const error = new Error('loop');
    (error as { cause?: unknown }).cause = error;
    expect(defaultClassifier(error, ctx)).toEqual({ kind: 'caller_fault' });
    const a = new Error('a');
    const b = withCause(new Error('b'), a);
    withCause(a, b);
    expect(isNetworkError(a)).toBe(false);
  });
});

describe('undici codes that are not provider trouble', () => {
  it.each(['UND_ERR_ABORTED', 'UND_ERR_INVALID_ARG'])('%s is the caller’s', (code) => {
    expect(defaultClassifier(Object.assign(new Error('x'), { code }), { now: 0, maxCooldownMs: 1_000 }).kind).toBe('caller_fault');
  });
});

describe('SDK errors by class hierarchy, never by name (openai 7 keeps name "Error")', () => {
  it.each([
    ['openai APIConnectionTimeoutError', () => new OpenAI.APIConnectionTimeoutError()],
    ['openai APIConnectionError', () => new OpenAI.APIConnectionError({ message: 'Connection error.' })],
    ['anthropic APIConnectionTimeoutError', () => new Anthropic.APIConnectionTimeoutError()],
    ['anthropic APIConnectionError', () => new Anthropic.APIConnectionError({ message: 'Connection error.' })],
  ])('%s → provider_trouble', (_, make) => {
    const error = make();
    expect(defaultClassifier(error, ctx)).toEqual({ kind: 'provider_trouble' });
  });

  it("openai 7's classes really do have name 'Error' (why the name test was not enough)", () => {
    expect(new OpenAI.APIConnectionTimeoutError().name).toBe('Error');
  });

  it("the SDKs' caller abort is not a connection error", () => {
    expect(defaultClassifier(new OpenAI.APIUserAbortError(), ctx)).toEqual({ kind: 'caller_fault' });
    expect(defaultClassifier(new Anthropic.APIUserAbortError(), ctx)).toEqual({ kind: 'caller_fault' });
  });

  it('a subclass of a connection class, from another copy of the SDK, is recognised', () => {
    class APIConnectionError extends Error {}
    class APIConnectionTimeoutError extends APIConnectionError {}
    class VendorTimeout extends APIConnectionTimeoutError {}
    expect(isNetworkError(new VendorTimeout('x'))).toBe(true);
  });
});

describe("x-should-retry: the server's word on retrying wins, as in the SDKs", () => {
  it('false on a 500: still provider trouble for the key, but never retried', () => {
    expect(defaultClassifier(httpError(500, new Headers({ 'x-should-retry': 'false' })), ctx)).toEqual({ kind: 'provider_trouble', status: 500, retry: false });
  });

  it('false on a 429: the limit is still sidelined (rate_limited), the request is not retried', () => {
    expect(defaultClassifier(httpError(429, { 'x-should-retry': 'false', 'retry-after': '1' }), ctx)).toEqual({ kind: 'rate_limited', status: 429, retryAfterMs: 1_000, retry: false });
  });

  it("true on a 400: retried as provider trouble instead of thrown as the caller's fault", () => {
    expect(defaultClassifier(httpError(400, { 'x-should-retry': 'true' }), ctx)).toEqual({ kind: 'provider_trouble', status: 400 });
  });

  it('any other value changes nothing', () => {
    expect(defaultClassifier(httpError(500, { 'x-should-retry': 'maybe' }), ctx)).toEqual({ kind: 'provider_trouble', status: 500 });
  });
});
