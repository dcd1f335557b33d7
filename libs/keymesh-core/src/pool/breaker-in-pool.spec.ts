import { describe, expect, it } from 'vitest';
import { KeyPool, type KeymeshEventName } from '../index.js';
import { ManualClock, httpError, secrets, settle } from '../__tests__/manual-clock.js';

const keys = secrets.slice(0, 3).map((secret, i) => ({ id: 'abc'[i]!, secret }));

function stateOf(pool: KeyPool, id: string) {
  return pool.snapshot().keys.find((k) => k.id === id)!;
}

describe('per-key circuit breaker inside the pool', () => {
  it('opens after failureThreshold consecutive key-scoped failures (unhinted 429s), for cooldownMs', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority', breaker: { failureThreshold: 2, cooldownMs: 10_000 } });
    const opened: unknown[] = [];
    pool.on('circuit.opened', (e) => opened.push(e));
    const call = () =>
      pool.execute(async (key) => {
        if (key.id === 'a') throw httpError(429);
        return key.id;
      });
    await call();
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'closed', consecutiveFailures: 1 });
    await clock.advance(1_000);
    await call();
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'open', consecutiveFailures: 2, availableAt: clock.now() + 10_000 });
    expect(opened).toEqual([{ pool: 'default', keyId: 'a', until: clock.now() + 10_000, consecutiveFailures: 2, reason: 'failures', at: clock.now() }]);
  });

  it('a hinted 429 sidelines its limit for exactly the hint and never counts toward the breaker', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority', breaker: { failureThreshold: 3, cooldownMs: 30_000 } });
    const opened: unknown[] = [];
    pool.on('circuit.opened', (e) => opened.push(e));
    for (let i = 0; i < 10; i++) {
      expect(await pool.execute(async (key) => (key.id === 'a' ? Promise.reject(httpError(429, { 'retry-after-ms': '300' })) : key.id))).toBe('b');
      expect(stateOf(pool, 'a')).toMatchObject({ state: 'closed', consecutiveFailures: 0, available: false, availableAt: clock.now() + 300 });
      await clock.advance(300);
      expect(stateOf(pool, 'a').available).toBe(true);
    }
    expect(opened).toEqual([]);
  });

  it('answers of requests already in flight when a failure was recorded count once', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority', breaker: { failureThreshold: 3, cooldownMs: 30_000 } });
    const answers: Array<() => void> = [];
    const burst = Array.from({ length: 5 }, () =>
      pool.execute(async (key) => {
        if (key.id === 'b') return key.id;
        await new Promise<void>((resolve) => answers.push(resolve));
        throw httpError(429);
      }),
    );
    await settle();
    expect(answers).toHaveLength(5);
    answers.forEach((answer) => answer());
    expect(await Promise.all(burst)).toEqual(['b', 'b', 'b', 'b', 'b']);
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'closed', consecutiveFailures: 1, failures: 5 });
  });

  it('never opens the circuit or sidelines a key for provider trouble', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 1), clock, breaker: { failureThreshold: 1 }, retry: { maxAttempts: 1 } });
    for (let i = 0; i < 5; i++) await pool.execute(() => Promise.reject(httpError(503))).catch(() => {});
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'closed', available: true, consecutiveFailures: 0, failures: 5, lastErrorKind: 'provider_trouble' });
  });

  it('half-open admits exactly one trial; concurrent requests go to other keys; success closes it', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys, clock, strategy: 'priority', breaker: { failureThreshold: 1, cooldownMs: 1_000 } });
    const transitions: string[] = [];
    for (const name of ['circuit.opened', 'circuit.half_opened', 'circuit.closed'] as KeymeshEventName[]) {
      pool.on(name, (e) => 'keyId' in e && e.keyId === 'a' && transitions.push(name));
    }
    await pool.execute(async (key) => {
      if (key.id === 'a') throw httpError(429);
      return key.id;
    });
    expect(stateOf(pool, 'a').state).toBe('open');
    await clock.advance(1_000);
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'half_open', available: true });

    let finishTrial!: () => void;
    const usedKeys: string[] = [];
    const requests = Array.from({ length: 50 }, () =>
      pool.execute(async (key) => {
        usedKeys.push(key.id);
        if (key.id === 'a') await new Promise<void>((resolve) => (finishTrial = resolve));
        return key.id;
      }),
    );
    await settle();
    expect(usedKeys.filter((id) => id === 'a')).toHaveLength(1);
    expect(usedKeys).toHaveLength(50);
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'half_open', inFlight: 1 });
    finishTrial();
    const results = await Promise.all(requests);
    expect(results.filter((id) => id === 'a')).toHaveLength(1);
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(transitions).toEqual(['circuit.opened', 'circuit.half_opened', 'circuit.closed']);
  });

  it('reopens on a key-scoped failure of the trial, with a fresh cooldown', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority', breaker: { failureThreshold: 1, cooldownMs: 1_000 } });
    const failA = () =>
      pool.execute(async (key) => {
        if (key.id === 'a') throw httpError(429);
        return key.id;
      });
    await failA();
    await clock.advance(1_000);
    expect(stateOf(pool, 'a').state).toBe('half_open');
    await failA();
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'open', availableAt: clock.now() + 1_000 });
  });

  it('an inconclusive trial (provider trouble) frees the trial without closing or reopening', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({
      keys: keys.slice(0, 2),
      clock,
      strategy: 'priority',
      random: () => 0,
      breaker: { failureThreshold: 1, cooldownMs: 1_000 },
    });
    let mode: 'limit' | 'outage' | 'ok' = 'limit';
    const call = () =>
      pool.execute(async (key) => {
        if (key.id === 'a' && mode === 'limit') throw httpError(429);
        if (key.id === 'a' && mode === 'outage') throw httpError(503);
        return key.id;
      });
    await call();
    await clock.advance(1_000);
    mode = 'outage';
    // The trial meets provider trouble: it is released (not closed, not reopened), and the retry goes to another key.
    expect(await call()).toBe('b');
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'half_open', available: true, inFlight: 0, requests: 2 });
    mode = 'ok';
    expect(await call()).toBe('a');
    expect(stateOf(pool, 'a').state).toBe('closed');
  });

  it('a late success from a call that started before the circuit opened does not close it', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority', breaker: { failureThreshold: 1, cooldownMs: 5_000 } });
    let releaseSlow!: () => void;
    let first = true;
    const slow = pool.execute(async () => {
      if (first) {
        first = false;
        await new Promise<void>((resolve) => (releaseSlow = resolve));
        return 'slow';
      }
      return 'other';
    });
    await settle();
    // While the slow call is in flight on key a, a 429 on a opens the circuit.
    await pool.execute(async (key) => {
      if (key.id === 'a') throw httpError(429);
      return key.id;
    });
    expect(stateOf(pool, 'a').state).toBe('open');
    releaseSlow();
    await expect(slow).resolves.toBe('slow');
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'open', consecutiveFailures: 1 });
  });

  it('a late 429 from a call that started before the circuit closed does not reopen it, but still sidelines by its hint', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority', breaker: { failureThreshold: 1, cooldownMs: 1_000 } });
    let releaseOld!: () => void;
    let call = 0;
    // Old call on a starts while a is closed and healthy.
    const old = pool.execute(async (key) => {
      if (call++ === 0) {
        await new Promise<void>((resolve) => (releaseOld = resolve));
        throw httpError(429, { 'retry-after': '1' });
      }
      return key.id;
    });
    await settle();
    pool.disableKey('a');
    pool.enableKey('a');
    releaseOld();
    await expect(old).resolves.toBe('b');
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'closed', consecutiveFailures: 0, available: false });
    await clock.advance(1_000);
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'closed', available: true });
  });
});
