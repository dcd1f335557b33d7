import { describe, expect, it } from 'vitest';
import { openaiDuration, protoDuration, retryAfterSeconds, rfc3339 } from './hint-format.js';

describe('hint formats', () => {
  it.each([
    [0, '0ms'],
    [120, '120ms'],
    [999.2, '1s'],
    [1_000, '1s'],
    [2_836, '2.836s'],
    [90_000, '1m30s'],
    [360_000, '6m0s'],
    [3_600_000, '1h0m0s'],
  ])('openai duration of %d ms is %s', (ms, text) => {
    expect(openaiDuration(ms)).toBe(text);
  });

  it('rounds Retry-After and RetryInfo seconds up, so waiting that long always suffices', () => {
    expect(retryAfterSeconds(49_500)).toBe('50');
    expect(retryAfterSeconds(0)).toBe('0');
    expect(protoDuration(29_001)).toBe('30s');
    expect(rfc3339(Date.UTC(2025, 0, 1, 0, 0, 30, 250))).toBe('2025-01-01T00:00:30.250Z');
  });
});
