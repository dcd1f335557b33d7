import { describe, expect, it, vi } from 'vitest';
import { KeyPool, isPoolExhaustedError, type KeymeshEventName, type KeymeshEvents } from '../index.js';
import { ManualClock, httpError, secrets, settle } from '../__tests__/manual-clock.js';

const [A, B, C] = secrets;
const keys = [
  { id: 'a', secret: A! },
  { id: 'b', secret: B! },
  { id: 'c', secret: C! },
];

function recordEvents(pool: KeyPool, ...names: KeymeshEventName[]) {
  const seen: Array<{ name: KeymeshEventName; event: KeymeshEvents[KeymeshEventName] }> = [];
  for (const name of names) pool.on(name, (event) => seen.push({ name, event }));
  return seen;
}

describe('KeyPool.execute', () => {
  it('returns the attempt result and hands the attempt the key and context', async () => {
    const pool = new KeyPool({ keys });
    const result = await pool.execute((key, ctx) => `${key.id}:${key.secret.length}:${ctx.attempt}:${ctx.signal.aborted}`);
    expect(result).toBe(`a:${A!.length}:1:false`);
  });

  it('moves to another ready key at once after a 429, with no sleep and one request per key', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys, clock, strategy: 'priority' });
    const used: string[] = [];
    const events = recordEvents(pool, 'key.rotated', 'key.rate_limited', 'request.retried', 'request.succeeded');
    const result = await pool.execute(async (key) => {
      used.push(key.id);
      if (key.id !== 'c') throw httpError(429, { 'retry-after': '20' });
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(used).toEqual(['a', 'b', 'c']);
    expect(clock.pendingTimers).toBe(0);
    expect(events.filter((e) => e.name === 'request.retried').map((e) => (e.event as { delayMs: number }).delayMs)).toEqual([0, 0]);
    expect(events.filter((e) => e.name === 'key.rotated').map((e) => e.event)).toMatchObject([
      { keyId: 'b', fromKeyId: 'a', reason: 'rate_limited' },
      { keyId: 'c', fromKeyId: 'b', reason: 'rate_limited' },
    ]);
    expect(events.at(-1)).toMatchObject({ name: 'request.succeeded', event: { pool: 'default', keyId: 'c', attempts: 3 } });
  });

  it('sidelines a rate-limited key until its hint, then uses it again', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority' });
    let limited = true;
    const call = () =>
      pool.execute(async (key) => {
        if (key.id === 'a' && limited) throw httpError(429, { 'retry-after-ms': '1500' });
        return key.id;
      });
    expect(await call()).toBe('b');
    limited = false;
    expect(pool.snapshot().keys[0]).toMatchObject({ id: 'a', state: 'closed', available: false, availableAt: clock.now() + 1500 });
    expect(await call()).toBe('b');
    await clock.advance(1500);
    expect(pool.snapshot().keys[0]).toMatchObject({ available: true });
    expect(await call()).toBe('a');
  });

  it('without a hint, sidelines a 429 key for a short cooldown that doubles with consecutive 429s', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority', rateLimitCooldownMs: 100, breaker: { failureThreshold: 10 } });
    const cooldowns: number[] = [];
    pool.on('key.rate_limited', (e) => e.keyId === 'a' && cooldowns.push(e.retryAfterMs));
    for (let i = 0; i < 3; i++) {
      await pool.execute(async (key) => {
        if (key.id === 'a') throw httpError(429);
        return key.id;
      });
      await clock.advance(cooldowns.at(-1)!);
    }
    expect(cooldowns).toEqual([100, 200, 400]);
  });

  it('throws a caller fault unchanged, never retries it and never counts it against the key', async () => {
    const pool = new KeyPool({ keys });
    const error = httpError(400);
    const attempt = vi.fn(async () => {
      throw error;
    });
    await expect(pool.execute(attempt)).rejects.toBe(error);
    expect(attempt).toHaveBeenCalledTimes(1);
    const unknown = new Error('bug in caller code');
    await expect(pool.execute(() => Promise.reject(unknown))).rejects.toBe(unknown);
    expect(pool.snapshot().keys.map((k) => [k.failures, k.consecutiveFailures, k.available])).toEqual([
      [0, 0, true],
      [0, 0, true],
      [0, 0, true],
    ]);
  });

  it('treats a synchronous throw like a rejection', async () => {
    const pool = new KeyPool({ keys });
    const error = httpError(404);
    await expect(
      pool.execute(() => {
        throw error;
      }),
    ).rejects.toBe(error);
  });

  it('disables a key out of quota for quotaCooldownMs, then brings it back', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({
      keys: keys.slice(0, 2),
      clock,
      strategy: 'priority',
      quotaCooldownMs: 60_000,
      classify: (error) => ((error as { code?: string }).code === 'insufficient_quota' ? { kind: 'quota_exhausted' } : undefined),
    });
    const events = recordEvents(pool, 'key.disabled', 'key.enabled');
    let broke = true;
    const result = await pool.execute(async (key) => {
      if (key.id === 'a' && broke) throw Object.assign(httpError(429), { code: 'insufficient_quota' });
      return key.id;
    });
    broke = false;
    expect(result).toBe('b');
    expect(pool.snapshot().keys[0]).toMatchObject({ state: 'disabled', disabledReason: 'quota_exhausted', available: false, availableAt: clock.now() + 60_000 });
    await clock.advance(60_000);
    expect(pool.snapshot().keys[0]).toMatchObject({ state: 'closed', available: true });
    expect(events.map((e) => [e.name, (e.event as { reason: string }).reason])).toEqual([
      ['key.disabled', 'quota_exhausted'],
      ['key.enabled', 'cooldown_elapsed'],
    ]);
  });

  it('disables a rejected key (401/403) until enableKey', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority' });
    await pool.execute(async (key) => {
      if (key.id === 'a') throw httpError(401);
      return key.id;
    });
    await clock.advance(7 * 86_400_000);
    expect(pool.snapshot().keys[0]).toMatchObject({ state: 'disabled', disabledReason: 'key_rejected', available: false, availableAt: null });
    pool.enableKey('a');
    expect(pool.snapshot().keys[0]).toMatchObject({ state: 'closed', available: true, consecutiveFailures: 0 });
    expect(await pool.execute((key) => key.id)).toBe('a');
  });

  it('disables a key once when several in-flight requests on it are rejected', async () => {
    const pool = new KeyPool({ keys: keys.slice(0, 2), strategy: 'priority' });
    const disabled = recordEvents(pool, 'key.disabled');
    const gate: Array<() => void> = [];
    const calls = Array.from({ length: 3 }, () =>
      pool.execute(async (key) => {
        if (key.id === 'b') return 'b';
        await new Promise<void>((resolve) => gate.push(resolve));
        throw httpError(401);
      }),
    );
    await settle();
    expect(gate).toHaveLength(3);
    gate.forEach((open) => open());
    await expect(Promise.all(calls)).resolves.toEqual(['b', 'b', 'b']);
    expect(disabled).toHaveLength(1);
  });

  it('rethrows the last upstream error unchanged when attempts run out while keys were being tried', async () => {
    const pool = new KeyPool({ keys, retry: { maxAttempts: 2 } });
    const errors = [httpError(429, {}, 'first'), httpError(429, {}, 'second'), httpError(429, {}, 'third')];
    let n = 0;
    await expect(pool.execute(async () => Promise.reject(errors[n++]))).rejects.toBe(errors[1]);
    expect(n).toBe(2);
  });

  it('fails fast with PoolExhaustedError when no key frees up inside the budget', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ name: 'openai', keys: keys.slice(0, 2), clock, retry: { budgetMs: 5_000 } });
    const last = httpError(429, { 'retry-after': '30' }, 'limited');
    const exhausted = recordEvents(pool, 'pool.exhausted', 'request.failed');
    const error = await pool.execute(() => Promise.reject(last)).catch((e: unknown) => e);
    expect(isPoolExhaustedError(error)).toBe(true);
    if (!isPoolExhaustedError(error)) return;
    expect(error.code).toBe('ERR_KEYMESH_POOL_EXHAUSTED');
    expect(error.poolName).toBe('openai');
    expect(error.retryAfterMs).toBe(30_000);
    expect(error.cause).toBe(last);
    expect(error.attempts).toBe(2);
    expect(error.keys).toEqual([
      { keyId: 'a', state: 'closed', reason: 'rate_limited', availableAt: clock.now() + 30_000 },
      { keyId: 'b', state: 'closed', reason: 'rate_limited', availableAt: clock.now() + 30_000 },
    ]);
    expect(clock.pendingTimers).toBe(0);
    expect(exhausted.map((e) => e.name)).toEqual(['pool.exhausted', 'request.failed']);
    expect(exhausted[1]!.event).toMatchObject({ kind: 'pool_exhausted', keyId: 'b', attempts: 2 });
  });

  it('waits for the earliest key when it frees up inside the budget', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 1), clock, retry: { budgetMs: 10_000 } });
    let calls = 0;
    const pending = pool.execute(async () => {
      if (calls++ === 0) throw httpError(429, { 'retry-after': '2' });
      return 'served';
    });
    let settled = false;
    void pending.then(() => (settled = true));
    await clock.advance(1_999);
    expect(settled).toBe(false);
    await clock.advance(1);
    await expect(pending).resolves.toBe('served');
    expect(calls).toBe(2);
  });

  it('a request that starts while every key is sidelined waits for the earliest one and is served', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 1), clock, retry: { budgetMs: 10_000 } });
    await pool.execute((_key, ctx) => {
      ctx.observe({ 'x-ratelimit-limit-requests': '1', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '400ms' });
      return 'first';
    });
    let calls = 0;
    const second = pool.execute(() => (calls++, 'second'));
    await clock.advance(399);
    expect(calls).toBe(0);
    await clock.advance(1);
    await expect(second).resolves.toBe('second');
    expect(calls).toBe(1);
  });

  it('reports retryAfterMs null when every key is disabled until enabled', async () => {
    const pool = new KeyPool({ keys: keys.slice(0, 2) });
    const error = await pool.execute(() => Promise.reject(httpError(401))).catch((e: unknown) => e);
    expect(isPoolExhaustedError(error) && error.retryAfterMs).toBe(null);
    expect(isPoolExhaustedError(error) && error.keys.map((k) => k.reason)).toEqual(['key_rejected', 'key_rejected']);
  });

  it('keeps serving when a listener throws', async () => {
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const pool = new KeyPool({ keys });
    pool.on('request.succeeded', () => {
      throw new Error('listener bug');
    });
    await expect(pool.execute(() => 'fine')).resolves.toBe('fine');
    await expect(pool.execute(() => 'again')).resolves.toBe('again');
    expect(warning).toHaveBeenCalledTimes(1);
    warning.mockRestore();
  });

  it('stops emitting to a listener after off()', async () => {
    const pool = new KeyPool({ keys });
    const listener = vi.fn();
    pool.on('request.succeeded', listener);
    await pool.execute(() => 1);
    pool.off('request.succeeded', listener);
    await pool.execute(() => 2);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('feeds rate-limit headers from ctx.observe into headroom and sidelines a key at remaining 0 until its reset', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'headroom' });
    const limited = recordEvents(pool, 'key.rate_limited');
    await pool.execute((key, ctx) => {
      ctx.observe({ 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '2s' });
      return key.id;
    });
    expect(pool.snapshot().keys[0]).toMatchObject({ id: 'a', available: false, availableAt: clock.now() + 2_000, headroom: 0 });
    expect(limited[0]!.event).toMatchObject({ keyId: 'a', source: 'headers', retryAfterMs: 2_000 });
    const used = await pool.execute((key, ctx) => {
      ctx.observe(new Headers({ 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '40' }));
      return key.id;
    });
    expect(used).toBe('b');
    await clock.advance(2_000);
    // a reports nothing yet (headroom 0 from before), b has 40% left: headroom prefers b.
    expect(await pool.execute((key) => key.id)).toBe('b');
  });

  it('honours maxConcurrent per key', async () => {
    const pool = new KeyPool({ keys: [{ id: 'solo', secret: A!, maxConcurrent: 2 }] });
    let running = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const calls = Array.from({ length: 6 }, () =>
      pool.execute(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => release.push(resolve));
        running--;
        return 'done';
      }),
    );
    await settle();
    expect(running).toBe(2);
    while (release.length) {
      release.shift()!();
      await settle();
    }
    await expect(Promise.all(calls)).resolves.toHaveLength(6);
    expect(peak).toBe(2);
  });
});

