import { headersOf, statusOf } from '../classify/default-classifier.js';
import { readHeader } from '../classify/headers.js';
import { isNetworkError } from '../classify/network-errors.js';
import { readRetryHint } from '../classify/rate-limit-headers.js';
import { ErrorCodes } from '../errors/keymesh-error.js';
import { isPoolExhaustedError } from '../errors/index.js';
import { classifyGemini } from '../gemini/classify-gemini.js';
import { isFromPool } from '../pool/from-pool.js';
import { exhaustedResponse, type ExhaustedProblem } from './exhausted-response.js';

/**
 * An RFC 9457 problem body for an upstream failure the end user should not see the details of.
 * It names the provider's status and request id (so an operator can find the call in the
 * provider's logs), never the provider's text: error bodies may quote the key they refused.
 */
export interface UpstreamProblem {
  type: `https://keymesh.dev/problems/${UpstreamProblemKind}`;
  title: string;
  status: number;
  /** The provider's HTTP status, when it answered with one. */
  upstreamStatus?: number;
  /** The provider's request id (`x-request-id`, `request-id`), when it sent one. */
  requestId?: string;
  /** 503s only: how long until capacity is expected back, as `Retry-After` says in seconds. */
  retryAfterMs?: number;
}

export type UpstreamProblemKind = 'upstream-credentials' | 'upstream-rate-limited' | 'upstream-refused' | 'upstream-failed' | 'upstream-timeout' | 'shutting-down';

export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: ExhaustedProblem | UpstreamProblem;
}

/** Without a provider hint, a rate-limited caller is told to come back after this long. */
const DEFAULT_RETRY_AFTER_MS = 1_000;
const MAX_HINT_MS = 86_400_000;
/** Caller-shaped requests the provider refused: the caller can change the request and try again. */
const PASSED_THROUGH = new Set([400, 413, 422]);
const TITLES: Record<UpstreamProblemKind, string> = {
  'upstream-credentials': "The AI provider refused this service's credentials",
  'upstream-rate-limited': 'The AI provider is rate limiting this service; retry later',
  'upstream-refused': 'The AI provider refused the request',
  'upstream-failed': 'The AI provider failed to answer',
  'upstream-timeout': 'The AI provider did not answer in time',
  'shutting-down': 'The service is shutting down',
};

/**
 * What an HTTP service answers its own caller when a pooled call fails: `PoolExhaustedError` and
 * every error the wrapped SDKs raise once Keymesh has run out of keys or attempts, recognised by
 * shape (status, headers, request id, Keymesh codes) rather than `instanceof`, since the app may
 * load another copy of an SDK than the one it wrapped — and only errors a pool handed back (a
 * pool marks them as a request ends). `undefined` for anything else (the app's own errors, even
 * of the same shape), which belongs to the next error handler.
 *
 * - no key can serve (`PoolExhaustedError`), or every attempt was rate limited or out of credit
 *   (upstream 429/402): **503 with `Retry-After`**. Not 429: the caller did not send too much;
 *   the service's own keys ran dry, which is the service being temporarily unavailable (RFC 9110
 *   §15.6.4). One status for "no capacity now", however the pool found out.
 * - upstream 401/403 (or Gemini `API_KEY_INVALID`): 502. The keys are the service's problem; a
 *   401 would tell the caller their own credentials are wrong.
 * - upstream 400/413/422: the same status (the caller's request was refused and can be changed);
 *   other 4xx (404: a model the service names, 409, …): 502.
 * - 5xx, 529, connection failures, in-stream errors: 502; timeouts: 504.
 */
