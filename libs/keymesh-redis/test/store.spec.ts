import { KeyPool, type SharedKeyState } from '@keymesh/core';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore, type RedisClient } from '../src/index.js';
import { connectedClient, deletePrefix, dumpPrefix, hasRedis, httpError, redisUrl, sleep, uniquePrefix, until } from './support/redis.js';

const keys = [
  { id: 'a', secret: 'sk-store-aaaaaaaaaaaaaaaaaaaa' },
  { id: 'b', secret: 'sk-store-bbbbbbbbbbbbbbbbbbbb' },
];

function state(updatedAt: number, overrides: Partial<SharedKeyState> = {}): SharedKeyState {
  return { cooldownUntil: 0, breaker: 'closed', openUntil: 0, consecutiveFailures: 0, disabled: null, updatedAt, source: 'test', ...overrides };
}

describe.skipIf(!hasRedis)('RedisStore against Redis', () => {
  let admin: Awaited<ReturnType<typeof connectedClient>>;
  const cleanup: Array<() => unknown> = [];
  const prefixes: string[] = [];

  beforeAll(async () => {
    admin = await connectedClient();
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    for (const prefix of prefixes.splice(0)) await deletePrefix(admin, prefix);
  });
  afterAll(() => admin?.close());

  function prefixFor(label: string): string {
    const prefix = uniquePrefix(label);
    prefixes.push(prefix);
    return prefix;
  }
  function store(options: ConstructorParameters<typeof RedisStore>[0]): RedisStore {
    const created = new RedisStore({ logger: false, ...options } as ConstructorParameters<typeof RedisStore>[0]);
    cleanup.push(() => created.close());
    return created;
  }
  function pool(options: ConstructorParameters<typeof KeyPool>[0]): KeyPool {
    const created = new KeyPool(options);
    cleanup.push(() => created.close());
    return created;
  }

  it('a change in one store reaches a pool on another connection within 50 ms', async () => {
    const prefix = prefixFor('reach');
    const one = pool({ name: 'p', keys, strategy: 'priority', store: store({ url: redisUrl, prefix }) });
    const two = pool({ name: 'p', keys, strategy: 'priority', store: store({ url: redisUrl, prefix }) });
    await Promise.all([one.execute((key) => key.id), two.execute((key) => key.id)]);
    let limitedAt = 0;
    await one.execute(async (key) => {
      if (key.id !== 'a') return key.id;
      limitedAt = performance.now();
      throw httpError(429, { 'retry-after': '20' });
    });
    await until(() => !two.snapshot().keys[0]!.available, 50, 'key a sidelined in the other pool');
    expect(performance.now() - limitedAt).toBeLessThan(50);
    expect(await two.execute((key) => key.id)).toBe('b');
  });

  it('load reads every key in one round trip (MGET) and hands the pool the shared state', async () => {
    const prefix = prefixFor('load');
    const early = pool({ name: 'p', keys, strategy: 'priority', store: store({ url: redisUrl, prefix }) });
    await early.execute(async (key) => {
      if (key.id === 'a') throw httpError(429, { 'retry-after': '30' });
      return key.id;
    });
    await until(async () => (await dumpPrefix(admin, prefix)).length === 1, 1_000, 'state stored');

    const client = await connectedClient();
    cleanup.push(() => client.close());
    const sent: string[] = [];
    const send = client.sendCommand.bind(client);
    (client as { sendCommand: unknown }).sendCommand = (args: string[], options?: object) => (sent.push(args[0]!), send(args, options));
    const late = pool({ name: 'p', keys, strategy: 'priority', store: store({ client, prefix }) });
    expect(await late.execute((key) => key.id)).toBe('b');
    // Key states in one MGET; limits per (group, scope) and detected groups in one HVALS each.
    expect(sent.sort()).toEqual(['HVALS', 'HVALS', 'MGET']);
    expect(late.snapshot().keys[0]).toMatchObject({ id: 'a', available: false, lastErrorKind: null });
    expect(late.snapshot().keys[0]!.availableAt).toBeGreaterThan(Date.now() + 25_000);
  });

  it('a pool that stopped waiting for a slow load still gets the state when it arrives', async () => {
    const prefix = prefixFor('slowload');
    const writer = store({ url: redisUrl, prefix });
    writer.save('p', 'a', state(Date.now(), { cooldownUntil: Date.now() + 60_000 }));
    await until(async () => (await dumpPrefix(admin, prefix)).length === 1, 1_000, 'state stored');

    const client = await connectedClient();
    cleanup.push(() => client.close());
    const send = client.sendCommand.bind(client);
    (client as { sendCommand: unknown }).sendCommand = async (args: string[], options?: object) => {
      if (args[0] === 'MGET') await sleep(150);
      return send(args, options);
    };
    const late = pool({ name: 'p', keys, strategy: 'priority', storeLoadTimeoutMs: 20, store: store({ client, prefix, timeoutMs: 1_000 }) });
    expect(await late.execute((key) => key.id)).toBe('a'); // served from local state: the load was too slow
    await until(() => !late.snapshot().keys[0]!.available, 1_000, 'late state applied');
    expect(await late.execute((key) => key.id)).toBe('b');
  });

  it('the newest state wins, whatever order concurrent writes from several processes arrive in', async () => {
    const prefix = prefixFor('newest');
    const writers = [store({ url: redisUrl, prefix }), store({ url: redisUrl, prefix }), store({ url: redisUrl, prefix })];
    const reader = store({ url: redisUrl, prefix });
    const heard: number[] = [];
    reader.subscribe('p', (_key, received) => heard.push(received.updatedAt));
    await reader.load('p', ['a']);
    const base = Date.now();
    const stamps = Array.from({ length: 300 }, (_, i) => base + ((i * 7919) % 300));
    stamps.forEach((stamp, i) => writers[i % 3]!.save('p', 'a', state(stamp, { consecutiveFailures: stamp - base })));
    const newest = Math.max(...stamps);
    await until(async () => {
      const [entry] = await dumpPrefix(admin, prefix);
      return entry !== undefined && (JSON.parse(entry.value) as SharedKeyState).updatedAt === newest;
    }, 2_000, 'newest stored');
    await sleep(50);
    const [stored] = await dumpPrefix(admin, prefix);
    expect(JSON.parse(stored!.value)).toMatchObject({ updatedAt: newest, consecutiveFailures: newest - base });
    expect(Math.max(...heard)).toBe(newest);
    expect((await reader.load('p', ['a'])).get('a')!.updatedAt).toBe(newest);
  });

  it('sets an expiry on every key it writes: state (max of ttlMs and what is in force), trial lease, limit window', async () => {
    const prefix = prefixFor('expiry');
    const shared = store({ url: redisUrl, prefix, ttlMs: 60_000, limits: { p: { requests: 5, windowMs: 10_000 } } });
    const now = Date.now();
    shared.save('p', 'closed', state(now));
    shared.save('p', 'cooling', state(now, { cooldownUntil: now + 120_000 }));
    shared.save('p', 'disabled', state(now, { disabled: { reason: 'quota_exhausted', until: now + 3_600_000 } }));
    shared.save('p', 'rejected', state(now, { disabled: { reason: 'key_rejected', until: null } }));
    expect(await shared.acquireTrial('p', 'cooling', 30_000)).toBe(true);
    expect(await shared.admit!('p', 'closed')).toBe(true);
    await until(async () => (await dumpPrefix(admin, prefix)).length === 6, 1_000, 'six keys');
    const ttl = Object.fromEntries((await dumpPrefix(admin, prefix)).map((entry) => [entry.key.slice(prefix.length), entry.pttl]));
    expect(Object.values(ttl).every((pttl) => pttl > 0)).toBe(true);
    expect(ttl['p:state:closed']).toBeGreaterThan(55_000);
    expect(ttl['p:state:closed']).toBeLessThanOrEqual(60_000);
    expect(ttl['p:state:cooling']).toBeGreaterThan(115_000);
    expect(ttl['p:state:cooling']).toBeLessThanOrEqual(120_000);
    expect(ttl['p:state:disabled']).toBeGreaterThan(3_595_000);
    expect(ttl['p:state:rejected']).toBeLessThanOrEqual(60_000);
    expect(ttl['p:trial:cooling']).toBeLessThanOrEqual(30_000);
    expect(ttl['p:limit:closed']).toBeLessThanOrEqual(10_000);
  });

  it('stores and publishes key ids and times only: a canary secret appears nowhere in Redis', async () => {
    const prefix = prefixFor('canary');
    const canary = 'sk-CANARY-do-not-store-7f3a9c1e5b';
    const secrets = [canary, 'sk-second-key-bbbbbbbbbbbbbbbbbb', 'sk-third-key-cccccccccccccccccc'];
    const messages: string[] = [];
    const listener = createClient({ url: redisUrl });
    listener.on('error', () => undefined);
    await listener.connect();
    cleanup.push(() => listener.close());
    await listener.pSubscribe(`${prefix}*`, (message) => void messages.push(message));

    const shared = store({ url: redisUrl, prefix, limits: { p: { requests: 100, windowMs: 60_000 } } });
    const main = pool({ name: 'p', keys: secrets, strategy: 'priority', breaker: { failureThreshold: 1, cooldownMs: 50 }, store: shared });
    const failOnce = new Set([canary]);
    await main.execute(async (key) => {
      if (failOnce.delete(key.secret)) throw httpError(429, { 'retry-after-ms': '50' });
      return key.id;
    });
    await sleep(60);
    await main.execute((key) => key.id); // the half-open trial, on the canary's key
    await main.execute(async (key) => {
      if (key.secret === secrets[0]) throw httpError(401);
      return key.id;
    });
    main.disableKey(main.snapshot().keys[1]!.id);
    main.enableKey(main.snapshot().keys[1]!.id);
    await sleep(50);

    const dump = await dumpPrefix(admin, prefix);
    expect(dump.length).toBeGreaterThanOrEqual(3);
    expect(messages.length).toBeGreaterThanOrEqual(4);
    const everything = JSON.stringify(dump) + messages.join('\n');
    for (const secret of secrets) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(secret.slice(-12));
    }
    // What is there is the keys' digests.
    expect(everything).toContain(main.snapshot().keys[0]!.id);
  });

  it('a key disabled in one process is disabled in the other; enabling it propagates too', async () => {
    const prefix = prefixFor('disable');
    const one = pool({ name: 'p', keys, strategy: 'priority', store: store({ url: redisUrl, prefix }) });
    const two = pool({ name: 'p', keys, strategy: 'priority', store: store({ url: redisUrl, prefix }) });
    await Promise.all([one.execute((key) => key.id), two.execute((key) => key.id)]);
    await one.execute(async (key) => {
      if (key.id === 'a') throw httpError(401);
      return key.id;
    });
    await until(() => two.snapshot().keys[0]!.state === 'disabled', 1_000, 'disabled in two');
    expect(two.snapshot().keys[0]).toMatchObject({ disabledReason: 'key_rejected' });
    two.enableKey('a');
    await until(() => one.snapshot().keys[0]!.state === 'closed' && one.snapshot().keys[0]!.available, 1_000, 'enabled in one');
  });

  it('the trial lease: one holder at a time, released only by its holder, and free again after its time', async () => {
    const prefix = prefixFor('lease');
    const [one, two] = [store({ url: redisUrl, prefix }), store({ url: redisUrl, prefix })];
    const grants = await Promise.all([...Array.from({ length: 10 }, () => one.acquireTrial('p', 'a', 300)), ...Array.from({ length: 10 }, () => two.acquireTrial('p', 'a', 300))]);
    expect(grants.filter(Boolean)).toHaveLength(1);
    const holder = grants.indexOf(true) < 10 ? one : two;
    const other = holder === one ? two : one;
    other.releaseTrial('p', 'a'); // not its lease: nothing happens
    await sleep(20);
    expect(await other.acquireTrial('p', 'a', 300)).toBe(false);
    holder.releaseTrial('p', 'a');
    await until(async () => (await dumpPrefix(admin, prefix)).length === 0, 1_000, 'lease released');
    expect(await other.acquireTrial('p', 'a', 200)).toBe(true);
    await sleep(250); // expired, never released
    expect(await holder.acquireTrial('p', 'a', 5_000)).toBe(true);
    other.releaseTrial('p', 'a'); // its lease expired and is someone else's now: must not delete it
    await sleep(20);
    expect(await other.acquireTrial('p', 'a', 5_000)).toBe(false);
  });

  it("gives a trial's lease back only after the state change recorded with it, so no one runs a trial whose answer is known", async () => {
    const prefix = prefixFor('order');
    const monitor = await connectedClient();
    cleanup.push(() => monitor.destroy());
    const executed: string[] = [];
    await monitor.monitor((line) => {
      if (line.includes(prefix) && /"EVAL(SHA)?"/.test(line)) executed.push(line);
    });
    const trial = pool({ name: 'p', keys, strategy: 'priority', breaker: { failureThreshold: 1, cooldownMs: 50 }, store: store({ url: redisUrl, prefix }) });
    await trial.execute(async (key) => {
      if (key.id === 'a') throw httpError(429); // no hint: it counts toward the breaker
      return key.id;
    });
    await sleep(60);
    expect(await trial.execute((key) => key.id)).toBe('a'); // the trial: it closes the circuit
    await until(() => executed.some((line) => line.includes(':trial:a')), 1_000, 'lease released');
    const closed = executed.findIndex((line) => line.includes(':state:a') && line.includes('closed'));
    const released = executed.findIndex((line) => line.includes(':trial:a'));
    expect(closed).toBeGreaterThanOrEqual(0);
    expect(released).toBeGreaterThan(closed);
  });

  it('forget gives back a held lease and leaves the shared state to the others', async () => {
    const prefix = prefixFor('forget');
    const shared = store({ url: redisUrl, prefix });
    shared.save('p', 'a', state(Date.now(), { cooldownUntil: Date.now() + 60_000 }));
    expect(await shared.acquireTrial('p', 'a', 60_000)).toBe(true);
    shared.forget('p', 'a');
    await until(async () => (await dumpPrefix(admin, prefix)).every((entry) => !entry.key.includes(':trial:')), 1_000, 'lease released');
    expect((await dumpPrefix(admin, prefix)).map((entry) => entry.key)).toEqual([`${prefix}p:state:a`]);
  });

  it('uses a client it is given (connecting it if need be) without closing it, and pools on one store hear each other', async () => {
    const prefix = prefixFor('borrowed');
    const client = createClient({ url: redisUrl });
    client.on('error', () => undefined);
    cleanup.push(() => client.close());
    const shared = store({ client: client as RedisClient, prefix });
    const one = pool({ name: 'p', keys, strategy: 'priority', store: shared });
    const two = pool({ name: 'p', keys, strategy: 'priority', store: shared });
    await one.execute(async (key) => {
      if (key.id === 'a') throw httpError(429, { 'retry-after': '10' });
      return key.id;
    });
    await until(() => !two.snapshot().keys[0]!.available, 200, 'sidelined in the second pool');
    await one.close();
    await two.close();
    await shared.close();
    expect(client.isOpen).toBe(true);
    expect(await client.ping()).toBe('PONG');
    expect(shared.status).toBe('closed');
  });

  it('names every key and channel under its prefix, with pool names and ids encoded', async () => {
    const prefix = prefixFor('names');
    const shared = store({ url: redisUrl, prefix });
    shared.save('team:a/b', 'id with spaces', state(Date.now()));
    await until(async () => (await dumpPrefix(admin, prefix)).length === 1, 1_000, 'stored');
    expect((await dumpPrefix(admin, prefix))[0]!.key).toBe(`${prefix}team%3Aa%2Fb:state:id%20with%20spaces`);
  });
});
