import { createHash } from 'node:crypto';
import type { SharedKeyState } from '../store/state-store.js';
import type { KeyEntry } from './key-entry.js';

/**
 * How far ahead of this process's clock a shared state may be stamped and still be believed. A
 * fleet on NTP agrees within milliseconds; a state from further ahead comes from a member with a
 * wrong clock (or from anyone who can write to the store) and would otherwise win every later
 * "newest write wins" comparison.
 */
export const clockSkewAllowanceMs = 5_000;

/** The longest times this pool would itself ever set, which bound whatever a store hands it. */
export interface SharedBounds {
  maxCooldownMs: number;
  quotaCooldownMs: number;
  /** `breaker.cooldownMs`: a circuit stays open for at least that long. */
  breakerCooldownMs: number;
}

/** A digest of a key's secret that tells keys sharing an id apart; never reversible to the secret. */
export function fingerprintOf(secret: string): string {
  return createHash('sha256').update('keymesh/key-fingerprint/v1\0').update(secret).digest('base64url').slice(0, 16);
}

/**
 * A state from a store, with every time cut to what this pool could have set itself: cooldowns and
 * timed disables to now + `maxCooldownMs`, an open circuit to now + the longer of that and
 * `breaker.cooldownMs`, a quota disable without an end (this pool never writes one) to now +
 * `quotaCooldownMs`. A bug, a wrong clock or a forged value then sidelines a key no longer than
 * a provider's longest hint would.
 */
export function boundShared(state: SharedKeyState, now: number, bounds: SharedBounds): SharedKeyState {
  const longest = now + bounds.maxCooldownMs;
  const disabled = state.disabled;
  return {
    ...state,
    cooldownUntil: Math.min(state.cooldownUntil, longest),
    openUntil: Math.min(state.openUntil, now + Math.max(bounds.maxCooldownMs, bounds.breakerCooldownMs)),
    disabled:
      disabled === null ? null
      : disabled.until !== null ? { reason: disabled.reason, until: Math.min(disabled.until, longest) }
      : disabled.reason === 'quota_exhausted' ? { reason: disabled.reason, until: now + bounds.quotaCooldownMs }
      : disabled,
  };
}

/** The eligibility-deciding part of a key, as a store keeps it. */
export function toShared(entry: KeyEntry, now: number, source: string, fingerprint?: string, operator = false): SharedKeyState {
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
    // An ejection (outlier) travels with its reason, so other processes know the circuit opened for it.
    ...(breaker.status !== 'closed' && entry.openReason === 'outlier' ? { openReason: 'outlier' as const } : {}),
    ...(fingerprint === undefined ? {} : { fingerprint }),
    ...(operator ? { operator: true as const } : {}),
  };
}

/** Applies another process's state to a local key. Returns true when the breaker or disabled status changed. */
export function applyShared(entry: KeyEntry, state: SharedKeyState): boolean {
  const before = entry.state();
  // An operator's change may be applied over a slightly newer one: the newest stamp stays.
  entry.stateUpdatedAt = Math.max(entry.stateUpdatedAt, state.updatedAt);
  entry.cooldownUntil = state.cooldownUntil;
  entry.disabled = state.disabled ? { reason: state.disabled.reason, until: state.disabled.until ?? Infinity } : undefined;
  if (state.breaker === 'open') {
    entry.breaker = { status: 'open', consecutiveFailures: state.consecutiveFailures, until: state.openUntil };
    entry.openReason = state.openReason ?? 'failures';
  } else if (entry.breaker.status !== 'closed' || entry.breaker.consecutiveFailures !== state.consecutiveFailures) {
    entry.breaker = { status: 'closed', consecutiveFailures: state.consecutiveFailures };
  }
  const changed = entry.state() !== before || state.breaker === 'open';
  if (changed) entry.generation++;
  return changed;
}
