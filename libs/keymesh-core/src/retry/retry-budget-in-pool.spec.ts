import { describe, expect, it } from 'vitest';
import { ErrorCodes, KeyPool, isConfigError, type KeymeshEvents } from '../index.js';
import { ManualClock, httpError, secrets } from '../__tests__/manual-clock.js';

describe('retry budget in the pool', () => {
  it('a full outage (every key 503) costs at most 1.3 upstream calls per request; no key is sidelined; the first requests after it succeed at once', async () => {
    const clock = new ManualClock();
    const random = () => 0.5;
    const pool = new KeyPool({ keys: secrets, clock, random });
    let down = true;
    let upstream = 0;
    const attempt = () => {
      upstream++;
      return down ? Promise.reject(httpError(503)) : Promise.resolve('ok');
    };
    // A 3 s outage at 50 requests a second (a token bucket of 100 retries would let it cost 1.67 calls a request).
    const outage: Array<Promise<unknown>> = [];
    for (let i = 0; i < 150; i++) {
      outage.push(pool.execute(attempt).catch((error: unknown) => error));
      await clock.advance(20);
    }
    await clock.advance(60_000);
    const results = await Promise.all(outage);
    expect(results.every((r) => (r as { status?: number }).status === 503)).toBe(true);
    expect(upstream / 150).toBeLessThanOrEqual(1.3);
    expect(pool.snapshot().keys.every((k) => k.available && k.state === 'closed')).toBe(true);

    // Recovery: the next requests succeed on their first attempt.
    down = false;
    const succeeded: Array<KeymeshEvents['request.succeeded']> = [];
    pool.on('request.succeeded', (event) => succeeded.push(event));
    await expect(Promise.all(Array.from({ length: 20 }, () => pool.execute(attempt)))).resolves.toEqual(Array(20).fill('ok'));
    expect(succeeded.map((e) => e.attempts)).toEqual(Array(20).fill(1));
  });

  it('rotation away from a rate-limited key is not a retry: it spends no budget, and goes on when the budget is empty', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: secrets.slice(0, 2), clock, strategy: 'priority', retry: { budget: { ratio: 0, minPerSecond: 0 } } });
    expect(pool.retriesAvailable).toBe(0);
    const used: string[] = [];
    const result = await pool.execute((key) => {
      used.push(key.id);
      return used.length === 1 ? Promise.reject(httpError(429, { 'retry-after': '30' })) : Promise.resolve('rotated');
    });
    expect(result).toBe('rotated');
    expect(used).toHaveLength(2);
    // Provider trouble with an empty budget: one attempt, the error rethrown unchanged.
    let calls = 0;
    await expect(
      pool.execute(() => {
        calls++;
        return Promise.reject(httpError(502));
      }),
    ).rejects.toMatchObject({ status: 502 });
    expect(calls).toBe(1);
  });

  it('retriesAvailable follows the window: ratio × requests + floor − retries', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: secrets.slice(0, 2), clock, random: () => 0, retry: { budget: { ratio: 0.5, windowMs: 1_000, minPerSecond: 2 } } });
    expect(pool.retriesAvailable).toBe(2);
    for (let i = 0; i < 4; i++) await pool.execute(() => 'ok');
    expect(pool.retriesAvailable).toBe(4);
    let calls = 0;
    await pool.execute(() => (calls++ < 2 ? Promise.reject(httpError(503)) : 'ok'));
    expect(calls).toBe(3);
    expect(pool.retriesAvailable).toBe(2); // 0.5 × 5 + 2 − 2 = 2.5
    await clock.advance(1_000);
    expect(pool.retriesAvailable).toBe(2);
  });

  it('retry.budget: false and the old retry.tokens: false turn it off; retry.tokens as a bucket is refused with the way forward', async () => {
    for (const retry of [{ budget: false as const }, { tokens: false as const }]) {
      const pool = new KeyPool({ keys: secrets.slice(0, 1), random: () => 0, retry: { ...retry, maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 1 } });
      expect(pool.retriesAvailable).toBeUndefined();
      let calls = 0;
      await expect(pool.execute(() => (calls++, Promise.reject(httpError(503))))).rejects.toMatchObject({ status: 503 });
      expect(calls).toBe(4);
    }
    let error: unknown;
    try {
      new KeyPool({ keys: secrets.slice(0, 1), retry: { tokens: { capacity: 500 } } as never });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ code: ErrorCodes.INVALID_OPTION, option: 'retry.tokens' });
    expect((error as Error).message).toContain('retry.budget');
    for (const [budget, option] of [
      [{ ratio: -0.1 }, 'retry.budget.ratio'],
      [{ windowMs: 0 }, 'retry.budget.windowMs'],
      [{ minPerSecond: Number.NaN }, 'retry.budget.minPerSecond'],
      [{ percent: 20 }, 'retry.budget.percent'],
    ] as const) {
      expect(() => new KeyPool({ keys: secrets.slice(0, 1), retry: { budget: budget as never } })).toThrow(expect.objectContaining({ option }));
    }
  });
});
