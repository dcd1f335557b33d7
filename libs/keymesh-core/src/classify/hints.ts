/**
 * Parsers for the retry hints providers send. Every parser returns milliseconds or `undefined`;
 * garbage, negative and non-finite values are dropped here so they can never reach a timer.
 */

const httpDate = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*, ?\d{1,2}[ -][A-Z][a-z]{2}[ -]\d{2,4} \d{2}:\d{2}:\d{2} GMT$|^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;
const unitMs: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const durationPart = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;

/** `120ms`, `2.836s`, `1m30s`, `6m0s`, `1h2m3.5s`; a bare number is seconds. */
export function parseDuration(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return finiteNonNegative(Number(text) * 1_000);
  durationPart.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = durationPart.exec(text); match; match = durationPart.exec(text)) {
    total += Number(match[1]) * unitMs[match[2]!]!;
    consumed = durationPart.lastIndex;
  }
  return consumed === text.length && consumed > 0 ? finiteNonNegative(total) : undefined;
}

/** `Retry-After`: delta seconds (RFC 9110) or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return finiteNonNegative(Number(text) * 1_000);
  // All three HTTP-date forms start with a day name; Date.parse alone accepts junk like "soon 2099".
  if (!httpDate.test(text)) return undefined;
  return untilDate(text, now);
}

/** `retry-after-ms`: a plain millisecond count. */
export function parseRetryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  return /^\d+(\.\d+)?$/.test(text) ? finiteNonNegative(Number(text)) : undefined;
}

/**
 * A reset time: RFC 3339 (`2026-11-25T08:00:00Z`, Anthropic), epoch seconds, delta seconds
 * (IETF `RateLimit-Reset`), or a duration string (OpenAI's `x-ratelimit-reset-*`).
 */
export function parseResetTime(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) return untilDate(text, now);
  if (/^\d+(\.\d+)?$/.test(text)) {
    const number = Number(text);
    // Anything that large is an epoch timestamp, not a delay.
    // A reset in the past means "now", whichever form it came in.
    if (number > 1e12) return Math.max(0, number - now);
    if (number > 1e9) return Math.max(0, number * 1_000 - now);
    return finiteNonNegative(number * 1_000);
  }
  return parseDuration(text);
}

/** Drops unusable hints and caps absurd ones. */
export function clampHint(ms: number | undefined, maxMs: number): number | undefined {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(Math.ceil(ms), maxMs);
}

function untilDate(text: string, now: number): number | undefined {
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - now);
}

function finiteNonNegative(ms: number): number | undefined {
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
