import type { RandomSource } from '../clock.js';

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Beyond this exponent base·2^n exceeds any sane cap; stopping here keeps the product finite. */
const maxExponent = 40;

/** The upper bound of the full-jitter window for retry number `retryIndex` (0 for the first retry). */
export function backoffCeiling(retryIndex: number, options: BackoffOptions): number {
  const exponent = Number.isFinite(retryIndex) ? Math.min(Math.max(0, Math.floor(retryIndex)), maxExponent) : retryIndex > 0 ? maxExponent : 0;
  return Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** exponent);
}

/**
 * AWS "full jitter": a uniform delay in [0, min(maxDelayMs, baseDelayMs·2^n)). Spreading the
 * whole window avoids retry waves when many requests fail at once.
 */
export function fullJitterDelay(retryIndex: number, options: BackoffOptions, random: RandomSource): number {
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  return unit * backoffCeiling(retryIndex, options);
}
