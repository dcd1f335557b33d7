import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyPool, createStrategy, type SelectableKey, type SelectionStrategy } from '../index.js';
import { ManualClock, secrets, settle } from '../__tests__/manual-clock.js';

const tokens = (limit: number, remaining: number, resetMs: number) => ({
  'x-ratelimit-limit-tokens': String(limit),
  'x-ratelimit-remaining-tokens': String(remaining),
  'x-ratelimit-reset-tokens': `${resetMs}ms`,
});

/** An attempt that runs until `answer(headers)` is called, recording when it started. */
function held(started: string[], name: string, answers: Map<string, (headers: Record<string, string>) => void>) {
  return (_key: unknown, ctx: { observe(headers: Record<string, string>): void }) =>
    new Promise<string>((resolve) => {
      started.push(name);
      answers.set(name, (headers) => {
        ctx.observe(headers);
        resolve(name);
      });
    });
}

describe('backfilling: a head that fits nowhere does not hold back smaller requests behind it', () => {
  it('regression: a 1,900-token head waiting for the reset lets a 300-token waiter behind it use the leftover now', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: secrets.slice(0, 1), clock, overload: false, retry: { budgetMs: 10_000 } });
    const started: string[] = [];
    const answers = new Map<string, (headers: Record<string, string>) => void>();
    // The window: 10,000 tokens, 200 left, reset in 1 s.
    await pool.execute((_key, ctx) => ctx.observe(tokens(10_000, 200, 1_000)));
    const first = pool.execute(held(started, 'first', answers), { cost: { tokens: 100 } });
    await settle();
    // 100 tokens left after first's claim: neither the large head nor the small one behind it fits.
    const large = pool.execute(held(started, 'large', answers), { cost: { tokens: 1_900 } });
    const small = pool.execute(held(started, 'small', answers), { cost: { tokens: 300 } });
    await settle();
    expect(started).toEqual(['first']);
    expect(pool.snapshot().queue.length).toBe(2);
    // first's answer: the provider counted it, 800 left until the reset. The head still does not fit; the small one does.
    await clock.advance(100);
    answers.get('first')!(tokens(10_000, 800, 900));
    await settle();
    expect(started).toEqual(['first', 'small']);
    // A small newcomer fits the rest too: nobody who could be served is ahead of it.
    const newcomer = pool.execute(held(started, 'newcomer', answers), { cost: { tokens: 400 } });
    await settle();
    expect(started).toEqual(['first', 'small', 'newcomer']);
    // The large head keeps its turn for the reset, 900 ms on.
    await clock.advance(899);
    expect(started).toHaveLength(3);
    await clock.advance(1);
    expect(started).toEqual(['first', 'small', 'newcomer', 'large']);
    for (const name of ['small', 'newcomer', 'large']) answers.get(name)!(tokens(10_000, 8_000, 1_000));
    await expect(Promise.all([first, large, small, newcomer])).resolves.toEqual(['first', 'large', 'small', 'newcomer']);
    expect(pool.snapshot().queue.length).toBe(0);
    await pool.close();
  });

  it('once the window a large head waits for has come, what it needs is held for it: requests behind it take only the rest', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys: secrets.slice(0, 1), clock, overload: false, retry: { budgetMs: 10_000 } });
    const started: string[] = [];
    const answers = new Map<string, (headers: Record<string, string>) => void>();
    await pool.execute((_key, ctx) => ctx.observe(tokens(2_000, 1_500, 1_000)));
    // Claims in flight across the reset: 1,400 of a 2,000 window.
    const inFlight = [0, 1].map((n) => pool.execute(held(started, `old${n}`, answers), { cost: { tokens: 700 } }));
    await settle();
    const large = pool.execute(held(started, 'large', answers), { cost: { tokens: 1_500 } });
    const smalls = [0, 1, 2].map((n) => pool.execute(held(started, `small${n}`, answers), { cost: { tokens: 300 } }));
    await clock.advance(1_000);
    // The window reset, but the claims in flight leave 600: the head does not fit; behind it, nothing
    // may take what it needs (600 - 1,500 < 300), so the smalls wait too.
    expect(started).toEqual(['old0', 'old1']);
    answers.get('old0')!(tokens(2_000, 100, 0));
    await settle();
    // 1,300 free: still short of 1,500, and the smalls may not eat into it.
    expect(started).toEqual(['old0', 'old1']);
    answers.get('old1')!(tokens(2_000, 100, 0));
    await settle();
    // 2,000 free: the head first, then one small in the 500 left.
    expect(started).toEqual(['old0', 'old1', 'large', 'small0']);
    for (const name of ['large', 'small0']) answers.get(name)!(tokens(2_000, 200, 1_000));
    await clock.advance(1_000);
    for (const name of ['small1', 'small2']) answers.get(name)?.(tokens(2_000, 1_400, 1_000));
    await settle();
    await Promise.all([...inFlight, large, ...smalls]);
    expect(started.slice(4).sort()).toEqual(['small1', 'small2']);
    await pool.close();
  });

  it('a wake with every limit out of requests tries the head only: nobody behind it, whatever it costs, could be served', async () => {
    const clock = new ManualClock();
    const inner = createStrategy<SelectableKey>('least-used', Math.random);
    let picks = 0;
    const strategy: SelectionStrategy = {
      name: 'counting',
      get size() {
        return inner.size;
      },
      add: (key) => inner.add(key),
      remove: (key) => inner.remove(key),
      update: (key) => inner.update(key),
      pick: () => {
        picks++;
        return inner.pick();
      },
    };
    const pool = new KeyPool({ keys: secrets.slice(0, 1), clock, strategy, overload: false, retry: { budgetMs: 10_000 } });
    const requests = (remaining: number) => ({ 'x-ratelimit-limit-requests': '5', 'x-ratelimit-remaining-requests': String(remaining), 'x-ratelimit-reset-requests': '1s' });
    await pool.execute((_key, ctx) => ctx.observe(requests(1)));
    const started: string[] = [];
    const answers = new Map<string, (headers: Record<string, string>) => void>();
    const first = pool.execute(held(started, 'first', answers), { cost: { tokens: 10 } });
    await settle();
    const waiting = Array.from({ length: 10 }, (_, n) => pool.execute(held(started, `w${n}`, answers), { cost: { tokens: 1_000 - n * 50 } }));
    await settle();
    expect(pool.snapshot().queue.length).toBe(10);
    const before = picks;
    answers.get('first')!(requests(0));
    await settle();
    expect(started).toEqual(['first']);
    // One select by the head (a pick, the key skipped, a pick that finds none), not one per waiter.
    expect(picks - before).toBe(2);
    await clock.advance(1_000);
    expect(started).toHaveLength(6);
    for (const answer of answers.values()) answer(requests(5));
    await clock.advance(2_000);
    for (const answer of answers.values()) answer(requests(5));
    await Promise.all([first, ...waiting]);
    await pool.close();
  });

  it('property: random arrivals, costs and durations on two keys — no 429, an older request that costs no more starts no later, the head starts within one window reset plus one attempt after it leads, no claim leaks', async () => {
    const windowMs = 1_000;
    const whole = 2_000;
    const maxDurationMs = 300;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 120 }), tokens: fc.integer({ min: 50, max: 1_500 }), durationMs: fc.integer({ min: 1, max: maxDurationMs }) }), { minLength: 1, maxLength: 40 }),
        async (arrivals) => {
          const clock = new ManualClock(0);
          const pool = new KeyPool({ keys: secrets.slice(0, 2), clock, overload: false, retry: { budgetMs: 600_000 } });
          // The provider: a fixed window per key, counting a request's tokens as it arrives.
          const used = new Map<string, { window: number; tokens: number }>();
          let limited = 0;
          const provider = (secret: string, cost: number) => {
            const window = Math.floor(clock.now() / windowMs);
            const mine = used.get(secret);
            const count = mine === undefined || mine.window !== window ? { window, tokens: 0 } : mine;
            used.set(secret, count);
            if (count.tokens + cost > whole) limited++;
            else count.tokens += cost;
            return tokens(whole, whole - count.tokens, (window + 1) * windowMs - clock.now());
          };
          // Each key's first answer brings its reading.
          for (const id of ['0', '1']) {
            pool.disableKey(pool.snapshot().keys[id === '0' ? 1 : 0]!.id);
            await pool.execute((key, ctx) => ctx.observe(provider(key.secret, 0)));
            pool.enableKey(pool.snapshot().keys[id === '0' ? 1 : 0]!.id);
          }
          const arrivedAt: number[] = [];
          const startedAt: number[] = [];
          const pending: Array<Promise<unknown>> = [];
          for (const [n, arrival] of arrivals.entries()) {
            await clock.advance(arrival.gapMs);
            arrivedAt[n] = clock.now();
            pending.push(
              pool.execute(
                async (key, ctx) => {
                  startedAt[n] = clock.now();
                  const headers = provider(key.secret, arrival.tokens);
                  await new Promise<void>((resolve) => clock.setTimeout(resolve, arrival.durationMs));
                  ctx.observe(headers);
                },
                { cost: { tokens: arrival.tokens } },
              ),
            );
          }
          await clock.advance((arrivals.length + 2) * windowMs);
          await Promise.all(pending);
          expect(limited).toBe(0);
          for (let a = 0; a < arrivals.length; a++) {
            // Leads the line once every older request has started.
            let ledAt = arrivedAt[a]!;
            for (let b = 0; b < a; b++) ledAt = Math.max(ledAt, startedAt[b]!);
            const nextReset = (Math.floor(ledAt / windowMs) + 1) * windowMs;
            expect(startedAt[a]!).toBeLessThanOrEqual(Math.max(ledAt, nextReset + maxDurationMs));
            for (let b = a + 1; b < arrivals.length; b++) {
              if (arrivals[a]!.tokens <= arrivals[b]!.tokens) expect(startedAt[a]!).toBeLessThanOrEqual(startedAt[b]!);
            }
          }
          for (const key of pool.snapshot().keys) for (const limit of key.limits) for (const reserved of Object.values(limit.reserved)) expect(reserved).toBe(0);
          await pool.close();
        },
      ),
      { seed: 15, numRuns: 150 },
    );
  });
});
