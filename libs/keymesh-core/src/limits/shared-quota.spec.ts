import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { KeyPool } from '../index.js';
import { ManualClock, settle } from '../__tests__/manual-clock.js';

const secretOf = (i: number) => `sk-test-${String(i).repeat(16).slice(0, 16)}key${i}`;

/** A provider whose buckets are counted on arrival, answering OpenAI's request headers; `bucketOf[key]` names each key's bucket. */
function provider(clock: ManualClock, bucketOf: Record<string, string>, limit: number, windowMs: number) {
  const buckets = new Map<string, { used: number; resetAt: number }>();
  return (keyId: string) => {
    const now = clock.now();
    let bucket = buckets.get(bucketOf[keyId]!);
    if (bucket === undefined || bucket.resetAt <= now) buckets.set(bucketOf[keyId]!, (bucket = { used: 0, resetAt: now + windowMs }));
    bucket.used++;
    return {
      'x-ratelimit-limit-requests': String(limit),
      'x-ratelimit-remaining-requests': String(Math.max(0, limit - bucket.used)),
      'x-ratelimit-reset-requests': `${(bucket.resetAt - now) / 1000}s`,
    };
  };
}

afterEach(() => vi.restoreAllMocks());

describe('shared-quota detection', () => {
  it('keys of different groups whose readings continue one count are merged within a few readings, reported once', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const clock = new ManualClock();
    const keys = ['a', 'b', 'c'].map((id, i) => ({ id, secret: secretOf(i + 1) }));
    const answer = provider(clock, { a: 'org-1', b: 'org-1', c: 'solo' }, 1_000, 60_000);
    const pool = new KeyPool({ keys, clock, strategy: 'round-robin' });
    const shared: unknown[] = [];
    pool.on('quota.shared', (e) => shared.push(e));
    let readings = 0;
    for (let i = 0; i < 12 && shared.length === 0; i++) {
      await pool.execute((key, ctx) => ctx.observe(answer(key.id)), { scope: 'gpt-4o' });
      readings++;
    }
    expect(readings).toBeLessThanOrEqual(8);
    expect(shared).toEqual([{ pool: 'default', keyIds: expect.arrayContaining(['a', 'b']), scope: 'gpt-4o', group: expect.stringMatching(/^[ab]$/), at: clock.now() }]);
    const snapshot = pool.snapshot();
    const group = (shared[0] as { group: string }).group;
    expect(snapshot.keys.map((k) => k.group)).toEqual([group, group, 'c']);
    expect(snapshot.sharedQuotas).toEqual([{ group, keyIds: expect.arrayContaining(['a', 'b']), scope: 'gpt-4o', at: clock.now() }]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/draw on one provider quota for "gpt-4o"/);
    // From now on one group: both keys draw on one limit.
    for (let i = 0; i < 6; i++) await pool.execute((key, ctx) => ctx.observe(answer(key.id)), { scope: 'gpt-4o' });
    expect(shared).toHaveLength(1);
    expect(pool.snapshot().keys[0]!.limits).toHaveLength(1);
  });

  it("groups: 'declared' turns detection off", async () => {
    const clock = new ManualClock();
    const keys = ['a', 'b'].map((id, i) => ({ id, secret: secretOf(i + 1) }));
    const answer = provider(clock, { a: 'org-1', b: 'org-1' }, 1_000, 60_000);
    const pool = new KeyPool({ keys, clock, strategy: 'round-robin', groups: 'declared' });
    const shared: unknown[] = [];
    pool.on('quota.shared', (e) => shared.push(e));
    for (let i = 0; i < 20; i++) await pool.execute((key, ctx) => ctx.observe(answer(key.id)));
    expect(shared).toEqual([]);
  });

  it('property: independent keys with identical limits are never merged, whatever the interleaving, concurrency and resets', async () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 3, max: 40 }),
        fc.array(fc.record({ batch: fc.integer({ min: 1, max: 8 }), order: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }), advanceMs: fc.constantFrom(0, 0, 10, 400, 1_100) }), { minLength: 10, maxLength: 60 }),
        fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 50 }),
        async (size, limit, steps, randoms) => {
          const clock = new ManualClock();
          const keys = Array.from({ length: size }, (_, i) => ({ id: `k${i}`, secret: secretOf(i + 1) }));
          const answer = provider(clock, Object.fromEntries(keys.map((k) => [k.id, k.id])), limit, 1_000);
          let r = 0;
          const pool = new KeyPool({ keys, clock, strategy: 'random', random: () => randoms[r++ % randoms.length]!, retry: { maxAttempts: 1 } });
          const shared: unknown[] = [];
          pool.on('quota.shared', (e) => shared.push(e));
          for (const step of steps) {
            const sent: Array<{ keyId: string; arrive: number; reply: number; answer: (headers: Record<string, string>) => void }> = [];
            const calls = Array.from({ length: step.batch }, (_, i) =>
              pool
                .execute(
                  (key, ctx) =>
                    new Promise<void>((resolve) => {
                      const at = step.order[i % step.order.length]!;
                      sent.push({ keyId: key.id, arrive: at + i / 10, reply: (at * 7) % 5 + i / 10, answer: (headers) => resolve(ctx.observe(headers)) });
                    }),
                  { scope: 'gpt-4o' },
                )
                .catch(() => undefined),
            );
            // Requests reach the provider in any order (it counts them then), and answers come back in any other.
            const flush = () => {
              const counted = sent.splice(0).sort((x, y) => x.arrive - y.arrive).map((request) => ({ request, headers: answer(request.keyId) }));
              counted.sort((x, y) => x.request.reply - y.request.reply).forEach(({ request, headers }) => request.answer(headers));
            };
            await settle();
            flush();
            let done = false;
            void Promise.all(calls).then(() => (done = true));
            // A request may wait for a window to reset (every key read remaining 0): let the clock run.
            for (let waited = 0; !done && waited < 120; waited++) {
              await clock.advance(1_000);
              flush();
            }
            expect(done).toBe(true);
            await clock.advance(step.advanceMs);
          }
          expect(shared).toEqual([]);
          expect(new Set(pool.snapshot().keys.map((k) => k.group)).size).toBe(size);
        },
      ),
      { numRuns: 50, examples: [[2, 3, [1, 1, 1, 1, 1, 1, 1, 4, 1, 1, 7].map((batch) => ({ batch, order: [0, 0, 0, 0], advanceMs: 0 })), [0]]] },
    );
  });
});
