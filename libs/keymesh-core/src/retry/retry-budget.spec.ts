import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlidingCount } from '../util/sliding-count.js';
import { RetryBudget, defaultRetryBudget } from './retry-budget.js';

const t0 = 1_700_000_000_000;

describe('RetryBudget', () => {
  it('defaults: 20 % of the requests of the last 10 s plus 1 retry a second', () => {
    expect(defaultRetryBudget).toEqual({ ratio: 0.2, windowMs: 10_000, minPerSecond: 1 });
    // A quiet pool still has its floor: 10 retries in a 10 s window.
    expect(new RetryBudget(defaultRetryBudget).available(t0)).toBe(10);
  });

  it('allows ratio × requests + floor retries in the window, then refuses', () => {
    const budget = new RetryBudget({ ratio: 0.2, windowMs: 10_000, minPerSecond: 0 });
    for (let i = 0; i < 50; i++) budget.request(t0);
    let granted = 0;
    while (budget.tryRetry(t0)) granted++;
    expect(granted).toBe(10);
    // Five more requests earn one more retry.
    for (let i = 0; i < 5; i++) budget.request(t0);
    expect(budget.tryRetry(t0)).toBe(true);
    expect(budget.tryRetry(t0)).toBe(false);
  });

  it('a request whose first attempt met provider trouble earns no retries: an outage lives on what healthy traffic earned, then on the floor', () => {
    const budget = new RetryBudget({ ratio: 0.2, windowMs: 10_000, minPerSecond: 0.5 });
    for (let i = 0; i < 50; i++) budget.request(t0); // healthy traffic before the outage: 10 retries earned
    for (let i = 0; i < 100; i++) {
      budget.request(t0 + 1_000);
      budget.troubled(t0 + 1_000);
    }
    let granted = 0;
    while (budget.tryRetry(t0 + 1_000)) granted++;
    expect(granted).toBe(10 + 5); // earned + the floor of the 10 s window
    // Once the healthy traffic has left the window, only the floor is left (its retries having left too).
    expect(budget.available(t0 + 12_000)).toBe(5);
  });

  it('forgets requests and retries older than the window: after a long quiet spell only the floor is left', () => {
    const budget = new RetryBudget({ ratio: 0.5, windowMs: 1_000, minPerSecond: 2 });
    for (let i = 0; i < 10; i++) budget.request(t0);
    expect(budget.available(t0)).toBe(7);
    while (budget.tryRetry(t0));
    expect(budget.available(t0 + 500)).toBe(0);
    expect(budget.available(t0 + 1_000)).toBe(2);
  });

  it('property: during a full outage at any steady rate, upstream calls per request stay within 1 + ratio + floor / requests', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }), // requests per second
        fc.integer({ min: 1, max: 4 }), // retries each failing request would like (maxAttempts − 1)
        fc.integer({ min: 0, max: 3 }), // floor per second
        fc.integer({ min: 1, max: 60 }), // seconds of outage
        (perSecond, wanted, minPerSecond, seconds) => {
          const budget = new RetryBudget({ ratio: 0.2, windowMs: 10_000, minPerSecond });
          let calls = 0;
          const requests = perSecond * seconds;
          for (let i = 0; i < requests; i++) {
            const now = t0 + Math.floor((i * 1_000) / perSecond);
            budget.request(now);
            calls++;
            for (let r = 0; r < wanted && budget.tryRetry(now); r++) calls++;
          }
          const windows = Math.ceil(seconds / 10);
          // Each window's allowance: 20 % of its requests plus its floor; a window straddling two may add one floor.
          const bound = requests * (1 + 0.2) + (windows + 1) * minPerSecond * 10;
          expect(calls).toBeLessThanOrEqual(bound);
          expect(calls).toBeGreaterThanOrEqual(requests);
        },
      ),
      { seed: 15, numRuns: 200 },
    );
  });
});

describe('SlidingCount', () => {
  it('property: the total matches a list of timestamped events, to within one bucket of the window', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 700 }), amount: fc.integer({ min: 0, max: 3 }) }), { maxLength: 200 }), (steps) => {
        const windowMs = 1_000;
        const count = new SlidingCount(windowMs, 10);
        const events: Array<{ at: number; amount: number }> = [];
        let now = t0;
        for (const step of steps) {
          now += step.gapMs;
          count.add(now, step.amount);
          events.push({ at: now, amount: step.amount });
          const total = count.total(now);
          const surely = events.filter((e) => e.at > now - windowMs + 100).reduce((n, e) => n + e.amount, 0);
          const atMost = events.filter((e) => e.at > now - windowMs).reduce((n, e) => n + e.amount, 0);
          expect(total).toBeGreaterThanOrEqual(surely);
          expect(total).toBeLessThanOrEqual(atMost);
        }
      }),
      { seed: 15, numRuns: 300 },
    );
  });

  it('a clock that steps back counts into the newest bucket', () => {
    const count = new SlidingCount(1_000);
    count.add(t0 + 500);
    count.add(t0);
    expect(count.total(t0 + 500)).toBe(2);
    expect(count.total(t0 + 1_500)).toBe(0);
  });
});
