import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { advance, onKeyFailure, onSuccess, releaseTrial, takeTrial } from './breaker.js';
import { closedBreaker, type BreakerOptions, type BreakerState } from './breaker-state.js';

const options: BreakerOptions = { failureThreshold: 3, cooldownMs: 30_000 };
const T0 = 1_700_000_000_000;

function freeze(state: BreakerState): BreakerState {
  return Object.freeze({ ...state });
}

function openAt(now: number, hint = 0, opts = options): BreakerState {
  let state = closedBreaker;
  for (let i = 0; i < opts.failureThreshold; i++) state = onKeyFailure(state, now, opts, hint);
  return state;
}

describe('breaker transitions', () => {
  it('closed counts failures up to the threshold, then opens for cooldownMs', () => {
    let state = onKeyFailure(closedBreaker, T0, options);
    expect(state).toEqual({ status: 'closed', consecutiveFailures: 1 });
    state = onKeyFailure(state, T0 + 1, options);
    expect(state).toEqual({ status: 'closed', consecutiveFailures: 2 });
    state = onKeyFailure(state, T0 + 2, options);
    expect(state).toEqual({ status: 'open', consecutiveFailures: 3, until: T0 + 2 + 30_000 });
  });

  it('opens for the provider hint when it is longer than cooldownMs', () => {
    expect(openAt(T0, 90_000)).toEqual({ status: 'open', consecutiveFailures: 3, until: T0 + 90_000 });
  });

  it('opens for cooldownMs when the hint is shorter', () => {
    expect(openAt(T0, 5_000)).toEqual({ status: 'open', consecutiveFailures: 3, until: T0 + 30_000 });
  });

  it('a threshold of 1 opens on the first failure', () => {
    expect(onKeyFailure(closedBreaker, T0, { failureThreshold: 1, cooldownMs: 10 })).toEqual({ status: 'open', consecutiveFailures: 1, until: T0 + 10 });
  });

  it('success in closed resets the count; with no failures it returns the same state', () => {
    const failing = onKeyFailure(closedBreaker, T0, options);
    expect(onSuccess(failing)).toEqual({ status: 'closed', consecutiveFailures: 0 });
    expect(onSuccess(closedBreaker)).toBe(closedBreaker);
  });

  it('success while open does nothing', () => {
    const open = openAt(T0);
    expect(onSuccess(open)).toBe(open);
  });

  it('advance: open stays open before until, becomes half-open at until', () => {
    const open = openAt(T0);
    expect(advance(open, T0 + 29_999)).toBe(open);
    expect(advance(open, T0 + 30_000)).toEqual({ status: 'half_open', consecutiveFailures: 3, trialInFlight: false });
    expect(advance(open, T0 + 1e9)).toEqual({ status: 'half_open', consecutiveFailures: 3, trialInFlight: false });
  });

  it('advance leaves closed and half-open alone', () => {
    const closed = onKeyFailure(closedBreaker, T0, options);
    expect(advance(closed, T0 + 1e9)).toBe(closed);
    const half = advance(openAt(T0), T0 + 30_000);
    expect(advance(half, T0 + 1e9)).toBe(half);
  });

  it('takeTrial only once; releaseTrial makes it available again', () => {
    const half = advance(openAt(T0), T0 + 30_000);
    const taken = takeTrial(half);
    expect(taken).toEqual({ status: 'half_open', consecutiveFailures: 3, trialInFlight: true });
    expect(takeTrial(taken)).toBe(taken);
    const released = releaseTrial(taken);
    expect(released).toEqual({ status: 'half_open', consecutiveFailures: 3, trialInFlight: false });
    expect(releaseTrial(released)).toBe(released);
    expect(takeTrial(released)).toEqual({ status: 'half_open', consecutiveFailures: 3, trialInFlight: true });
  });

  it('takeTrial / releaseTrial do nothing outside half-open', () => {
    const open = openAt(T0);
    expect(takeTrial(open)).toBe(open);
    expect(releaseTrial(open)).toBe(open);
    expect(takeTrial(closedBreaker)).toBe(closedBreaker);
    expect(releaseTrial(closedBreaker)).toBe(closedBreaker);
  });

  it('half-open → open again on a key failure, for max(cooldownMs, hint) from now', () => {
    const trial = takeTrial(advance(openAt(T0), T0 + 30_000));
    expect(onKeyFailure(trial, T0 + 40_000, options)).toEqual({ status: 'open', consecutiveFailures: 4, until: T0 + 70_000 });
    expect(onKeyFailure(trial, T0 + 40_000, options, 100_000)).toEqual({ status: 'open', consecutiveFailures: 4, until: T0 + 140_000 });
  });

  it('success in half-open → closed with zero failures', () => {
    const trial = takeTrial(advance(openAt(T0), T0 + 30_000));
    expect(onSuccess(trial)).toEqual({ status: 'closed', consecutiveFailures: 0 });
  });

  it('a failure while open can only extend until, by the hint', () => {
    const open = openAt(T0);
    expect(onKeyFailure(open, T0 + 1000, options)).toEqual({ status: 'open', consecutiveFailures: 4, until: T0 + 30_000 });
    expect(onKeyFailure(open, T0 + 1000, options, 60_000)).toEqual({ status: 'open', consecutiveFailures: 4, until: T0 + 61_000 });
  });

  it('never mutates its input', () => {
    const states: BreakerState[] = [
      freeze(closedBreaker),
      freeze({ status: 'closed', consecutiveFailures: 2 }),
      freeze({ status: 'open', consecutiveFailures: 3, until: T0 }),
      freeze({ status: 'half_open', consecutiveFailures: 3, trialInFlight: false }),
      freeze({ status: 'half_open', consecutiveFailures: 3, trialInFlight: true }),
    ];
    for (const state of states) {
      const before = { ...state };
      onKeyFailure(state, T0, options, 5);
      onSuccess(state);
      advance(state, T0 + 1e9);
      takeTrial(state);
      releaseTrial(state);
      expect(state).toEqual(before);
    }
  });
});

