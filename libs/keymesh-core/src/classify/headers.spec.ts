import { describe, expect, it } from 'vitest';
import { readHeader } from './headers.js';

describe('readHeader', () => {
  it('reads a fetch Headers instance case-insensitively', () => {
    const headers = new Headers({ 'Retry-After': '5', 'X-RateLimit-Reset-Requests': '1s' });
    expect(readHeader(headers, 'retry-after')).toBe('5');
    expect(readHeader(headers, 'x-ratelimit-reset-requests')).toBe('1s');
    expect(readHeader(headers, 'retry-after-ms')).toBeUndefined();
  });

  it('reads a plain object with mixed-case names', () => {
    const headers = { 'Retry-After': '7', 'x-ratelimit-remaining-tokens': '0', 'RETRY-AFTER-MS': '250' };
    expect(readHeader(headers, 'retry-after')).toBe('7');
    expect(readHeader(headers, 'x-ratelimit-remaining-tokens')).toBe('0');
    expect(readHeader(headers, 'retry-after-ms')).toBe('250');
    expect(readHeader(headers, 'x-ratelimit-reset-tokens')).toBeUndefined();
  });

  it('prefers the exact lower-case name in a plain object', () => {
    expect(readHeader({ 'Retry-After': '1', 'retry-after': '2' }, 'retry-after')).toBe('2');
  });

  it('takes the first value of a Node-style array and stringifies numbers', () => {
    expect(readHeader({ 'retry-after': ['3', '9'] }, 'retry-after')).toBe('3');
    expect(readHeader({ 'Retry-After': 12 }, 'retry-after')).toBe('12');
  });

  it('treats null / undefined values and sources as absent', () => {
    expect(readHeader({ 'retry-after': null }, 'retry-after')).toBeUndefined();
    expect(readHeader({ 'retry-after': undefined }, 'retry-after')).toBeUndefined();
    expect(readHeader(null, 'retry-after')).toBeUndefined();
    expect(readHeader(undefined, 'retry-after')).toBeUndefined();
    expect(readHeader({}, 'retry-after')).toBeUndefined();
  });

  it('uses any object with a get() method (e.g. a Headers look-alike)', () => {
    const seen: string[] = [];
    const headers = {
      get(name: string): string | null {
        seen.push(name);
        return name === 'retry-after' ? '4' : null;
      },
    };
    expect(readHeader(headers, 'retry-after')).toBe('4');
    expect(readHeader(headers, 'retry-after-ms')).toBeUndefined();
    expect(seen).toEqual(['retry-after', 'retry-after-ms']);
  });
});

describe('collectHeaders', () => {
  const keep = (name: string) => name.startsWith('x-rate');
  it('reads a Headers instance, a plain object with mixed-case names and array values, and a get-only source alike', async () => {
    const { collectHeaders } = await import('./headers.js');
    const fromHeaders = collectHeaders(new Headers({ 'X-Rate-A': '1', other: 'x' }), keep);
    expect([fromHeaders('x-rate-a'), fromHeaders('other')]).toEqual(['1', undefined]);
    const fromObject = collectHeaders({ 'X-RATE-B': ['2', '3'], 'x-rate-c': 4, other: 'y' }, keep);
    expect([fromObject('x-rate-b'), fromObject('x-rate-c'), fromObject('other')]).toEqual(['2', '4', undefined]);
    const fromGetter = collectHeaders({ get: (name: string) => (name === 'x-rate-d' ? '5' : null) }, keep);
    expect([fromGetter('x-rate-d'), fromGetter('x-rate-e')]).toEqual(['5', undefined]);
    expect(collectHeaders(undefined, keep)('x-rate-a')).toBeUndefined();
  });
});
