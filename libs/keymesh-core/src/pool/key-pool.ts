import { randomUUID } from 'node:crypto';
import { fullJitterDelay } from '../backoff/full-jitter.js';
import { onKeyFailure, onSuccess, releaseTrial, takeTrial } from '../breaker/breaker.js';
import { closedBreaker } from '../breaker/breaker-state.js';
import { defaultClassifier } from '../classify/default-classifier.js';
import type { HeaderSource } from '../classify/headers.js';
import { clampHint } from '../classify/hints.js';
import { isKeyScoped, type Outcome } from '../classify/outcome.js';
import { readRateLimitHeaders } from '../classify/rate-limit-headers.js';
import { sleep, type Clock } from '../clock.js';
import { AttemptTimeoutError } from '../errors/attempt-timeout-error.js';
import { PoolClosedError } from '../errors/pool-closed-error.js';
import { EventEmitter } from '../events/event-emitter.js';
import type { KeymeshEventName, KeymeshEvents, KeymeshListener } from '../events/pool-events.js';
import { RetryTokenBucket } from '../retry/retry-tokens.js';
import { MemoryStore } from '../store/memory-store.js';
import type { StateStore } from '../store/state-store.js';
import { createStrategy } from '../strategies/index.js';
import type { SelectionStrategy } from '../strategies/strategy.js';
import { Attempt, neverAborted, raceAbort, type AttemptContext } from './attempt-context.js';
import type { DisabledReason, KeyEntry } from './key-entry.js';
import { KeyPoolKeys } from './key-pool-keys.js';
import type { KeySpec } from './key-spec.js';
import { resolveOptions, type KeyPoolOptions, type ResolvedOptions } from './options.js';
import type { PoolKey } from './pool-key.js';
import { applyShared, toShared } from './shared-state.js';
import { snapshotKey, type PoolSnapshot } from './snapshot.js';
import { exhaustedError } from './exhaustion.js';
import { KeySet } from './key-set.js';
import { Waiters } from './waiters.js';

export type AttemptFn<T> = (key: PoolKey, ctx: AttemptContext) => T | PromiseLike<T>;

export interface ExecuteOptions {
  /** Aborting it rejects `execute` at once with the signal's reason, sleeps included; nothing is retried after. */
  signal?: AbortSignal;
}

type AttemptResult<T> = { ok: true; value: T } | { ok: false; error: unknown; outcome: Outcome };

const callerAbort: Outcome = { kind: 'caller_fault' };

/**
 * A pool of API keys. `execute` runs an attempt with a key that can serve, and on failure
 * either rotates to another key at once (key-scoped failures), retries after a full-jitter
 * backoff (provider trouble), or rethrows (the caller's fault) — within `retry.budgetMs`.
 */
export class KeyPool {
  readonly name: string;
  readonly #options: ResolvedOptions;
  readonly #clock: Clock;
  readonly #keys: KeySet;
  readonly #events = new EventEmitter();
  readonly #waiters: Waiters;
  readonly #tokens: RetryTokenBucket | undefined;
  readonly #store: StateStore;
  readonly #ownsStore: boolean;
  readonly #source = randomUUID();
  readonly #admin: KeyPoolKeys;
  readonly #observer = (key: KeyEntry, headers: HeaderSource) => this.#observe(key, headers);
  #loading: Promise<void> | undefined;
  #unsubscribe: (() => void) | undefined;
  #unsubscribeErrors: (() => void) | undefined;
  #closed = false;

