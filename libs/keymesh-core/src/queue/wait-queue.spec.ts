import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, settle } from '../__tests__/manual-clock.js';
import { Limit } from '../limits/limit.js';
import { WaitQueue, lookAhead, type Waiter } from './wait-queue.js';

/** Joins the line of `scope` and records, in `log`, the order in which waiters get their turn. */
function join(queue: WaitQueue, scope: string, log: number[], options: { until?: number; signal?: AbortSignal; tokens?: number } = {}): { waiter: Waiter; done: Promise<unknown> } {
  const waiter = queue.place(scope, options.tokens === undefined ? undefined : { tokens: options.tokens });
  return { waiter, done: rejoin(queue, waiter, log, options) };
}

/** Waits (again) in place; a turn is logged. */
function rejoin(queue: WaitQueue, waiter: Waiter, log: number[], options: { until?: number; signal?: AbortSignal; blockedBy?: Limit; smallerMayFit?: boolean } = {}): Promise<unknown> {
  return queue.wait(waiter, options.until ?? Infinity, options.signal, options.blockedBy, options.smallerMayFit).then(
    () => log.push(waiter.seq),
    (error: unknown) => error,
  );
}

/** A limit with a reading: `remaining` of `whole` tokens, resetting in `resetMs`. */
function limitWith(clock: ManualClock, remaining: number, resetMs: number, whole = 10_000): Limit {
  const limit = new Limit('a');
  limit.read(1, [{ dimension: 'tokens', limit: whole, remaining, resetMs }], clock.now());
  return limit;
}

