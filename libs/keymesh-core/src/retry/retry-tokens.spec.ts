import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RetryTokenBucket, defaultRetryTokens } from './retry-tokens.js';

describe('RetryTokenBucket', () => {
  it('starts full', () => {
    expect(new RetryTokenBucket({ capacity: 10, retryCost: 5, successRefund: 1 }).tokens).toBe(10);
    expect(new RetryTokenBucket(defaultRetryTokens).tokens).toBe(500);
  });

  it('drains by retryCost and refuses when below cost', () => {
    const bucket = new RetryTokenBucket({ capacity: 12, retryCost: 5, successRefund: 1 });
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tokens).toBe(7);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tokens).toBe(2);
    expect(bucket.tryTake()).toBe(false);
    expect(bucket.tokens).toBe(2);
  });

  it('a bucket at exactly the cost can still pay once', () => {
    const bucket = new RetryTokenBucket({ capacity: 5, retryCost: 5, successRefund: 1 });
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tokens).toBe(0);
    expect(bucket.tryTake()).toBe(false);
  });

  it('refunds earn retries back', () => {
    const bucket = new RetryTokenBucket({ capacity: 10, retryCost: 5, successRefund: 1 });
    bucket.tryTake();
    bucket.tryTake();
    expect(bucket.tryTake()).toBe(false);
    for (let i = 0; i < 4; i++) bucket.refund();
    expect(bucket.tokens).toBe(4);
    expect(bucket.tryTake()).toBe(false);
    bucket.refund();
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tokens).toBe(0);
  });

  it('refunds are capped at capacity', () => {
    const bucket = new RetryTokenBucket({ capacity: 10, retryCost: 5, successRefund: 3 });
    bucket.refund();
    expect(bucket.tokens).toBe(10);
    bucket.tryTake();
    bucket.refund();
    expect(bucket.tokens).toBe(8);
    bucket.refund();
    expect(bucket.tokens).toBe(10);
  });

  it('with the defaults, 100 retries drain a full bucket', () => {
    const bucket = new RetryTokenBucket(defaultRetryTokens);
    let taken = 0;
    while (bucket.tryTake()) taken++;
    expect(taken).toBe(100);
  });

  it('property: matches a model; tokens stay in [0, capacity]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.boolean(), { maxLength: 200 }),
        (capacity, retryCost, successRefund, ops) => {
          const bucket = new RetryTokenBucket({ capacity, retryCost, successRefund });
          let model = capacity;
          for (const take of ops) {
            if (take) {
              const ok = model >= retryCost;
              if (ok) model -= retryCost;
              expect(bucket.tryTake()).toBe(ok);
            } else {
              model = Math.min(capacity, model + successRefund);
              bucket.refund();
            }
            expect(bucket.tokens).toBe(model);
            expect(bucket.tokens).toBeGreaterThanOrEqual(0);
            expect(bucket.tokens).toBeLessThanOrEqual(capacity);
          }
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });
});
