import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KeyPool, isPoolExhaustedError, type AttemptContext } from '../index.js';
import { ManualClock, httpError, secrets, settle } from '../__tests__/manual-clock.js';

const keys = secrets.slice(0, 2).map((secret, i) => ({ id: 'ab'[i]!, secret }));
const tokens = (remaining: number, resetS: number, limit = 10_000) => ({
  'x-ratelimit-limit-tokens': String(limit),
  'x-ratelimit-remaining-tokens': String(remaining),
  'x-ratelimit-reset-tokens': `${resetS}s`,
});

/** Primes each key's limit with a reading: one request per key answering `headers[key]`. */
async function prime(pool: KeyPool, headers: Record<string, Record<string, string>>) {
  for (const id of Object.keys(headers)) {
    pool.disableKey(id === 'a' ? 'b' : 'a');
    await pool.execute((key, ctx) => ctx.observe(headers[key.id]));
    pool.enableKey(id === 'a' ? 'b' : 'a');
  }
}

describe('token-aware admission', () => {
  it('a key whose reading, less what requests in flight reserved, does not cover the cost is skipped', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys, clock, strategy: 'priority' });
    await prime(pool, { a: tokens(1_000, 60), b: tokens(9_000, 60) });
    const finish: Array<() => void> = [];
    const used: string[] = [];
    const call = (cost: number) =>
      pool.execute(
        (key) =>
          new Promise<string>((resolve) => {
            used.push(key.id);
            finish.push(() => resolve(key.id));
          }),
        { cost: { tokens: cost } },
      );
    const first = call(800);
    const second = call(800);
    await settle();
    expect(used).toEqual(['a', 'b']);
    const a = pool.snapshot().keys[0]!.limits[0]!;
    expect(a).toMatchObject({ scope: 'default', available: true, remaining: { tokens: 200 }, reserved: { tokens: 800 }, limit: { tokens: 10_000 } });
    finish.forEach((f) => f());
    expect(await Promise.all([first, second])).toEqual(['a', 'b']);
    expect(pool.snapshot().keys[0]!.limits[0]!.reserved).toEqual({ tokens: 0 });
  });

  it('when no key can take the cost, the request waits for the earliest reset inside its budget', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys, clock, strategy: 'priority', retry: { budgetMs: 60_000 } });
    await prime(pool, { a: tokens(100, 30), b: tokens(100, 20) });
    let done: string | undefined;
    const pending = pool.execute((key) => key.id, { cost: { tokens: 500 } }).then((id) => (done = id));
    await clock.advance(19_999);
    expect(done).toBeUndefined();
    await clock.advance(1);
    await pending;
    expect(done).toBe('b');
  });

  it('fails fast with PoolExhaustedError when the earliest reset is beyond the budget', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys, clock, retry: { budgetMs: 5_000 } });
    await prime(pool, { a: tokens(100, 30), b: tokens(100, 40) });
    const error = await pool.execute((key) => key.id, { cost: { tokens: 500 } }).catch((e: unknown) => e);
    expect(isPoolExhaustedError(error) && error.retryAfterMs).toBe(30_000);
    // A request that fits is still served at once.
    expect(await pool.execute((key) => key.id, { cost: { tokens: 50 } })).toBe('a');
  });

  it('a request larger than every key’s whole limit is sent once its window is fresh, never deadlocked', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys, clock, strategy: 'priority', retry: { budgetMs: 60_000 } });
    await prime(pool, { a: tokens(9_000, 10), b: tokens(9_500, 15) });
    let calls = 0;
    const pending = pool.execute(() => ++calls, { cost: { tokens: 50_000 } });
    await clock.advance(10_000);
    expect(await pending).toBe(1);
  });

  it('the answer corrects the reading: a newer reading replaces the reserved estimate', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: keys.slice(0, 1), clock });
    await pool.execute((_key, ctx) => ctx.observe(tokens(5_000, 60)));
    await pool.execute((_key, ctx) => ctx.observe(tokens(4_200, 60)), { cost: { tokens: 2_000 } });
    expect(pool.snapshot().keys[0]!.limits[0]).toMatchObject({ remaining: { tokens: 4_200 }, reserved: { tokens: 0 } });
  });

  it('property: every reservation is released exactly once, on success, failure, abort and pool close', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ cost: fc.nat(3_000), end: fc.constantFrom('ok', 'fail429', 'fail500', 'abort', 'hang') }), { minLength: 1, maxLength: 12 }),
        async (requests) => {
          const clock = new ManualClock();
          const pool = new KeyPool({ keys, clock, random: () => 0, retry: { maxAttempts: 1 } });
          await prime(pool, { a: tokens(100_000, 600, 1_000_000), b: tokens(100_000, 600, 1_000_000) });
          const controllers = requests.map(() => new AbortController());
          const settles: Array<() => void> = [];
          const calls = requests.map((r, i) =>
            pool
              .execute(
                (_key, ctx: AttemptContext) =>
                  new Promise((resolve, reject) => {
                    // As the SDKs do, the call ends when its signal aborts.
                    ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
                    settles.push(() => {
                      if (r.end === 'ok') resolve(ctx.observe({}));
                      else if (r.end === 'fail429') reject(httpError(429, { 'retry-after': '1' }));
                      else if (r.end === 'fail500') reject(httpError(500));
                      else if (r.end === 'abort') controllers[i]!.abort(new Error('caller left'));
                    });
                  }),
                { cost: { tokens: r.cost }, signal: controllers[i]!.signal },
              )
              .catch(() => undefined),
          );
          await settle();
          const reserved = () => pool.snapshot().keys.flatMap((k) => k.limits.map((l) => l.reserved.tokens ?? 0));
          expect(reserved().reduce((a, b) => a + b, 0)).toBe(requests.reduce((sum, r) => sum + r.cost, 0));
          settles.forEach((s) => s());
          await settle();
          expect(reserved().every((n) => n >= 0)).toBe(true);
          const hanging = requests.filter((r) => r.end === 'hang').reduce((sum, r) => sum + r.cost, 0);
          expect(reserved().reduce((a, b) => a + b, 0)).toBe(hanging);
          await pool.close();
          expect(reserved()).toEqual(reserved().map(() => 0));
          void calls;
        },
      ),
      { numRuns: 60 },
    );
  });
});
