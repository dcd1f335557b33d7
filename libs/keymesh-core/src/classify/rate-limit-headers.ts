import { collectHeaders, type HeaderSource } from './headers.js';
import { clampHint, parseResetTime, parseRetryAfter, parseRetryAfterMs } from './hints.js';
import type { LimitDimension } from '../request/request-info.js';

/**
 * One quota dimension a provider reports (requests, tokens, …) with the header names that
 * carry its limit, remaining count and reset time.
 */
interface Dimension {
  dimension: LimitDimension;
  limit: string;
  remaining: string;
  reset: string;
}

const dimensions: readonly Dimension[] = [
  ...(['requests', 'tokens'] as const).map((d) => ({
    dimension: d,
    limit: `x-ratelimit-limit-${d}`,
    remaining: `x-ratelimit-remaining-${d}`,
    reset: `x-ratelimit-reset-${d}`,
  })),
  ...(['requests', 'tokens', 'input_tokens', 'output_tokens'] as const).map((d) => {
    const name = d.replace('_', '-');
    return { dimension: d, limit: `anthropic-ratelimit-${name}-limit`, remaining: `anthropic-ratelimit-${name}-remaining`, reset: `anthropic-ratelimit-${name}-reset` };
  }),
  { dimension: 'requests', limit: 'ratelimit-limit', remaining: 'ratelimit-remaining', reset: 'ratelimit-reset' },
  { dimension: 'requests', limit: 'x-ratelimit-limit', remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset' },
];

const isRateHeader = (name: string) =>
  name.startsWith('x-ratelimit-') || name.startsWith('anthropic-ratelimit-') || name.startsWith('ratelimit-') || name.startsWith('retry-after');

/** One dimension of a reading: what the provider said remained of one limit. */
export interface DimensionReading {
  dimension: LimitDimension;
  /** The whole limit per window; undefined when not reported. */
  limit: number | undefined;
  remaining: number;
  /** ms until the dimension resets (clamped to the pool's `maxCooldownMs`); undefined when not reported. */
  resetMs: number | undefined;
}

export interface RateLimitReading {
  /** Every dimension the headers report (a dimension reported under two names appears once, its first). */
  dimensions: DimensionReading[];
  /** Smallest remaining/limit ratio over the reported dimensions, in [0, 1]; undefined when none is reported. */
  headroom: number | undefined;
  /** 1 / the limit of the dimension behind `headroom`: one request's share of it (0 when the limit is unknown). */
  headroomUnit: number;
  /** When some dimension has nothing left: ms until the longest such dimension resets. */
  exhaustedForMs: number | undefined;
}

/** Reads the quota headers of a successful response (used by `ctx.observe`). */
export function readRateLimitHeaders(headers: HeaderSource, now: number, maxMs: number): RateLimitReading {
  const readHeader = collectHeaders(headers, isRateHeader);
  let headroom: number | undefined;
  let headroomUnit = 0;
  let exhaustedForMs: number | undefined;
  const read: DimensionReading[] = [];
  for (const dimension of dimensions) {
    const remaining = toCount(readHeader(dimension.remaining));
    if (remaining === undefined) continue;
    const limit = toCount(readHeader(dimension.limit));
    if (!read.some((r) => r.dimension === dimension.dimension)) {
      read.push({ dimension: dimension.dimension, limit, remaining, resetMs: clampHint(parseResetTime(readHeader(dimension.reset), now), maxMs) });
    }
    if (limit !== undefined && limit > 0) {
      const ratio = Math.min(1, remaining / limit);
      if (headroom === undefined || ratio < headroom) {
        headroom = ratio;
        headroomUnit = 1 / limit;
      }
    } else if (remaining === 0) {
      headroom = 0;
      headroomUnit = 0;
    }
    if (remaining === 0) {
      const reset = clampHint(parseResetTime(readHeader(dimension.reset), now), maxMs);
      if (reset !== undefined) exhaustedForMs = Math.max(exhaustedForMs ?? 0, reset);
    }
  }
  return { dimensions: read, headroom, headroomUnit, exhaustedForMs };
}

/**
 * The wait a rate-limited response asks for. `retry-after-ms` and `retry-after` are one hint, the
 * ms form winning when both are present (as the SDKs read them: `retry-after-ms: 0` means now,
 * whatever a `retry-after` date says); with the reset of every quota dimension that is exhausted
 * (or whose remaining count is not reported), the longest applicable hint wins.
 */
export function readRetryHint(headers: HeaderSource, now: number, maxMs: number): number | undefined {
  const readHeader = collectHeaders(headers, isRateHeader);
  let longest: number | undefined;
  const consider = (ms: number | undefined) => {
    const clamped = clampHint(ms, maxMs);
    if (clamped !== undefined) longest = Math.max(longest ?? 0, clamped);
  };
  consider(parseRetryAfterMs(readHeader('retry-after-ms')) ?? parseRetryAfter(readHeader('retry-after'), now));
  for (const dimension of dimensions) {
    const reset = readHeader(dimension.reset);
    if (reset === undefined) continue;
    const remaining = toCount(readHeader(dimension.remaining));
    if (remaining === undefined || remaining === 0) consider(parseResetTime(reset, now));
  }
  return longest;
}

function toCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  // Number('') is 0: an empty header must not read as "nothing left".
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  const number = Number(text);
  return Number.isFinite(number) && number >= 0 ? number : undefined;
}
