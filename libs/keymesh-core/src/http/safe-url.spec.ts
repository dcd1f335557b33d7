import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { parseBaseUrl, resolvePath, UnsafeUrlError } from './safe-url.js';

const base = parseBaseUrl('https://api.example.com/v1');

describe('resolvePath', () => {
  it.each([
    ['chat/completions', 'https://api.example.com/v1/chat/completions'],
    ['/chat/completions', 'https://api.example.com/v1/chat/completions'],
    ['models?limit=2', 'https://api.example.com/v1/models?limit=2'],
    ['a/../b', 'https://api.example.com/v1/b'],
    ['', 'https://api.example.com/v1/'],
  ])('joins %j under the base path', (path, expected) => {
    expect(resolvePath(base, path).href).toBe(expected);
  });

  it.each([
    'https://evil.example/steal',
    'HTTP://evil.example',
    'javascript:alert(1)',
    '//evil.example/x',
    '\\\\evil.example\\x',
    '/\\evil.example',
    '../other',
    '../../',
    'x/../../v2/admin',
    '%2e%2e/other',
  ])('refuses %j', (path) => {
    const error = (() => {
      try {
        resolvePath(base, path);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnsafeUrlError);
    expect(error).toMatchObject({ code: 'ERR_KEYMESH_UNSAFE_URL' });
  });

  it('property: any accepted path stays on the base origin and under the base path', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webPath(), fc.webUrl()), (path) => {
        let url: URL;
        try {
          url = resolvePath(base, path);
        } catch (error) {
          expect(error).toBeInstanceOf(UnsafeUrlError);
          return;
        }
        expect(url.origin).toBe('https://api.example.com');
        expect(url.pathname.startsWith('/v1')).toBe(true);
      }),
      { numRuns: 2_000, seed: 7 },
    );
  });
});

describe('parseBaseUrl', () => {
  it.each(['not a url', 'ftp://x.example', 'https://user:pw@x.example', 'https://x.example/?key=1', 'https://x.example/#a'])('refuses %j', (value) => {
    expect(() => parseBaseUrl(value)).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_INVALID_OPTION' }));
    try {
      parseBaseUrl(value);
    } catch (error) {
      expect(isConfigError(error)).toBe(true);
    }
  });
});
