import { describe, expect, it } from 'vitest';
import { ConfigError, KeyPool, isConfigError, isKeymeshError, type KeyPoolOptions } from '../index.js';

const secret = 'sk-test-config-aaaaaaaaaaaa';

function configError(options: unknown): ConfigError {
  try {
    new KeyPool(options as KeyPoolOptions);
  } catch (error) {
    expect(isConfigError(error)).toBe(true);
    expect(isKeymeshError(error)).toBe(true);
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('ConfigError', () => {
  it.each([
    ['no keys', { keys: [] }, 'ERR_KEYMESH_NO_KEYS', 'keys'],
    ['keys missing', {}, 'ERR_KEYMESH_NO_KEYS', 'keys'],
    ['undefined secret (unset env var)', { keys: [undefined] }, 'ERR_KEYMESH_EMPTY_SECRET', 'keys[0].secret'],
    ['empty secret', { keys: [secret, ''] }, 'ERR_KEYMESH_EMPTY_SECRET', 'keys[1].secret'],
    ['blank secret', { keys: [{ secret: '   ' }] }, 'ERR_KEYMESH_EMPTY_SECRET', 'keys[0].secret'],
    ['non-string secret', { keys: [{ secret: 42 }] }, 'ERR_KEYMESH_EMPTY_SECRET', 'keys[0].secret'],
    ['untrimmed secret', { keys: [` ${secret}`] }, 'ERR_KEYMESH_INVALID_OPTION', 'keys[0].secret'],
    ['duplicate secret', { keys: [secret, { secret }] }, 'ERR_KEYMESH_DUPLICATE_SECRET', 'keys[1]'],
    ['duplicate id', { keys: [{ id: 'x', secret }, { id: 'x', secret: `${secret}b` }] }, 'ERR_KEYMESH_DUPLICATE_KEY_ID', 'keys[1].id'],
    ['id containing the secret', { keys: [{ id: `prod-${secret}`, secret }] }, 'ERR_KEYMESH_INVALID_OPTION', 'keys[0].id'],
    ['id carrying 16 characters of the secret', { keys: [{ id: secret.slice(2, 18), secret }] }, 'ERR_KEYMESH_INVALID_OPTION', 'keys[0].id'],
    ['unknown key option', { keys: [{ secret, wieght: 2 }] }, 'ERR_KEYMESH_UNKNOWN_OPTION', 'keys[0].wieght'],
    ['zero weight', { keys: [{ secret, weight: 0 }] }, 'ERR_KEYMESH_INVALID_NUMBER', 'keys[0].weight'],
    ['fractional maxConcurrent', { keys: [{ secret, maxConcurrent: 1.5 }] }, 'ERR_KEYMESH_INVALID_NUMBER', 'keys[0].maxConcurrent'],
    ['unknown strategy', { keys: [secret], strategy: 'fastest' }, 'ERR_KEYMESH_UNKNOWN_STRATEGY', 'strategy'],
    ['unknown top-level option', { keys: [secret], retries: 3 }, 'ERR_KEYMESH_UNKNOWN_OPTION', 'retries'],
    ['unknown nested option', { keys: [secret], breaker: { threshold: 3 } }, 'ERR_KEYMESH_UNKNOWN_OPTION', 'breaker.threshold'],
    ['NaN', { keys: [secret], retry: { budgetMs: Number.NaN } }, 'ERR_KEYMESH_INVALID_NUMBER', 'retry.budgetMs'],
    ['Infinity', { keys: [secret], breaker: { cooldownMs: Infinity } }, 'ERR_KEYMESH_INVALID_NUMBER', 'breaker.cooldownMs'],
    ['negative', { keys: [secret], retry: { baseDelayMs: -1 } }, 'ERR_KEYMESH_INVALID_NUMBER', 'retry.baseDelayMs'],
    ['zero attempts', { keys: [secret], retry: { maxAttempts: 0 } }, 'ERR_KEYMESH_INVALID_NUMBER', 'retry.maxAttempts'],
    ['fractional threshold', { keys: [secret], breaker: { failureThreshold: 2.5 } }, 'ERR_KEYMESH_INVALID_NUMBER', 'breaker.failureThreshold'],
    ['string number', { keys: [secret], quotaCooldownMs: '3600' }, 'ERR_KEYMESH_INVALID_NUMBER', 'quotaCooldownMs'],
    ['cap below base', { keys: [secret], retry: { baseDelayMs: 500, maxDelayMs: 100 } }, 'ERR_KEYMESH_INVALID_NUMBER', 'retry.maxDelayMs'],
    ['bad classify', { keys: [secret], classify: 'status' }, 'ERR_KEYMESH_INVALID_OPTION', 'classify'],
    ['bad store', { keys: [secret], store: {} }, 'ERR_KEYMESH_INVALID_OPTION', 'store'],
    ['bad name', { keys: [secret], name: '' }, 'ERR_KEYMESH_INVALID_OPTION', 'name'],
  ])('%s', (_label, options, code, option) => {
    const error = configError(options);
    expect(error.code).toBe(code);
    expect(error.option).toBe(option);
    expect(error.message).toContain(option.split('.').at(-1)!.replace(/\[\d+\]/, ''));
  });

  it('suggests the right spelling of a mistyped option', () => {
    expect(configError({ keys: [secret], Strategy: 'random' }).message).toContain('Did you mean `strategy`?');
  });

  it('names the environment-variable trap for an undefined secret', () => {
    expect(configError({ keys: [process.env.KEYMESH_SURELY_UNSET_VARIABLE] }).message).toMatch(/environment variable/);
  });

  it('accepts an id that merely shares a short word with the secret', () => {
    expect(() => new KeyPool({ keys: [{ id: 'config', secret }] })).not.toThrow();
  });

  it('accepts a custom strategy object', () => {
    const strategy = { name: 'first', size: 0, add() {}, remove() {}, pick: () => undefined, update() {} };
    expect(() => new KeyPool({ keys: [secret], strategy })).not.toThrow();
  });

  it('ignores options explicitly set to undefined', () => {
    expect(() => new KeyPool({ keys: [secret], strategy: undefined, retry: { budgetMs: undefined } })).not.toThrow();
  });
});
