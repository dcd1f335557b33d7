import { describe, expect, it, vi } from 'vitest';
import { KeyPool } from '../index.js';
import { ManualClock, httpError, secrets, sequence, settle } from '../__tests__/manual-clock.js';

const keys = secrets.slice(0, 2).map((secret, i) => ({ id: 'ab'[i]!, secret }));

describe('retries, budget and abort', () => {
  it('retries provider trouble after a full-jitter backoff drawn from the injected random source', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys, clock, random: sequence(0.5, 0.25, 1 - 1e-9), retry: { baseDelayMs: 100, maxDelayMs: 250, maxAttempts: 4 } });
    const delays: number[] = [];
    pool.on('request.retried', (e) => delays.push(e.delayMs));
    let calls = 0;
    const pending = pool.execute(async () => {
      if (calls++ < 3) throw httpError(503);
      return 'recovered';
    });
    // Windows: [0,100), [0,200), [0,250 capped).
    await clock.advance(50);
    expect(calls).toBe(2);
    await clock.advance(50);
    expect(calls).toBe(3);
    await clock.advance(250);
    await expect(pending).resolves.toBe('recovered');
    expect(delays.map((d) => Math.round(d))).toEqual([50, 50, 250]);
  });

  it("lets the provider's hint win over the backoff formula", async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys, clock, random: () => 0.999 });
    const delays: number[] = [];
    pool.on('request.retried', (e) => delays.push(e.delayMs));
    let calls = 0;
    const pending = pool.execute(async () => {
      if (calls++ === 0) throw httpError(503, { 'retry-after': '3' });
      return 'ok';
    });
    await clock.advance(3_000);
    await expect(pending).resolves.toBe('ok');
    expect(delays).toEqual([3_000]);
  });

  it('never sleeps past the budget: gives up with the last error instead', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys, clock, random: () => 0.99, retry: { baseDelayMs: 1_000, maxDelayMs: 8_000, budgetMs: 2_500, maxAttempts: 10 } });
    const errors: Error[] = [];
    const started = clock.now();
    const pending = pool.execute(async () => {
      const error = httpError(500, {}, `failure ${errors.length}`);
      errors.push(error);
      throw error;
    });
    const outcome = pending.catch((e: unknown) => e);
    await clock.advance(10_000);
    const error = await outcome;
    // Sleeps of ~990 then ~1980 would end at 2970 > 2500: the second retry is refused.
    expect(errors).toHaveLength(2);
    expect(error).toBe(errors[1]);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.now() - started).toBe(10_000);
  });

  it('does not start a new attempt once the budget has passed', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys, clock, retry: { budgetMs: 1_000 } });
    const error = httpError(429);
    let calls = 0;
    const pending = pool.execute(async () => {
      calls++;
      await clock.advance(1_000);
      throw error;
    });
    await expect(pending).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it('rejects at once with the abort reason when the caller aborts mid-attempt, even if the attempt ignores the signal', async () => {
    const pool = new KeyPool({ keys });
    const controller = new AbortController();
    let finish!: () => void;
    const pending = pool.execute(() => new Promise<string>((resolve) => (finish = () => resolve('too late'))), { signal: controller.signal });
    await settle();
    const reason = new Error('client went away');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(pool.snapshot().keys[0]!.inFlight).toBe(1);
    finish();
    await settle();
    expect(pool.snapshot().keys.map((k) => [k.inFlight, k.failures])).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('passes the caller signal to the attempt as ctx.signal', async () => {
    const pool = new KeyPool({ keys });
    const controller = new AbortController();
    const seen = await pool.execute((_key, ctx) => ctx.signal, { signal: controller.signal });
    expect(seen).toBe(controller.signal);
  });

  it('ends a backoff sleep at once on abort, with no retry after', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys, clock, random: () => 0.9 });
    const controller = new AbortController();
    const attempt = vi.fn(async () => {
      throw httpError(503);
    });
    const pending = pool.execute(attempt, { signal: controller.signal });
    await settle();
    expect(attempt).toHaveBeenCalledTimes(1);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await clock.advance(60_000);
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects with the reason of an already-aborted signal without calling the attempt', async () => {
    const pool = new KeyPool({ keys });
    const attempt = vi.fn();
    await expect(pool.execute(attempt, { signal: AbortSignal.abort('gone') })).rejects.toBe('gone');
    expect(attempt).not.toHaveBeenCalled();
  });

  it('does not count a failure caused by the caller aborting against the key', async () => {
    const pool = new KeyPool({ keys, breaker: { failureThreshold: 1 } });
    const controller = new AbortController();
    const pending = pool.execute(
      (_key, ctx) =>
        new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { status: 401 })))),
      { signal: controller.signal },
    );
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await settle();
    expect(pool.snapshot().keys.every((k) => k.state === 'closed' && k.failures === 0)).toBe(true);
  });

  it('bounds a stalled attempt with attemptTimeoutMs and retries it as provider trouble', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys, clock, attemptTimeoutMs: 1_000, random: () => 0 });
    const signals: AbortSignal[] = [];
    let calls = 0;
    const pending = pool.execute((_key, ctx) => {
      signals.push(ctx.signal);
      return calls++ === 0 ? new Promise<string>(() => {}) : 'second try';
    });
    await clock.advance(1_000);
    await expect(pending).resolves.toBe('second try');
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toMatchObject({ code: 'ERR_KEYMESH_ATTEMPT_TIMEOUT' });
    expect(pool.snapshot().keys[0]).toMatchObject({ lastErrorKind: 'provider_trouble', state: 'closed' });
  });

  it('caps attempts at maxAttempts for provider trouble', async () => {
    const clock = new ManualClock();
    const pool = new KeyPool({ keys, clock, random: () => 0, retry: { maxAttempts: 3 } });
    const attempt = vi.fn(async () => {
      throw httpError(502);
    });
    await expect(pool.execute(attempt)).rejects.toMatchObject({ status: 502 });
    expect(attempt).toHaveBeenCalledTimes(3);
  });
});

describe('a retry goes to another key, however requests interleave', () => {
  it('two requests failing on the same key at once each retry on another key (a mark on the key would let the second unmark the first)', async () => {
    const pool = new KeyPool({ strategy: 'priority', random: () => 0.5, retry: { baseDelayMs: 2, maxDelayMs: 2 }, keys: [{ id: 'sick', secret: 'sk-test-retry-sick-0000', priority: 0 }, { id: 'good', secret: 'sk-test-retry-good-0000', priority: 1 }] });
    // Both first attempts are on the sick key and fail together, after both have started.
    let release!: () => void;
    const bothStarted = new Promise<void>((resolve) => (release = resolve));
    let onSick = 0;
    const tried: Record<string, string[]> = { a: [], b: [] };
    const call = (name: 'a' | 'b') =>
      pool.execute(async (key) => {
        tried[name]!.push(key.id);
        if (key.id !== 'sick') return key.id;
        if (++onSick === 2) release();
        await bothStarted;
        throw Object.assign(new Error('upstream 500'), { status: 500 });
      });
    await expect(Promise.all([call('a'), call('b')])).resolves.toEqual(['good', 'good']);
    expect(tried).toEqual({ a: ['sick', 'good'], b: ['sick', 'good'] });
    await pool.close();
  });
});