// ---- model-based test ------------------------------------------------------------------------

type Command =
  | { type: 'keyFailure'; hint: number | undefined }
  | { type: 'success' }
  | { type: 'tick'; ms: number }
  | { type: 'takeTrial' }
  | { type: 'releaseTrial' };

/** An independent, mutable re-statement of the breaker rules from PRODUCT.md. */
class BreakerModel {
  status: 'closed' | 'open' | 'half_open' = 'closed';
  failures = 0;
  until = 0;
  trial = false;
  openedAt = 0;
  openedWithHint = 0;

  constructor(private readonly opts: BreakerOptions) {}

  keyFailure(now: number, hint: number): void {
    this.failures += 1;
    if (this.status === 'open') {
      // A late failure while open: never shortens the wait, a longer hint extends it.
      if (now + hint > this.until) this.until = now + hint;
      return;
    }
    if (this.status === 'half_open' || this.failures >= this.opts.failureThreshold) {
      this.status = 'open';
      this.until = now + (hint > this.opts.cooldownMs ? hint : this.opts.cooldownMs);
      this.trial = false;
      this.openedAt = now;
      this.openedWithHint = hint;
    }
  }

  success(): void {
    if (this.status === 'open') return;
    this.status = 'closed';
    this.failures = 0;
    this.trial = false;
  }

  tick(now: number): void {
    if (this.status === 'open' && now >= this.until) {
      this.status = 'half_open';
      this.trial = false;
    }
  }

  takeTrial(): void {
    if (this.status === 'half_open') this.trial = true;
  }

  releaseTrial(): void {
    if (this.status === 'half_open') this.trial = false;
  }
}

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: undefined }).map((hint) => ({ type: 'keyFailure' as const, hint })) },
  { weight: 2, arbitrary: fc.constant({ type: 'success' as const }) },
  { weight: 3, arbitrary: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 300_000 })).map((ms) => ({ type: 'tick' as const, ms })) },
  { weight: 2, arbitrary: fc.constant({ type: 'takeTrial' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'releaseTrial' as const }) },
);

describe('breaker: model-based', () => {
  it('the pure transitions agree with an independent model after every step', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.array(command, { minLength: 1, maxLength: 80 }),
        (failureThreshold, cooldownMs, commands) => {
          const opts: BreakerOptions = { failureThreshold, cooldownMs };
          const model = new BreakerModel(opts);
          let state: BreakerState = closedBreaker;
          let now = T0;
          for (const cmd of commands) {
            const before = freeze(state);
            switch (cmd.type) {
              case 'keyFailure':
                state = cmd.hint === undefined ? onKeyFailure(before, now, opts) : onKeyFailure(before, now, opts, cmd.hint);
                model.keyFailure(now, cmd.hint ?? 0);
                break;
              case 'success':
                state = onSuccess(before);
                model.success();
                break;
              case 'tick':
                now += cmd.ms;
                state = advance(before, now);
                model.tick(now);
                break;
              case 'takeTrial':
                state = takeTrial(before);
                model.takeTrial();
                break;
              case 'releaseTrial':
                state = releaseTrial(before);
                model.releaseTrial();
                break;
            }

            expect(state.status).toBe(model.status);
            expect(state.consecutiveFailures).toBe(model.failures);
            switch (state.status) {
              case 'closed':
                expect(Object.keys(state).sort()).toEqual(['consecutiveFailures', 'status']);
                expect(state.consecutiveFailures).toBeLessThan(failureThreshold);
                break;
              case 'open':
                expect(Object.keys(state).sort()).toEqual(['consecutiveFailures', 'status', 'until']);
                expect(state.until).toBe(model.until);
                expect(state.until).toBeGreaterThanOrEqual(model.openedAt + cooldownMs);
                expect(state.until).toBeGreaterThanOrEqual(model.openedAt + model.openedWithHint);
                expect(state.consecutiveFailures).toBeGreaterThanOrEqual(failureThreshold);
                break;
              case 'half_open':
                expect(Object.keys(state).sort()).toEqual(['consecutiveFailures', 'status', 'trialInFlight']);
                expect(typeof state.trialInFlight).toBe('boolean');
                expect(state.trialInFlight).toBe(model.trial);
                expect(state.consecutiveFailures).toBeGreaterThanOrEqual(failureThreshold);
                break;
            }
          }
        },
      ),
      { seed: 0x62726b72, numRuns: 400 },
    );
  });
});
