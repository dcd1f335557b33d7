import type { OutcomeKind } from '../classify/outcome.js';
import type { KeyEntry } from './key-entry.js';

export interface KeySnapshot {
  id: string;
  /** Masked secret, e.g. `sk-…9f3a`. */
  hint: string;
  state: 'closed' | 'open' | 'half_open' | 'disabled';
  /** Can take a request now (an open key whose time has passed takes the half-open trial). */
  available: boolean;
  /** Epoch ms from which the key can serve (≤ now when available); null while disabled until enabled. */
  availableAt: number | null;
  /** Why the key is disabled, when it is. */
  disabledReason: 'quota_exhausted' | 'key_rejected' | 'manual' | null;
  consecutiveFailures: number;
  inFlight: number;
  requests: number;
  failures: number;
  lastErrorKind: OutcomeKind | null;
  /** Remaining provider quota in [0, 1] from rate-limit headers; null until reported. */
  headroom: number | null;
  weight: number;
  priority: number;
}

export interface PoolSnapshot {
  name: string;
  /** Keys that can take a request now. */
  available: number;
  /** True while at least one key can serve. */
  healthy: boolean;
  size: number;
  at: number;
  keys: KeySnapshot[];
}

export function snapshotKey(entry: KeyEntry, now: number): KeySnapshot {
  const at = entry.availableAt();
  return {
    id: entry.id,
    hint: entry.hint,
    state: entry.state(),
    available: at <= now,
    availableAt: Number.isFinite(at) ? at : null,
    disabledReason: entry.disabled?.reason ?? null,
    consecutiveFailures: entry.breaker.consecutiveFailures,
    inFlight: entry.inFlight,
    requests: entry.requests,
    failures: entry.failures,
    lastErrorKind: entry.lastErrorKind ?? null,
    headroom: entry.headroomUnit === 0 && entry.headroom === 1 ? null : entry.headroom,
    weight: entry.weight,
    priority: entry.priority,
  };
}
