import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clampHint, parseDuration, parseResetTime, parseRetryAfter, parseRetryAfterMs } from './hints.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const fcParams = { seed: 0x6b65796d, numRuns: 400 } as const;

/** Strings made of the characters hint headers are built from, so the parsers' branches are reached often. */
const hintLikeString = fc.string({
  unit: fc.constantFrom(...'0123456789.0123456789msdhMSHD -+eE:TZ,GMTWedOctNaNInfinity'.split('')),
  maxLength: 24,
});
const anyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  hintLikeString,
  fc.double().map(String),
  fc.integer().map(String),
  fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);

function expectUsable(value: number | undefined): void {
  if (value === undefined) return;
  expect(Number.isFinite(value)).toBe(true);
  expect(value).toBeGreaterThanOrEqual(0);
}

const garbage = ['abc', '1x', '-5', 'NaN', 'Infinity', '-Infinity', '', '   ', '1e400', '5s junk', '1e3', '0x10', '1,5'];

describe('parseDuration', () => {
  it.each([
    ['120ms', 120],
    ['2.836s', 2836],
    ['1m30s', 90_000],
    ['6m0s', 360_000],
    ['1h2m3.5s', 3_723_500],
    ['2', 2000],
    ['0', 0],
    ['0s', 0],
    ['1.5', 1500],
    ['1d', 86_400_000],
    ['1m5ms', 60_005],
    [' 30s ', 30_000],
  ])('%j → %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each(garbage)('garbage %j → undefined', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it.each(['1m30', 's', 'ms', '1m 30s', '1S', '.5s', '5.s', '1m-30s'])('malformed %j → undefined', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it('undefined → undefined', () => {
    expect(parseDuration(undefined)).toBeUndefined();
  });

  it('a number too large to be finite → undefined', () => {
    expect(parseDuration('9'.repeat(400))).toBeUndefined();
    expect(parseDuration(`${'9'.repeat(400)}ms`)).toBeUndefined();
  });

  it('property: h/m/s/ms components sum up', () => {
    fc.assert(
      fc.property(fc.nat(99), fc.nat(59), fc.nat(59), fc.nat(999), (h, m, s, ms) => {
        expect(parseDuration(`${h}h${m}m${s}s${ms}ms`)).toBe(((h * 60 + m) * 60 + s) * 1000 + ms);
      }),
      fcParams,
    );
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    ['0', 0],
    ['1.5', 1500],
    [' 5 ', 5000],
  ])('delta seconds %j → %d ms', (input, expected) => {
    expect(parseRetryAfter(input, NOW)).toBe(expected);
  });

  it('an HTTP date is relative to the injected now', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', NOW + 10_000)).toBe(20_000);
    expect(parseRetryAfter(new Date(NOW + 3_600_000).toUTCString(), NOW)).toBe(3_600_000);
  });

  it('a past HTTP date → 0', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter(new Date(NOW - 1000).toUTCString(), NOW)).toBe(0);
  });

  it.each(garbage)('garbage %j → undefined', (input) => {
    expect(parseRetryAfter(input, NOW)).toBeUndefined();
  });

  it('undefined → undefined', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });
});

describe('parseRetryAfterMs', () => {
  it.each([
    ['2500', 2500],
    ['0', 0],
    ['12.5', 12.5],
    [' 40 ', 40],
  ])('%j → %d', (input, expected) => {
    expect(parseRetryAfterMs(input)).toBe(expected);
  });

  it.each([...garbage, '2s', '100ms'])('garbage %j → undefined', (input) => {
    expect(parseRetryAfterMs(input)).toBeUndefined();
  });

  it('undefined → undefined', () => {
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
  });
});

