import type { SharedKeyState } from '@keymesh/core';

/**
 * How long a key's stored state lives: at least `minTtlMs` (24 h by default), longer while
 * something in it is still in force (a cooldown, an open breaker, a timed disable). Abandoned
 * keys, pools and prefixes therefore disappear by themselves; a key disabled until `enableKey`
 * is remembered for `minTtlMs` after its last change, then a new process tries it once more.
 *
 * Measured from the state's own `updatedAt`, so a pool on a test clock gets the same lifetime.
 */
export function expiryMs(state: SharedKeyState, minTtlMs: number): number {
  const until = Math.max(state.cooldownUntil, state.breaker === 'open' ? state.openUntil : 0, state.disabled?.until ?? 0);
  return Math.max(minTtlMs, Math.ceil(until - state.updatedAt));
}

/** Whether a state still changes what a pool does at `now` (worth restoring to a Redis that lost it). */
export function inForce(state: SharedKeyState, now: number): boolean {
  if (state.disabled !== null) return state.disabled.until === null || state.disabled.until > now;
  return state.cooldownUntil > now || state.breaker === 'open' || state.consecutiveFailures > 0;
}
