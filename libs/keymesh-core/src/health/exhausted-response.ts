import type { PoolExhaustedError } from '../errors/pool-exhausted-error.js';

/** An RFC 9457 problem body for a request no key could serve. Holds no secret. */
export interface ExhaustedProblem {
  type: 'https://keymesh.dev/problems/pool-exhausted';
  title: 'No API key can serve this request right now';
  status: 503;
  detail: string;
  pool: string;
  retryAfterMs: number | null;
}

/**
 * The HTTP answer the framework integrations give for a `PoolExhaustedError`: 503, a
 * `Retry-After` in whole seconds (rounded up; absent when no key frees up by itself) and a
 * problem+json body.
 */
export function exhaustedResponse(error: PoolExhaustedError): { status: 503; headers: Record<string, string>; body: ExhaustedProblem } {
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (error.retryAfterMs !== null) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1_000)));
  return {
    status: 503,
    headers,
    body: {
      type: 'https://keymesh.dev/problems/pool-exhausted',
      title: 'No API key can serve this request right now',
      status: 503,
      detail: error.message,
      pool: error.poolName,
      retryAfterMs: error.retryAfterMs,
    },
  };
}
