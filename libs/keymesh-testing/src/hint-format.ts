/** Retry hints in the formats the providers use on the wire. */

/** `Retry-After` delay-seconds: a whole number, rounded up so waiting that long always suffices. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(0, Math.ceil(ms / 1000)));
}

/** OpenAI's `x-ratelimit-reset-*` durations: `120ms`, `2.836s`, `1m30s`, `1h0m0s`. */
export function openaiDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = (total % 60_000) / 1000;
  const secondsText = `${Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}

/** RFC 3339 timestamp, millisecond precision kept so the reset instant stays exact. */
export function rfc3339(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** A protobuf `Duration` as Gemini's `RetryInfo.retryDelay` writes it: whole seconds, e.g. `"30s"`. */
export function protoDuration(ms: number): string {
  return `${Math.max(0, Math.ceil(ms / 1000))}s`;
}
