import { describe, expect, it } from 'vitest';
import { KeyPool, maskSecret } from '../index.js';

describe('maskSecret', () => {
  it('shows the provider prefix and the last four characters of a long secret', () => {
    expect(maskSecret('sk-proj-abcdefghijklmnop9f3a')).toBe('sk-…9f3a');
    expect(maskSecret('AIzaSyabcdefghijklmnop1234')).toBe('…1234');
  });

  it('shows only the length of a short one, so short keys are not all "…"', () => {
    expect(maskSecret('sk-short-1')).toBe('…(10 chars)');
    expect(maskSecret('abc')).toBe('…(3 chars)');
    const pool = new KeyPool({ keys: ['sk-test-a', 'sk-test-bb'] });
    expect(pool.snapshot().keys.map((k) => k.hint)).toEqual(['…(9 chars)', '…(10 chars)']);
    expect(JSON.stringify(pool.snapshot())).not.toContain('sk-test-a');
    void pool.close();
  });
});
