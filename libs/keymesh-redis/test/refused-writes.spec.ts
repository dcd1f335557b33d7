import { healthReport, KeyPool, type KeymeshEvents } from '@keymesh/core';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { PrivateRedis, connectedClient, hasRedisServer, httpError, logLines, uniquePrefix, until } from './support/redis.js';

/**
 * Issue 13 item 7: a Redis that answers but refuses every write (no or wrong password, a read-only
 * replica) is not "up". Each test runs its own redis-server, so the shared one keeps its config.
 */
const keys = [
  { id: 'a', secret: 'sk-test-refused-aaaaaaaaaaaaaaaaaaaa' },
  { id: 'b', secret: 'sk-test-refused-bbbbbbbbbbbbbbbbbbbb' },
];
const password = 'test-only-requirepass-9c1e';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setUp(redisUrl: string) {
  const prefix = uniquePrefix('refused');
  const log = logLines();
  const store = new RedisStore({ url: redisUrl, prefix, logger: log.logger });
  const pool = new KeyPool({ name: 'openai', keys, strategy: 'priority', store });
  const errors: Array<KeymeshEvents['store.error']> = [];
  pool.on('store.error', (e) => void errors.push(e));
  cleanup.push(() => store.close(), () => pool.close());
  return { prefix, store, pool, errors, log };
}

/** A 401 on key a: a change of key state the store has to write. */
const rejectKeyA = (pool: KeyPool) =>
  pool.execute(async (key) => {
    if (key.id === 'a') throw httpError(401);
    return key.id;
  });

async function privateRedis(options: Parameters<typeof PrivateRedis.start>[0] = {}): Promise<PrivateRedis> {
  const redis = await PrivateRedis.start(options);
  cleanup.push(() => redis.stop());
  return redis;
}

async function admin(url: string) {
  const client = await connectedClient(url);
  cleanup.push(() => client.destroy());
  return client;
}

describe.skipIf(!hasRedisServer)('a Redis that refuses the store', () => {
  it('without the password it requires: status refused with NOAUTH in store.error and the health output; served meanwhile; sends what it kept once accepted', async () => {
    const redis = await privateRedis({ password });
    const { prefix, store, pool, errors, log } = await setUp(redis.url);
    expect(await pool.execute((key) => key.id)).toBe('a'); // fail open: served from local state
    expect(await rejectKeyA(pool)).toBe('b');

    await until(() => store.status === 'refused', 2_000, 'status refused');
    // Reported with the operation and Redis's code; the change itself waits, unsent (a client that has
    // not authenticated is disconnected for sending a script), until Redis accepts the store.
    expect(errors).toContainEqual(expect.objectContaining({ operation: 'load', code: 'NOAUTH' }));
    const report = healthReport({ openai: pool });
    expect(report.status).toBe('up'); // the pool still serves: a store problem never takes the service down
    expect(report.pools.openai!.store).toMatchObject({ status: 'refused', error: { code: 'NOAUTH', operation: expect.any(String), at: expect.any(Number) } });
    expect(JSON.stringify(report) + log.lines.join('\n')).not.toContain(password);

    // Redis stops requiring a password: the next retry is accepted and the kept change arrives.
    const root = await admin(redis.adminUrl);
    await root.configSet('requirepass', '');
    await until(() => store.status === 'up', 5_000, 'status up again');
    await until(async () => (await root.get(`${prefix}openai:state:a`)) !== null, 2_000, 'the kept change stored');
    expect(healthReport({ openai: pool }).pools.openai!.store).toEqual({ status: 'up' });
  });

  it('with a wrong password: status refused with WRONGPASS for the connection, no password anywhere; up once the password matches', async () => {
    const redis = await privateRedis({ password });
    const wrong = 'not-the-password-4d2a';
    const { store, pool, errors, log } = await setUp(`redis://:${wrong}@127.0.0.1:${redis.port}`);
    expect(await pool.execute((key) => key.id)).toBe('a');
    await until(() => store.status === 'refused', 3_000, 'status refused');
    expect(store.health()).toMatchObject({ status: 'refused', error: { operation: 'connection', code: 'WRONGPASS' } });
    expect(errors.some((e) => e.code === 'WRONGPASS')).toBe(true);
    expect(JSON.stringify([store.health(), errors, log.lines])).not.toContain(wrong);

    // The client keeps reconnecting by itself; once the password is the one it has, it is up.
    const root = await admin(redis.adminUrl);
    await root.configSet('requirepass', wrong);
    await until(() => store.status === 'up', 5_000, 'status up once the password matches');
  });

  it('on a read-only replica: status refused with READONLY for the save (reads work); up and stored once it is promoted', async () => {
    const primary = await privateRedis();
    const replica = await privateRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
    const { prefix, store, pool, errors } = await setUp(replica.url);
    expect(await pool.execute((key) => key.id)).toBe('a');
    expect(store.status).toBe('up'); // loading (a read) worked
    await rejectKeyA(pool);
    await until(() => store.status === 'refused', 2_000, 'status refused');
    expect(store.health()).toMatchObject({ status: 'refused', error: { operation: 'save', code: 'READONLY' } });
    expect(errors.some((e) => e.operation === 'save' && e.code === 'READONLY')).toBe(true);

    const root = await admin(replica.url);
    await root.sendCommand(['REPLICAOF', 'NO', 'ONE']);
    await until(() => store.status === 'up', 5_000, 'status up once promoted');
    await until(async () => (await root.get(`${prefix}openai:state:a`)) !== null, 2_000, 'the kept change stored');
  });
});
