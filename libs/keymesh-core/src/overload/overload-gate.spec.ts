import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OverloadGate, defaultOverload } from './overload-gate.js';

const t0 = 1_700_000_000_000;
const options = { targetMs: 100, intervalMs: 1_000 };

/** A gate that has dispatched `perSecond` requests a second during the last interval. */
function gateAt(perSecond: number, now: number): OverloadGate {
  const gate = new OverloadGate(options);
  // Within the last 800 ms: the count is exact to one 100 ms bucket, so stay clear of the window's edge.
  for (let i = 0; i < perSecond; i++) gate.dispatched(now - 800 + Math.floor((i * 800) / perSecond));
  return gate;
}

describe('OverloadGate', () => {
  it('defaults: 100 ms target, 1 s interval', () => {
    expect(defaultOverload).toEqual({ targetMs: 100, intervalMs: 1_000 });
  });

  it('a burst waits: the oldest above target for less than an interval refuses nobody', () => {
    const gate = gateAt(100, t0);
    // The oldest has queued 1,099 ms: above the target for 999 ms.
    expect(gate.refusal({ headAgeMs: 1_099, ahead: 500, freeInMs: 0 }, t0)).toBeUndefined();
    expect(gate.refusing(t0)).toBe(false);
  });

  it('a queue standing above target for an interval refuses a request that would wait long, with the drain time as retryAfterMs', () => {
    const gate = gateAt(100, t0);
    // Above target since t0 - 1,000 (the oldest joined 1,100 ms ago).
    expect(gate.refusal({ headAgeMs: 1_100, ahead: 49, freeInMs: 0 }, t0)).toBe(500);
    expect(gate.refusing(t0)).toBe(true);
  });

  it('while refusing, a request the queue would serve within the target still waits', () => {
    const gate = gateAt(100, t0);
    expect(gate.refusal({ headAgeMs: 1_100, ahead: 9, freeInMs: 0 }, t0)).toBeUndefined(); // 10 ms a request: 100 ms
    expect(gate.refusal({ headAgeMs: 1_100, ahead: 10, freeInMs: 0 }, t0)).toBe(110);
  });

  it('retryAfterMs is the time until a key frees up when that is later than the drain', () => {
    const gate = gateAt(100, t0);
    expect(gate.refusal({ headAgeMs: 2_000, ahead: 0, freeInMs: 4_321 }, t0)).toBe(4_321);
  });

  it('nothing dispatched for an interval and no key due: refuses with one interval as retryAfterMs', () => {
    const gate = new OverloadGate(options);
    expect(gate.refusal({ headAgeMs: 5_000, ahead: 3, freeInMs: 0 }, t0)).toBe(1_000);
  });

  it('a short wait observed ends a standing queue; a long one does not', () => {
    const gate = gateAt(100, t0);
    gate.observe(600, t0 - 500); // above since t0 - 1,000
    gate.observe(800, t0 - 300);
    expect(gate.refusing(t0)).toBe(true);
    gate.observe(50, t0);
    expect(gate.refusing(t0)).toBe(false);
    // The queue emptied (age 0) and refills: a new interval must pass.
    gate.observe(0, t0);
    expect(gate.refusal({ headAgeMs: 900, ahead: 1_000, freeInMs: 0 }, t0 + 900)).toBeUndefined();
  });

  it('refusing lasts an interval after the last refusal, then a burst waits again', () => {
    const gate = gateAt(100, t0);
    expect(gate.refusal({ headAgeMs: 1_500, ahead: 50, freeInMs: 0 }, t0)).toBeDefined();
    // The queue is short now (the gate kept it short), yet refusing goes on while demand stays high.
    gate.observe(20, t0 + 500);
    expect(gate.refusing(t0 + 999)).toBe(true);
    expect(gate.refusing(t0 + 1_000)).toBe(false);
  });

  it('property: nobody is refused unless the oldest waiter has stayed above target for a whole interval, or a refusal happened within one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 400 }), ageMs: fc.integer({ min: 0, max: 3_000 }), ahead: fc.nat(200), dispatched: fc.nat(5) }), {
          maxLength: 200,
        }),
        (steps) => {
          const gate = new OverloadGate(options);
          let now = t0;
          // The model: when the current run above target started (undefined: no run), from the observations alone.
          let runStart: number | undefined;
          let lastBelow = -Infinity;
          let lastRefusal = -Infinity;
          for (const step of steps) {
            now += step.gapMs;
            for (let i = 0; i < step.dispatched; i++) gate.dispatched(now);
            if (step.ageMs <= options.targetMs) {
              runStart = undefined;
              lastBelow = now;
            } else {
              runStart ??= Math.max(now - step.ageMs + options.targetMs, lastBelow);
            }
            const outlook = { headAgeMs: step.ageMs, ahead: step.ahead, freeInMs: 0 };
            const refused = gate.refusal(outlook, now);
            const refusing = (runStart !== undefined && now - runStart >= options.intervalMs) || now - lastRefusal < options.intervalMs;
            // Refused exactly when refusing and the wait would be longer than the target.
            expect(refused !== undefined).toBe(refusing && gate.expectedWaitMs(outlook, now) > options.targetMs);
            if (refused !== undefined) {
              expect(refused).toBeGreaterThan(options.targetMs);
              lastRefusal = now;
            }
          }
        },
      ),
      { seed: 15, numRuns: 300 },
    );
  });
});
