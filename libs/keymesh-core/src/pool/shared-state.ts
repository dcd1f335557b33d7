import type { SharedKeyState } from '../store/state-store.js';
import type { KeyEntry } from './key-entry.js';

/** The eligibility-deciding part of a key, as a store keeps it. */
export function toShared(entry: KeyEntry, now: number, source: string): SharedKeyState {
  const breaker = entry.breaker;
  return {
    cooldownUntil: entry.cooldownUntil,
    // Half-open is "open, time passed": other processes derive it the same way.
    breaker: breaker.status === 'closed' ? 'closed' : 'open',
    openUntil: breaker.status === 'open' ? breaker.until : breaker.status === 'half_open' ? now : 0,
    consecutiveFailures: breaker.consecutiveFailures,
    disabled: entry.disabled ? { reason: entry.disabled.reason, until: Number.isFinite(entry.disabled.until) ? entry.disabled.until : null } : null,
    updatedAt: now,
    source,
  };
}

/** Applies another process's state to a local key. Returns true when the breaker or disabled status changed. */
export function applyShared(entry: KeyEntry, state: SharedKeyState): boolean {
  const before = entry.state();
  entry.stateUpdatedAt = state.updatedAt;
  entry.cooldownUntil = state.cooldownUntil;
  entry.disabled = state.disabled ? { reason: state.disabled.reason, until: state.disabled.until ?? Infinity } : undefined;
  if (state.breaker === 'open') {
    entry.breaker = { status: 'open', consecutiveFailures: state.consecutiveFailures, until: state.openUntil };
  } else if (entry.breaker.status !== 'closed' || entry.breaker.consecutiveFailures !== state.consecutiveFailures) {
    entry.breaker = { status: 'closed', consecutiveFailures: state.consecutiveFailures };
  }
  const changed = entry.state() !== before || state.breaker === 'open';
  if (changed) entry.generation++;
  return changed;
}
