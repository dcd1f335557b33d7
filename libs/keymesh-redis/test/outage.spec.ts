import { KeyPool } from '@keymesh/core';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisStore, type RedisClient } from '../src/index.js';
import { PrivateRedis, connectedClient, dumpPrefix, hasRedisServer, httpError, logLines, sleep, uniquePrefix, until } from './support/redis.js';

const keys = [
  { id: 'a', secret: 'sk-outage-aaaaaaaaaaaaaaaaaaaa' },
  { id: 'b', secret: 'sk-outage-bbbbbbbbbbbbbbbbbbbb' },
  { id: 'c', secret: 'sk-outage-cccccccccccccccccccc' },
];

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function track<T extends { close(): unknown }>(value: T): T {
  cleanup.push(() => value.close());
  return value;
}

/** Runs `count` requests one after another; returns how long the slowest took and how many attempts were made. */
async function serve(pool: KeyPool, count: number): Promise<{ slowestMs: number; attempts: number; served: number }> {
  let slowestMs = 0;
  let attempts = 0;
  let served = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await pool.execute((key) => (attempts++, key.id));
    served++;
    slowestMs = Math.max(slowestMs, performance.now() - started);
  }
  return { slowestMs, attempts, served };
}

if (!hasRedisServer) {
  if (process.env.CI === 'true') throw new Error('@keymesh/redis outage tests need the redis-server binary (CI=true).');
  console.warn('[@keymesh/redis] outage tests with a private redis-server SKIPPED: no redis-server binary on PATH.');
}

