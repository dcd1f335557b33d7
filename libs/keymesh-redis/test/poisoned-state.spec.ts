import { KeyPool, type Clock, type KeymeshEvents } from '@keymesh/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { connectedClient, deletePrefix, dumpPrefix, hasRedis, httpError, redisUrl, sleep, uniquePrefix, until } from './support/redis.js';

/**
 * Issue 13 item 5: nothing read from Redis is trusted without bounds. A member with a wrong clock,
 * a bug, or anyone who can write the keys or PUBLISH on the channel must not sideline a key for
 * longer than the pool itself ever would, nor freeze "newest write wins".
 */
const keys = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, secret: `sk-test-poison-${id}-${'x'.repeat(20)}` }));
const day = 86_400_000;

/** The system clock, `offsetMs` fast: a fleet member whose host clock is wrong. */
function skewedClock(offsetMs: number): Clock {
  return { now: () => Date.now() + offsetMs, setTimeout: (callback, ms) => setTimeout(callback, ms), clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout) };
}

function stored(updatedAt: number, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({ cooldownUntil: 0, breaker: 'closed', openUntil: 0, consecutiveFailures: 0, disabled: null, updatedAt, source: 'intruder', ...overrides });
}

describe.skipIf(!hasRedis)('state from Redis is bounded before it is applied', () => {
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
  function store(prefix: string): RedisStore {
    const created = new RedisStore({ url: redisUrl, prefix, logger: false });
    cleanup.push(() => created.close());
    return created;
  }
  function pool(prefix: string, options: Partial<ConstructorParameters<typeof KeyPool>[0]> = {}): KeyPool & { errors: Array<KeymeshEvents['store.error']> } {
    const created = new KeyPool({ name: 'p', keys, strategy: 'priority', store: store(prefix), ...options }) as KeyPool & { errors: Array<KeymeshEvents['store.error']> };
    created.errors = [];
    created.on('store.error', (e) => void created.errors.push(e));
    cleanup.push(() => created.close());
    return created;
  }
  const key = (p: KeyPool, id: string) => p.snapshot().keys.find((k) => k.id === id)!;
  const stateKey = (prefix: string, id: string) => `${prefix}p:state:${id}`;
  const channel = (prefix: string) => `${prefix}p:changes`;

  it('a member whose clock runs 30 days fast neither sidelines a key for the others nor blocks their later writes', async () => {
    const prefix = prefixFor('skew');
    const [honest, watcher] = [pool(prefix), pool(prefix)];
    const skewed = pool(prefix, { clock: skewedClock(30 * day) });
    await Promise.all([honest, watcher, skewed].map((p) => p.execute((k) => k.id)));

    // One 429 with a 1 s hint, recorded by the fast member.
    await skewed.execute(async (k) => {
      if (k.id === 'a') throw httpError(429, { 'retry-after': '1' });
      return k.id;
    });
    await until(() => skewed.errors.some((e) => e.code === 'ERR_KEYMESH_CLOCK_SKEW'), 1_000, 'the fast member told its clock is wrong');
    expect(skewed.errors.find((e) => e.code === 'ERR_KEYMESH_CLOCK_SKEW')!.message).toMatch(/clock/);
    await sleep(50);
    expect(key(watcher, 'a')).toMatchObject({ available: true, state: 'closed' });
    // Redis holds nothing stamped in the future (key states are strings, limits a hash).
    for (const entry of await dumpPrefix(admin, prefix)) {
      const values = entry.type === 'hash' ? (JSON.parse(entry.value) as string[]).filter((_, i) => i % 2 === 1) : entry.type === 'string' ? [entry.value] : [];
      for (const value of values) expect((JSON.parse(value) as { updatedAt: number }).updatedAt).toBeLessThan(Date.now() + 5_000);
    }

    // An honest member's 429 afterwards still reaches the fleet: "newest write wins" is not frozen.
    const limitedAt = Date.now();
    await honest.execute(async (k) => {
      if (k.id === 'a') throw httpError(429, { 'retry-after': '20' });
      return k.id;
    });
    await until(() => !key(watcher, 'a').available, 1_000, 'the honest 429 applied by the watcher');
    expect(key(watcher, 'a').availableAt).toBeGreaterThan(limitedAt + 19_000);
    expect(key(watcher, 'a').availableAt).toBeLessThan(limitedAt + 21_000 + 1_000);
  });

  it('loads corrupt stored values bounded: no time beyond now + maxCooldownMs (quotaCooldownMs for an untimed quota disable), nothing stamped in the future, no garbage', async () => {
    const prefix = prefixFor('load');
    const now = Date.now();
    await admin.set(stateKey(prefix, 'a'), stored(now, { breaker: 'open', openUntil: 1e300, consecutiveFailures: 3 }));
    await admin.set(stateKey(prefix, 'b'), stored(now, { cooldownUntil: 1e300 }));
    await admin.set(stateKey(prefix, 'c'), stored(now, { disabled: { reason: 'quota_exhausted', until: null } }));
    await admin.set(stateKey(prefix, 'd'), stored(now + 365 * day, { disabled: { reason: 'manual', until: null } }));
    await admin.set(stateKey(prefix, 'e'), '{"cooldownUntil": garbage');

    const late = pool(prefix, { maxCooldownMs: 60_000, quotaCooldownMs: 30_000 });
    await late.execute((k) => k.id);
    const after = Date.now();
    expect(key(late, 'a').state).toBe('open');
    expect(key(late, 'a').availableAt).toBeLessThanOrEqual(after + 60_000);
    expect(key(late, 'b').availableAt).toBeLessThanOrEqual(after + 60_000);
    expect(key(late, 'b').available).toBe(false);
    expect(key(late, 'c')).toMatchObject({ state: 'disabled', disabledReason: 'quota_exhausted' });
    expect(key(late, 'c').availableAt).toBeLessThanOrEqual(after + 30_000);
    expect(key(late, 'd')).toMatchObject({ state: 'closed', available: true }); // stamped a year ahead: refused
    expect(key(late, 'e')).toMatchObject({ state: 'closed', available: true }); // not JSON: ignored
  });

  it('applies changes PUBLISHed straight on the channel bounded, ignores future stamps and garbage, and keeps taking real changes', async () => {
    const prefix = prefixFor('publish');
    const running = pool(prefix, { maxCooldownMs: 60_000 });
    const writer = pool(prefix);
    await Promise.all([running.execute((k) => k.id), writer.execute((k) => k.id)]);
    const now = Date.now();
    const message = (keyId: string, state: string) => `{"o":"intruder","k":${JSON.stringify(keyId)},"s":${state}}`;
    await admin.publish(channel(prefix), message('a', stored(now, { breaker: 'open', openUntil: 1e300, consecutiveFailures: 9 })));
    await admin.publish(channel(prefix), message('b', stored(1e15, { cooldownUntil: 1e15 })));
    await admin.publish(channel(prefix), '{"o": not json');
    await until(() => key(running, 'a').state === 'open', 1_000, 'the open breaker applied');
    expect(key(running, 'a').availableAt).toBeLessThanOrEqual(Date.now() + 60_000);
    await sleep(50);
    expect(key(running, 'b')).toMatchObject({ available: true, state: 'closed' });
    expect(running.errors.map((e) => e.code)).toContain('ERR_KEYMESH_CLOCK_SKEW');

    // The future-stamped message did not win "newest write wins": a real change to b still applies.
    await writer.execute(async (k) => {
      if (k.id === 'a' || k.id === 'b') throw httpError(429, { 'retry-after': '20' });
      return k.id;
    });
    await until(() => !key(running, 'b').available, 1_000, 'the real change to b applied');
  });

  it("enableKey wins over a stored state stamped ahead, and the poisoned value leaves Redis: a process started later loads the operator's word", async () => {
    const prefix = prefixFor('enable');
    const now = Date.now();
    // Stamped 3 s ahead (inside the clock-skew allowance, so it is believed): a key rejected.
    await admin.set(stateKey(prefix, 'a'), stored(now + 3_000, { disabled: { reason: 'key_rejected', until: null } }));
    // Stamped a year ahead with a breaker open "forever": refused, but it must not stay either.
    await admin.set(stateKey(prefix, 'b'), stored(now + 365 * day, { breaker: 'open', openUntil: 1e300 }));
    const [operator, other] = [pool(prefix), pool(prefix)];
    await Promise.all([operator.execute((k) => k.id), other.execute((k) => k.id)]);
    expect(key(other, 'a').state).toBe('disabled');

    operator.enableKey('a');
    operator.enableKey('b');
    await until(() => key(other, 'a').state === 'closed', 1_000, 'enabled in the other process');
    await until(async () => {
      const [a, b] = [await admin.get(stateKey(prefix, 'a')), await admin.get(stateKey(prefix, 'b'))];
      return a !== null && b !== null && JSON.parse(a).disabled === null && JSON.parse(b).breaker === 'closed' && JSON.parse(b).updatedAt < Date.now() + 1_000;
    }, 1_000, 'the operator state stored over both poisoned values');
    const late = pool(prefix);
    await late.execute((k) => k.id);
    expect(key(late, 'a')).toMatchObject({ state: 'closed', available: true });
    expect(key(late, 'b')).toMatchObject({ state: 'closed', available: true });
  });

  it('disableKey wins over a stored state stamped ahead', async () => {
    const prefix = prefixFor('disable');
    await admin.set(stateKey(prefix, 'a'), stored(Date.now() + 3_000, { consecutiveFailures: 1 }));
    const [operator, other] = [pool(prefix), pool(prefix)];
    await Promise.all([operator.execute((k) => k.id), other.execute((k) => k.id)]);
    operator.disableKey('a');
    await until(() => key(other, 'a').state === 'disabled', 1_000, 'disabled in the other process');
    await until(async () => JSON.parse((await admin.get(stateKey(prefix, 'a')))!).disabled?.reason === 'manual', 1_000, 'stored');
    const late = pool(prefix);
    await late.execute((k) => k.id);
    expect(key(late, 'a')).toMatchObject({ state: 'disabled', disabledReason: 'manual' });
  });
});
