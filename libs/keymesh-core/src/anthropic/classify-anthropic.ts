import { defaultClassifier, headersOf, statusOf } from '../classify/default-classifier.js';
import { collectHeaders, type HeaderSource } from '../classify/headers.js';
import { parseResetTime } from '../classify/hints.js';
import type { Classifier, LimitAttribution } from '../classify/outcome.js';
import { withServerRetryDecision } from '../classify/server-retry.js';
import type { LimitDimension } from '../request/request-info.js';

/** Error codes Anthropic sends with a 429 that means "no credit left", not "slow down". */
const outOfCredit = /spend_limit|credit|billing|contract|ramp|quota/i;

/** Anthropic's rate-limit header dimensions and the limit dimension each one is. */
const headerDimensions: ReadonlyArray<readonly [header: string, dimension: LimitDimension]> = [
  ['requests', 'requests'],
  ['input-tokens', 'input_tokens'],
  ['output-tokens', 'output_tokens'],
  ['tokens', 'tokens'],
];

/**
 * Anthropic signals spend, contract and ramp limits as 429s with `error.details.error_code`;
 * 402 is payment required. Both disable the key for `quotaCooldownMs`. A rate-limit 429 names
 * its limit in its `anthropic-ratelimit-*` headers: the dimension at remaining 0. 529
 * (overloaded) is provider trouble, which the default classifier already says; a 409 is too, as
 * the SDK retries it.
 */
export const classifyAnthropic: Classifier = (error, context) => {
  const status = statusOf(error);
  if (status === 409) return withServerRetryDecision({ kind: 'provider_trouble', status }, headersOf(error));
  if (status === 402) return { kind: 'quota_exhausted', status };
  // Anthropic answers an empty prepaid balance with a 400 whose only marker is its message.
  if (status === 400 && /credit balance is too low/i.test(messageOf(error))) return { kind: 'quota_exhausted', status };
  if (status !== 429) return undefined;
  const e = error as { errorCode?: unknown; error?: { error?: { details?: { error_code?: unknown } } } };
  const code = typeof e.errorCode === 'string' ? e.errorCode : e.error?.error?.details?.error_code;
  if (typeof code === 'string' && outOfCredit.test(code)) return { kind: 'quota_exhausted', status };
  const limit = anthropicLimit(headersOf(error), context.now);
  const outcome = defaultClassifier(error, context);
  return limit === undefined ? outcome : { ...outcome, limit };
};

/**
 * The exhausted dimension of an Anthropic 429: the one at remaining 0 whose reset is furthest
 * away (the one that decides the wait); undefined when the headers name none.
 */
export function anthropicLimit(headers: HeaderSource, now: number): LimitAttribution | undefined {
  const read = collectHeaders(headers, (name) => name.startsWith('anthropic-ratelimit-'));
  let found: { dimension: LimitDimension; resetMs: number } | undefined;
  for (const [header, dimension] of headerDimensions) {
    if (read(`anthropic-ratelimit-${header}-remaining`)?.trim() !== '0') continue;
    const resetMs = parseResetTime(read(`anthropic-ratelimit-${header}-reset`), now) ?? 0;
    if (found === undefined || resetMs > found.resetMs) found = { dimension, resetMs };
  }
  return found === undefined ? undefined : { dimension: found.dimension, window: 'minute' };
}

function messageOf(error: unknown): string {
  const e = error as { message?: unknown; error?: { error?: { message?: unknown } } };
  const inner = e.error?.error?.message;
  return typeof inner === 'string' ? inner : typeof e.message === 'string' ? e.message : '';
}
