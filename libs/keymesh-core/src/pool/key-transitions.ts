import type { OutlierDetector } from '../breaker/outliers.js';
import { onKeyFailure, trip } from '../breaker/breaker.js';
import { closedBreaker } from '../breaker/breaker-state.js';
import type { HeaderSource } from '../classify/headers.js';
import type { Outcome } from '../classify/outcome.js';
import { readRateLimitHeaders } from '../classify/rate-limit-headers.js';
import type { Clock } from '../clock.js';
import type { EventEmitter } from '../events/event-emitter.js';
import type { Limit, LimitCooldownSource } from '../limits/limit.js';
import type { CircuitOpenReason } from '../store/state-store.js';
import type { Attempt } from './attempt-context.js';
import type { DisabledReason, KeyEntry } from './key-entry.js';
import type { KeySet } from './key-set.js';
import type { ResolvedOptions } from './options.js';

/** What the transitions need of their pool. */
export interface PoolParts {
  readonly name: string;
  readonly options: ResolvedOptions;
  readonly clock: Clock;
  readonly keys: KeySet;
  readonly events: EventEmitter;
  readonly outliers: OutlierDetector;
  /** Records a key's new state (in the shared store, when there is one); `operator`: by `enableKey` / `disableKey`, whose word wins. */
  share(key: KeyEntry, now: number, operator?: boolean): void;
  /** Records a limit's new cooldown (in the shared store, when there is one). */
  shareLimit(groupId: string, limit: Limit, now: number): void;
  /** A quota reading from a key's answer, for shared-quota detection. */
  readingSeen(key: KeyEntry, limit: Limit, now: number): void;
}

/**
 * How one key's state — and its limits' — change in reaction to an outcome or a quota reading:
 * cooldowns per (group, scope), the breaker, outlier ejection, disabling, re-enabling, with the
 * event each change emits. Payloads are built only when someone listens.
 */
export class KeyTransitions {
  constructor(private readonly pool: PoolParts) {}

  /**
   * A 429. It sidelines the limit it names — the request's scope, and the scope of the model the
   * provider's answer names when that differs — never the whole key. A hinted 429 is the
   * provider's exact instruction: its limit waits for the hint and the breaker does not count it.
   * An unhinted one waits a short cooldown that doubles with consecutive 429s, and counts.
   */
  rateLimited(attempt: Attempt, outcome: Outcome, now: number, fresh: boolean): void {
    const key = attempt.key;
    const hinted = outcome.retryAfterMs !== undefined;
    const limit = key.limitFor(attempt.scope);
    let cooldownMs: number;
    if (hinted) cooldownMs = outcome.retryAfterMs!;
    else {
      const { breaker, rateLimitCooldownMs } = this.pool.options;
      cooldownMs = Math.min(breaker.cooldownMs, rateLimitCooldownMs * 2 ** Math.min(limit.consecutive429++, 30));
      if (fresh) this.#countKeyFailure(key, attempt.sequence, now, 0);
    }
    const source = hinted ? 'hint' : 'default';
    this.#sideline(key, limit, now + cooldownMs, 'rate_limited', source, now);
    const named = outcome.limit?.model;
    if (named !== undefined) {
      const scopeOf = this.pool.options.scopeOf;
      const scope = scopeOf === undefined ? named : scopeOf(named);
      if (scope !== attempt.scope) this.#sideline(key, key.group.limit(scope), now + cooldownMs, 'rate_limited', source, now);
    }
  }

  /**
   * Out of quota or credit: billing, which the whole quota group shares, so every key of the group
   * is disabled. Key rejected: that key only. A result from a call that started before the key's
   * last state change (stale) changes nothing.
   */
  disable(key: KeyEntry, reason: DisabledReason, now: number, hintMs: number | undefined, fresh: boolean): void {
    if (!fresh && reason !== 'manual') return;
    if (reason !== 'quota_exhausted') {
      this.#disableOne(key, reason, now, hintMs, fresh);
      return;
    }
    for (const member of [...key.group.keys]) {
      this.#disableOne(member, reason, now, hintMs, fresh && member === key);
      if (member !== key) this.pool.keys.refresh(member, now);
    }
  }

  /** The half-open trial succeeded: the circuit closes. */
  closeCircuit(key: KeyEntry, now: number): void {
    key.breaker = closedBreaker;
    key.generation++;
    this.pool.outliers.reinstate(key);
    this.pool.share(key, now);
    if (this.pool.events.has('circuit.closed')) this.pool.events.emit('circuit.closed', { pool: this.pool.name, keyId: key.id, at: now });
  }

  /** `enableKey`: back into rotation with a closed breaker, whatever disabled or sidelined it (its group's limits included). */
  enable(key: KeyEntry, now: number): void {
    key.disabled = undefined;
    key.breaker = closedBreaker;
    key.cooldownUntil = 0;
    key.generation++;
    this.pool.outliers.reinstate(key);
    for (const limit of key.group.limits.values()) {
      if (limit.cooldownUntil === 0) continue;
      limit.cooldownUntil = 0;
      limit.consecutive429 = 0;
      this.pool.shareLimit(key.group.id, limit, now);
    }
    this.pool.share(key, now, true);
    if (this.pool.events.has('key.enabled')) this.pool.events.emit('key.enabled', { pool: this.pool.name, keyId: key.id, reason: 'manual', at: now });
  }