describe('parseResetTime', () => {
  it('RFC 3339 (Anthropic), relative to now', () => {
    expect(parseResetTime('2026-01-01T00:01:00Z', NOW)).toBe(60_000);
    expect(parseResetTime('2026-01-01T00:00:01.250Z', NOW)).toBe(1250);
    expect(parseResetTime('2026-01-01T01:00:30+01:00', NOW)).toBe(30_000);
  });

  it('a past RFC 3339 time → 0', () => {
    expect(parseResetTime('2025-12-31T23:59:00Z', NOW)).toBe(0);
  });

  it('epoch seconds', () => {
    expect(parseResetTime(String(NOW / 1000 + 20), NOW)).toBe(20_000);
  });

  it('epoch milliseconds', () => {
    expect(parseResetTime(String(NOW + 1500), NOW)).toBe(1500);
  });

  it('delta seconds', () => {
    expect(parseResetTime('30', NOW)).toBe(30_000);
    expect(parseResetTime('0.5', NOW)).toBe(500);
  });

  it('OpenAI duration strings', () => {
    expect(parseResetTime('6m0s', NOW)).toBe(360_000);
    expect(parseResetTime('2.836s', NOW)).toBe(2836);
    expect(parseResetTime('120ms', NOW)).toBe(120);
    expect(parseResetTime('1m30s', NOW)).toBe(90_000);
  });

  it.each(garbage)('garbage %j → undefined', (input) => {
    expect(parseResetTime(input, NOW)).toBeUndefined();
  });

  it('undefined → undefined', () => {
    expect(parseResetTime(undefined, NOW)).toBeUndefined();
  });
});

describe('clampHint', () => {
  it('drops negative, NaN and infinite values', () => {
    expect(clampHint(-1, 1000)).toBeUndefined();
    expect(clampHint(-0.001, 1000)).toBeUndefined();
    expect(clampHint(Number.NaN, 1000)).toBeUndefined();
    expect(clampHint(Number.POSITIVE_INFINITY, 1000)).toBeUndefined();
    expect(clampHint(Number.NEGATIVE_INFINITY, 1000)).toBeUndefined();
    expect(clampHint(undefined, 1000)).toBeUndefined();
  });

  it('caps at max', () => {
    expect(clampHint(5000, 1000)).toBe(1000);
    expect(clampHint(1000, 1000)).toBe(1000);
  });

  it('rounds up to whole milliseconds', () => {
    expect(clampHint(1.2, 1000)).toBe(2);
    expect(clampHint(0.0001, 1000)).toBe(1);
    expect(clampHint(0, 1000)).toBe(0);
    expect(clampHint(7, 1000)).toBe(7);
  });

  it('property: result is undefined or an integer in [ceil(ms), max] bounds', () => {
    fc.assert(
      fc.property(fc.double(), fc.integer({ min: 0, max: 1e10 }), (ms, max) => {
        const result = clampHint(ms, max);
        if (!Number.isFinite(ms) || ms < 0) {
          expect(result).toBeUndefined();
        } else {
          expect(result).toBe(Math.min(Math.ceil(ms), max));
          expect(Number.isInteger(result)).toBe(true);
        }
      }),
      fcParams,
    );
  });
});

describe('properties: no parser ever yields NaN, Infinity or a negative delay', () => {
  it('parseDuration', () => {
    fc.assert(fc.property(anyString, (s) => expectUsable(parseDuration(s))), fcParams);
  });

  it('parseRetryAfter', () => {
    fc.assert(fc.property(anyString, fc.integer({ min: 0, max: 4e12 }), (s, now) => expectUsable(parseRetryAfter(s, now))), fcParams);
  });

  it('parseRetryAfterMs', () => {
    fc.assert(fc.property(anyString, (s) => expectUsable(parseRetryAfterMs(s))), fcParams);
  });

  it('parseResetTime', () => {
    fc.assert(fc.property(anyString, fc.integer({ min: 0, max: 4e12 }), (s, now) => expectUsable(parseResetTime(s, now))), fcParams);
  });
});

describe('review fixes', () => {
  const now = Date.parse('2026-11-25T08:00:00Z');
  it('Retry-After junk that Date.parse would accept is ignored', () => {
    expect(parseRetryAfter('soon 2099', now)).toBeUndefined();
    expect(parseRetryAfter('junk 5', now)).toBeUndefined();
    expect(parseRetryAfter('Wed, 25 Nov 2026 08:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wednesday, 25-Nov-26 08:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed Nov 25 08:00:30 2026', now)).toBe(30_000);
  });
  it('a past reset is 0 in every form', () => {
    expect(parseResetTime(String(Math.floor(now / 1000) - 60), now)).toBe(0);
    expect(parseResetTime(String(now - 60_000), now)).toBe(0);
    expect(parseResetTime('2026-11-25T07:59:00Z', now)).toBe(0);
  });
});
