import { KeyPool } from '@keymesh/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { connectedClient, deletePrefix, hasRedis, redisUrl, sleep, uniquePrefix } from './support/redis.js';

describe.skipIf(!hasRedis)('fleet-wide limits', () => {
  let admin: Awaited<ReturnType<typeof connectedClient>>;
  const stores: RedisStore[] = [];
  const prefixes: string[] = [];
  beforeAll(async () => {
    admin = await connectedClient();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    for (const prefix of prefixes.splice(0)) await deletePrefix(admin, prefix);
  });
  afterAll(() => admin?.close());

  function fleet(size: number, limits: ConstructorParameters<typeof RedisStore>[0]['limits']): RedisStore[] {
    const prefix = uniquePrefix('limits');
    prefixes.push(prefix);
    const created = Array.from({ length: size }, () => new RedisStore({ url: redisUrl, prefix, limits, logger: false }));
    stores.push(...created);
    return created;
  }

  it('never admits more than `requests` per window, however many processes ask at once', async () => {
    const members = fleet(4, { p: { requests: 25, windowMs: 2_000 } });
    const verdicts = await Promise.all(Array.from({ length: 400 }, (_, i) => members[i % 4]!.admit!('p', 'a')));
    expect(verdicts.filter((v) => v === true)).toHaveLength(25);
    const waits = verdicts.filter((v): v is number => typeof v === 'number');
    expect(waits).toHaveLength(375);
    for (const wait of waits) {
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(2_000);
    }
  });

  it('has room again once the window has passed, and says how long until then', async () => {
    const [store] = fleet(1, { p: { requests: 2, windowMs: 300 } });
    expect(await store!.admit!('p', 'a')).toBe(true);
    expect(await store!.admit!('p', 'a')).toBe(true);
    const wait = await store!.admit!('p', 'a');
    expect(typeof wait).toBe('number');
    expect(wait).toBeGreaterThan(200);
    expect(wait).toBeLessThanOrEqual(300);
    await sleep((wait as number) + 10);
    expect(await store!.admit!('p', 'a')).toBe(true);
  });

  it('a sliding window: at most `requests` in any windowMs, also across a window boundary', async () => {
    const [store] = fleet(1, { p: { requests: 5, windowMs: 300 } });
    // Each admission happened, by Redis's clock, between the call and its answer: however slow the
    // machine, the 6th admission after any one can only be answered 300 ms or more after that one
    // was asked (a fixed window would let 10 through around its boundary).
    const admitted: Array<{ sent: number; answered: number }> = [];
    const deadline = Date.now() + 1_000;
    while (Date.now() < deadline) {
      const sent = Date.now();
      if ((await store!.admit!('p', 'a')) === true) admitted.push({ sent, answered: Date.now() });
      await sleep(3);
    }
    expect(admitted.length).toBeGreaterThanOrEqual(10);
    for (let i = 0; i + 5 < admitted.length; i++) expect(admitted[i + 5]!.answered - admitted[i]!.sent).toBeGreaterThanOrEqual(300);
  });

  it('limits per pool, per key id with a default, and nothing (no Redis call) for keys without a limit', async () => {
    const [store] = fleet(1, {
      open: { requests: 1, windowMs: 60_000 },
      mixed: { default: { requests: 2, windowMs: 60_000 }, keys: { big: { requests: 3, windowMs: 60_000 } } },
      named: { keys: { only: { requests: 1, windowMs: 60_000 } } },
    });
    const count = async (pool: string, key: string) => {
      let admitted = 0;
      for (let i = 0; i < 6; i++) if ((await store!.admit!(pool, key)) === true) admitted++;
      return admitted;
    };
    expect(await count('open', 'x')).toBe(1);
    expect(await count('open', 'y')).toBe(1); // per key
    expect(await count('mixed', 'small')).toBe(2);
    expect(await count('mixed', 'big')).toBe(3);
    expect(await count('named', 'only')).toBe(1);
    expect(store!.admit!('named', 'other')).toBe(true); // synchronous: no round trip
    expect(store!.admit!('unlisted', 'x')).toBe(true);
  });

  it('a store without limits has no admit hook at all, so pools never ask', () => {
    const [store] = fleet(1, undefined);
    expect(store!.admit).toBeUndefined();
  });

  it('a pool moves to another key when the fleet limit of the first is reached', async () => {
    const [one, two] = fleet(2, { p: { keys: { a: { requests: 3, windowMs: 60_000 } } } });
    const keys = [
      { id: 'a', secret: 'sk-limit-aaaaaaaaaaaaaaaaaaaa' },
      { id: 'b', secret: 'sk-limit-bbbbbbbbbbbbbbbbbbbb' },
    ];
    const pools = [new KeyPool({ name: 'p', keys, strategy: 'priority', store: one! }), new KeyPool({ name: 'p', keys, strategy: 'priority', store: two! })];
    const limited: unknown[] = [];
    pools[1]!.on('key.rate_limited', (e) => limited.push(e));
    const used: string[] = [];
    for (let i = 0; i < 6; i++) used.push(await pools[i % 2]!.execute((key) => key.id));
    expect(used.filter((id) => id === 'a')).toHaveLength(3);
    expect(used.slice(3)).toEqual(['b', 'b', 'b']);
    expect(limited).toEqual([expect.objectContaining({ keyId: 'a', source: 'fleet_limit' })]);
    await Promise.all(pools.map((pool) => pool.close()));
  });
});
