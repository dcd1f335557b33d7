import { closedBreaker, type BreakerState } from '../breaker/breaker-state.js';
import type { OutcomeKind } from '../classify/outcome.js';
import type { TroubleTracked } from '../breaker/outliers.js';
import type { Limit } from '../limits/limit.js';
import type { QuotaGroup } from '../limits/quota-group.js';
import type { CircuitOpenReason } from '../store/state-store.js';
import type { SelectableKey } from '../strategies/strategy.js';
import type { NormalizedKey } from './key-spec.js';
import { PoolKey } from './pool-key.js';

export type DisabledReason = 'quota_exhausted' | 'key_rejected' | 'manual';

/** One key's run-time state inside a pool. Mutated only by the pool. */
export class KeyEntry implements SelectableKey, TroubleTracked {
  readonly id: string;
  readonly hint: string;
  readonly index: number;
  readonly weight: number;
  readonly priority: number;
  readonly maxConcurrent: number;
  /** What attempts receive: id and secret, redacted when printed. */
  readonly view: PoolKey;

  slot = -1;
  /** Position in the pool's wake-up heap while sidelined for a known time. */
  wakeSlot = -1;
  /** Cached `availableAt` while in the wake-up heap. */
  wakeAt = 0;
  /** In the strategy's ready set. */
  ready = false;
  /** Available by time but unable to take a request now (at `maxConcurrent`, or its half-open trial is taken). */
  busy = false;
  removed = false;

  inFlight = 0;
  requests = 0;
  failures = 0;
  lastErrorKind: OutcomeKind | undefined;
  /** Remaining fraction of the key's last quota reading (any scope), for the `headroom` strategy. */
  headroom = 1;
  headroomUnit = 0;

  /** The quota group whose limits this key draws on (its own unless declared or detected). */
  group!: QuotaGroup<KeyEntry>;
  /** The last scope served and its limit: a request for the same scope skips the Map lookup. */
  lastScope: string | undefined;
  lastLimit: Limit | undefined;

  /** The key's request count when its last breaker failure was counted: answers of requests sent up to then are the same event. */
  countedThrough = 0;
  troubleStreak = 0;
  troubleMark = 0;
  troubleThrough = 0;
  ejected = false;
  /** Why the breaker last opened. */
  openReason: CircuitOpenReason = 'failures';
  /** Fires `circuit.half_opened` when the open period ends (unref'd, on the pool's clock). */
  halfOpenTimer: unknown;
  halfOpenAt = 0;

  breaker: BreakerState = closedBreaker;
  /** Bumped on every breaker or disable transition: results of calls started before it are stale. */
  generation = 0;
  /** Sidelined by a rate limit (or exhausted quota headers) until this epoch ms. */
  cooldownUntil = 0;
  cooldownSource: 'rate_limited' | 'quota_headers' | 'fleet_limit' = 'rate_limited';
  disabled: { reason: DisabledReason; until: number } | undefined;
  /** Epoch ms of the last shared-state change applied, to ignore older remote writes. */
  stateUpdatedAt = 0;

  constructor(key: NormalizedKey, index: number) {
    this.id = key.id;
    this.hint = key.hint;
    this.index = index;
    this.weight = key.weight;
    this.priority = key.priority;
    this.maxConcurrent = key.maxConcurrent;
    this.view = new PoolKey(key.id, key.secret);
  }

  /** Epoch ms from which the key can serve by time alone; Infinity while disabled until enabled. */
  availableAt(): number {
    if (this.disabled) return this.disabled.until;
    const breaker = this.breaker;
    return breaker.status === 'open' && breaker.until > this.cooldownUntil ? breaker.until : this.cooldownUntil;
  }

  /** The key's limit for `scope`, from its group (cached for the last scope). */
  limitFor(scope: string): Limit {
    if (scope === this.lastScope && this.lastLimit!.mergedInto === undefined) return this.lastLimit!;
    const limit = this.group.limit(scope);
    this.lastScope = scope;
    return (this.lastLimit = limit);
  }

  /**
   * Epoch ms from which the key can serve at least one scope it has seen (the default scope when
   * none): its own state, and the soonest of its group's limits.
   */
  servesAt(): number {
    const own = this.availableAt();
    if (this.group.limits.size === 0) return own;
    let soonest = Infinity;
    for (const limit of this.group.limits.values()) if (limit.cooldownUntil < soonest) soonest = limit.cooldownUntil;
    return Math.max(own, soonest);
  }

  state(): 'closed' | 'open' | 'half_open' | 'disabled' {
    return this.disabled ? 'disabled' : this.breaker.status;
  }
}
