import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, KeyPool, isConfigError, keyIdOf } from '../index.js';

/** A secret that must never be repeated by an error, whatever method it is passed to. */
const canary = 'sk-test-CANARY-0123456789abcdefXYZ';
const other = 'sk-test-other-0123456789abcdefQRS';

function thrown(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function expectNoCanary(error: unknown): void {
  const texts = [String((error as Error).message), String((error as Error).stack), inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error)];
  for (const text of texts) {
    expect(text).not.toContain(canary);
    expect(text).not.toContain(canary.slice(8, 24));
  }
}

const methods = ['disableKey', 'enableKey', 'removeKey'] as const;

describe('key methods given a secret where an id belongs', () => {
  it.each(methods)('%s(secret of a pool key) refuses with SECRET_AS_ID, names the id to use, and never repeats the secret', (method) => {
    const pool = new KeyPool({ keys: [canary, other] });
    const error = thrown(() => pool[method](canary));
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ code: ErrorCodes.SECRET_AS_ID, option: 'id' });
    expect((error as Error).message).toContain('secret was passed where its id belongs');
    expect((error as Error).message).toContain(keyIdOf(canary));
    expectNoCanary(error);
    // Nothing changed.
    expect(pool.snapshot().keys.map((k) => k.state)).toEqual(['closed', 'closed']);
  });

  it.each(methods)('%s(a secret the pool does not have) refuses without repeating it', (method) => {
    const pool = new KeyPool({ keys: [other] });
    const error = thrown(() => pool[method](canary));
    expect(error).toMatchObject({ code: ErrorCodes.SECRET_AS_ID });
    expect((error as Error).message).toMatch(/looks like a secret/);
    expectNoCanary(error);
  });

  it('a long unknown value without a secret prefix is shown masked, like a key hint', () => {
    const pool = new KeyPool({ keys: [other] });
    const bare = 'CANARY0123456789abcdefghijXYZW';
    const error = thrown(() => pool.disableKey(bare));
    expect(error).toMatchObject({ code: ErrorCodes.UNKNOWN_KEY });
    expect((error as Error).message).not.toContain(bare.slice(0, 16));
    expect((error as Error).message).toContain('…XYZW');
  });

  it('an unknown short id or digest id is still echoed, so typos are easy to spot', () => {
    const pool = new KeyPool({ keys: [{ id: 'primary', secret: other }] });
    expect(thrown(() => pool.enableKey('primray'))).toMatchObject({ code: ErrorCodes.UNKNOWN_KEY, message: 'No key with id "primray" in this pool.' });
    const digest = keyIdOf(canary);
    expect((thrown(() => pool.removeKey(digest)) as Error).message).toContain(`"${digest}"`);
    expect(thrown(() => pool.removeKey(42 as unknown as string))).toMatchObject({ code: ErrorCodes.UNKNOWN_KEY, message: 'A key id must be a string, got number.' });
  });

  it('ids keep working, digest and explicit', () => {
    const pool = new KeyPool({ keys: [canary, { id: 'backup', secret: other }] });
    pool.disableKey(keyIdOf(canary));
    pool.disableKey('backup');
    expect(pool.snapshot().keys.map((k) => k.state)).toEqual(['disabled', 'disabled']);
    pool.enableKey(keyIdOf(canary));
    pool.removeKey('backup');
    expect(pool.snapshot().keys.map((k) => k.id)).toEqual([keyIdOf(canary)]);
  });
});
