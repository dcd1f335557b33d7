import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLocalToken, tokenMatcher } from './local-token.js';

describe('loadLocalToken', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'kmp-token-'));

  it('generates 256 random bits once, stores them with mode 0600, and reads them back after', () => {
    const file = join(dir(), 'nested', 'token');
    const first = loadLocalToken(undefined, file);
    expect(first.source).toBe('generated');
    expect(first.token).toMatch(/^kmp_[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.token);
    expect(loadLocalToken(undefined, file)).toEqual({ token: first.token, source: 'stored', file });
  });

  it('prefers a configured token and never writes it', () => {
    const file = join(dir(), 'token');
    expect(loadLocalToken('t'.repeat(30), file)).toEqual({ token: 't'.repeat(30), source: 'configured' });
    expect(() => statSync(file)).toThrow();
  });

  it('refuses a token file other users can read', () => {
    const file = join(dir(), 'token');
    writeFileSync(file, 'kmp_' + 'a'.repeat(40));
    chmodSync(file, 0o644);
    expect(() => loadLocalToken(undefined, file)).toThrow(/readable by other users.*chmod 600/);
  });
});

describe('tokenMatcher', () => {
  it('accepts the token only, whatever the length of what is presented', () => {
    const matches = tokenMatcher('kmp_secret-token-value-0123456789');
    expect(matches('kmp_secret-token-value-0123456789')).toBe(true);
    expect(matches('kmp_secret-token-value-012345678')).toBe(false);
    expect(matches('kmp_secret-token-value-0123456789x')).toBe(false);
    expect(matches('')).toBe(false);
    expect(matches(undefined)).toBe(false);
  });
});
