import { closedBreaker, type BreakerState } from '../breaker/breaker-state.js';
import type { OutcomeKind } from '../classify/outcome.js';
import type { SelectableKey } from '../strategies/strategy.js';
import type { NormalizedKey } from './key-spec.js';
import { PoolKey } from './pool-key.js';

export type DisabledReason = 'quota_exhausted' | 'key_rejected' | 'manual';

/** One key's run-time state inside a pool. Mutated only by the pool. */
export class KeyEntry implements SelectableKey {
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
  headroom = 1;
  headroomUnit = 0;
  /** `sequence` of the attempt whose answer gave the current `headroom` (answers arrive out of order). */
  headroomSequence = 0;

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

  /**
   * The requests sent since the provider's last quota reading claim all it said remained: one
   * more now would only earn a 429. Holds only while some are in flight, since their answers bring
   * the next reading (so a key never stays stuck on a stale one).
   */
  quotaClaimed(): boolean {
    if (this.headroomUnit === 0 || this.inFlight === 0) return false;
    const remaining = Math.round(this.headroom / this.headroomUnit);
    return this.requests - this.headroomSequence >= remaining;
  }

  state(): 'closed' | 'open' | 'half_open' | 'disabled' {
    return this.disabled ? 'disabled' : this.breaker.status;
  }
}
