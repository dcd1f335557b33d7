import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlidingCount } from './sliding-count.js';

/** The model: every event kept with its bucket, counted while its bucket is among the last `buckets` (newest included). */
function modelTotal(events: Array<{ slot: number; amount: number }>, newest: number, buckets: number): number {
  return events.filter((e) => e.slot > newest - buckets).reduce((sum, e) => sum + e.amount, 0);
}

describe('SlidingCount', () => {
  it('counts what happened in the window, to within one bucket, for any times and steps back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.record({ step: fc.integer({ min: -500, max: 3_000 }), amount: fc.integer({ min: -2, max: 3 }), read: fc.boolean() }), { maxLength: 80 }),
        (windowMs, buckets, ops) => {
          const count = new SlidingCount(windowMs, buckets);
          const bucketMs = windowMs / buckets;
          const events: Array<{ slot: number; amount: number }> = [];
          let now = 1_700_000_000_000;
          let newest = -Infinity;
          for (const op of ops) {
            now += op.step;
            newest = Math.max(newest, Math.floor(now / bucketMs));
            if (op.read) expect(count.total(now)).toBe(modelTotal(events, newest, buckets));
            else {
              count.add(now, op.amount);
              // A clock that steps back counts into the newest bucket.
              events.push({ slot: newest, amount: op.amount });
            }
          }
        },
      ),
    );
  });

  it('rolls exactly at a bucket boundary', () => {
    const count = new SlidingCount(1_000, 10);
    count.add(0);
    count.add(99);
    expect(count.total(99)).toBe(2);
    count.add(100);
    expect(count.total(999)).toBe(3);
    expect(count.total(1_000)).toBe(1);
    expect(count.total(1_100)).toBe(0);
  });
});