describe.skipIf(!hasRedisServer)('Redis goes away mid-run (a private redis-server)', () => {
  it('killed: requests keep flowing from local state, one log line and one store.error per outage; restarted: state resynchronised both ways', async () => {
    const redis = await PrivateRedis.start();
    cleanup.push(() => redis.stop());
    const prefix = uniquePrefix('killed');
    const [log1, log2] = [logLines(), logLines()];
    const store1 = track(new RedisStore({ url: redis.url, prefix, logger: log1.logger }));
    // The second process borrows a client of its own, with node-redis's offline queue left on.
    const borrowed = createClient({ url: redis.url, socket: { reconnectStrategy: () => 100 } });
    borrowed.on('error', () => undefined);
    await borrowed.connect();
    cleanup.push(() => borrowed.destroy());
    let sentByStore = 0;
    const send = borrowed.sendCommand.bind(borrowed);
    (borrowed as { sendCommand: unknown }).sendCommand = (args: string[], options?: object) => (sentByStore++, send(args, options));
    const store2 = track(new RedisStore({ client: borrowed as unknown as RedisClient, prefix, logger: log2.logger }));
    const pool1 = track(new KeyPool({ name: 'p', keys, strategy: 'priority', store: store1 }));
    const pool2 = track(new KeyPool({ name: 'p', keys, strategy: 'priority', store: store2 }));
    const [errors1, errors2]: unknown[][] = [[], []];
    pool1.on('store.error', (e) => errors1.push(e));
    pool2.on('store.error', (e) => errors2.push(e));
    await Promise.all([pool1.execute((key) => key.id), pool2.execute((key) => key.id)]);

    // Before the outage pool2 sidelines `b`: stored in Redis, and about to be lost with it.
    await pool2.execute(async (key) => {
      if (key.id === 'a') throw httpError(429, { 'retry-after': '60' });
      return key.id;
    });
    await until(() => !pool1.snapshot().keys[0]!.available, 1_000, 'a sidelined in pool1');
    pool2.enableKey('a');
    pool2.disableKey('c');
    await until(() => pool1.snapshot().keys[0]!.available && pool1.snapshot().keys[2]!.state === 'disabled', 1_000, 'pool1 in step');

    await redis.stop();
    await until(() => store1.status === 'down' && store2.status === 'down', 3_000, 'outage noticed');
    sentByStore = 0;

    // Requests keep flowing, each answered from local state at once, each attempted exactly once.
    for (const pool of [pool1, pool2]) {
      const { slowestMs, attempts, served } = await serve(pool, 200);
      expect(served).toBe(200);
      expect(attempts).toBe(200);
      expect(slowestMs).toBeLessThan(50);
    }
    // pool1 sees `a` rate-limited during the outage: it cannot tell pool2 yet.
    await pool1.execute(async (key) => {
      if (key.id === 'a') throw httpError(429, { 'retry-after': '30' });
      return key.id;
    });
    await sleep(50);
    expect(pool2.snapshot().keys[0]!.available).toBe(true);
    expect(sentByStore).toBe(0); // nothing went into the borrowed client's offline queue
    for (const lines of [log1.lines, log2.lines]) {
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/Redis unavailable .*serving from local state/);
    }
    expect(errors1).toHaveLength(1);
    expect(errors2).toHaveLength(1);
    expect(errors1[0]).toMatchObject({ pool: 'p', operation: expect.any(String), message: expect.any(String) });

    // Redis returns, empty (no persistence).
    await redis.start();
    await until(() => store1.status === 'up' && store2.status === 'up', 5_000, 'reconnected');
    // What pool1 changed meanwhile reaches pool2…
    await until(() => !pool2.snapshot().keys[0]!.available, 3_000, 'a sidelined in pool2 after the resync');
    // …and what Redis lost is put back: a process starting now sees both.
    await until(async () => (await dumpPrefix(borrowed as unknown as RedisClient, prefix)).length >= 2, 3_000, 'state restored in Redis');
    const fresh = track(new RedisStore({ url: redis.url, prefix, logger: false }));
    const loaded = await fresh.load('p', ['a', 'b', 'c']);
    const { limits } = await fresh.loadShared('p');
    // A 429 sidelines its limit, (a's group, the request's scope): a key alone is its own group.
    expect(limits.find((limit) => limit.group === 'a' && limit.scope === 'default')!.cooldownUntil).toBeGreaterThan(Date.now() + 25_000);
    expect(loaded.get('c')!.disabled).toMatchObject({ reason: 'manual' });
    for (const entry of await dumpPrefix(borrowed as unknown as RedisClient, prefix)) expect(entry.pttl).toBeGreaterThan(0);
    for (const lines of [log1.lines, log2.lines]) {
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(/Redis reachable again after [\d.]+ s/);
    }
    expect(errors1).toHaveLength(1);
  });

  it('stalled (SIGSTOP): one request waits timeoutMs at most, the rest none; resumed: noticed by probing, and fleet limits apply again', async () => {
    const redis = await PrivateRedis.start();
    cleanup.push(() => redis.stop());
    const prefix = uniquePrefix('stalled');
    const log = logLines();
    // A fleet limit makes every request ask Redis: the worst case for a stalled Redis.
    const store = track(new RedisStore({ url: redis.url, prefix, logger: log.logger, timeoutMs: 100, limits: { p: { requests: 1_000, windowMs: 60_000 } } }));
    const pool = track(new KeyPool({ name: 'p', keys, store }));
    await serve(pool, 5);

    redis.pause();
    const durations: number[] = [];
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      await pool.execute((key) => key.id);
      durations.push(performance.now() - started);
    }
    expect(Math.max(...durations)).toBeLessThan(100 + 60);
    expect(durations.slice(1).every((ms) => ms < 20)).toBe(true);
    expect(store.status).toBe('down');
    expect(log.lines).toHaveLength(1);

    redis.resume();
    await until(() => store.status === 'up', 3_000, 'recovered by the probe');
    expect(log.lines).toHaveLength(2);
    const { served } = await serve(pool, 5);
    expect(served).toBe(5);
    const admin = await connectedClient(redis.url);
    cleanup.push(() => admin.destroy());
    // The requests before and after the stall were counted in the keys' windows (the ones during it fail open).
    const windows = (await dumpPrefix(admin, prefix)).filter((entry) => entry.key.includes(':limit:'));
    const admitted = windows.reduce((sum, entry) => sum + (JSON.parse(entry.value) as unknown[]).length / 2, 0);
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted).toBeLessThanOrEqual(11);
  });
});

describe('Redis unreachable from the start', () => {
  it('serves at once, reports once without the URL password, and closes without waiting', async () => {
    const log = logLines();
    const password = 'hunter2-CANARY-pass';
    const store = track(new RedisStore({ url: `redis://keymesh:${password}@127.0.0.1:1`, prefix: uniquePrefix('port1'), logger: log.logger }));
    const pool = track(new KeyPool({ name: 'p', keys, store }));
    const errors: unknown[] = [];
    pool.on('store.error', (e) => errors.push(e));
    const started = performance.now();
    expect(await pool.execute((key) => key.id)).toBe('a');
    expect(performance.now() - started).toBeLessThan(1_000);
    const { attempts, slowestMs } = await serve(pool, 100);
    expect(attempts).toBe(100);
    expect(slowestMs).toBeLessThan(50);
    expect(await store.acquireTrial('p', 'a', 1_000)).toBe(true); // fails open
    expect(log.lines).toHaveLength(1);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThanOrEqual(2); // the outage, and the pool's own "load failed"
    const reported = JSON.stringify(errors) + log.lines.join('\n');
    expect(reported).toContain('ECONNREFUSED');
    expect(reported).not.toContain(password);
    const closing = performance.now();
    await pool.close();
    await store.close();
    expect(performance.now() - closing).toBeLessThan(500);
  });
});
