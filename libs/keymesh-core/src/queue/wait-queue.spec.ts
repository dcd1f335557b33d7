import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, settle } from '../__tests__/manual-clock.js';
import { WaitQueue, type Waiter } from './wait-queue.js';

/** Joins the line of `scope` and records, in `log`, the order in which waiters get their turn. */
function join(queue: WaitQueue, scope: string, log: number[], until = Infinity, signal?: AbortSignal): { waiter: Waiter; done: Promise<unknown> } {
  const waiter = queue.place(scope);
  const done = queue.wait(waiter, until, signal).then(
    () => log.push(waiter.seq),
    (error: unknown) => error,
  );
  return { waiter, done };
}

describe('WaitQueue', () => {
  it('wakes in arrival order, as many as asked, per scope', async () => {
    const queue = new WaitQueue(new ManualClock());
    const log: number[] = [];
    const a = [1, 2, 3].map(() => join(queue, 'a', log));
    const b = [1, 2].map(() => join(queue, 'b', log));
    expect(queue.size).toBe(5);
    expect(queue.wake('a', 2)).toBe(2);
    await settle();
    expect(log).toEqual([a[0]!.waiter.seq, a[1]!.waiter.seq]);
    expect(a.map((w) => w.waiter.state)).toEqual(['turn', 'turn', 'waiting']);
    expect(b.map((w) => w.waiter.state)).toEqual(['waiting', 'waiting']);
    expect(queue.wake('b', 5)).toBe(2);
    expect(queue.wake('none', 1)).toBe(0);
  });

  it('a newcomer may not pass a line of its scope, nor a woken head that has not chosen yet; other scopes may', () => {
    const queue = new WaitQueue(new ManualClock());
    expect(queue.mayServe('a', undefined)).toBe(true);
    const first = join(queue, 'a', []).waiter;
    expect(queue.mayServe('a', undefined)).toBe(false);
    expect(queue.mayServe('b', undefined)).toBe(true);
    queue.wake('a', 1);
    // Nobody is in line any more, but the head holds the turn: a newcomer still waits behind it.
    expect(queue.length('a')).toBe(1);
    expect(queue.mayServe('a', undefined)).toBe(false);
    expect(queue.mayServe('a', first)).toBe(true);
    queue.served(first);
    expect(queue.mayServe('a', undefined)).toBe(true);
    expect(queue.size).toBe(0);
  });

  it('a served waiter passes the turn to the next one; the chain stops at one that finds nothing and goes back to its place', async () => {
    const queue = new WaitQueue(new ManualClock());
    const log: number[] = [];
    const [w1, w2, w3] = [1, 2, 3].map(() => join(queue, 'a', log).waiter) as [Waiter, Waiter, Waiter];
    queue.wake('a', 1);
    queue.served(w1);
    expect(w2.state).toBe('turn');
    // w2 finds no key: back to its place, ahead of w3.
    void queue.wait(w2, Infinity, undefined).then(() => log.push(w2.seq));
    expect(w3.state).toBe('waiting');
    queue.wake('a', 1);
    await settle();
    expect(log).toEqual([w1.seq, w2.seq, w2.seq]);
    expect(w3.state).toBe('waiting');
  });

  it('gives the turn at the deadline so the request can try once more, and keeps its sojourn start', async () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock);
    const log: number[] = [];
    const start = clock.now();
    const late = join(queue, 'a', log, start + 500).waiter;
    await clock.advance(499);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual([late.seq]);
    expect(late.state).toBe('turn');
    expect(late.queuedAt).toBe(start);
    expect(clock.pendingTimers).toBe(0);
  });

  it('an abort rejects with the reason, leaves the line and clears the timer; the next one gets the turn the head leaves', async () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock);
    const log: number[] = [];
    const controller = new AbortController();
    const first = join(queue, 'a', log, clock.now() + 1_000, controller.signal);
    const second = join(queue, 'a', log);
    controller.abort(new Error('caller gave up'));
    expect(await first.done).toEqual(new Error('caller gave up'));
    expect(queue.length('a')).toBe(1);
    await settle();
    expect(second.waiter.state).toBe('turn');
    expect(log).toEqual([second.waiter.seq]);
    expect(clock.pendingTimers).toBe(0);
    // Waiting on an aborted signal rejects at once and takes no place.
    const aborted = AbortSignal.abort(new Error('already'));
    await expect(queue.wait(queue.place('a'), Infinity, aborted)).rejects.toThrow('already');
    expect(queue.length('a')).toBe(1);
  });

  it('leave: a turn holder or a head that gives up passes the turn on (the next may fit); one further back does not', () => {
    const queue = new WaitQueue(new ManualClock());
    const [w1, w2, w3, w4] = [1, 2, 3, 4].map(() => join(queue, 'a', []).waiter) as [Waiter, Waiter, Waiter, Waiter];
    queue.leave(w3);
    expect([w1, w2, w4].map((w) => w.state)).toEqual(['waiting', 'waiting', 'waiting']);
    queue.leave(w1);
    expect(w2.state).toBe('turn');
    queue.leave(w2);
    expect(w4.state).toBe('turn');
    queue.leave(w4);
    queue.leave(w4);
    expect(queue.size).toBe(0);
  });

  it('failAll rejects every waiter and stops the alarm', async () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock);
    const waits = [join(queue, 'a', [], clock.now() + 100), join(queue, 'b', [])];
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
    join(queue, 'b', []);
    await clock.advance(10);
    join(queue, 'a', []);
    expect(queue.oldestQueuedAt()).toBe(start);
    queue.wakeAll('b');
    expect(queue.oldestQueuedAt()).toBe(start + 10);
    expect(queue.wakeAll()).toBe(1);
  });

  it('property: under random arrivals, wakes, rejoins, serves and aborts, every scope gives turns in arrival order', async () => {
    const scopes = ['a', 'b', 'c'];
    type Op =
      | { op: 'arrive'; scope: number }
      | { op: 'wake'; scope: number; count: number }
      | { op: 'heads' }
      | { op: 'rejoin'; pick: number }
      | { op: 'serve'; pick: number }
      | { op: 'abort'; pick: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ op: fc.constant('arrive' as const), scope: fc.nat(2) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('wake' as const), scope: fc.nat(2), count: fc.integer({ min: 1, max: 4 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('heads' as const) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('rejoin' as const), pick: fc.nat() }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('serve' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('abort' as const), pick: fc.nat() }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 120 }), async (ops) => {
        const queue = new WaitQueue(new ManualClock());
        const log: number[] = [];
        const expected: number[] = [];
        // The model: per scope, the waiting requests in arrival order, and who holds a turn.
        const waiting = new Map<string, Waiter[]>(scopes.map((s) => [s, []]));
        const turns: Waiter[] = [];
        const controllers = new Map<Waiter, AbortController>();
        const grant = (scope: string, count: number) => {
          const line = waiting.get(scope)!;
          for (const w of line.splice(0, count)) {
            turns.push(w);
            expected.push(w.seq);
          }
        };
        const rewait = (w: Waiter) => {
          const controller = new AbortController();
          controllers.set(w, controller);
          void queue.wait(w, Infinity, controller.signal).then(
            () => log.push(w.seq),
            () => {},
          );
          const line = waiting.get(w.scope)!;
          line.push(w);
          line.sort((x, y) => x.seq - y.seq);
        };
        for (const step of ops) {
          if (step.op === 'arrive') rewait(queue.place(scopes[step.scope]!));
          else if (step.op === 'wake') {
            grant(scopes[step.scope]!, step.count);
            queue.wake(scopes[step.scope]!, step.count);
          } else if (step.op === 'heads') {
            const heads = scopes.flatMap((s) => waiting.get(s)!.slice(0, 1)).sort((x, y) => x.seq - y.seq);
            for (const w of heads) grant(w.scope, 1);
            queue.wakeHeads();
          } else if (turns.length > 0 && (step.op === 'rejoin' || step.op === 'serve')) {
            const [w] = turns.splice(step.pick % turns.length, 1) as [Waiter];
            if (step.op === 'rejoin') rewait(w);
            else {
              queue.served(w);
              grant(w.scope, 1);
            }
          } else if (step.op === 'abort') {
            const all = scopes.flatMap((s) => waiting.get(s)!);
            if (all.length === 0) continue;
            const w = all[step.pick % all.length]!;
            const line = waiting.get(w.scope)!;
            const led = line[0] === w;
            line.splice(line.indexOf(w), 1);
            // A head that leaves passes the turn to the next one.
            if (led) grant(w.scope, 1);
            controllers.get(w)!.abort(new Error('gone'));
          }
          // Synchronously: exactly the model's turn holders hold a turn, and the sizes agree.
          for (const w of turns) expect(w.state).toBe('turn');
          for (const s of scopes) for (const w of waiting.get(s)!) expect(w.state).toBe('waiting');
          const inModel = turns.length + scopes.reduce((n, s) => n + waiting.get(s)!.length, 0);
          expect(queue.size).toBe(inModel);
        }
        await settle();
        expect(log).toEqual(expected);
      }),
      { seed: 15, numRuns: 300 },
    );
  });
});