  /**
   * Provider trouble on a key. Returns true when it made the key an outlier: failing
   * `failureThreshold` times in a row while other keys succeed, so it is ejected (its breaker
   * opens with reason `outlier`). During an outage nothing is ejected.
   */
  troubled(attempt: Attempt, now: number, fresh: boolean): boolean {
    const { outliers, keys } = this.pool;
    const key = attempt.key;
    if (!fresh) return false;
    if (attempt.trial && outliers.stillSick(key, keys.size)) {
      this.#open(key, trip(key.breaker, now, this.pool.options.breaker), now, 'outlier');
      return true;
    }
    if (!outliers.troubled(key, attempt.sequence, attempt.successMark, keys.size) || key.breaker.status !== 'closed') return false;
    outliers.eject(key);
    this.#open(key, trip(key.breaker, now, this.pool.options.breaker), now, 'outlier');
    return true;
  }

  /**
   * A successful answer's quota headers (`ctx.observe`): the reading of the request's limit, per
   * dimension. Returns true when a request that could not be admitted may now be, so waiting
   * requests can be woken.
   */
  observe(attempt: Attempt, headers: HeaderSource): boolean {
    const limit = attempt.limit;
    if (limit === undefined) return false;
    const { clock, keys, options } = this.pool;
    const now = clock.now();
    const reading = readRateLimitHeaders(headers, now, options.maxCooldownMs);
    // Answers arrive out of order: a reading from a request sent before the one behind the current
    // reading is older news (about this window, or one that has since reset): it changes nothing.
    if (!limit.read(attempt.limitSequence, reading.dimensions, now)) return false;
    const key = attempt.key;
    if (reading.headroom !== undefined) {
      key.headroom = reading.headroom;
      key.headroomUnit = reading.headroomUnit;
      keys.touch(key);
    }
    if (reading.exhaustedForMs !== undefined && reading.exhaustedForMs > 0 && now + reading.exhaustedForMs > limit.cooldownUntil) {
      this.#sideline(key, limit, now + reading.exhaustedForMs, 'quota_headers', 'headers', now);
    }
    this.pool.readingSeen(key, limit, now);
    return this.unblocked(limit);
  }

  /** Whether a limit that turned a request away may take one now (its flag is cleared). */
  unblocked(limit: Limit): boolean {
    if (!limit.blocking) return false;
    limit.blocking = false;
    return true;
  }

  #sideline(key: KeyEntry, limit: Limit, until: number, cause: LimitCooldownSource, source: 'hint' | 'default' | 'headers', now: number): void {
    if (until <= limit.cooldownUntil) return;
    limit.cooldownUntil = until;
    limit.cooldownSource = cause;
    limit.updatedAt = now;
    this.pool.shareLimit(key.group.id, limit, now);
    const { events, name } = this.pool;
    if (events.has('key.rate_limited')) {
      events.emit('key.rate_limited', { pool: name, keyId: key.id, retryAfterMs: until - now, until, source, scope: limit.scope, group: key.group.id, at: now });
    }
  }

  #disableOne(key: KeyEntry, reason: DisabledReason, now: number, hintMs: number | undefined, fresh: boolean): void {
    const { options, events } = this.pool;
    const until = reason === 'quota_exhausted' ? now + Math.min(Math.max(options.quotaCooldownMs, hintMs ?? 0), options.maxCooldownMs) : Infinity;
    // Concurrent requests already in flight on the key report the same verdict: one transition, one event.
    if (key.disabled?.reason === reason && key.disabled.until >= until) return;
    if (fresh) this.#countKeyFailure(key, Infinity, now, 0);
    key.disabled = { reason, until };
    key.generation++;
    this.pool.share(key, now, reason === 'manual');
    if (events.has('key.disabled')) events.emit('key.disabled', { pool: this.pool.name, keyId: key.id, reason, until: Number.isFinite(until) ? until : null, at: now });
  }

  /** Counts a key-scoped failure; answers of requests already in flight when the last one was counted are the same event. */
  #countKeyFailure(key: KeyEntry, sequence: number, now: number, hintMs: number): void {
    if (sequence <= key.countedThrough) return;
    key.countedThrough = key.requests;
    const before = key.breaker.status;
    const next = onKeyFailure(key.breaker, now, this.pool.options.breaker, hintMs);
    if (next.status === 'open' && before !== 'open') this.#open(key, next, now, 'failures');
    else key.breaker = next;
  }

  #open(key: KeyEntry, breaker: KeyEntry['breaker'], now: number, reason: CircuitOpenReason): void {
    key.breaker = breaker;
    key.openReason = reason;
    key.generation++;
    this.pool.keys.refresh(key, now);
    this.pool.share(key, now);
    if (breaker.status !== 'open') return;
    const { until, consecutiveFailures } = breaker;
    if (this.pool.events.has('circuit.opened')) this.pool.events.emit('circuit.opened', { pool: this.pool.name, keyId: key.id, until, consecutiveFailures, reason, at: now });
  }
}
