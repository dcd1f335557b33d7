import { describe, expect, it } from 'vitest';
import { ConfigError, KeyPool, type Outcome } from '../index.js';
import { ManualClock, httpError, secrets, settle } from '../__tests__/manual-clock.js';

const keys = secrets.slice(0, 3).map((secret, i) => ({ id: 'abc'[i]!, secret }));

function keyOf(pool: KeyPool, id: string) {
  return pool.snapshot().keys.find((k) => k.id === id)!;
}

describe('limits per (quota group, scope)', () => {
  it('a 429 for one scope sidelines that limit only: the key keeps serving other scopes', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority' });
    const limited: unknown[] = [];
    pool.on('key.rate_limited', (e) => limited.push(e));
    const big = () => pool.execute(async (key) => (key.id === 'a' ? Promise.reject(httpError(429, { 'retry-after': '20' })) : key.id), { scope: 'big' });
    expect(await big()).toBe('b');
    expect(limited).toEqual([{ pool: 'default', keyId: 'a', retryAfterMs: 20_000, until: clock.now() + 20_000, source: 'hint', scope: 'big', group: 'a', at: clock.now() }]);
    // The small model still goes to a (priority), for all of the cooldown.
    for (let i = 0; i < 5; i++) expect(await pool.execute((key) => key.id, { scope: 'small' })).toBe('a');
    expect(await pool.execute((key) => key.id, { scope: 'big' })).toBe('b');
    const a = keyOf(pool, 'a');
    expect(a).toMatchObject({ group: 'a', state: 'closed', available: true, consecutiveFailures: 0 });
    expect(a.limits.map((l) => [l.scope, l.available, l.availableAt])).toEqual([
      ['big', false, clock.now() + 20_000],
      ['small', true, 0],
    ]);
    await clock.advance(20_000);
    expect(await big()).toBe('b'); // a answers 429 again, the request moves on
    expect(keyOf(pool, 'a').requests).toBe(7);
  });

  it('a key sidelined for every scope it has seen reads unavailable; one scope used reads as before', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority' });
    await pool.execute(async (key) => (key.id === 'a' ? Promise.reject(httpError(429, { 'retry-after': '5' })) : key.id));
    expect(keyOf(pool, 'a')).toMatchObject({ available: false, availableAt: clock.now() + 5_000 });
    expect(pool.snapshot().available).toBe(1);
  });

  it('keys of one declared group share their limits: a 429 on one sidelines the scope for all of them', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({
      keys: [{ ...keys[0]!, group: 'org-a' }, { ...keys[1]!, group: 'org-a' }, keys[2]!],
      clock,
      strategy: 'priority',
    });
    expect(await pool.execute(async (key) => (key.id === 'a' ? Promise.reject(httpError(429, { 'retry-after': '10' })) : key.id), { scope: 'm' })).toBe('c');
    expect(keyOf(pool, 'b')).toMatchObject({ group: 'org-a', available: false });
    expect(await pool.execute((key) => key.id, { scope: 'other' })).toBe('a');
  });

  it('out of credit disables the key and its whole quota group (billing is shared)', async () => {
    const clock = new ManualClock();
    const quota = (error: unknown): Outcome | undefined => ((error as { quota?: boolean }).quota ? { kind: 'quota_exhausted', status: 429 } : undefined);
    const pool = new KeyPool({ keys: [{ ...keys[0]!, group: 'org' }, { ...keys[1]!, group: 'org' }, keys[2]!], clock, strategy: 'priority', classify: quota });
    const disabled: string[] = [];
    pool.on('key.disabled', (e) => disabled.push(`${e.keyId}:${e.reason}`));
    expect(await pool.execute(async (key) => (key.id === 'a' ? Promise.reject(Object.assign(httpError(429), { quota: true })) : key.id))).toBe('c');
    expect(disabled).toEqual(['a:quota_exhausted', 'b:quota_exhausted']);
    expect(pool.snapshot().keys.map((k) => k.state)).toEqual(['disabled', 'disabled', 'closed']);
  });

  it('a 429 naming another model sidelines that model’s limit too, mapped by scopeOf', async () => {
    const clock = new ManualClock();
    const scopeOf = (model: string) => (model.startsWith('gpt-4o') ? 'gpt-4o' : model);
    const named = (error: unknown): Outcome | undefined => ((error as { model?: string }).model ? { kind: 'rate_limited', status: 429, retryAfterMs: 3_000, limit: { model: (error as { model: string }).model } } : undefined);
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority', scopeOf, classify: named });
    await pool.execute(async (key) => (key.id === 'a' ? Promise.reject(Object.assign(httpError(429), { model: 'gpt-4o-2024-08-06' })) : key.id), { scope: 'o3' });
    expect(keyOf(pool, 'a').limits.map((l) => [l.scope, l.available])).toEqual([
      ['o3', false],
      ['gpt-4o', false],
    ]);
    // gpt-4o-mini maps to the gpt-4o limit: sidelined on a.
    expect(await pool.execute((key) => key.id, { scope: 'gpt-4o-mini' })).toBe('b');
    expect(await pool.execute((key) => key.id, { scope: 'o1' })).toBe('a');
  });

  it('scopeOf must be a function and groups one of detect/declared (ConfigError naming the fix)', () => {
    expect(() => new KeyPool({ keys, scopeOf: 'gpt-4o' as never })).toThrow(ConfigError);
    expect(() => new KeyPool({ keys, scopeOf: 'gpt-4o' as never })).toThrow(/`scopeOf` must be a function/);
    expect(() => new KeyPool({ keys, groups: 'auto' as never })).toThrow(/'detect'.*'declared'/);
    expect(() => new KeyPool({ keys: [{ secret: secrets[0]!, group: '' }] })).toThrow(/group must be a non-empty string/);
    expect(() => new KeyPool({ keys: [{ secret: secrets[0]!, group: `org-${secrets[0]!}` }] })).toThrow(/must not contain the key's secret/);
  });
});

