import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KeyPool, keymeshEventNames, type ConfigError } from '../index.js';
import { ManualClock, httpError } from '../__tests__/manual-clock.js';

/** A secret that must never appear anywhere but in the attempt's own hands. */
const canary = 'sk-test-CANARY-0123456789abcdefXYZ';
const other = 'sk-test-other-0123456789abcdefQRS';

function mustNotLeak(label: string, value: unknown) {
  const texts = [typeof value === 'string' ? value : JSON.stringify(value) ?? '', inspect(value, { depth: 10, showHidden: true })];
  if (value instanceof Error) texts.push(value.message, String(value.stack), inspect(value.cause, { depth: 10 }));
  for (const text of texts) {
    expect(text, label).not.toContain(canary);
    // Not even a long fragment of it.
    expect(text, label).not.toContain(canary.slice(8, 24));
  }
}

describe('secrets never leak', () => {
  it('through events, errors, snapshots, the key object, warnings and the pool itself', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ name: 'canary', keys: [canary, other], clock, strategy: 'priority', retry: { budgetMs: 1_000 } });
    const seen: unknown[] = [];
    for (const name of keymeshEventNames) pool.on(name, (event) => seen.push(event));

    let handedKey: unknown;
    await pool.execute((key) => {
      handedKey = key;
      expect(key.secret).toBe(canary);
      return 'ok';
    });
    mustNotLeak('key object', handedKey);
    mustNotLeak('key toString', String(handedKey));

    const failures: unknown[] = [];
    for (const status of [429, 401, 503, 400]) {
      failures.push(await pool.execute(() => Promise.reject(httpError(status, { 'retry-after': '60' }))).catch((e: unknown) => e));
      pool.enableKey(pool.snapshot().keys[0]!.id);
      pool.enableKey(pool.snapshot().keys[1]!.id);
    }
    pool.disableKey(pool.snapshot().keys[0]!.id);
    pool.disableKey(pool.snapshot().keys[1]!.id);
    failures.push(await pool.execute(() => 'never').catch((e: unknown) => e));

    expect(seen.length).toBeGreaterThan(10);
    mustNotLeak('events', seen);
    for (const failure of failures) mustNotLeak('errors', failure);
    mustNotLeak('snapshot', pool.snapshot());
    mustNotLeak('pool', pool);
    expect(pool.snapshot().keys[0]!.hint).toBe('sk-…sXYZ'.replace('sXYZ', canary.slice(-4)));
  });

  it('through configuration errors', () => {
    const errors: unknown[] = [];
    for (const keys of [[canary, canary], [{ id: canary, secret: canary }], [{ secret: canary, bogus: 1 }], [` ${canary}`]]) {
      try {
        new KeyPool({ keys } as never);
      } catch (error) {
        errors.push(error);
        expect((error as ConfigError).code).toMatch(/^ERR_KEYMESH_/);
      }
    }
    expect(errors).toHaveLength(4);
    for (const error of errors) mustNotLeak('config error', error);
  });
});
