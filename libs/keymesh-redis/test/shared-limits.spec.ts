import { KeyPool, type KeymeshEvents } from '@keymesh/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { connectedClient, deletePrefix, dumpPrefix, hasRedis, httpError, redisUrl, sleep, uniquePrefix, until } from './support/redis.js';

/**
 * Issue 14 item 7: what a pool shares besides key state — limits per (quota group, scope), groups
 * found by shared-quota detection, ejections — through Redis, and never a Redis call on success.
 */
const keys = ['a', 'b', 'c'].map((id) => ({ id, secret: `sk-test-shared-${id}-${'x'.repeat(20)}` }));

describe.skipIf(!hasRedis)('limits, detected groups and ejections across processes', () => {
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

  function store(): RedisStore {
    const created = new RedisStore({ url: redisUrl, prefix, logger: false });
    cleanup.push(() => created.close());
    return created;
  }
  function pool(options: Partial<ConstructorParameters<typeof KeyPool>[0]> = {}, on: RedisStore = store()): KeyPool {
    const created = new KeyPool({ name: 'p', keys, strategy: 'priority', store: on, ...options });
    cleanup.push(() => created.close());
    return created;
  }
  const limitOf = (p: KeyPool, keyId: string, scope: string) => p.snapshot().keys.find((k) => k.id === keyId)!.limits.find((l) => l.scope === scope);

  it("a 429 for one model sidelines that (group, model) in the other process and in one started later; the key keeps serving other models", async () => {
    prefix = uniquePrefix('scope');
    const [one, two] = [pool(), pool()];
    await Promise.all([one, two].map((p) => Promise.all([p.execute((k) => k.id, { scope: 'model-a' }), p.execute((k) => k.id, { scope: 'model-b' })])));
    const limitedAt = Date.now();
    await one.execute(async (k) => {
      if (k.id === 'a') throw httpError(429, { 'retry-after': '30' });
      return k.id;
    }, { scope: 'model-a' });
    await until(() => limitOf(two, 'a', 'model-a')?.available === false, 1_000, '(a, model-a) sidelined in the other pool');
    expect(limitOf(two, 'a', 'model-a')!.availableAt).toBeGreaterThan(limitedAt + 29_000);
    expect(await two.execute((k) => k.id, { scope: 'model-a' })).toBe('b');
    expect(await two.execute((k) => k.id, { scope: 'model-b' })).toBe('a');

    const late = pool();
    await late.execute((k) => k.id, { scope: 'model-b' });
    expect(limitOf(late, 'a', 'model-a')).toMatchObject({ available: false });
    expect(await late.execute((k) => k.id, { scope: 'model-a' })).toBe('b');
  });

  it('the success path makes no Redis call, for any scope', async () => {
    prefix = uniquePrefix('quiet');
    const client = await connectedClient();
    cleanup.push(() => client.close());
    const sent: string[] = [];
    const send = client.sendCommand.bind(client);
    (client as { sendCommand: unknown }).sendCommand = (args: string[], options?: object) => (sent.push(args[0]!), send(args, options));
    const quiet = pool({}, new RedisStore({ client, prefix, logger: false }));
    await quiet.execute((k) => k.id);
    const afterLoad = sent.length;
    await Promise.all(Array.from({ length: 50 }, (_, i) => quiet.execute((k) => k.id, { scope: `model-${i % 5}` })));
    expect(sent.slice(afterLoad)).toEqual([]);
  });

  it('a group found by shared-quota detection in one process merges the keys in the others, and in one started later', async () => {
    prefix = uniquePrefix('groups');
    const running = pool();
    await running.execute((k) => k.id);
    const detector = store();
    detector.saveGroup('p', { group: 'a', keyIds: ['a', 'b'], scope: 'default', updatedAt: Date.now(), source: 'another-process' });
    const group = (p: KeyPool, id: string) => p.snapshot().keys.find((k) => k.id === id)!.group;
    await until(() => group(running, 'b') === group(running, 'a'), 1_000, 'a and b one group in the running pool');
    expect(group(running, 'c')).not.toBe(group(running, 'a'));
    expect(running.snapshot().sharedQuotas).toEqual([expect.objectContaining({ keyIds: expect.arrayContaining(['a', 'b']) })]);

    const late = pool();
    await late.execute((k) => k.id);
    expect(group(late, 'b')).toBe(group(late, 'a'));
    // The finding is stored under the prefix, with key ids only.
    expect((await dumpPrefix(admin, prefix)).some((entry) => entry.key === `${prefix}p:groups`)).toBe(true);
  });

  it('a sick key ejected in one process (provider trouble while the others succeed) is ejected in the others', async () => {
    prefix = uniquePrefix('eject');
    const options = { breaker: { failureThreshold: 3, cooldownMs: 30_000 }, retry: { baseDelayMs: 1, maxDelayMs: 2 } };
    const [one, two] = [pool(options), pool(options)];
    const opened: Array<KeymeshEvents['circuit.opened']> = [];
    one.on('circuit.opened', (e) => void opened.push(e));
    await Promise.all([one.execute((k) => k.id), two.execute((k) => k.id)]);
    for (let i = 0; i < 6 && opened.length === 0; i++) {
      await one.execute(async (k) => {
        if (k.id === 'a') throw httpError(503);
        return k.id;
      });
    }
    expect(opened).toEqual([expect.objectContaining({ keyId: 'a', reason: 'outlier' })]);
    await until(() => two.snapshot().keys[0]!.state === 'open', 1_000, 'a ejected in the other pool');
    await sleep(20);
    expect(await two.execute((k) => k.id)).toBe('b');
    const stored = JSON.parse((await admin.get(`${prefix}p:state:a`))!) as { openReason?: string };
    expect(stored.openReason).toBe('outlier');
  });
});
