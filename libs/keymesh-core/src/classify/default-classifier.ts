import { readRetryHint } from './rate-limit-headers.js';
import { isNetworkError } from './network-errors.js';
import { withServerRetryDecision } from './server-retry.js';
import type { HeaderSource } from './headers.js';
import type { ClassifyContext, Outcome } from './outcome.js';

/** The HTTP status an error carries, from `status` or `statusCode`. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

export function headersOf(error: unknown): HeaderSource {
  if (typeof error !== 'object' || error === null) return undefined;
  const headers = (error as { headers?: unknown }).headers;
  return typeof headers === 'object' ? (headers as HeaderSource) : undefined;
}

/** Maps a status code alone to an outcome kind; the hint is read separately. */
export function classifyStatus(status: number): Outcome['kind'] {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'key_rejected';
  if (status === 408 || status >= 500) return 'provider_trouble';
  return 'caller_fault';
}

/** The classifier `execute` uses: status + headers, then network errors; anything else is the caller's. */
export function defaultClassifier(error: unknown, context: ClassifyContext): Outcome {
  const status = statusOf(error);
  if (status === undefined) return { kind: isNetworkError(error) ? 'provider_trouble' : 'caller_fault' };
  const headers = headersOf(error);
  const outcome = classifyStatusWithHint(classifyStatus(status), status, headers, context);
  return headers === undefined ? outcome : withServerRetryDecision(outcome, headers);
}

function classifyStatusWithHint(kind: Outcome['kind'], status: number, headers: HeaderSource, context: ClassifyContext): Outcome {
  if (kind !== 'rate_limited' && kind !== 'provider_trouble') return { kind, status };
  const retryAfterMs = readRetryHint(headers, context.now, context.maxCooldownMs);
  return retryAfterMs === undefined ? { kind, status } : { kind, status, retryAfterMs };
}