describe('breaker rules (PRODUCT.md Semantics)', () => {
  it('a stale 401 from a call started before disableKey/enableKey leaves the key enabled (issue 13 item 1)', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority' });
    let answer!: (status: number) => void;
    const call = pool.execute((key) => (key.id === 'a' ? new Promise((_, reject) => (answer = (status) => reject(httpError(status)))) : key.id));
    await settle();
    pool.disableKey('a');
    pool.enableKey('a');
    answer(401);
    expect(await call).toBe('b');
    expect(keyOf(pool, 'a')).toMatchObject({ state: 'closed', available: true, disabledReason: null });
  });

  it('the same for an out-of-quota answer of a stale call', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority', classify: () => ({ kind: 'quota_exhausted', status: 429 }) });
    let answer!: () => void;
    const call = pool.execute((key) => (key.id === 'a' ? new Promise((_, reject) => (answer = () => reject(httpError(429)))) : key.id));
    await settle();
    pool.disableKey('a');
    pool.enableKey('a');
    answer();
    expect(await call).toBe('b');
    expect(keyOf(pool, 'a').state).toBe('closed');
  });

  it('circuit.half_opened fires when the open period ends, from a timer, with no request (issue 13 item 4)', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority', breaker: { failureThreshold: 1, cooldownMs: 5_000 } });
    const events: Array<[string, number]> = [];
    pool.on('circuit.opened', (e) => events.push(['opened', e.at]));
    pool.on('circuit.half_opened', (e) => events.push(['half_opened', e.at]));
    const start = clock.now();
    await pool.execute(async (key) => (key.id === 'a' ? Promise.reject(httpError(429)) : key.id));
    await clock.advance(7_000);
    expect(events).toEqual([
      ['opened', start],
      ['half_opened', start + 5_000],
    ]);
    await pool.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('closing the pool clears the half-open timers of open keys', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 2), clock, strategy: 'priority', breaker: { failureThreshold: 1, cooldownMs: 5_000 } });
    await pool.execute(async (key) => (key.id === 'a' ? Promise.reject(httpError(429)) : key.id));
    expect(clock.pendingTimers).toBe(1);
    await pool.close();
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('outliers (PRODUCT.md Outliers)', () => {
  const four = secrets.map((secret, i) => ({ id: 'abcd'[i]!, secret }));

  it('a key failing with provider trouble failureThreshold times in a row while others succeed is ejected; retries go elsewhere, even under priority', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: four, clock, strategy: 'priority', random: () => 0, breaker: { failureThreshold: 3, cooldownMs: 10_000 } });
    const opened: unknown[] = [];
    pool.on('circuit.opened', (e) => opened.push(e));
    const seen: string[] = [];
    const call = () =>
      pool.execute(async (key) => {
        seen.push(key.id);
        if (key.id === 'a') throw httpError(503);
        return key.id;
      });
    for (let i = 0; i < 3; i++) expect(await call()).toBe('b');
    expect(seen).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(opened).toEqual([{ pool: 'default', keyId: 'a', until: clock.now() + 10_000, consecutiveFailures: 1, reason: 'outlier', at: clock.now() }]);
    seen.length = 0;
    for (let i = 0; i < 10; i++) await call();
    expect(seen).toEqual(Array(10).fill('b'));
    // After the open period, one trial: still sick while others succeed, so it is ejected again.
    await clock.advance(10_000);
    await call();
    expect(keyOf(pool, 'a').state).toBe('open');
  });

  it('an outage (most keys failing together) ejects nothing', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: four, clock, random: () => 0, breaker: { failureThreshold: 2 }, retry: { maxAttempts: 3, tokens: false } });
    const opened: unknown[] = [];
    pool.on('circuit.opened', (e) => opened.push(e));
    for (let i = 0; i < 10; i++) await pool.execute(() => Promise.reject(httpError(503))).catch(() => undefined);
    expect(opened).toEqual([]);
    expect(pool.snapshot().available).toBe(4);
  });

  it('sick keys are ejected one by one, up to half of the keys; with more of them failing it is an outage', async () => {
    const six = [...secrets, 'sk-test-eeeeeeeeeeeeeeee5555', 'sk-test-ffffffffffffffff6666'].map((secret, i) => ({ id: 'abcdef'[i]!, secret }));
    const run = async (sick: Set<string>) => {
      const pool = new KeyPool({ keys: six, clock: new ManualClock(), strategy: 'priority', random: () => 0, breaker: { failureThreshold: 1, cooldownMs: 60_000 }, retry: { maxAttempts: 6, tokens: false } });
      const ejected: string[] = [];
      pool.on('circuit.opened', (e) => ejected.push(`${e.keyId}:${e.reason}`));
      // Priority tries a, b, c, … in turn (each retry on a key not tried yet); the first healthy key answers.
      for (let i = 0; i < 10; i++) await pool.execute(async (key) => (sick.has(key.id) ? Promise.reject(httpError(500)) : key.id));
      return ejected;
    };
    expect(await run(new Set(['a', 'b', 'c']))).toEqual(['a:outlier', 'b:outlier', 'c:outlier']);
    expect(await run(new Set(['a', 'b', 'c', 'd']))).toEqual([]);
  });
});
