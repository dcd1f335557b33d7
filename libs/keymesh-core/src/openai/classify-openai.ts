import { defaultClassifier, headersOf, statusOf } from '../classify/default-classifier.js';
import type { Classifier, LimitAttribution } from '../classify/outcome.js';
import { withServerRetryDecision } from '../classify/server-retry.js';

/** "Rate limit reached for gpt-4o in organization org-… on tokens per min (TPM): Limit …" */
const rateLimitMessage = /Rate limit reached for (\S+) in (?:organization|project) \S+ on (requests|tokens) per (min|day)/i;

/**
 * OpenAI answers 429 both for a rate limit and for an account out of credit; only the error
 * code tells them apart (`insufficient_quota`). A rate limit names its limit: the error `type`
 * (`requests` / `tokens`) and, in the message, the model and the window. A 409 (lock timeout)
 * is provider trouble, retried, as the SDK retries it. Everything else is the default classifier's.
 */
export const classifyOpenAI: Classifier = (error, context) => {
  const status = statusOf(error);
  if (status === 409) return withServerRetryDecision({ kind: 'provider_trouble', status }, headersOf(error));
  if (status !== 429) return undefined;
  const e = error as { code?: unknown; type?: unknown; message?: unknown; error?: { code?: unknown; type?: unknown; message?: unknown } };
  const codes = [e.code, e.type, e.error?.code, e.error?.type];
  if (codes.includes('insufficient_quota')) return withServerRetryDecision({ kind: 'quota_exhausted', status }, headersOf(error));
  const limit = openaiLimit(e.error?.type ?? e.type, e.error?.message ?? e.message);
  const outcome = defaultClassifier(error, context);
  return limit === undefined ? outcome : { ...outcome, limit };
};

/** Which limit an OpenAI 429 names, from its error `type` and message. */
export function openaiLimit(type: unknown, message: unknown): LimitAttribution | undefined {
  const match = typeof message === 'string' ? rateLimitMessage.exec(message) : null;
  const dimension = type === 'requests' || type === 'tokens' ? type : (match?.[2]?.toLowerCase() as 'requests' | 'tokens' | undefined);
  if (dimension === undefined && match === null) return undefined;
  const limit: LimitAttribution = {};
  if (dimension !== undefined) limit.dimension = dimension;
  if (match !== null) {
    limit.model = match[1]!;
    limit.window = match[3]!.toLowerCase() === 'day' ? 'day' : 'minute';
  }
  return limit;
}
