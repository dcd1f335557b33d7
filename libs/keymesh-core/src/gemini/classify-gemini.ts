import { statusOf } from '../classify/default-classifier.js';
import { clampHint, parseDuration } from '../classify/hints.js';
import type { Classifier } from '../classify/outcome.js';

interface GoogleRpcError {
  error?: { code?: number; status?: string; details?: Array<Record<string, unknown>> };
}

/** genai's `ApiError` carries no headers; its message is the JSON error body. */
function bodyOf(error: unknown): GoogleRpcError | undefined {
  const message = (error as { message?: unknown })?.message;
  if (typeof message !== 'string') return undefined;
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    return JSON.parse(message.slice(start)) as GoogleRpcError;
  } catch {
    return undefined;
  }
}

function detail(body: GoogleRpcError | undefined, type: string): Record<string, unknown> | undefined {
  return body?.error?.details?.find((d) => typeof d['@type'] === 'string' && (d['@type'] as string).endsWith(type));
}

/**
 * Gemini: a 429 is a per-minute rate limit or a daily quota, told apart by the `QuotaFailure`
 * violation's `quotaId` (never by message text: the per-minute message mentions billing too);
 * the wait comes from `RetryInfo.retryDelay`. A bad key is 400 with `ErrorInfo.reason:
 * API_KEY_INVALID`. genai's own timeout is an `AbortError` the caller did not cause.
 */
export const classifyGemini: Classifier = (error, context) => {
  const status = statusOf(error);
  if (status === undefined) {
    return (error as { name?: unknown })?.name === 'AbortError' ? { kind: 'provider_trouble' } : undefined;
  }
  const body = bodyOf(error);
  if (status === 400 && detail(body, 'google.rpc.ErrorInfo')?.reason === 'API_KEY_INVALID') return { kind: 'key_rejected', status };
  if (status !== 429 && status < 500) return undefined;
  const retryDelay = detail(body, 'google.rpc.RetryInfo')?.retryDelay;
  const retryAfterMs = clampHint(parseDuration(typeof retryDelay === 'string' ? retryDelay : undefined), context.maxCooldownMs);
  const violations = (detail(body, 'google.rpc.QuotaFailure')?.violations ?? []) as Array<{ quotaId?: unknown }>;
  const daily = violations.some((v) => typeof v.quotaId === 'string' && /PerDay/i.test(v.quotaId));
  const kind = status === 429 ? (daily ? 'quota_exhausted' : 'rate_limited') : 'provider_trouble';
  return retryAfterMs === undefined ? { kind, status } : { kind, status, retryAfterMs };
};
