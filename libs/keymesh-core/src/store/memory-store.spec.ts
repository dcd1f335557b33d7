import { describe, expect, it, vi } from 'vitest';
import { KeyPool, MemoryStore } from '../index.js';
import { ManualClock, httpError, secrets, settle } from '../__tests__/manual-clock.js';

const keys = secrets.slice(0, 2).map((secret, i) => ({ id: 'ab'[i]!, secret }));

/** Two pools sharing one store behave like two processes sharing Redis. */
function fleet(clock = new ManualClock(), breaker = { failureThreshold: 1, cooldownMs: 1_000 }) {
  const store = new MemoryStore({ clock });
  const make = () => new KeyPool({ name: 'shared', keys, clock, store, strategy: 'priority', breaker });
  return { clock, store, one: make(), two: make() };
}

describe('shared state through a StateStore', () => {
  it('a key rate-limited in one pool is sidelined in the other', async () => {
    const { clock, one, two } = fleet(undefined, { failureThreshold: 5, cooldownMs: 1_000 });
    await one.execute(async (key) => {
      if (key.id === 'a') throw httpError(429, { 'retry-after': '10' });
      return key.id;
    });
    await settle();
    expect(two.snapshot().keys[0]).toMatchObject({ id: 'a', available: false, availableAt: clock.now() + 10_000 });
    expect(await two.execute((key) => key.id)).toBe('b');
  });

  it('a key disabled in one pool is disabled in the other, and enabling it propagates too', async () => {
    const { one, two } = fleet();
    await one.execute(async (key) => {
      if (key.id === 'a') throw httpError(401);
      return key.id;
    });
    await settle();
    expect(two.snapshot().keys[0]).toMatchObject({ state: 'disabled', disabledReason: 'key_rejected' });
    two.enableKey('a');
    await settle();
    expect(one.snapshot().keys[0]).toMatchObject({ state: 'closed', available: true });
  });

  it('only one half-open trial runs across the fleet; its success closes the circuit everywhere', async () => {
    const { clock, one, two } = fleet();
    await one.execute(async (key) => {
      if (key.id === 'a') throw httpError(429);
      return key.id;
    });
    await settle();
    expect(two.snapshot().keys[0]!.state).toBe('open');
    await clock.advance(1_000);
    let finish!: () => void;
    const used: string[] = [];
    const attempt = async (key: { id: string }) => {
      used.push(key.id);
      if (key.id === 'a') await new Promise<void>((resolve) => (finish = resolve));
      return key.id;
    };
    const calls = [...Array.from({ length: 10 }, () => one.execute(attempt)), ...Array.from({ length: 10 }, () => two.execute(attempt))];
    await settle();
    expect(used.filter((id) => id === 'a')).toHaveLength(1);
    finish();
    await Promise.all(calls);
    await settle();
    expect(one.snapshot().keys[0]!.state).toBe('closed');
    expect(two.snapshot().keys[0]).toMatchObject({ state: 'closed', available: true });
  });

  it('a trial lease left by a holder that never answers expires after trialLeaseMs', () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock });
    expect(store.acquireTrial('p', 'a', 500)).toBe(true);
    expect(store.acquireTrial('p', 'a', 500)).toBe(false);
    return clock.advance(500).then(() => expect(store.acquireTrial('p', 'a', 500)).toBe(true));
  });

  it('a pool that starts later loads the current shared state before its first request', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock });
    const early = new KeyPool({ name: 'shared', keys, clock, store, strategy: 'priority' });
    await early.execute(async (key) => {
      if (key.id === 'a') throw httpError(429, { 'retry-after': '30' });
      return key.id;
    });
    const late = new KeyPool({ name: 'shared', keys, clock, store, strategy: 'priority' });
    expect(await late.execute((key) => key.id)).toBe('b');
    expect(late.snapshot().keys[0]).toMatchObject({ available: false, availableAt: clock.now() + 30_000 });
  });

  it('serves from local state when the store cannot load', async () => {
    const store = new MemoryStore();
    const broken = Object.assign(Object.create(store) as MemoryStore, {
      load: () => Promise.reject(new Error('store down')),
      subscribe: store.subscribe.bind(store),
      save: store.save.bind(store),
      acquireTrial: store.acquireTrial.bind(store),
      releaseTrial: store.releaseTrial.bind(store),
    });
    const pool = new KeyPool({ keys, store: broken });
    await expect(pool.execute((key) => key.id)).resolves.toBe('a');
  });

  it('stores only ids and times, never secrets', async () => {
    const { store, one } = fleet();
    await one.execute(async (key) => {
      if (key.id === 'a') throw httpError(429);
      return key.id;
    });
    const state = await store.load('shared', ['a', 'b']);
    const text = JSON.stringify([...state]);
    expect(text).not.toContain(secrets[0]!);
    expect(text).toContain('"a"');
  });
});

