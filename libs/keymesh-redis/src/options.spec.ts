import { isConfigError } from '@keymesh/core';
import { describe, expect, it } from 'vitest';
import { RedisStore } from './index.js';
import { resolveStoreOptions, type RedisStoreOptions } from './options.js';

const configError = (options: unknown) => {
  try {
    resolveStoreOptions(options as RedisStoreOptions);
  } catch (error) {
    if (isConfigError(error)) return error;
    throw error;
  }
  throw new Error('no ConfigError');
};

describe('RedisStore options', () => {
  it('has defaults for everything but the connection', () => {
    expect(resolveStoreOptions({ url: 'redis://127.0.0.1:6379' })).toMatchObject({ prefix: 'keymesh:', timeoutMs: 250, connectTimeoutMs: 2_000, ttlMs: 86_400_000, limits: undefined });
  });

  it('needs exactly one of url and client', () => {
    expect(configError({})).toMatchObject({ code: 'ERR_KEYMESH_INVALID_OPTION', option: 'url' });
    expect(configError({ url: 'redis://x', client: {} })).toMatchObject({ code: 'ERR_KEYMESH_INVALID_OPTION' });
    expect(configError({ client: { not: 'a client' } })).toMatchObject({ option: 'client' });
    expect(configError(undefined)).toMatchObject({ code: 'ERR_KEYMESH_INVALID_OPTION' });
  });

  it('refuses a URL that is not redis:// without repeating it (it may hold a password)', () => {
    const error = configError({ url: 'http://user:s3cret-pass@host:6379' });
    expect(error).toMatchObject({ option: 'url' });
    expect(error.message).not.toContain('s3cret-pass');
    expect(configError({ url: 'not a url' })).toMatchObject({ option: 'url' });
  });

  it('names a misspelt option, and refuses bad numbers, prefixes and loggers', () => {
    expect(configError({ url: 'redis://x', timeout: 5 })).toMatchObject({ code: 'ERR_KEYMESH_UNKNOWN_OPTION', option: 'timeout' });
    expect(configError({ url: 'redis://x', timeoutMs: 0 })).toMatchObject({ code: 'ERR_KEYMESH_INVALID_NUMBER', option: 'timeoutMs' });
    expect(configError({ url: 'redis://x', ttlMs: 1.5 })).toMatchObject({ option: 'ttlMs' });
    expect(configError({ url: 'redis://x', prefix: '' })).toMatchObject({ option: 'prefix' });
    expect(configError({ url: 'redis://x', logger: 'console' })).toMatchObject({ option: 'logger' });
    expect(configError({ url: 'redis://x', limits: { p: { requests: 0, windowMs: 1_000 } } })).toMatchObject({ option: 'limits.p.requests' });
  });

  it('takes a function, an object with warn, or false as logger', () => {
    const lines: string[] = [];
    const nestLike = { warn(this: { lines: string[] }, line: string) { this.lines.push(line); }, lines };
    resolveStoreOptions({ url: 'redis://x', logger: nestLike }).logger!('hello');
    expect(lines).toEqual(['hello']);
    expect(resolveStoreOptions({ url: 'redis://x', logger: false }).logger).toBeUndefined();
  });

  it('throws from the constructor, before connecting', () => {
    expect(() => new RedisStore({ url: 'redis://x', prefx: 'typo' } as RedisStoreOptions)).toThrow(/unknown RedisStore option `prefx`; did you mean `prefix`\?/);
  });
});
