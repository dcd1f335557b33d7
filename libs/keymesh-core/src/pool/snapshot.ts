import type { OutcomeKind } from '../classify/outcome.js';
import { dimensionCount, dimensionNames } from '../limits/dimensions.js';
import type { Limit } from '../limits/limit.js';
import type { SharedQuotaFinding } from '../limits/shared-quota.js';
import type { LimitDimension } from '../request/request-info.js';
import type { StoreHealth } from '../store/state-store.js';
import type { KeyEntry } from './key-entry.js';

/** Per dimension the provider reported; absent dimensions are not limited as far as anyone knows. */
export type PerDimension = Partial<Record<LimitDimension, number>>;

/** One limit of a key's quota group: the group's allowance for one scope. */
export interface LimitSnapshot {
  scope: string;
  /** Not sidelined for this scope (a request may still wait for its cost to fit). */
  available: boolean;
  /** Epoch ms from which the limit takes requests again (≤ now when available). */
  availableAt: number;
  /** What the last current reading said remains, less what requests in flight reserved. */
  remaining: PerDimension;
  /** Costs reserved by requests sent since the last reading and not yet answered. */
  reserved: PerDimension;
  /** The whole limit per window, as last reported. */
  limit: PerDimension;
}

export interface KeySnapshot {
  id: string;
  /** Masked secret, e.g. `sk-…9f3a`. */
  hint: string;
  /** The quota group: the declared `group`, a detected group's id, or the key id of a key alone. */
  group: string;
  state: 'closed' | 'open' | 'half_open' | 'disabled';
  /** Can serve at least one scope it has seen (the default scope when none) now; an open key whose time has passed takes the half-open trial. */
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
  /** The group's limits, one per scope seen. */
  limits: LimitSnapshot[];
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
  /** Keys found to share one provider quota although declared apart (shared-quota detection). */
  sharedQuotas: SharedQuotaFinding[];
  /** The shared store's own state (a store given as `store` that reports it): `up`, or why the pool serves from local state. */
  store?: StoreHealth;
  /** Requests waiting for a key, and whether the pool refuses new ones (overload). */
  queue: QueueSnapshot;
}

/** The pool's wait queue. */
export interface QueueSnapshot {
  /** Requests waiting for a key, over all scopes. */
  length: number;
  /** How long the longest-waiting one has waited, ms; 0 when none waits. */
  oldestWaitMs: number;
  /** True while the queue stands and requests that would wait long are refused at once (see the `overload` option). */
  refusing: boolean;
}

export function snapshotKey(entry: KeyEntry, now: number): KeySnapshot {
  const at = entry.servesAt();
  return {
    id: entry.id,
    hint: entry.hint,
    group: entry.group.id,
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
    limits: [...entry.group.limits.values()].map((limit) => snapshotLimit(limit, now)),
  };
}

export function snapshotLimit(limit: Limit, now: number): LimitSnapshot {
  const remaining: PerDimension = {};
  const reserved: PerDimension = {};
  const whole: PerDimension = {};
  for (let d = 0; d < dimensionCount; d++) {
    const left = limit.remainingOf(d, now);
    if (left === null) continue;
    const name = dimensionNames[d]!;
    remaining[name] = left;
    reserved[name] = limit.reserved[d]!;
    if (!Number.isNaN(limit.whole[d])) whole[name] = limit.whole[d]!;
  }
  const availableAt = Math.max(limit.cooldownUntil, 0);
  return { scope: limit.scope, available: limit.cooldownUntil <= now, availableAt: availableAt <= now ? Math.min(availableAt, now) : availableAt, remaining, reserved, limit: whole };
}
