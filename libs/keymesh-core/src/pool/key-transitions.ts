import { onKeyFailure } from '../breaker/breaker.js';
import { closedBreaker } from '../breaker/breaker-state.js';
import type { HeaderSource } from '../classify/headers.js';
import type { Outcome } from '../classify/outcome.js';
import { readRateLimitHeaders } from '../classify/rate-limit-headers.js';
import type { Clock } from '../clock.js';
import type { EventEmitter } from '../events/event-emitter.js';
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
  /** Records a key's new state (in the shared store, when there is one). */
  share(key: KeyEntry, now: number): void;
}

/**
 * How one key's state changes in reaction to an outcome or a quota reading — cooldowns, the
 * breaker, disabling, re-enabling — with the event each change emits. Payloads are built only
 * when someone listens.
 */
export class KeyTransitions {
  constructor(private readonly pool: PoolParts) {}

  /** A 429: sideline the key until its hint (or a short cooldown growing with consecutive 429s) and count it against the breaker. */
  rateLimited(key: KeyEntry, outcome: Outcome, now: number, fresh: boolean): void {
    const { options, events } = this.pool;
    const hinted = outcome.retryAfterMs !== undefined;
    const cooldownMs = hinted
      ? outcome.retryAfterMs!
      : Math.min(options.breaker.cooldownMs, options.rateLimitCooldownMs * 2 ** Math.min(key.breaker.consecutiveFailures, 30));
    key.cooldownUntil = Math.max(key.cooldownUntil, now + cooldownMs);
    key.cooldownSource = 'rate_limited';
    if (fresh) this.#countKeyFailure(key, now, outcome.retryAfterMs ?? 0);
    this.pool.share(key, now);
    if (events.has('key.rate_limited')) events.emit('key.rate_limited', { pool: this.pool.name, keyId: key.id, retryAfterMs: cooldownMs, until: key.cooldownUntil, source: hinted ? 'hint' : 'default', at: now });
  }

  disable(key: KeyEntry, reason: DisabledReason, now: number, hintMs: number | undefined, fresh: boolean): void {
    const { options, events } = this.pool;
    const until = reason === 'quota_exhausted' ? now + Math.min(Math.max(options.quotaCooldownMs, hintMs ?? 0), options.maxCooldownMs) : Infinity;
    // Concurrent requests already in flight on the key report the same verdict: one transition, one event.
    if (key.disabled?.reason === reason && key.disabled.until >= until) return;
    if (fresh) this.#countKeyFailure(key, now, 0);
    key.disabled = { reason, until };
    key.generation++;
    this.pool.share(key, now);
    if (events.has('key.disabled')) events.emit('key.disabled', { pool: this.pool.name, keyId: key.id, reason, until: Number.isFinite(until) ? until : null, at: now });
  }

  /** The half-open trial succeeded: the circuit closes. */
  closeCircuit(key: KeyEntry, now: number): void {
    key.breaker = closedBreaker;
    key.generation++;
    this.pool.share(key, now);
    if (this.pool.events.has('circuit.closed')) this.pool.events.emit('circuit.closed', { pool: this.pool.name, keyId: key.id, at: now });
  }

  /** `enableKey`: back into rotation with a closed breaker, whatever disabled or sidelined it. */
  enable(key: KeyEntry, now: number): void {
    key.disabled = undefined;
    key.breaker = closedBreaker;
    key.cooldownUntil = 0;
    key.generation++;
    this.pool.share(key, now);
    if (this.pool.events.has('key.enabled')) this.pool.events.emit('key.enabled', { pool: this.pool.name, keyId: key.id, reason: 'manual', at: now });
  }

  /**
   * A successful answer's quota headers (`ctx.observe`). Returns true when the key just became
   * able to take requests again, so waiting requests can be woken.
   */
  observe(key: KeyEntry, sequence: number, headers: HeaderSource): boolean {
    // Answers arrive out of order. A reading from a request sent before the one behind the current
    // reading is older news (about this window, or one that has since reset): it changes nothing.
    if (sequence < key.headroomSequence) return false;
    const { clock, keys, options, events } = this.pool;
    const now = clock.now();
    const reading = readRateLimitHeaders(headers, now, options.maxCooldownMs);
    let freed = false;
    if (reading.headroom !== undefined) {
      key.headroom = reading.headroom;
      key.headroomUnit = reading.headroomUnit;
      key.headroomSequence = sequence;
      freed = keys.touch(key, now);
    }
    if (reading.exhaustedForMs !== undefined && reading.exhaustedForMs > 0 && now + reading.exhaustedForMs > key.cooldownUntil) {
      key.cooldownUntil = now + reading.exhaustedForMs;
      key.cooldownSource = 'quota_headers';
      keys.refresh(key, now);
      this.pool.share(key, now);
      const retryAfterMs = reading.exhaustedForMs;
      if (events.has('key.rate_limited')) events.emit('key.rate_limited', { pool: this.pool.name, keyId: key.id, retryAfterMs, until: key.cooldownUntil, source: 'headers', at: now });
    }
    return freed;
  }

  #countKeyFailure(key: KeyEntry, now: number, hintMs: number): void {
    const before = key.breaker.status;
    key.breaker = onKeyFailure(key.breaker, now, this.pool.options.breaker, hintMs);
    if (key.breaker.status === 'open' && before !== 'open') {
      key.generation++;
      const { until, consecutiveFailures } = key.breaker;
      if (this.pool.events.has('circuit.opened')) this.pool.events.emit('circuit.opened', { pool: this.pool.name, keyId: key.id, until, consecutiveFailures, at: now });
    }
  }
}
