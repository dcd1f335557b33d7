import { readHeader, type HeaderSource } from './headers.js';
import type { Outcome } from './outcome.js';

/**
 * The server's own word on retrying, `x-should-retry: true | false`, which the OpenAI and
 * Anthropic SDKs obey over their rules, so Keymesh does too: `false` ends the request after the
 * key is recorded as classified (a 429 still sidelines its limit); `true` makes an answer that
 * would be the caller's fault provider trouble, retried after backoff.
 */
export function withServerRetryDecision(outcome: Outcome, headers: HeaderSource): Outcome {
  const word = readHeader(headers, 'x-should-retry');
  if (word === 'false') return outcome.retry === false ? outcome : { ...outcome, retry: false };
  if (word === 'true' && outcome.kind === 'caller_fault') return { ...outcome, kind: 'provider_trouble' };
  return outcome;
}
