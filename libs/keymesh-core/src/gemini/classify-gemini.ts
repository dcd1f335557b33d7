import { statusOf } from '../classify/default-classifier.js';
import { clampHint, parseDuration } from '../classify/hints.js';
import type { Classifier, LimitAttribution, Outcome } from '../classify/outcome.js';
import type { LimitDimension } from '../request/request-info.js';

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
  const violations = (detail(body, 'google.rpc.QuotaFailure')?.violations ?? []) as Violation[];
  const daily = violations.some((v) => typeof v.quotaId === 'string' && /PerDay/i.test(v.quotaId));
  const kind: Outcome['kind'] = status === 429 ? (daily ? 'quota_exhausted' : 'rate_limited') : 'provider_trouble';
  const outcome: Outcome = retryAfterMs === undefined ? { kind, status } : { kind, status, retryAfterMs };
  const limit = status === 429 ? geminiLimit(violations) : undefined;
  return limit === undefined ? outcome : { ...outcome, limit };
};

interface Violation {
  quotaMetric?: unknown;
  quotaId?: unknown;
  quotaDimensions?: { model?: unknown };
}

/**
 * The limit a Gemini 429 names: its `QuotaFailure` violation's model and window (`…PerDay…` /
 * `…PerMinute…` in `quotaId`) and dimension (from `quotaMetric`, e.g.
 * `generate_content_free_tier_input_token_count`). A daily violation, when there is one, is the
 * one named: it outlasts the others.
 */
export function geminiLimit(violations: readonly Violation[]): LimitAttribution | undefined {
  const named = violations.find((v) => typeof v.quotaId === 'string' && /PerDay/i.test(v.quotaId)) ?? violations[0];
  if (named === undefined) return undefined;
  const limit: LimitAttribution = {};
  const model = named.quotaDimensions?.model;
  if (typeof model === 'string' && model !== '') limit.model = model;
  if (typeof named.quotaId === 'string') {
    if (/PerDay/i.test(named.quotaId)) limit.window = 'day';
    else if (/PerMinute/i.test(named.quotaId)) limit.window = 'minute';
  }
  const dimension = dimensionOf(named);
  if (dimension !== undefined) limit.dimension = dimension;
  return Object.keys(limit).length === 0 ? undefined : limit;
}

function dimensionOf(violation: Violation): LimitDimension | undefined {
  const text = `${typeof violation.quotaMetric === 'string' ? violation.quotaMetric : ''} ${typeof violation.quotaId === 'string' ? violation.quotaId : ''}`;
  if (/input_?tokens?/i.test(text)) return 'input_tokens';
  if (/output_?tokens?/i.test(text)) return 'output_tokens';
  if (/tokens?/i.test(text)) return 'tokens';
  if (/requests?/i.test(text)) return 'requests';
  return undefined;
}
