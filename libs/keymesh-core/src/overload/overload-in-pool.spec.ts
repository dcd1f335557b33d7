import { describe, expect, it } from 'vitest';
import { ErrorCodes, KeyPool, isConfigError, isPoolExhaustedError, type KeyPoolOptions, type KeymeshEvents } from '../index.js';
import { ManualClock, secrets } from '../__tests__/manual-clock.js';

interface Outcome {
  at: number;
  durationMs: number;
  served: boolean;
  reason?: string;
  retryAfterMs?: number | null;
}

/**
 * Two keys that take one request at a time, each answered after 100 ms: capacity 20 requests a
 * second. Offers `perSecond` requests a second (evenly spaced) for `seconds`, in virtual time.
 */
async function offer(perSecond: number, seconds: number, options: Partial<KeyPoolOptions> = {}) {
  const clock = new ManualClock();
  const t0 = clock.now();
  const pool = new KeyPool({ keys: secrets.slice(0, 2).map((secret) => ({ secret, maxConcurrent: 1 })), clock, retry: { budgetMs: 2_000 }, ...options });
  const exhausted: Array<KeymeshEvents['pool.exhausted']> = [];
  pool.on('pool.exhausted', (event) => exhausted.push(event));
  const outcomes: Outcome[] = [];
  const refusingAt: Array<{ at: number; refusing: boolean }> = [];
  const pending: Array<Promise<void>> = [];
  const gapMs = 1_000 / perSecond;
  for (let i = 0; i < perSecond * seconds; i++) {
    const at = clock.now();
    pending.push(
      pool
        .execute(() => new Promise<void>((resolve) => clock.setTimeout(resolve, 100)))
        .then(
          () => void outcomes.push({ at: at - t0, durationMs: clock.now() - at, served: true }),
          (error: unknown) => {
            if (!isPoolExhaustedError(error)) throw error;
            outcomes.push({ at: at - t0, durationMs: clock.now() - at, served: false, reason: error.reason, retryAfterMs: error.retryAfterMs });
          },
        ),
    );
    refusingAt.push({ at: at - t0, refusing: pool.snapshot().queue.refusing });
    await clock.advance(gapMs);
  }
  await clock.advance(3_000);
  await Promise.all(pending);
  return { pool, clock, outcomes, exhausted, refusingAt };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('overload: fast refusal once the queue stands', () => {
  it('at 2× capacity: serves the capacity, refuses the excess at once with reason overload, and served requests queue briefly', async () => {
    const { outcomes, exhausted } = await offer(40, 8);
    const served = outcomes.filter((o) => o.served);
    const refused = outcomes.filter((o) => !o.served);
    // Capacity: 20 a second over 8 s, plus the queue drained at the end.
    expect(served.length).toBeGreaterThanOrEqual(0.95 * 20 * 8);
    expect(refused.every((o) => o.reason === 'overload' || o.reason === 'no_key')).toBe(true);
    // Once the queue has stood (after the first ~2 s), refusals are immediate and say when capacity is expected.
    const steady = refused.filter((o) => o.at >= 2_500);
    expect(steady.length).toBeGreaterThan(0);
    expect(steady.every((o) => o.reason === 'overload' && o.durationMs === 0)).toBe(true);
    expect(steady.every((o) => o.retryAfterMs! > 100 && o.retryAfterMs! <= 2_000)).toBe(true);
    expect(median(refused.map((o) => o.durationMs))).toBe(0);
    // Served requests wait little: their time beyond the 100 ms answer.
    const steadyServed = served.filter((o) => o.at >= 2_500);
    expect(median(steadyServed.map((o) => o.durationMs - 100))).toBeLessThanOrEqual(150);
    expect(exhausted.some((e) => e.reason === 'overload')).toBe(true);
  });

  it('a brief burst still waits: nobody is refused while the queue drains within the interval', async () => {
    const { outcomes } = await offer(30, 0.5);
    expect(outcomes.filter((o) => !o.served)).toEqual([]);
  });

  it('snapshot().queue.refusing is true during the overload and false an interval after it ends', async () => {
    const { pool, clock, refusingAt } = await offer(40, 4);
    expect(refusingAt.slice(0, 10).every((r) => !r.refusing)).toBe(true);
    expect(refusingAt.slice(-20).every((r) => r.refusing)).toBe(true);
    // offer() ran 3 s past the load: the queue is empty and no refusal happened for longer than an interval.
    expect(clock.now()).toBeGreaterThan(0);
    expect(pool.snapshot().queue).toEqual({ length: 0, oldestWaitMs: 0, refusing: false });
  });

  it('a standing queue whose waiters all give up no longer counts as refusing once the last refusal is an interval old', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: [{ secret: secrets[0]!, maxConcurrent: 1 }], clock, retry: { budgetMs: 10_000 } });
    let release!: () => void;
    const held = pool.execute(() => new Promise<void>((resolve) => (release = resolve)));
    const controllers = [1, 2, 3].map(() => new AbortController());
    const waiters = controllers.map((c) => pool.execute(() => 'late', { signal: c.signal }).catch((e: unknown) => e));
    await clock.advance(1_500);
    // A newcomer finds the queue standing (its head has waited 1.5 s): refused at once.
    const refused = await pool.execute(() => 'never').catch((e: unknown) => e);
    expect(isPoolExhaustedError(refused) && refused.reason).toBe('overload');
    for (const c of controllers) c.abort(new Error('gone'));
    await Promise.all(waiters);
    await clock.advance(1_500);
    expect(pool.snapshot().queue).toEqual({ length: 0, oldestWaitMs: 0, refusing: false });
    release();
    await held;
  });

  it('overload: false — requests wait out their budget instead (the behaviour without fast refusal)', async () => {
    const { outcomes } = await offer(40, 4, { overload: false });
    const refused = outcomes.filter((o) => !o.served);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((o) => o.reason === 'no_key')).toBe(true);
    expect(median(refused.map((o) => o.durationMs))).toBeGreaterThanOrEqual(1_900);
  });

  it('a longer interval tolerates longer bursts before refusing', async () => {
    const short = await offer(40, 2.5);
    const long = await offer(40, 2.5, { overload: { intervalMs: 5_000 } });
    expect(short.outcomes.some((o) => o.reason === 'overload')).toBe(true);
    expect(long.outcomes.some((o) => o.reason === 'overload')).toBe(false);
  });

  it('validates its options with ConfigError', () => {
    const keys = secrets.slice(0, 1);
    const cases: Array<[unknown, string, string]> = [
      [{ targetMs: 0 }, 'overload.targetMs', ErrorCodes.INVALID_NUMBER],
      [{ intervalMs: -1 }, 'overload.intervalMs', ErrorCodes.INVALID_NUMBER],
      [{ targetMs: 500, intervalMs: 100 }, 'overload.intervalMs', ErrorCodes.INVALID_NUMBER],
      [{ target: 100 }, 'overload.target', ErrorCodes.UNKNOWN_OPTION],
      ['fast', 'overload', ErrorCodes.INVALID_OPTION],
    ];
    for (const [overload, option, code] of cases) {
      let error: unknown;
      try {
        new KeyPool({ keys, overload: overload as never });
      } catch (e) {
        error = e;
      }
      expect(isConfigError(error), JSON.stringify(overload)).toBe(true);
      expect(error).toMatchObject({ option, code });
    }
    expect(() => new KeyPool({ keys, overload: { targetMs: 50, intervalMs: 500 } })).not.toThrow();
  });
});
