import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backoffCeiling, fullJitterDelay } from './full-jitter.js';

const fcParams = { seed: 0x6a697474, numRuns: 500 } as const;
const options = { baseDelayMs: 200, maxDelayMs: 10_000 };

const retryIndex = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.integer(),
  fc.constantFrom(0, 1, 40, 41, 1023, 1024, 1e6, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, Number.MAX_VALUE),
);
const baseAndCap = fc
  .tuple(fc.double({ min: 0.001, max: 100_000, noNaN: true }), fc.double({ min: 0, max: 1e9, noNaN: true }))
  .map(([base, extra]) => ({ baseDelayMs: base, maxDelayMs: base + extra }));
const randomValue = fc.oneof(
  fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  fc.constantFrom(Number.NaN, 1, -1, 2, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0),
);

describe('backoffCeiling', () => {
  it.each([
    [0, 200],
    [1, 400],
    [2, 800],
    [5, 6400],
    [6, 10_000],
    [40, 10_000],
    [1000, 10_000],
    [-3, 200],
  ])('retry %d → %d ms', (n, expected) => {
    expect(backoffCeiling(n, options)).toBe(expected);
  });

  it('huge retry indexes are capped at maxDelayMs, never Infinity', () => {
    expect(backoffCeiling(1e9, options)).toBe(10_000);
    expect(backoffCeiling(Number.MAX_VALUE, options)).toBe(10_000);
    expect(backoffCeiling(Number.POSITIVE_INFINITY, options)).toBe(10_000);
    expect(backoffCeiling(Number.NEGATIVE_INFINITY, options)).toBe(200);
  });

  it('property: equals min(cap, base·2^n) for 0 ≤ n ≤ 40, and cap beyond when the cap is reachable', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 1e9 }), (n, base, extra) => {
        const opts = { baseDelayMs: base, maxDelayMs: base + extra };
        expect(backoffCeiling(n, opts)).toBe(Math.min(opts.maxDelayMs, base * 2 ** n));
        // base ≥ 1 and cap ≤ ~1e9 < 2^40: from n = 40 on, the cap is the ceiling.
        expect(backoffCeiling(n + 41, opts)).toBe(opts.maxDelayMs);
      }),
      fcParams,
    );
  });
});

describe('fullJitterDelay', () => {
  it('random 0 → 0; random just below 1 → just below the ceiling', () => {
    expect(fullJitterDelay(3, options, () => 0)).toBe(0);
    const near = fullJitterDelay(3, options, () => 0.999999);
    expect(near).toBeLessThanOrEqual(1600);
    expect(near).toBeGreaterThan(1600 * 0.99999);
  });

  it('scales linearly with the random value', () => {
    expect(fullJitterDelay(2, options, () => 0.5)).toBe(400);
    expect(fullJitterDelay(0, options, () => 0.25)).toBe(50);
  });

  it('large n: the window is capped at maxDelayMs', () => {
    const near = fullJitterDelay(50, options, () => 0.999999);
    expect(near).toBeLessThanOrEqual(10_000);
    expect(near).toBeGreaterThan(9_999.9);
    expect(fullJitterDelay(1e6, options, () => 0.5)).toBe(5000);
  });

  it('out-of-range random values are clamped into the window', () => {
    expect(fullJitterDelay(1, options, () => Number.NaN)).toBe(0);
    expect(fullJitterDelay(1, options, () => -1)).toBe(0);
    expect(fullJitterDelay(1, options, () => 2)).toBeLessThanOrEqual(400);
    expect(fullJitterDelay(1, options, () => Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(400);
  });

  it('calls the random source once per delay', () => {
    let calls = 0;
    fullJitterDelay(4, options, () => {
      calls++;
      return 0.3;
    });
    expect(calls).toBe(1);
  });

  it('property: finite, ≥ 0 and ≤ min(cap, base·2^max(0,n)) for any n, base, cap and random value', () => {
    fc.assert(
      fc.property(retryIndex, baseAndCap, randomValue, (n, opts, r) => {
        const delay = fullJitterDelay(n, opts, () => r);
        const bound = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, n));
        expect(Number.isFinite(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(bound);
        expect(delay).toBeLessThanOrEqual(backoffCeiling(n, opts));
      }),
      fcParams,
    );
  });

  it('property: with a valid random value the delay is exactly r · ceiling', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), baseAndCap, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, opts, r) => {
        expect(fullJitterDelay(n, opts, () => r)).toBe(r * backoffCeiling(n, opts));
      }),
      fcParams,
    );
  });
});

describe('non-finite retry index', () => {
  it('never yields NaN', () => {
    const options = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffCeiling(Number.NaN, options)).toBe(100);
    expect(backoffCeiling(Infinity, options)).toBe(1_000);
    expect(fullJitterDelay(Number.NaN, options, () => 0.5)).toBe(50);
  });
});
