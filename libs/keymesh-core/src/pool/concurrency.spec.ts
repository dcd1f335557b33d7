import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyPool, isPoolExhaustedError, strategyNames, type PoolKey } from '../index.js';
import { httpError, secrets, settle } from '../__tests__/manual-clock.js';

describe('real concurrency', () => {
  it.each(strategyNames)('%s: 200 concurrent requests over keys that rate-limit, fail and recover keep every invariant', async (strategy) => {
    const pool = new KeyPool({
      keys: secrets.map((secret, i) => ({ id: `k${i}`, secret, maxConcurrent: 20 })),
      strategy,
      rateLimitCooldownMs: 1,
      breaker: { failureThreshold: 3, cooldownMs: 5 },
      retry: { baseDelayMs: 1, maxDelayMs: 2, budgetMs: 5_000, maxAttempts: 8 },
    });
    const inFlight = new Map<string, number>();
    let peak = 0;
    let n = 0;
    const attempt = async (key: PoolKey) => {
      const mine = (inFlight.get(key.id) ?? 0) + 1;
      inFlight.set(key.id, mine);
      peak = Math.max(peak, mine);
      await new Promise((resolve) => setTimeout(resolve, n++ % 3));
      inFlight.set(key.id, inFlight.get(key.id)! - 1);
      const roll = n % 10;
      if (key.id === 'k0' && roll < 5) throw httpError(429);
      if (roll === 7) throw httpError(503);
      return key.id;
    };
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => pool.execute(attempt)));
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed.filter((r) => !isPoolExhaustedError(r.reason) && r.reason.status !== 503 && r.reason.status !== 429)).toEqual([]);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(190);
    expect(peak).toBeLessThanOrEqual(20);
    const snapshot = pool.snapshot();
    expect(snapshot.keys.every((k) => k.inFlight === 0)).toBe(true);
    expect(snapshot.keys.reduce((sum, k) => sum + k.requests, 0)).toBeGreaterThanOrEqual(200);
  });

  it('property: whatever the outcomes, in-flight counts return to zero and no request sees more than maxAttempts attempts', async () => {
    const outcome = fc.constantFrom('ok', 'ok', 'ok', 429, 401, 503, 400, 'network');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(outcome, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 40 }), fc.constantFrom(...strategyNames), async (scripts, strategy) => {
        const pool = new KeyPool({
          keys: secrets.slice(0, 3),
          strategy,
          rateLimitCooldownMs: 1,
          breaker: { cooldownMs: 1 },
          retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 2_000 },
        });
        const attempts = await Promise.all(
          scripts.map(async (script) => {
            let used = 0;
            await pool
              .execute(async () => {
                const step = script[Math.min(used++, script.length - 1)];
                await Promise.resolve();
                if (step === 'ok') return 'ok';
                if (step === 'network') throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
                throw httpError(step as number);
              })
              .catch(() => undefined);
            return used;
          }),
        );
        await settle();
        expect(Math.max(...attempts)).toBeLessThanOrEqual(4);
        const snapshot = pool.snapshot();
        expect(snapshot.keys.every((k) => k.inFlight === 0)).toBe(true);
        expect(snapshot.keys.reduce((sum, k) => sum + k.requests, 0)).toBe(attempts.reduce((a, b) => a + b, 0));
        await pool.close();
      }),
      { numRuns: 60, seed: 42 },
    );
  });
});
