import { KeyPool, type KeymeshEvents } from '@keymesh/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { connectedClient, deletePrefix, dumpPrefix, hasRedis, httpError, redisUrl, sleep, uniquePrefix, until } from './support/redis.js';

/**
 * Issue 13 item 6: two deployments that share one Redis and one prefix, each with a key called
 * `primary` (different secrets), must not sideline each other's keys.
 */
describe.skipIf(!hasRedis)('two deployments on one prefix with the same key ids', () => {
  let admin: Awaited<ReturnType<typeof connectedClient>>;
  const cleanup: Array<() => unknown> = [];
  let prefix = '';

  beforeAll(async () => {
    admin = await connectedClient();
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    await deletePrefix(admin, prefix);
  });
  afterAll(() => admin?.close());

  function deployment(label: string): KeyPool & { errors: Array<KeymeshEvents['store.error']> } {
    const store = new RedisStore({ url: redisUrl, prefix, logger: false });
    const keys = [
      { id: 'primary', secret: `sk-test-${label}-primary-${'p'.repeat(20)}` },
      { id: 'backup', secret: `sk-test-${label}-backup-${'b'.repeat(20)}` },
    ];
    const pool = new KeyPool({ name: 'openai', keys, strategy: 'priority', store }) as KeyPool & { errors: Array<KeymeshEvents['store.error']> };
    pool.errors = [];
    pool.on('store.error', (e) => void pool.errors.push(e));
    cleanup.push(() => store.close(), () => pool.close());
    return pool;
  }
  const primary = (pool: KeyPool) => pool.snapshot().keys.find((k) => k.id === 'primary')!;

  it("one deployment's 429 or 401 on `primary` leaves the other's `primary` serving, and says why", async () => {
    prefix = uniquePrefix('shared');
    const [blue, blueToo, green] = [deployment('blue'), deployment('blue'), deployment('green')];
    await Promise.all([blue, blueToo, green].map((pool) => pool.execute((key) => key.id)));

    // A 429 sidelines the limit of `primary`'s group (a key alone: named by its id)…
    await blue.execute(async (key) => {
      if (key.id === 'primary') throw httpError(429, { 'retry-after': '30' });
      return key.id;
    });
    await until(() => !primary(blueToo).available, 1_000, 'limit sidelined in the same deployment');
    await sleep(50);
    expect(primary(green)).toMatchObject({ available: true, state: 'closed' }); // …not the other deployment's
    expect(await green.execute((key) => key.id)).toBe('primary');

    // A 401 disables blue's `primary`; green's is another key, and green is told its prefix is shared.
    blue.enableKey('primary');
    await blue.execute(async (key) => {
      if (key.id === 'primary') throw httpError(401);
      return key.id;
    });
    await until(() => primary(blueToo).state === 'disabled', 1_000, 'disabled in the same deployment');
    await sleep(50);
    expect(primary(green)).toMatchObject({ available: true, state: 'closed' });
    expect(await green.execute((key) => key.id)).toBe('primary');
    const mismatch = green.errors.find((e) => e.code === 'ERR_KEYMESH_KEY_MISMATCH');
    expect(mismatch).toMatchObject({ operation: 'subscribe' });
    expect(mismatch!.message).toMatch(/prefix/);

    // A green process started later does not load blue's states either.
    const lateGreen = deployment('green');
    expect(await lateGreen.execute((key) => key.id)).toBe('primary');
    expect(lateGreen.errors.map((e) => e.code)).toContain('ERR_KEYMESH_KEY_MISMATCH');
  });

  it('what tells them apart is a digest of the secret stored with the state, never the secret', async () => {
    prefix = uniquePrefix('digest');
    const blue = deployment('blue');
    await blue.execute(async (key) => {
      if (key.id === 'primary') throw httpError(429, { 'retry-after': '30' });
      return key.id;
    });
    blue.disableKey('backup');
    await until(async () => (await dumpPrefix(admin, prefix)).length === 2, 1_000, 'stored');
    const dump = await dumpPrefix(admin, prefix);
    const state = JSON.parse(dump.find((entry) => entry.key.includes(':state:'))!.value) as { fingerprint?: string };
    const [, limit] = JSON.parse(dump.find((entry) => entry.key.endsWith(':limits'))!.value) as string[]; // [field, value]
    expect(state.fingerprint).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect((JSON.parse(limit!) as { fingerprint?: string }).fingerprint).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const everything = JSON.stringify(dump);
    expect(everything).not.toContain('sk-test-blue');
    expect(everything).not.toContain('p'.repeat(8));
    expect(everything).not.toContain('b'.repeat(8));
  });
});