describe('WaitQueue', () => {
  it('a wake gives the turn to the head; each one served hands it to the next, per scope', async () => {
    const queue = new WaitQueue(new ManualClock());
    const log: number[] = [];
    const a = [1, 2, 3].map(() => join(queue, 'a', log));
    const b = [1, 2].map(() => join(queue, 'b', log));
    expect(queue.size).toBe(5);
    queue.wake('a');
    await settle();
    expect(a.map((w) => w.waiter.state)).toEqual(['turn', 'waiting', 'waiting']);
    queue.served(a[0]!.waiter);
    await settle();
    expect(log).toEqual([a[0]!.waiter.seq, a[1]!.waiter.seq]);
    expect(b.map((w) => w.waiter.state)).toEqual(['waiting', 'waiting']);
    expect(queue.length('a')).toBe(2);
  });

  it('a newcomer queues behind a line whose waiters have not all tried since the last wake; once they all found nothing, it may try', async () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock);
    const now = clock.now();
    expect(queue.mayServe('a', undefined, now)).toBe(true);
    // The first waiter of a line has just tried: the line starts exhausted.
    const first = join(queue, 'a', [], { tokens: 900 }).waiter;
    expect(queue.mayServe('a', undefined, now)).toBe(true);
    const second = join(queue, 'a', [], { tokens: 800 }).waiter;
    queue.wake('a');
    // A wake: the head holds the turn, the second has not tried: newcomers queue.
    expect(queue.mayServe('a', undefined, now)).toBe(false);
    expect(queue.mayServe('b', undefined, now)).toBe(true);
    expect(queue.mayServe('a', first, now)).toBe(true);
    expect(queue.mayServe('a', second, now)).toBe(false);
    const limit = limitWith(clock, 0, 1_000);
    void rejoin(queue, first, [], { blockedBy: limit });
    expect(second.state).toBe('turn');
    void rejoin(queue, second, [], { blockedBy: limit });
    expect(queue.mayServe('a', undefined, now)).toBe(true);
    // An alarm due means capacity may have appeared by time: newcomers queue until it fires.
    queue.alarm(now + 100);
    expect(queue.mayServe('a', undefined, now + 100)).toBe(false);
    expect(queue.mayServe('a', undefined, now + 99)).toBe(true);
  });

  it('backfilling: a waiter that found no key keeps its place and hands the turn on; with no key ready at all the pass ends', async () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock);
    const log: number[] = [];
    const limit = limitWith(clock, 500, 1_000);
    const [w1, w2, w3] = [900, 300, 200].map((tokens) => join(queue, 'a', log, { tokens }).waiter) as [Waiter, Waiter, Waiter];
    queue.wake('a');
    void rejoin(queue, w1, log, { blockedBy: limit });
    expect([w1.state, w2.state, w3.state]).toEqual(['waiting', 'turn', 'waiting']);
    queue.served(w2);
    expect(w3.state).toBe('turn');
    // w3 finds no key ready at all: nobody could be served, the pass ends and the line is exhausted.
    void rejoin(queue, w3, log);
    expect([w1.state, w3.state]).toEqual(['waiting', 'waiting']);
    expect(queue.mayServe('a', undefined, clock.now())).toBe(true);
    // The next wake starts from the head again, still first in line.
    queue.wake('a');
    expect(w1.state).toBe('turn');
    await settle();
    expect(log).toEqual([w1.seq, w2.seq, w3.seq, w1.seq]);
    // Every limit out of requests: the head holds its place and capacity, and nobody behind it is woken in vain.
    void rejoin(queue, w1, log, { blockedBy: limit, smallerMayFit: false });
    expect([w1.state, w3.state, limit.held]).toEqual(['waiting', 'waiting', true]);
  });

  it(`a pass passes over at most ${lookAhead} waiters, and skips those costing at least as much as one that found nothing`, () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock);
    const limit = limitWith(clock, 100, 1_000);
    const large = join(queue, 'a', [], { tokens: 1_000 }).waiter;
    const larger = Array.from({ length: lookAhead - 2 }, () => join(queue, 'a', [], { tokens: 1_500 }).waiter);
    const small = [1, 2].map(() => join(queue, 'a', [], { tokens: 50 }).waiter) as [Waiter, Waiter];
    queue.wake('a');
    void rejoin(queue, large, [], { blockedBy: limit });
    // Every larger one is passed over without a turn; the first small one gets it.
    expect(larger.every((w) => w.state === 'waiting')).toBe(true);
    expect(small[0].state).toBe('turn');
    void rejoin(queue, small[0], [], { blockedBy: limit });
    // That was the look-ahead: the pass stops short of the second small one, so newcomers still queue.
    expect(small[1].state).toBe('waiting');
    expect(queue.mayServe('a', undefined, clock.now())).toBe(false);
  });

  it('a wake during a pass restarts it from the head once the turn comes back', () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock);
    const limit = limitWith(clock, 100, 1_000);
    const [w1, w2, w3] = [900, 300, 200].map((tokens) => join(queue, 'a', [], { tokens }).waiter) as [Waiter, Waiter, Waiter];
    queue.wake('a');
    void rejoin(queue, w1, [], { blockedBy: limit });
    expect(w2.state).toBe('turn');
    queue.wake('a');
    expect(w1.state).toBe('waiting');
    void rejoin(queue, w2, [], { blockedBy: limit });
    expect([w1.state, w2.state, w3.state]).toEqual(['turn', 'waiting', 'waiting']);
  });

  it('the head that fits nowhere holds capacity on the limit that frees soonest, from when it frees; the hold ends at its turn, when it leaves, and on close', async () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock);
    const limit = limitWith(clock, 500, 1_000, 2_000);
    const head = join(queue, 'a', [], { tokens: 1_500 }).waiter;
    const other = join(queue, 'a', [], { tokens: 400 }).waiter;
    queue.wake('a');
    void rejoin(queue, head, [], { blockedBy: limit });
    expect(limit.held).toBe(true);
    // The current window still serves smaller requests: the hold counts from the reset.
    expect(limit.admits({ tokens: 400 }, clock.now())).toBe(true);
    expect(limit.admits({ tokens: 501 }, clock.now() + 1_000)).toBe(false);
    expect(limit.admits({ tokens: 500 }, clock.now() + 1_000)).toBe(true);
    // Only the head holds: a waiter behind it that finds nothing holds nothing.
    expect(other.state).toBe('turn');
    void rejoin(queue, other, [], { blockedBy: limit });
    queue.wake('a');
    expect(limit.held).toBe(false); // its turn: it may take what it held
    void rejoin(queue, head, [], { blockedBy: limit });
    expect(limit.held).toBe(true);
    // Leaving frees the hold and wakes the line: what it held may serve the others.
    void rejoin(queue, other, [], { blockedBy: limit });
    queue.leave(head);
    expect(limit.held).toBe(false);
    expect(other.state).toBe('turn');
    void rejoin(queue, other, [], { blockedBy: limit });
    expect(limit.held).toBe(true);
    queue.failAll(new Error('closed'));
    expect(limit.held).toBe(false);
    await expect(queue.wait(queue.place('a'), Infinity, undefined)).rejects.toThrow('closed');
    expect(queue.size).toBe(0);
  });

  it('gives the turn at the deadline so the request can try once more, and keeps its sojourn start', async () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock);
    const log: number[] = [];
    const start = clock.now();
    const late = join(queue, 'a', log, { until: start + 500 }).waiter;
    await clock.advance(499);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual([late.seq]);
    expect(late.state).toBe('turn');
    expect(late.queuedAt).toBe(start);
    expect(clock.pendingTimers).toBe(0);
  });

  it('an abort rejects with the reason, leaves the line and clears the timer; others keep their places', async () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock);
    const log: number[] = [];
    const controller = new AbortController();
    const first = join(queue, 'a', log, { until: clock.now() + 1_000, signal: controller.signal });
    const second = join(queue, 'a', log);
    controller.abort(new Error('caller gave up'));
    expect(await first.done).toEqual(new Error('caller gave up'));
    expect(queue.length('a')).toBe(1);
    expect(second.waiter.state).toBe('waiting');
    expect(clock.pendingTimers).toBe(0);
    // Waiting on an aborted signal rejects at once and takes no place.
    const aborted = AbortSignal.abort(new Error('already'));
    await expect(queue.wait(queue.place('a'), Infinity, aborted)).rejects.toThrow('already');
    expect(queue.length('a')).toBe(1);
  });

  it('a turn holder that leaves hands the turn on; leaving twice does nothing', () => {
    const queue = new WaitQueue(new ManualClock());
    const [w1, w2, w3] = [1, 2, 3].map(() => join(queue, 'a', []).waiter) as [Waiter, Waiter, Waiter];
    queue.leave(w3);
    expect([w1.state, w2.state]).toEqual(['waiting', 'waiting']);
    queue.wake('a');
    queue.leave(w1);
    expect(w2.state).toBe('turn');
    queue.leave(w2);
    queue.leave(w2);
    expect(queue.size).toBe(0);
  });

  it('failAll rejects every waiter and stops the alarm', async () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock);
    const waits = [join(queue, 'a', [], { until: clock.now() + 100 }), join(queue, 'b', [])];
    queue.alarm(clock.now() + 50);
    queue.failAll(new Error('closed'));
    for (const { done } of waits) expect(await done).toEqual(new Error('closed'));
    expect(queue.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('the alarm wakes the head of every scope at the earliest time asked, once', async () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock);
    const log: number[] = [];
    const a = [join(queue, 'a', log).waiter, join(queue, 'a', log).waiter];
    const b = join(queue, 'b', log).waiter;
    queue.alarm(clock.now() + 300);
    queue.alarm(clock.now() + 200);
    queue.alarm(clock.now() + 400);
    queue.alarm(Infinity);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(199);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual([a[0]!.seq, b.seq]);
    expect(a[1]!.state).toBe('waiting');
    expect(clock.pendingTimers).toBe(0);
  });

  it('an alarm for a time already past fires 1 ms later, so waiters that found no key are not woken again without time moving', async () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock);
    const log: number[] = [];
    const waiter = join(queue, 'a', log).waiter;
    queue.alarm(clock.now() - 50);
    await settle();
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual([waiter.seq]);
  });

  it('oldestQueuedAt is the head that joined first, over all scopes', async () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock);
    expect(queue.oldestQueuedAt()).toBeUndefined();
    const start = clock.now();
    const b = join(queue, 'b', []).waiter;
    await clock.advance(10);
    join(queue, 'a', []);
    expect(queue.oldestQueuedAt()).toBe(start);
    queue.leave(b);
    expect(queue.oldestQueuedAt()).toBe(start + 10);
  });

  it('property: under random arrivals, wakes, failed tries, serves and aborts, a pass gives turns in arrival order, one at a time per scope, and no hold outlives its head', async () => {
    const scopes = ['a', 'b'];
    type Op = { op: 'arrive'; scope: number; tokens: number } | { op: 'wake'; scope: number } | { op: 'heads' } | { op: 'fail'; ready: boolean } | { op: 'serve' } | { op: 'abort'; pick: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ op: fc.constant('arrive' as const), scope: fc.nat(1), tokens: fc.integer({ min: 1, max: 2_000 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('wake' as const), scope: fc.nat(1) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('heads' as const) }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('fail' as const), ready: fc.boolean() }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('serve' as const) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('abort' as const), pick: fc.nat() }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 150 }), async (ops) => {
        const clock = new ManualClock();
        const queue = new WaitQueue(clock);
        const limits = new Map(scopes.map((s) => [s, limitWith(clock, 100, 1_000)]));
        const inLine = new Map<string, Waiter[]>(scopes.map((s) => [s, []]));
        const controllers = new Map<Waiter, AbortController>();
        /** Per scope: a wake came while a turn was out, so the pass restarts from the head when the turn comes back. */
        const restart = new Map<string, boolean>();
        const wait = (w: Waiter, blockedBy?: Limit) => {
          if (!controllers.has(w)) controllers.set(w, new AbortController());
          void queue.wait(w, Infinity, controllers.get(w)!.signal, blockedBy).catch(() => {});
        };
        const turnOf = (scope: string) => inLine.get(scope)!.filter((w) => w.state === 'turn');
        for (const step of ops) {
          const before = new Map(scopes.map((s) => [s, turnOf(s)[0]?.seq]));
          if (step.op === 'arrive') {
            const scope = scopes[step.scope]!;
            const w = queue.place(scope, { tokens: step.tokens });
            inLine.get(scope)!.push(w);
            wait(w);
          } else if (step.op === 'wake' || step.op === 'heads') {
            const woken = step.op === 'wake' ? [scopes[step.scope]!] : scopes;
            for (const s of woken) restart.set(s, true);
            if (step.op === 'wake') queue.wake(woken[0]!);
            else queue.wakeHeads();
          }
          else if (step.op === 'abort') {
            const all = scopes.flatMap((s) => inLine.get(s)!.filter((w) => w.state === 'waiting'));
            if (all.length === 0) continue;
            const w = all[step.pick % all.length]!;
            controllers.get(w)!.abort(new Error('gone'));
          } else {
            const holders = scopes.flatMap(turnOf);
            if (holders.length === 0) continue;
            const w = holders[0]!;
            if (step.op === 'serve') queue.served(w);
            else wait(w, step.ready ? limits.get(w.scope) : undefined);
          }
          for (const s of scopes) {
            const line = inLine.get(s)!.filter((w) => w.state !== 'out');
            inLine.set(s, line);
            const turns = turnOf(s);
            // One turn at a time per scope, going down the line (or back to the head on a new pass).
            expect(turns.length).toBeLessThanOrEqual(1);
            const now = turns[0]?.seq;
            const was = before.get(s);
            // Within a pass the turn only moves back down the line: to someone behind the one who had it.
            if (now !== undefined && was !== undefined && now !== was && !restart.get(s)) expect(now).toBeGreaterThan(was);
            if (now !== was && was !== undefined) restart.set(s, false);
            if (turns.length === 0 && line.length === 0) restart.set(s, false);
            // Only the head of a line may hold capacity.
            expect(limits.get(s)!.held).toBe(line[0]?.holds !== undefined && line[0].state === 'waiting');
            for (const w of line.slice(1)) expect(w.holds).toBeUndefined();
          }
          expect(queue.size).toBe(scopes.reduce((n, s) => n + inLine.get(s)!.length, 0));
        }
        queue.failAll(new Error('closed'));
        // Those holding a turn find the queue closed as they go back to wait.
        for (const w of scopes.flatMap(turnOf)) await expect(queue.wait(w, Infinity, undefined)).rejects.toThrow('closed');
        await settle();
        for (const limit of limits.values()) expect(limit.held).toBe(false);
        expect(queue.size).toBe(0);
      }),
      { seed: 15, numRuns: 300 },
    );
  });
});
