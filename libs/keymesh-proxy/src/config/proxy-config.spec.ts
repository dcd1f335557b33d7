import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isConfigError } from '@keymesh/core';
import { describe, expect, it } from 'vitest';
import { readConfigFile, resolveConfig } from './proxy-config.js';

const configErrorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (isConfigError(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('resolveConfig', () => {
  it('defaults to loopback on 8787 with the official origins, keys from the environment', () => {
    const config = resolveConfig({}, { OPENAI_API_KEYS: 'sk-test-a,sk-test-b' });
    expect(config).toMatchObject({ port: 8787, host: '127.0.0.1', loopback: true, token: undefined, redis: undefined });
    expect(config.providers).toEqual([{ name: 'openai', baseURL: 'https://api.openai.com', keys: ['sk-test-a', 'sk-test-b'], poolOptions: {} }]);
  });

  it('keeps pool options for the pool and keys from a file or a named variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmp-'));
    writeFileSync(join(dir, 'keys'), 'sk-ant-test-1\nsk-ant-test-2\n');
    const config = resolveConfig(
      {
        providers: {
          anthropic: { keys: { file: join(dir, 'keys') }, strategy: 'round-robin', retry: { maxAttempts: 3 } },
          gemini: { baseURL: 'http://127.0.0.1:9999', keys: { env: 'MY_GEMINI' } },
      openai: { baseURL: 'http://localhost:8080', keys: ['sk-test-local'] },
        },
      },
      { MY_GEMINI: 'AIza-test-1' },
    );
    expect(config.providers).toEqual([
      { name: 'openai', baseURL: 'http://localhost:8080', keys: ['sk-test-local'], poolOptions: {} },
      { name: 'anthropic', baseURL: 'https://api.anthropic.com', keys: ['sk-ant-test-1', 'sk-ant-test-2'], poolOptions: { strategy: 'round-robin', retry: { maxAttempts: 3 } } },
      { name: 'gemini', baseURL: 'http://127.0.0.1:9999', keys: ['AIza-test-1'], poolOptions: {} },
    ]);
  });

  it.each([
    [{ prot: 1 }, 'ERR_KEYMESH_UNKNOWN_OPTION', /Unknown option `prot`.*Did you mean `port`/],
    [{ providers: { openia: {} } }, 'ERR_KEYMESH_UNKNOWN_OPTION', /`providers.openia`.*Did you mean `openai`/],
    [{ limits: { maxBodyByte: 1 } }, 'ERR_KEYMESH_UNKNOWN_OPTION', /Did you mean `maxBodyBytes`/],
    [{ port: 70_000 }, 'ERR_KEYMESH_INVALID_OPTION', /`port` must be a whole number from 0 to 65535/],
    [{ providers: { openai: { keys: ['sk-test-a'], baseURL: 'https://api.openai.com/v1' } } }, 'ERR_KEYMESH_INVALID_OPTION', /origin only.*appends \/v1/],
    [{ providers: { openai: { keys: ['sk-test-a'], baseURL: 'ftp://x' } } }, 'ERR_KEYMESH_INVALID_OPTION', /must use https/],
    [{ providers: { openai: { keys: ['sk-test-a'], baseURL: 'http://api.openai.com' } } }, 'ERR_KEYMESH_INVALID_OPTION', /must use https: http would send the pooled keys in cleartext to api.openai.com/],
    [{ token: 'short' }, 'ERR_KEYMESH_INVALID_OPTION', /at least 24 characters/],
    [{ redis: 'http://x' }, 'ERR_KEYMESH_INVALID_OPTION', /redis:\/\//],
    [{}, 'ERR_KEYMESH_NO_KEYS', /No provider is configured.*OPENAI_API_KEYS/],
    [{ providers: { openai: {} } }, 'ERR_KEYMESH_NO_KEYS', /OPENAI_API_KEYS is not set/],
  ])('refuses %j with %s and a message that names the fix', (raw, code, message) => {
    const error = configErrorOf(() => resolveConfig(raw, {}));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('binds another interface only with allowRemote and a configured token', () => {
    const env = { OPENAI_API_KEYS: 'sk-test-a' };
    expect(configErrorOf(() => resolveConfig({ host: '0.0.0.0' }, env)).message).toMatch(/not a loopback address.*--allow-remote/);
    expect(configErrorOf(() => resolveConfig({ host: '0.0.0.0', allowRemote: true }, env)).message).toMatch(/`token` is required when binding 0.0.0.0/);
    const config = resolveConfig({ host: '0.0.0.0' }, { ...env, KEYMESH_PROXY_TOKEN: 'x'.repeat(32) }, { allowRemote: true });
    expect(config).toMatchObject({ host: '0.0.0.0', loopback: false, token: 'x'.repeat(32) });
    expect(resolveConfig({ host: '127.0.0.2' }, env).loopback).toBe(true);
    expect(resolveConfig({ host: '::1' }, env).loopback).toBe(true);
  });

  it('names an unreadable or malformed config file', () => {
    expect(configErrorOf(() => readConfigFile('/nonexistent/keymesh.json')).message).toMatch(/Cannot read the config file \/nonexistent\/keymesh.json \(ENOENT\)/);
    const dir = mkdtempSync(join(tmpdir(), 'kmp-'));
    writeFileSync(join(dir, 'bad.json'), '{ "port": ');
    expect(configErrorOf(() => readConfigFile(join(dir, 'bad.json'))).message).toMatch(/is not valid JSON/);
  });
});