  constructor(options: KeyPoolOptions, internal?: { extraOptionNames?: readonly string[] }) {
    const resolved = resolveOptions(options, internal?.extraOptionNames);
    this.#options = resolved;
    this.name = resolved.name;
    this.#clock = resolved.clock;
    const strategy =
      typeof resolved.strategy === 'string'
        ? createStrategy<KeyEntry>(resolved.strategy, resolved.random)
        : (resolved.strategy as SelectionStrategy<KeyEntry>);
    this.#keys = new KeySet(strategy, {
      halfOpened: (entry) => this.#emit('circuit.half_opened', () => ({ pool: this.name, keyId: entry.id, at: this.#clock.now() })),
      reEnabled: (entry) => this.#emit('key.enabled', () => ({ pool: this.name, keyId: entry.id, at: this.#clock.now(), reason: 'cooldown_elapsed' })),
    });
    this.#admin = new KeyPoolKeys(this.#keys, resolved.clock);
    this.#admin.addAll(options.keys);
    this.#waiters = new Waiters(resolved.clock);
    this.#tokens = resolved.retry.tokens ? new RetryTokenBucket(resolved.retry.tokens) : undefined;
    this.#ownsStore = resolved.store === undefined;
    this.#store = resolved.store ?? new MemoryStore({ clock: resolved.clock });
    this.#unsubscribe = this.#store.subscribe(this.name, (keyId, state) => {
      if (state.source === this.#source) return;
      const entry = this.#keys.get(keyId);
      if (entry === undefined || state.updatedAt < entry.stateUpdatedAt) return;
      applyShared(entry, state);
      if (this.#keys.refresh(entry, this.#clock.now())) this.#waiters.notify();
    });
    this.#unsubscribeErrors = this.#store.onError?.((info) => this.#emit('store.error', () => ({ pool: this.name, at: this.#clock.now(), ...info })));
    this.#loading = this.#load();
  }

  /** Runs `attempt` with a key that can serve, rotating and retrying as the outcome demands. */
  async execute<T>(attempt: AttemptFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    if (this.#closed) throw new PoolClosedError(this.name);
    if (this.#loading !== undefined) await this.#loading;
    const signal = options?.signal;
    if (signal?.aborted) throw signal.reason;
    const clock = this.#clock;
    const startedAt = clock.now();
    const deadline = startedAt + this.#options.retry.budgetMs;
    let attempts = 0;
    let previous: KeyEntry | undefined;
    let last: AttemptResult<T> | undefined;
    let now = startedAt;

    for (let pass = 0; ; pass++) {
      // 1. Select a key that can serve, or wait for one inside the budget.
      if (pass > 0) now = clock.now();
      const key = this.#keys.select(now);
      if (key === undefined) {
        await this.#waitForKey(now, deadline, signal, attempts, startedAt, last, previous);
        continue;
      }
      if (this.#store.admit !== undefined && !(await this.#admitted(key, now))) continue;
      const trial = key.breaker.status === 'half_open';
      if (trial && !(await this.#takeTrial(key, now))) continue;
      if (previous !== undefined && previous !== key && last?.ok === false && isKeyScoped(last.outcome.kind)) {
        this.#emit('key.rotated', () => ({ pool: this.name, keyId: key.id, fromKeyId: previous!.id, reason: (last as { outcome: Outcome }).outcome.kind, at: now }));
      }

      // 2. Attempt. Accounting happens when the call settles, even if the caller stopped waiting.
      attempts++;
      this.#keys.acquire(key, now);
      const ctx = new Attempt(signal ?? neverAborted, attempts, key, key.generation, trial, this.#observer);
      const settled = this.#run(attempt, ctx);
      const result = signal === undefined ? await settled : await raceAbort(settled, signal).catch((reason: unknown) => {
        this.#failed(startedAt, attempts, key, 'aborted');
        throw reason;
      });
      if (result.ok) {
        this.#emit('request.succeeded', () => ({ pool: this.name, keyId: key.id, attempts, durationMs: clock.now() - startedAt, at: clock.now() }));
        return result.value;
      }

      // 3. Decide: rethrow, rotate at once, or back off.
      const { outcome, error } = result;
      previous = key;
      last = result;
      if (signal?.aborted) {
        this.#failed(startedAt, attempts, key, 'aborted');
        throw signal.reason;
      }
      const afterNow = clock.now();
      let delayMs = 0;
      if (outcome.kind === 'provider_trouble') {
        delayMs = outcome.retryAfterMs ?? fullJitterDelay(attempts - 1, this.#options.retry, this.#options.random);
      }
      const giveUp =
        outcome.kind === 'caller_fault' ||
        attempts >= this.#options.retry.maxAttempts ||
        afterNow + delayMs >= deadline ||
        (outcome.kind === 'provider_trouble' && this.#tokens !== undefined && !this.#tokens.tryTake());
      if (giveUp) {
        this.#failed(startedAt, attempts, key, outcome.kind, outcome.status);
        throw error;
      }
      this.#emit('request.retried', () => ({ pool: this.name, keyId: key.id, attempt: attempts, kind: outcome.kind, status: outcome.status, delayMs, at: afterNow }));
      if (delayMs > 0) await sleep(clock, delayMs, signal).catch((reason: unknown) => {
        this.#failed(startedAt, attempts, key, 'aborted');
        throw reason;
      });
    }
  }

  async #run<T>(attempt: AttemptFn<T>, ctx: Attempt): Promise<AttemptResult<Awaited<T>>> {
    const timeoutMs = this.#options.attemptTimeoutMs;
    let timer: unknown;
    let unlink: (() => void) | undefined;
    try {
      if (timeoutMs === undefined) {
        const value = await attempt(ctx.key.view, ctx);
        this.#recordSuccess(ctx);
        return { ok: true, value };
      }
      // Only under attemptTimeoutMs does an attempt get a signal of its own (an AbortController costs µs).
      const controller = new AbortController();
      const callerSignal = ctx.signal;
      const onAbort = () => controller.abort(callerSignal.reason);
      callerSignal.addEventListener('abort', onAbort, { once: true });
      unlink = () => callerSignal.removeEventListener('abort', onAbort);
      timer = this.#clock.setTimeout(() => controller.abort(new AttemptTimeoutError(timeoutMs)), timeoutMs);
      ctx.signal = controller.signal;
      const value = await raceAbort(Promise.resolve(attempt(ctx.key.view, ctx)), controller.signal);
      this.#recordSuccess(ctx);
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error, outcome: this.#recordFailure(ctx, error) };
    } finally {
      if (timer !== undefined) this.#clock.clearTimeout(timer);
      unlink?.();
    }
  }

  #recordSuccess(ctx: Attempt): void {
    const key = ctx.key;
    this.#tokens?.refund();
    if (ctx.trial) this.#store.releaseTrial(this.name, key.id);
    const fresh = ctx.generation === key.generation;
    if (fresh && ctx.trial && key.breaker.status === 'half_open') {
      key.breaker = closedBreaker;
      key.generation++;
      const now = this.#clock.now();
      this.#share(key, now);
      this.#emit('circuit.closed', () => ({ pool: this.name, keyId: key.id, at: now }));
    } else if (fresh && key.breaker.consecutiveFailures !== 0) {
      key.breaker = onSuccess(key.breaker);
    }
    if (this.#keys.release(key, this.#clock.now())) this.#waiters.notify();
  }

  #recordFailure(ctx: Attempt, error: unknown): Outcome {
    const key = ctx.key;
    const now = this.#clock.now();
    const outcome = ctx.signal.aborted && !(ctx.signal.reason instanceof AttemptTimeoutError) ? callerAbort : this.#classify(error, now);
    if (ctx.trial) this.#store.releaseTrial(this.name, key.id);
    const fresh = ctx.generation === key.generation && !key.removed;
    if (outcome.kind !== 'caller_fault') {
      key.failures++;
      key.lastErrorKind = outcome.kind;
    }
    if (outcome.kind === 'rate_limited') this.#rateLimited(key, outcome, now, fresh);
    else if (outcome.kind === 'quota_exhausted' || outcome.kind === 'key_rejected') this.#disable(key, outcome.kind, now, outcome.retryAfterMs, fresh);
    else if (ctx.trial && fresh) key.breaker = releaseTrial(key.breaker);
    key.inFlight--;
    if (this.#keys.refresh(key, now)) this.#waiters.notify();
    return outcome;
  }

  #classify(error: unknown, now: number): Outcome {
    const context = { now, maxCooldownMs: this.#options.maxCooldownMs };
    const custom = this.#options.classify?.(error, context);
    if (custom === undefined) return defaultClassifier(error, context);
    const retryAfterMs = clampHint(custom.retryAfterMs, this.#options.maxCooldownMs);
    return { ...custom, retryAfterMs };
  }

  /** A 429: sideline the key until its hint (or a short cooldown growing with consecutive 429s) and count it against the breaker. */
  #rateLimited(key: KeyEntry, outcome: Outcome, now: number, fresh: boolean): void {
    const options = this.#options;
    const hinted = outcome.retryAfterMs !== undefined;
    const cooldownMs = hinted
      ? outcome.retryAfterMs!
      : Math.min(options.breaker.cooldownMs, options.rateLimitCooldownMs * 2 ** Math.min(key.breaker.consecutiveFailures, 30));
    key.cooldownUntil = Math.max(key.cooldownUntil, now + cooldownMs);
    key.cooldownSource = 'rate_limited';
    if (fresh) this.#countKeyFailure(key, now, outcome.retryAfterMs ?? 0);
    this.#share(key, now);
    this.#emit('key.rate_limited', () => ({ pool: this.name, keyId: key.id, retryAfterMs: cooldownMs, until: key.cooldownUntil, source: hinted ? 'hint' : 'default', at: now }));
  }

  #disable(key: KeyEntry, reason: DisabledReason, now: number, hintMs: number | undefined, fresh: boolean): void {
    const until = reason === 'quota_exhausted' ? now + Math.min(Math.max(this.#options.quotaCooldownMs, hintMs ?? 0), this.#options.maxCooldownMs) : Infinity;
    // Concurrent requests already in flight on the key report the same verdict: one transition, one event.
    if (key.disabled?.reason === reason && key.disabled.until >= until) return;
    if (fresh) this.#countKeyFailure(key, now, 0);
    key.disabled = { reason, until };
    key.generation++;
    this.#share(key, now);
    this.#emit('key.disabled', () => ({ pool: this.name, keyId: key.id, reason, until: Number.isFinite(until) ? until : null, at: now }));
  }

  #countKeyFailure(key: KeyEntry, now: number, hintMs: number): void {
    const before = key.breaker.status;
    key.breaker = onKeyFailure(key.breaker, now, this.#options.breaker, hintMs);
    if (key.breaker.status === 'open' && before !== 'open') {
      key.generation++;
      const { until, consecutiveFailures } = key.breaker;
      this.#emit('circuit.opened', () => ({ pool: this.name, keyId: key.id, until, consecutiveFailures, at: now }));
    }
  }

  #observe(key: KeyEntry, headers: HeaderSource): void {
    const now = this.#clock.now();
    const reading = readRateLimitHeaders(headers, now, this.#options.maxCooldownMs);
    if (reading.headroom !== undefined) {
      key.headroom = reading.headroom;
      key.headroomUnit = reading.headroomUnit;
      this.#keys.touch(key);
    }
    if (reading.exhaustedForMs !== undefined && reading.exhaustedForMs > 0 && now + reading.exhaustedForMs > key.cooldownUntil) {
      key.cooldownUntil = now + reading.exhaustedForMs;
      key.cooldownSource = 'quota_headers';
      this.#keys.refresh(key, now);
      this.#share(key, now);
      const retryAfterMs = reading.exhaustedForMs;
      this.#emit('key.rate_limited', () => ({ pool: this.name, keyId: key.id, retryAfterMs, until: key.cooldownUntil, source: 'headers', at: now }));
    }
  }

  /** Asks the store's fleet-wide limit; a key without room is sidelined locally until its window frees. */
  async #admitted(key: KeyEntry, now: number): Promise<boolean> {
    let verdict: true | number;
    try {
      verdict = await this.#store.admit!(this.name, key.id);
    } catch {
      return true; // Fail open: the store reports its own errors.
    }
    if (verdict === true) return true;
    const waitMs = Math.min(Math.max(1, Math.ceil(verdict)), this.#options.maxCooldownMs);
    key.cooldownUntil = Math.max(key.cooldownUntil, now + waitMs);
    key.cooldownSource = 'fleet_limit';
    this.#keys.refresh(key, now);
    this.#emit('key.rate_limited', () => ({ pool: this.name, keyId: key.id, retryAfterMs: waitMs, until: key.cooldownUntil, source: 'fleet_limit', at: now }));
    return false;
  }

  /** Takes a half-open key's single trial, locally and in the shared store. */
  async #takeTrial(key: KeyEntry, now: number): Promise<boolean> {
    key.breaker = takeTrial(key.breaker);
    this.#keys.refresh(key, now);
    const lease = this.#store.acquireTrial(this.name, key.id, this.#options.breaker.trialLeaseMs);
    // A store that cannot answer must not block the key forever: fail open to the local trial.
    const granted = typeof lease === 'boolean' ? lease : await lease.catch(() => true);
    if (granted) return true;
    // Another process holds the trial; its result reaches us through the store.
    key.breaker = releaseTrial(key.breaker);
    key.cooldownUntil = Math.max(key.cooldownUntil, now + this.#options.breaker.trialLeaseMs);
    this.#keys.refresh(key, now);
    return false;
  }

  async #waitForKey(
    now: number,
    deadline: number,
    signal: AbortSignal | undefined,
    attempts: number,
    startedAt: number,
    last: AttemptResult<unknown> | undefined,
    previous: KeyEntry | undefined,
  ): Promise<void> {
    const earliest = this.#keys.earliestWake();
    const busy = this.#keys.busyCount > 0;
    if ((busy && now < deadline) || earliest <= deadline) {
      await this.#waiters.wait(Math.min(earliest, deadline) - now, signal).catch((reason: unknown) => {
        this.#failed(startedAt, attempts, previous, this.#closed ? 'closed' : 'aborted');
        throw reason;
      });
      return;
    }
    const retryAfterMs = busy ? 0 : Number.isFinite(earliest) ? Math.ceil(earliest - now) : null;
    this.#emit('pool.exhausted', () => ({ pool: this.name, retryAfterMs, attempts, at: now }));
    this.#failed(startedAt, attempts, previous, 'pool_exhausted');
    throw exhaustedError(this.name, this.#keys.entries(), now, retryAfterMs, attempts, last?.ok === false ? last.error : undefined);
  }

  #failed(startedAt: number, attempts: number, key: KeyEntry | undefined, kind: KeymeshEvents['request.failed']['kind'], status?: number): void {
    this.#emit('request.failed', () => {
      const at = this.#clock.now();
      return { pool: this.name, keyId: key?.id, attempts, durationMs: at - startedAt, kind, status, at };
    });
  }

  #share(key: KeyEntry, now: number): void {
    key.stateUpdatedAt = now;
    this.#store.save(this.name, key.id, toShared(key, now, this.#source));
  }

  #emit<E extends KeymeshEventName>(name: E, build: () => KeymeshEvents[E]): void {
    if (this.#events.has(name)) this.#events.emit(name, build());
  }

  async #load(): Promise<void> {
    let timer: unknown;
    try {
      const ids = [...this.#keys.entries()].map((entry) => entry.id);
      const timeout = new Promise<undefined>((resolve) => {
        timer = this.#clock.setTimeout(() => resolve(undefined), this.#options.storeLoadTimeoutMs);
        (timer as { unref?: () => void } | undefined)?.unref?.();
      });
      const states = await Promise.race([this.#store.load(this.name, ids), timeout]);
      const now = this.#clock.now();
      if (states === undefined) {
        const message = `no answer within storeLoadTimeoutMs (${this.#options.storeLoadTimeoutMs} ms); serving from local state`;
        this.#emit('store.error', () => ({ pool: this.name, operation: 'load', message, at: now }));
      }
      for (const [id, state] of states ?? []) {
        const entry = this.#keys.get(id);
        if (entry === undefined || state.updatedAt < entry.stateUpdatedAt) continue;
        applyShared(entry, state);
        this.#keys.refresh(entry, now);
      }
    } catch (error) {
      // Fail open: an unreachable store must not stop the pool from serving on local state.
      const message = error instanceof Error ? error.message : String(error);
      this.#emit('store.error', () => ({ pool: this.name, operation: 'load', message, at: this.#clock.now() }));
    } finally {
      this.#clock.clearTimeout(timer);
      this.#loading = undefined;
    }
  }

  on<E extends KeymeshEventName>(name: E, listener: KeymeshListener<E>): this {
    this.#events.on(name, listener);
    return this;
  }

  off<E extends KeymeshEventName>(name: E, listener: KeymeshListener<E>): this {
    this.#events.off(name, listener);
    return this;
  }

  /** Every key's state, counters and availability. Never contains a secret. */
  snapshot(): PoolSnapshot {
    const now = this.#clock.now();
    this.#keys.wakeAll(now);
    const keys = [...this.#keys.entries()].map((entry) => snapshotKey(entry, now));
    const available = keys.filter((key) => key.available).length;
    return { name: this.name, available, healthy: available > 0, size: keys.length, at: now, keys };
  }

  /** Adds a key at run time; returns its id. */
  addKey(spec: KeySpec): string {
    const entry = this.#admin.add(spec);
    this.#waiters.notify();
    return entry.id;
  }

  /** Removes a key; requests already using it finish, and their results no longer count. */
  removeKey(id: string): void {
    const entry = this.#admin.require(id);
    this.#keys.remove(entry);
    this.#store.forget?.(this.name, id);
  }

  /** Takes a key out of rotation until `enableKey`. */
  disableKey(id: string): void {
    const entry = this.#admin.require(id);
    this.#disable(entry, 'manual', this.#clock.now(), undefined, false);
    this.#keys.refresh(entry, this.#clock.now());
  }

  /** Puts a key back into rotation with a closed breaker, whatever disabled or sidelined it. */
  enableKey(id: string): void {
    const entry = this.#admin.require(id);
    const now = this.#clock.now();
    entry.disabled = undefined;
    entry.breaker = closedBreaker;
    entry.cooldownUntil = 0;
    entry.generation++;
    this.#share(entry, now);
    if (this.#keys.refresh(entry, now)) this.#waiters.notify();
    this.#emit('key.enabled', () => ({ pool: this.name, keyId: id, reason: 'manual', at: now }));
  }

  /** Tokens left in the retry budget bucket (undefined when the bucket is off). */
  get retryTokens(): number | undefined {
    return this.#tokens?.tokens;
  }

  /** Stops accepting requests, ends pending waits with `PoolClosedError`, and detaches from the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiters.failAll(new PoolClosedError(this.name));
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#unsubscribeErrors?.();
    this.#unsubscribeErrors = undefined;
    this.#events.clear();
    if (this.#ownsStore) await this.#store.close?.();
  }
}
