import { closedBreaker, type BreakerOptions, type BreakerState } from './breaker-state.js';

/**
 * Pure transitions of the per-key breaker. The pool applies them only to results of calls
 * that started in the current state generation, so a late result never flips the state.
 */

/** A key-scoped failure (rate limited, rejected, out of quota). `hintMs` is the provider's wait, if any. */
export function onKeyFailure(state: BreakerState, now: number, options: BreakerOptions, hintMs = 0): BreakerState {
  const consecutiveFailures = state.consecutiveFailures + 1;
  const until = now + Math.max(options.cooldownMs, hintMs);
  switch (state.status) {
    case 'closed':
      return consecutiveFailures >= options.failureThreshold
        ? { status: 'open', consecutiveFailures, until }
        : { status: 'closed', consecutiveFailures };
    case 'half_open':
      return { status: 'open', consecutiveFailures, until };
    case 'open':
      return { status: 'open', consecutiveFailures, until: Math.max(state.until, now + hintMs) };
  }
}

/** Opens the circuit now, whatever its state (an outlier ejection): for max(cooldownMs, hint). */
export function trip(state: BreakerState, now: number, options: BreakerOptions, hintMs = 0): BreakerState {
  return { status: 'open', consecutiveFailures: state.consecutiveFailures + 1, until: now + Math.max(options.cooldownMs, hintMs) };
}

export function onSuccess(state: BreakerState): BreakerState {
  if (state.status === 'open') return state;
  return state.consecutiveFailures === 0 && state.status === 'closed' ? state : closedBreaker;
}

/** Open → half-open once its time has passed; everything else is unchanged. */
export function advance(state: BreakerState, now: number): BreakerState {
  return state.status === 'open' && state.until <= now
    ? { status: 'half_open', consecutiveFailures: state.consecutiveFailures, trialInFlight: false }
    : state;
}

/** Takes the single half-open trial; returns the same state when there is none to take. */
export function takeTrial(state: BreakerState): BreakerState {
  return state.status === 'half_open' && !state.trialInFlight ? { ...state, trialInFlight: true } : state;
}

/** The trial ended without a verdict on the key (provider trouble, caller's fault, abort). */
export function releaseTrial(state: BreakerState): BreakerState {
  return state.status === 'half_open' && state.trialInFlight ? { ...state, trialInFlight: false } : state;
}
