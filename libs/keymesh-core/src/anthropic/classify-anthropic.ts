import { statusOf } from '../classify/default-classifier.js';
import type { Classifier } from '../classify/outcome.js';

/** Error codes Anthropic sends with a 429 that means "no credit left", not "slow down". */
const outOfCredit = /spend_limit|credit|billing|contract|ramp|quota/i;

/**
 * Anthropic signals spend, contract and ramp limits as 429s with `error.details.error_code`;
 * 402 is payment required. Both disable the key for `quotaCooldownMs`. 529 (overloaded) is
 * provider trouble, which the default classifier already says.
 */
export const classifyAnthropic: Classifier = (error) => {
  const status = statusOf(error);
  if (status === 402) return { kind: 'quota_exhausted', status };
  // Anthropic answers an empty prepaid balance with a 400 whose only marker is its message.
  if (status === 400 && /credit balance is too low/i.test(messageOf(error))) return { kind: 'quota_exhausted', status };
  if (status !== 429) return undefined;
  const e = error as { errorCode?: unknown; error?: { error?: { details?: { error_code?: unknown } } } };
  const code = typeof e.errorCode === 'string' ? e.errorCode : e.error?.error?.details?.error_code;
  return typeof code === 'string' && outOfCredit.test(code) ? { kind: 'quota_exhausted', status } : undefined;
};

function messageOf(error: unknown): string {
  const e = error as { message?: unknown; error?: { error?: { message?: unknown } } };
  const inner = e.error?.error?.message;
  return typeof inner === 'string' ? inner : typeof e.message === 'string' ? e.message : '';
}