describe('KeyPool key management', () => {
  it('adds, disables, enables and removes keys at run time', async () => {
    const pool = new KeyPool({ keys: keys.slice(0, 1), strategy: 'round-robin' });
    const id = pool.addKey({ id: 'extra', secret: B! });
    expect(id).toBe('extra');
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await pool.execute((key) => key.id));
    expect(seen).toEqual(new Set(['a', 'extra']));

    const disabled = recordEvents(pool, 'key.disabled');
    pool.disableKey('a');
    expect(disabled[0]!.event).toMatchObject({ keyId: 'a', reason: 'manual', until: null });
    for (let i = 0; i < 4; i++) expect(await pool.execute((key) => key.id)).toBe('extra');
    pool.enableKey('a');
    pool.removeKey('extra');
    for (let i = 0; i < 3; i++) expect(await pool.execute((key) => key.id)).toBe('a');
    expect(pool.snapshot().keys.map((k) => k.id)).toEqual(['a']);
  });

  it('ignores the result of a request that was using a removed key', async () => {
    const pool = new KeyPool({ keys: keys.slice(0, 2), strategy: 'priority' });
    let release!: () => void;
    const pending = pool.execute(async (key) => {
      if (key.id === 'b') return 'b';
      await new Promise<void>((resolve) => (release = resolve));
      throw httpError(401);
    });
    await settle();
    pool.removeKey('a');
    release();
    await expect(pending).resolves.toBe('b');
    expect(pool.snapshot().keys.map((k) => [k.id, k.state])).toEqual([['b', 'closed']]);
    expect(pool.snapshot().available).toBe(1);
  });

  it('rejects unknown ids with a ConfigError', () => {
    const pool = new KeyPool({ keys });
    expect(() => pool.disableKey('nope')).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_UNKNOWN_KEY' }));
    expect(() => pool.addKey(A!)).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_DUPLICATE_SECRET' }));
  });

  it('refuses new requests after close and ends pending waits with PoolClosedError', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 1), clock });
    let first = true;
    const waiting = pool.execute(async () => {
      if (first) {
        first = false;
        throw httpError(429, { 'retry-after': '5' });
      }
      return 'late';
    });
    await settle();
    await pool.close();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_KEYMESH_POOL_CLOSED' });
    await expect(pool.execute(() => 1)).rejects.toMatchObject({ code: 'ERR_KEYMESH_POOL_CLOSED' });
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('headroom strategy ordering', () => {
  it('re-orders keys as soon as an attempt observes headers, before that attempt ends', async () => {
    const pool = new KeyPool({ keys: secrets.slice(0, 3).map((secret, i) => ({ id: `h${i}`, secret })), strategy: 'headroom' });
    const remaining: Record<string, string> = { h0: '10', h1: '90', h2: '50' };
    const observe = (key: { id: string }, ctx: { observe(h: Record<string, string>): void }) =>
      ctx.observe({ 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': remaining[key.id]! });
    // Unknown keys count as full: the first three calls report each key once.
    for (let i = 0; i < 3; i++) await pool.execute((key, ctx) => (observe(key, ctx), key.id));
    remaining.h1 = '5';
    let finish!: () => void;
    const slow = pool.execute(async (key, ctx) => {
      observe(key, ctx);
      await new Promise<void>((resolve) => (finish = resolve));
      return key.id;
    });
    await settle();
    // h1 (was 90 %) now reports 5 % while its call is still running: the next pick must be h2 (50 %).
    expect(await pool.execute((key) => key.id)).toBe('h2');
    finish();
    expect(await slow).toBe('h1');
  });
});

describe('quota-aware dispatch', () => {
  const reading = (remaining: number) => ({ 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': String(remaining) });

  it('sends a key no more requests than its last reported remaining quota until an answer comes back, then resumes', async () => {
    const pool = new KeyPool({ keys: [{ id: 'solo', secret: secrets[0]! }] });
    await pool.execute((_key, ctx) => ctx.observe(reading(3)));
    const gates: Array<() => void> = [];
    let started = 0;
    const calls = Array.from({ length: 6 }, () =>
      pool.execute(async () => {
        started++;
        await new Promise<void>((resolve) => gates.push(resolve));
        return 'ok';
      }),
    );
    await settle();
    expect(started).toBe(3);
    // Answers without a new reading: once nothing is in flight the old reading no longer holds the key.
    while (gates.length > 0) {
      gates.shift()!();
      await settle();
    }
    await expect(Promise.all(calls)).resolves.toHaveLength(6);
    expect(started).toBe(6);
  });

  it('ignores a reading older than the one it has (answers arrive out of order)', async () => {
    const pool = new KeyPool({ keys: [{ id: 'solo', secret: secrets[0]! }] });
    let releaseFirst!: () => void;
    const first = pool.execute(async (_key, ctx) => {
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      ctx.observe(reading(80));
    });
    const second = pool.execute((_key, ctx) => ctx.observe(reading(10)));
    await second;
    releaseFirst();
    await first;
    expect(pool.snapshot().keys[0]!.headroom).toBeCloseTo(0.1, 5);
  });

  it('never leaves a key stuck on remaining 0 without a reset header', async () => {
    const pool = new KeyPool({ keys: [{ id: 'solo', secret: secrets[0]! }], retry: { budgetMs: 1_000 } });
    await pool.execute((_key, ctx) => ctx.observe({ 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '0' }));
    await expect(pool.execute(() => 'served')).resolves.toBe('served');
  });
});