export function errorResponse(error: unknown, now: number = Date.now()): ErrorAnswer | undefined {
  if (isPoolExhaustedError(error)) return exhaustedResponse(error);
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (code === ErrorCodes.POOL_CLOSED) return answer('shutting-down', 503, error);
  if (code === ErrorCodes.ATTEMPT_TIMEOUT || code === ErrorCodes.STREAM_IDLE) return answer('upstream-timeout', 504, error);
  if (code === ErrorCodes.STREAM_ERROR_EVENT) return answer('upstream-failed', 502, error);
  // Only errors a pool handed back: the app's own errors of the same shape (a database's
  // ECONNRESET, its own ApiError class) go to its next error handler.
  if (!isFromPool(error)) return undefined;
  const shape = upstreamShape(error);
  if (shape === undefined) return undefined;
  const status = statusOf(error);
  if (status === undefined) return isTimeout(error) ? answer('upstream-timeout', 504, error) : answer('upstream-failed', 502, error);
  if (status === 401 || status === 403 || (shape === 'gemini' && geminiKind(error, now) === 'key_rejected')) return answer('upstream-credentials', 502, error);
  if (status === 429 || status === 402) {
    const waitMs = retryWait(error, shape, now);
    const answered = answer('upstream-rate-limited', 503, error);
    answered.headers['retry-after'] = String(Math.max(1, Math.ceil(waitMs / 1_000)));
    answered.body.retryAfterMs = waitMs;
    return answered;
  }
  if (status >= 500 || status === 408) return answer(status === 504 || status === 408 ? 'upstream-timeout' : 'upstream-failed', status === 504 || status === 408 ? 504 : 502, error);
  return answer('upstream-refused', PASSED_THROUGH.has(status) ? status : 502, error);
}

type Shape = 'sdk' | 'gemini' | 'network';

/**
 * openai and anthropic `APIError`s (connection and abort errors included) carry `status`,
 * `headers` and `requestID` as own fields; genai's `ApiError` is named so and has a numeric
 * status; Keymesh's `HttpStatusError` has its code; fetch and socket failures are network errors.
 */
function upstreamShape(error: object): Shape | undefined {
  if ('requestID' in error && 'headers' in error && 'status' in error) return 'sdk';
  if ((error as { code?: unknown }).code === ErrorCodes.HTTP_STATUS) return 'sdk';
  if ((error as { name?: unknown }).name === 'ApiError' && typeof (error as { status?: unknown }).status === 'number') return 'gemini';
  if (isNetworkError(error)) return 'network';
  return undefined;
}

function geminiKind(error: object, now: number) {
  return classifyGemini(error, { now, maxCooldownMs: MAX_HINT_MS })?.kind;
}

function retryWait(error: object, shape: Shape, now: number): number {
  const hint = shape === 'gemini' ? classifyGemini(error, { now, maxCooldownMs: MAX_HINT_MS })?.retryAfterMs : readRetryHint(headersOf(error), now, MAX_HINT_MS);
  return hint !== undefined && hint > 0 ? hint : DEFAULT_RETRY_AFTER_MS;
}

function isTimeout(error: object): boolean {
  for (let proto = Object.getPrototypeOf(error) as { constructor?: { name?: unknown } } | null; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as typeof proto) {
    if (typeof proto.constructor?.name === 'string' && /Timeout/.test(proto.constructor.name)) return true;
  }
  return (error as { name?: unknown }).name === 'TimeoutError';
}

/** Request ids are opaque tokens; anything else (or anything long) is not repeated. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

function requestIdOf(error: object): string | undefined {
  const own = (error as { requestID?: unknown }).requestID;
  const headers = headersOf(error);
  const id = typeof own === 'string' ? own : (readHeader(headers, 'x-request-id') ?? readHeader(headers, 'request-id'));
  return id !== undefined && REQUEST_ID.test(id) ? id : undefined;
}

function answer(kind: UpstreamProblemKind, status: number, error: object): ErrorAnswer & { body: UpstreamProblem } {
  const upstreamStatus = kind === 'shutting-down' ? undefined : statusOf(error);
  const requestId = requestIdOf(error);
  return {
    status,
    headers: { 'content-type': 'application/problem+json' },
    body: {
      type: `https://keymesh.dev/problems/${kind}`,
      title: TITLES[kind],
      status,
      ...(upstreamStatus === undefined ? {} : { upstreamStatus }),
      ...(requestId === undefined ? {} : { requestId }),
    },
  };
}