describe('store hooks', () => {
  it('a store that denies admission sidelines the key locally for the time it names, and the request moves on', async () => {
    const clock = new ManualClock();
    const store = Object.assign(new MemoryStore({ clock }), {
      admit: (_pool: string, keyId: string) => (keyId === 'a' ? 2_000 : (true as const)),
    });
    const pool = new KeyPool({ keys, clock, store, strategy: 'priority' });
    const limited: unknown[] = [];
    pool.on('key.rate_limited', (e) => limited.push(e));
    const used: string[] = [];
    expect(await pool.execute((key) => (used.push(key.id), key.id))).toBe('b');
    expect(used).toEqual(['b']);
    expect(limited).toEqual([expect.objectContaining({ keyId: 'a', source: 'fleet_limit', retryAfterMs: 2_000 })]);
    expect(pool.snapshot().keys[0]).toMatchObject({ available: false, availableAt: clock.now() + 2_000, failures: 0 });
  });

  it('an admission check that throws lets the request through (fail open)', async () => {
    const store = Object.assign(new MemoryStore(), { admit: () => Promise.reject(new Error('redis down')) });
    const pool = new KeyPool({ keys, store, strategy: 'priority' });
    expect(await pool.execute((key) => key.id)).toBe('a');
  });

  it('reports store failures as store.error events, and a load that never answers', async () => {
    const clock = new ManualClock();
    let report!: (info: { operation: string; message: string }) => void;
    const store = Object.assign(new MemoryStore({ clock }), {
      load: () => new Promise<never>(() => {}),
      onError: (listener: typeof report) => ((report = listener), () => {}),
    });
    const pool = new KeyPool({ keys, clock, store, storeLoadTimeoutMs: 500 });
    const errors: unknown[] = [];
    pool.on('store.error', (e) => errors.push(e));
    const served = pool.execute((key) => key.id);
    await clock.advance(500);
    await expect(served).resolves.toBe('a');
    report({ operation: 'save', message: 'connection lost' });
    expect(errors).toEqual([
      expect.objectContaining({ pool: 'default', operation: 'load', message: expect.stringContaining('serving from local state') }),
      expect.objectContaining({ pool: 'default', operation: 'save', message: 'connection lost' }),
    ]);
  });
});

describe('half-open trial and the store', () => {
  it('saves the trial verdict before releasing the lease, on success and on a key-scoped failure', async () => {
    const clock = new ManualClock();
    const calls: string[] = [];
    class Recording extends MemoryStore {
      override save(...args: Parameters<MemoryStore['save']>) {
        calls.push(`save:${args[2].breaker}`);
        super.save(...args);
      }
      override releaseTrial(pool: string, keyId: string) {
        calls.push('release');
        super.releaseTrial(pool, keyId);
      }
    }
    const pool = new KeyPool({ keys, clock, store: new Recording({ clock }), strategy: 'priority', breaker: { failureThreshold: 1, cooldownMs: 1_000 } });
    const failA = () => pool.execute(async (key) => (key.id === 'a' ? Promise.reject(httpError(429)) : key.id));
    await failA();
    await clock.advance(1_000);
    calls.length = 0;
    await failA(); // the trial fails: reopened, saved, then released
    expect(calls).toEqual(['save:open', 'release']);
    await clock.advance(1_000);
    calls.length = 0;
    await pool.execute((key) => key.id); // the trial succeeds: closed, saved, then released
    expect(calls).toEqual(['save:closed', 'release']);
  });
});

describe('MemoryStore: limits per (group, scope) and detected groups', () => {
  const limit = (updatedAt: number, cooldownUntil: number) => ({ group: 'org-a', scope: 'gpt-4o', cooldownUntil, cooldownSource: 'rate_limited' as const, updatedAt, source: 's1' });

  it('keeps the newest write per (group, scope), delivers it to subscribers and loads it', async () => {
    const store = new MemoryStore();
    const seen: unknown[] = [];
    const unsubscribe = store.subscribeShared('p', (change) => seen.push(change));
    store.saveLimit('p', limit(2, 500));
    store.saveLimit('p', limit(1, 900)); // older: ignored
    store.saveLimit('p', { ...limit(3, 0), scope: 'gpt-4o-mini' });
    store.saveGroup('p', { group: 'a', keyIds: ['a', 'b'], scope: 'gpt-4o', updatedAt: 4, source: 's1' });
    await settle();
    expect(seen).toEqual([{ limit: limit(2, 500) }, { limit: { ...limit(3, 0), scope: 'gpt-4o-mini' } }, { group: { group: 'a', keyIds: ['a', 'b'], scope: 'gpt-4o', updatedAt: 4, source: 's1' } }]);
    const loaded = await store.loadShared('p');
    expect(loaded.limits).toEqual([limit(2, 500), { ...limit(3, 0), scope: 'gpt-4o-mini' }]);
    expect(loaded.groups.map((g) => g.keyIds)).toEqual([['a', 'b']]);
    expect((await store.loadShared('other')).limits).toEqual([]);
    unsubscribe();
    store.saveLimit('p', limit(9, 1));
    await settle();
    expect(seen).toHaveLength(3);
  });
});

describe('limits and detected groups through a store', () => {
  it('a 429 for one scope in one pool sidelines that scope only in the other; a detected group reaches it too', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const { clock, store, one, two } = fleet(undefined, { failureThreshold: 5, cooldownMs: 1_000 });
    await one.execute(async (key) => (key.id === 'a' ? Promise.reject(httpError(429, { 'retry-after': '10' })) : key.id), { scope: 'big' });
    await settle();
    expect(two.snapshot().keys[0]!.limits).toMatchObject([{ scope: 'big', available: false, availableAt: clock.now() + 10_000 }]);
    expect(await two.execute((key) => key.id, { scope: 'big' })).toBe('b');
    expect(await two.execute((key) => key.id, { scope: 'small' })).toBe('a');
    store.saveGroup('shared', { group: 'a', keyIds: ['a', 'b'], scope: 'big', updatedAt: clock.now(), source: 'elsewhere' });
    await settle();
    expect(two.snapshot().keys.map((k) => k.group)).toEqual(['a', 'a']);
    expect(two.snapshot().sharedQuotas).toMatchObject([{ group: 'a', keyIds: ['a', 'b'], scope: 'big' }]);
    warn.mockRestore();
  });
});
