import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyPool, PoolClosedError, createStrategy, isPoolExhaustedError, type SelectableKey, type SelectionStrategy } from '../index.js';
import { ManualClock, httpError, secrets, settle } from '../__tests__/manual-clock.js';

/** A controllable attempt: resolves when `finish()` is called. */
function gate() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { done, finish };
}

/** `least-used`, counting every `pick`: each woken waiter that tries to select a key picks once. */
function countingStrategy(): SelectionStrategy & { picks: number } {
  const inner = createStrategy<SelectableKey>('least-used', Math.random);
  const counting = {
    name: 'counting',
    picks: 0,
    get size() {
      return inner.size;
    },
    add: (key: SelectableKey) => inner.add(key),
    remove: (key: SelectableKey) => inner.remove(key),
    update: (key: SelectableKey) => inner.update(key),
    pick: () => {
      counting.picks++;
      return inner.pick();
    },
  };
  return counting;
}

describe('waiting for a key in the pool', () => {
  it('serves waiters in arrival order, and a newcomer arriving as a key frees queues behind them', async () => {
    const pool = new KeyPool({ keys: [{ secret: secrets[0]!, maxConcurrent: 1 }], overload: false });
    const started: number[] = [];
    const gates = new Map<number, ReturnType<typeof gate>>();
    const run = (n: number) =>
      pool.execute(async () => {
        started.push(n);
        const g = gate();
        gates.set(n, g);
        await g.done;
        return n;
      });
    const first = run(0);
    const waiters = [1, 2, 3, 4].map(run);
    await settle();
    expect(started).toEqual([0]);
    expect(pool.snapshot().queue.length).toBe(4);
    // The first request ends and its caller at once sends another (a closed loop): it must not pass the line.
    const again = first.then(() => run(5));
    gates.get(0)!.finish();
    for (let n = 1; n <= 5; n++) {
      await settle();
      gates.get(n)!.finish();
    }
    await expect(Promise.all([...waiters, again])).resolves.toEqual([1, 2, 3, 4, 5]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pool.snapshot().queue).toEqual({ length: 0, oldestWaitMs: 0, refusing: false });
  });

  it('a key freeing up wakes as many waiters as it can serve, not all of them (no thundering herd)', async () => {
    const strategy = countingStrategy();
    const pool = new KeyPool({ keys: [{ secret: secrets[0]!, maxConcurrent: 2 }], strategy, overload: false });
    const gates: Array<ReturnType<typeof gate>> = [];
    const all = Array.from({ length: 100 }, (_, n) =>
      pool.execute(async () => {
        const g = gate();
        gates.push(g);
        await g.done;
        return n;
      }),
    );
    await settle();
    expect(gates).toHaveLength(2);
    const picksBefore = strategy.picks;
    for (let served = 2; served < 100; served++) {
      gates[served - 2]!.finish();
      await settle();
    }
    for (const g of gates.slice(-2)) g.finish();
    await Promise.all(all);
    // 98 releases: each wakes the head, which takes the key and passes the turn to one more that finds it busy again.
    expect(strategy.picks - picksBefore).toBeLessThanOrEqual(2 * 98 + 2);
  });

  it('waiters for sidelined keys sleep until the earliest key frees up (one alarm), then are served in order', async () => {
    const clock = new ManualClock();
    const strategy = countingStrategy();
    const pool = new KeyPool({ keys: secrets.slice(0, 2), clock, strategy, overload: false });
    const order: number[] = [];
    // Both keys answer the first request 429 with a 2 s hint: sidelined until then; it waits first in line.
    let calls = 0;
    const first = pool.execute(() => {
      if (calls++ < 2) return Promise.reject(httpError(429, { 'retry-after': '2' }));
      order.push(-1);
      return -1;
    });
    await settle();
    const waiting = [first, ...Array.from({ length: 20 }, (_, n) =>
      pool.execute(() => {
        order.push(n);
        return n;
      }),
    )];
    await settle();
    const picks = strategy.picks;
    await clock.advance(1_999);
    expect(strategy.picks).toBe(picks);
    expect(order).toEqual([]);
    await clock.advance(1);
    await expect(Promise.all(waiting)).resolves.toHaveLength(21);
    expect(order).toEqual([-1, ...Array(20).keys()]);
  });

  it('when a rate-limit window resets, only as many waiters go as the window holds; the rest wait for the answers', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: secrets.slice(0, 1), clock, overload: false });
    const headers = (remaining: number) => ({ 'x-ratelimit-limit-requests': '2', 'x-ratelimit-remaining-requests': String(remaining), 'x-ratelimit-reset-requests': '1s' });
    // The first answer says: 2 a window, none left, back in 1 s.
    await pool.execute((_key, ctx) => {
      ctx.observe(headers(0));
      return 'first';
    });
    let started = 0;
    const answers: Array<() => void> = [];
    const waiting = Array.from({ length: 5 }, () =>
      pool.execute(
        (_key, ctx) =>
          new Promise<void>((resolve) => {
            started++;
            answers.push(() => {
              ctx.observe(headers(0));
              resolve();
            });
          }),
      ),
    );
    await clock.advance(999);
    expect(started).toBe(0);
    await clock.advance(1);
    // The window is fresh: its whole limit (2), not all five waiters.
    expect(started).toBe(2);
    await clock.advance(500);
    expect(started).toBe(2);
    // Their answers bring the new window's reading (none left, reset in 1 s): the others wait for it.
    for (const answer of answers.splice(0)) answer();
    await clock.advance(1_000);
    expect(started).toBe(4);
    for (const answer of answers.splice(0)) answer();
    await clock.advance(1_000);
    expect(started).toBe(5);
    for (const answer of answers.splice(0)) answer();
    await Promise.all(waiting);
  });

  it('an aborted waiter leaves at once; the others keep their order; close ends the rest with PoolClosedError', async () => {
    const pool = new KeyPool({ keys: [{ secret: secrets[0]!, maxConcurrent: 1 }], overload: false });
    const busy = gate();
    const holder = pool.execute(() => busy.done);
    const controller = new AbortController();
    const order: string[] = [];
    const aborted = pool.execute(() => order.push('aborted'), { signal: controller.signal });
    const next = pool.execute(() => order.push('next'));
    const blocked = gate();
    const last = pool.execute(() => blocked.done);
    const closed = pool.execute(() => order.push('closed'));
    await settle();
    controller.abort(new Error('caller left'));
    await expect(aborted).rejects.toThrow('caller left');
    expect(pool.snapshot().queue.length).toBe(3);
    busy.finish();
    await holder;
    await next;
    await settle();
    expect(order).toEqual([1].map(() => 'next'));
    void pool.close();
    await expect(closed).rejects.toBeInstanceOf(PoolClosedError);
    blocked.finish();
    await last;
  });

  it('a waiter whose key does not free up inside its budget fails with reason no_key at its deadline', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: [{ secret: secrets[0]!, maxConcurrent: 1 }], clock, retry: { budgetMs: 1_000 }, overload: false });
    const exhausted: unknown[] = [];
    pool.on('pool.exhausted', (event) => exhausted.push(event));
    const holder = gate();
    const held = pool.execute(() => holder.done);
    const waiter = pool.execute(() => 'never').catch((error: unknown) => error);
    await clock.advance(1_000);
    const error = await waiter;
    expect(isPoolExhaustedError(error) && error.reason).toBe('no_key');
    expect(exhausted).toMatchObject([{ reason: 'no_key', retryAfterMs: 0 }]);
    holder.finish();
    await held;
  });

  it('property: with random arrivals over two scopes and random attempt durations, each scope starts its requests in arrival order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 30 }), scope: fc.constantFrom('a', 'b'), durationMs: fc.integer({ min: 1, max: 60 }) }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.integer({ min: 1, max: 3 }),
        async (arrivals, concurrency) => {
          const clock = new ManualClock();
          const pool = new KeyPool({ keys: [{ secret: secrets[0]!, maxConcurrent: concurrency }], clock, overload: false, retry: { budgetMs: 600_000 } });
          const started: Array<{ scope: string; n: number }> = [];
          const pending: Array<Promise<unknown>> = [];
          for (const [n, arrival] of arrivals.entries()) {
            await clock.advance(arrival.gapMs);
            pending.push(
              pool.execute(
                async () => {
                  started.push({ scope: arrival.scope, n });
                  await new Promise<void>((resolve) => clock.setTimeout(resolve, arrival.durationMs));
                },
                { scope: arrival.scope },
              ),
            );
          }
          await clock.advance(arrivals.length * 60);
          await Promise.all(pending);
          for (const scope of ['a', 'b']) {
            const ns = started.filter((s) => s.scope === scope).map((s) => s.n);
            expect(ns).toEqual([...ns].sort((x, y) => x - y));
          }
          expect(started).toHaveLength(arrivals.length);
        },
      ),
      { seed: 15, numRuns: 100 },
    );
  });
});
