import { randomUUID } from 'node:crypto';
import { fullJitterDelay } from '../backoff/full-jitter.js';
import { onSuccess, releaseTrial, takeTrial } from '../breaker/breaker.js';
import { OutlierDetector } from '../breaker/outliers.js';
import { defaultClassifier } from '../classify/default-classifier.js';
import type { HeaderSource } from '../classify/headers.js';
import { clampHint } from '../classify/hints.js';
import { isKeyScoped, type Outcome } from '../classify/outcome.js';
import { sleep, type Clock } from '../clock.js';
import { AttemptTimeoutError } from '../errors/attempt-timeout-error.js';
import { PoolClosedError } from '../errors/pool-closed-error.js';
import { EventEmitter } from '../events/event-emitter.js';
import type { KeymeshEventName, KeymeshEvents, KeymeshListener } from '../events/pool-events.js';
import { OverloadGate } from '../overload/overload-gate.js';
import { WaitQueue, type Waiter } from '../queue/wait-queue.js';
import { RetryBudget } from '../retry/retry-budget.js';
import { MemoryStore } from '../store/memory-store.js';
import type { StateStore } from '../store/state-store.js';
import { createStrategy } from '../strategies/index.js';
import type { SelectionStrategy } from '../strategies/strategy.js';
import { Attempt, neverAborted, raceAbort, type AttemptContext } from './attempt-context.js';
import type { KeyEntry } from './key-entry.js';
import { KeyPoolKeys } from './key-pool-keys.js';
import type { KeySpec } from './key-spec.js';
import { resolveOptions, type KeyPoolOptions, type ResolvedOptions } from './options.js';
import type { PoolKey } from './pool-key.js';
import { defaultScope, type RequestCost } from '../request/request-info.js';
import { snapshotKey, type PoolSnapshot } from './snapshot.js';
import { exhaustedError } from './exhaustion.js';
import { markFromPool } from './from-pool.js';
import { KeySet } from './key-set.js';
import { KeyTransitions } from './key-transitions.js';
import { StoreLink } from './store-link.js';
import { LimitLink } from './limit-link.js';
import { QuotaSharing } from './quota-sharing.js';
import type { Limit } from '../limits/limit.js';

export type AttemptFn<T> = (key: PoolKey, ctx: AttemptContext) => T | PromiseLike<T>;

export interface ExecuteOptions {
  /** Aborting it rejects `execute` at once with the signal's reason, sleeps included; nothing is retried after. */
  signal?: AbortSignal;
  /** The limit the request draws on: the model it calls (adapters set it). Default: `'default'`. */
  scope?: string;
  /** What the request is expected to cost, in tokens, for token-aware admission. */
  cost?: RequestCost;
}

/** A failed attempt, kept until the next one: it names the key rotated away from and the error to rethrow. */
interface Failure {
  key: KeyEntry;
  error: unknown;
  outcome: Outcome;
  /** Epoch ms when the failure was recorded. */
  at: number;
}

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
  readonly #queue: WaitQueue;
  readonly #overload: OverloadGate | undefined;
  readonly #retries: RetryBudget | undefined;
  readonly #store: StateStore;
  readonly #ownsStore: boolean;
  readonly #admin: KeyPoolKeys;
  readonly #transitions: KeyTransitions;
  readonly #outliers: OutlierDetector;
  readonly #sharing: QuotaSharing;
  readonly #observer = (attempt: Attempt, headers: HeaderSource) => {
    if (this.#transitions.observe(attempt, headers)) this.#wakeWaiters();
  };
  #loading: Promise<void> | undefined;
  #link: StoreLink | undefined;
  #limitLink: LimitLink | undefined;
  #closed = false;
  /** Requests numbered from 1, so a request's events can be told from a concurrent one's (`request` in their payloads). */
  #requests = 0;

  constructor(options: KeyPoolOptions, internal?: { extraOptionNames?: readonly string[] }) {
    const resolved = resolveOptions(options, internal?.extraOptionNames);
    this.#options = resolved;
    this.name = resolved.name;
    this.#clock = resolved.clock;
    const strategy =
      typeof resolved.strategy === 'string'
        ? createStrategy<KeyEntry>(resolved.strategy, resolved.random)
        : (resolved.strategy as SelectionStrategy<KeyEntry>);
    this.#keys = new KeySet(strategy, resolved.clock, {
      halfOpened: (entry) => {
        if (this.#events.has('circuit.half_opened')) this.#events.emit('circuit.half_opened', { pool: this.name, keyId: entry.id, at: this.#clock.now() });
      },
      reEnabled: (entry) => {
        if (this.#events.has('key.enabled')) this.#events.emit('key.enabled', { pool: this.name, keyId: entry.id, at: this.#clock.now(), reason: 'cooldown_elapsed' });
      },
      woke: () => this.#wakeWaiters(),
    });
    this.#outliers = new OutlierDetector(resolved.breaker.failureThreshold);
    this.#sharing = new QuotaSharing({
      name: this.name, keys: this.#keys, clock: resolved.clock, events: this.#events, detect: resolved.groups === 'detect',
      saved: (finding) => this.#limitLink?.saveGroup(finding),
    });
    this.#transitions = new KeyTransitions({
      name: this.name,
      options: resolved,
      clock: resolved.clock,
      keys: this.#keys,
      events: this.#events,
      outliers: this.#outliers,
      share: (key, now, operator) => this.#share(key, now, operator),
      shareLimit: (groupId, limit, now) => this.#limitLink?.saveLimit(groupId, limit, now),
      readingSeen: (key, limit, now) => this.#sharing.detector?.read(key, limit, now),
    });
    this.#admin = new KeyPoolKeys(this.#keys, resolved.clock);
    this.#admin.addAll(options.keys);
    this.#queue = new WaitQueue(resolved.clock);
    this.#overload = resolved.overload === false ? undefined : new OverloadGate(resolved.overload);
    this.#retries = resolved.retry.budget === false ? undefined : new RetryBudget(resolved.retry.budget);
    this.#ownsStore = resolved.store === undefined;
    this.#store = resolved.store ?? new MemoryStore({ clock: resolved.clock });
    // A store of the pool's own (the default) starts empty and has no other reader or writer:
    // nothing to load, subscribe to or save. Only a shared store makes a state change cost a write.
    if (!this.#ownsStore) {
      const source = randomUUID();
      const loading = (this.#link = new StoreLink(
        {
          name: this.name, store: this.#store, keys: this.#keys, clock: resolved.clock, events: this.#events, loadTimeoutMs: resolved.storeLoadTimeoutMs,
          bounds: { maxCooldownMs: resolved.maxCooldownMs, quotaCooldownMs: resolved.quotaCooldownMs, breakerCooldownMs: resolved.breaker.cooldownMs },
          notify: () => this.#wakeWaiters(),
        },
        source,
      )).connect();
      const limits = (this.#limitLink = new LimitLink(
        { name: this.name, store: this.#store, keys: this.#keys, clock: resolved.clock, sharing: this.#sharing, maxCooldownMs: resolved.maxCooldownMs, notify: () => this.#wakeWaiters() },
        source,
      )).connect();
      this.#loading = Promise.all([loading, limits]).then(
        () => void (this.#loading = undefined),
        () => void (this.#loading = undefined),
      );
    }
  }

  /** Runs `attempt` with a key that can serve, rotating and retrying as the outcome demands. */
  async execute<T>(attempt: AttemptFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    if (this.#closed) throw new PoolClosedError(this.name);
    if (this.#loading !== undefined) await this.#loading;
    const signal = options?.signal;
    if (signal?.aborted) throw signal.reason;
    const scope = this.#scopeOf(options?.scope);
    const cost = options?.cost;
    // Allocation-aware on purpose, as this runs for every request. No closures in this method (one
    // would move its variables to the heap), few locals (each is a slot saved at every `await`), and
    // only `startedAt` is kept across an `await` as a number (epoch ms is a double: a heap number).
    const startedAt = this.#clock.now();
    this.#retries?.request(startedAt);
    const request = ++this.#requests;
    if (this.#events.has('request.started')) this.#events.emit('request.started', { pool: this.name, request, scope, at: startedAt });
    let attempts = 0;
    let last: Failure | undefined;
    /** The keys this request failed on (its retries go elsewhere first); made at the first failure. */
    let failedOn: KeyEntry[] | undefined;
    /** The request's place in line, while it waits for a key or holds its turn to take one. */
    let turn: Waiter | undefined;

    // The first pass uses the request's start time; a later one (after a wait or a failure) reads the clock.
    for (let now = startedAt; ; now = this.#clock.now()) {
      // 1. Select a key whose limit for the scope can take the request's cost (after a failure,
      // another key when one can serve), or wait for one inside the budget.
      const key = !this.#queue.mayServe(scope, turn, now) ? undefined : this.#keys.select(now, scope, cost, failedOn);
      if (key === undefined) {
        turn = await this.#waitForKey(turn, now, startedAt + this.#options.retry.budgetMs, signal, attempts, startedAt, last, request, scope, cost);
        continue;
      }
      if (this.#store.admit !== undefined && !(await this.#admitted(key, now, scope))) continue;
      const trial = key.breaker.status === 'half_open';
      if (trial && !(await this.#takeTrial(key, now))) continue;
      if (last !== undefined) this.#rotated(last, key, now, request);

      // 2. Attempt, awaited right here: no wrapper layer, so no extra promise tick per call.
      attempts++;
      this.#keys.acquire(key, now);
      this.#overload?.dispatched(now);
      if (turn !== undefined) turn = this.#served(turn, now);
      const ctx = new Attempt(signal ?? neverAborted, attempts, key, trial, this.#observer, scope);
      this.#reserve(ctx, key.limitFor(scope), cost);
      try {
        const value = await this.#start(attempt, ctx, signal);
        // 3. Record the success.
        this.#recordSuccess(ctx);
        if (this.#events.has('request.succeeded')) this.#succeeded(ctx, startedAt, request);
        return value;
      } catch (error) {
        // The caller aborted mid-attempt: it gets the reason now; the call is accounted for when it settles.
        if (ctx.abandoned) {
          this.#failed(request, scope, startedAt, attempts, key, 'aborted');
          throw error;
        }
        // 3. Classify and record the failure.
        const at = this.#clock.now();
        last = { key, error, outcome: this.#recordFailure(ctx, error, at), at };
        (failedOn ??= []).push(key);
      }

      // 4. Decide: rethrow, rotate at once, or back off.
      const delayMs = this.#retryDelay(last, attempts, startedAt, signal, request, scope);
      if (delayMs > 0) await this.#backoff(delayMs, signal, startedAt, attempts, key, request, scope);
    }
  }

  /**
   * After a failed attempt: how long to wait before the next one (0 rotates at once). Throws the
   * upstream error, or the abort reason, when the request ends here.
   */
  #retryDelay(failure: Failure, attempts: number, startedAt: number, signal: AbortSignal | undefined, request: number, scope: string): number {
    const { key, outcome, error, at: now } = failure;
    if (signal?.aborted) {
      this.#failed(request, scope, startedAt, attempts, key, 'aborted');
      throw signal.reason;
    }
    const retry = this.#options.retry;
    let delayMs = 0;
    if (outcome.kind === 'provider_trouble') delayMs = outcome.retryAfterMs ?? fullJitterDelay(attempts - 1, retry, this.#options.random);
    // A request whose first attempt met provider trouble earns no retries for others (retry budget).
    if (attempts === 1 && outcome.kind === 'provider_trouble') this.#retries?.troubled(now);
    const giveUp =
      outcome.kind === 'caller_fault' ||
      outcome.retry === false ||
      attempts >= retry.maxAttempts ||
      now + delayMs >= startedAt + retry.budgetMs ||
      (outcome.kind === 'provider_trouble' && this.#retries !== undefined && !this.#retries.tryRetry(now));
    if (giveUp) {
      this.#failed(request, scope, startedAt, attempts, key, outcome.kind, outcome.status);
      throw markFromPool(error);
    }
    if (this.#events.has('request.retried')) this.#events.emit('request.retried', { pool: this.name, keyId: key.id, request, attempt: attempts, kind: outcome.kind, status: outcome.status, delayMs, at: now });
    return delayMs;
  }

  /**
   * Starts an attempt. Usually that is just calling it, and `execute` awaits its own promise.
   * `attemptTimeoutMs` gives it a signal of its own (an AbortController costs µs, so only then);
   * a caller signal lets `execute` stop waiting at once.
   */
  #start<T>(attempt: AttemptFn<T>, ctx: Attempt, signal: AbortSignal | undefined): T | PromiseLike<T> {
    const timeoutMs = this.#options.attemptTimeoutMs;
    const pending = timeoutMs === undefined ? attempt(ctx.key.view, ctx) : this.#timed(attempt, ctx, timeoutMs);
    if (signal === undefined) return pending;
    // If the caller aborts first, the attempt is abandoned: it keeps its key until it settles, then is recorded.
    const settled = Promise.resolve(pending);
    return raceAbort(settled, signal, () => {
      ctx.abandoned = true;
      settled.then(
        () => this.#recordSuccess(ctx),
        (error: unknown) => void this.#recordFailure(ctx, error, this.#clock.now()),
      );
    });
  }

  async #timed<T>(attempt: AttemptFn<T>, ctx: Attempt, timeoutMs: number): Promise<Awaited<T>> {
    const controller = new AbortController();
    const callerSignal = ctx.signal;
    const onAbort = () => controller.abort(callerSignal.reason);
    callerSignal.addEventListener('abort', onAbort, { once: true });
    const timer = this.#clock.setTimeout(() => controller.abort(new AttemptTimeoutError(timeoutMs)), timeoutMs);
    ctx.signal = controller.signal;
    try {
      return await raceAbort(Promise.resolve(attempt(ctx.key.view, ctx)), controller.signal);
    } finally {
      this.#clock.clearTimeout(timer);
      callerSignal.removeEventListener('abort', onAbort);
    }
  }

  /** The request claims its cost on its limit (group, scope) as it is sent. */
  #reserve(ctx: Attempt, limit: Limit, cost: RequestCost | undefined): void {
    limit.reserve(ctx, cost);
    ctx.successMark = this.#outliers.successes;
    if (limit.sends !== undefined) this.#sharing.detector!.sent(limit);
  }

  #recordSuccess(ctx: Attempt): void {
    const key = ctx.key;
    const limit = ctx.limit!;
    const outliers = this.#outliers;
    outliers.successes++;
    if (key.troubleStreak !== 0) outliers.succeeded(key);
    limit.inFlight--;
    if (ctx.reserved) limit.release(ctx);
    if (limit.consecutive429 !== 0) limit.consecutive429 = 0;
    // A healthy key has no breaker state to settle; the rare case lives in its own method so this
    // one stays small enough for V8 to inline into `execute`, callees included.
    if (ctx.trial || key.breaker.consecutiveFailures !== 0) this.#recovered(ctx);
    if (this.#keys.release(key) || (limit.blocking && this.#transitions.unblocked(limit))) this.#wakeWaiters();
  }

  /** A success on a key with recent failures or on its half-open trial: close or reset its breaker. */
  #recovered(ctx: Attempt): void {
    const key = ctx.key;
    const fresh = ctx.generation === key.generation;
    if (fresh && ctx.trial && key.breaker.status === 'half_open') {
      this.#transitions.closeCircuit(key, this.#clock.now());
    } else if (fresh && key.breaker.consecutiveFailures !== 0) {
      key.breaker = onSuccess(key.breaker);
    }
    // Released after the verdict is saved, so no other process starts a trial whose answer is known.
    if (ctx.trial) this.#store.releaseTrial(this.name, key.id);
  }

  #recordFailure(ctx: Attempt, error: unknown, now: number): Outcome {
    const key = ctx.key;
    const outcome = ctx.signal.aborted && !(ctx.signal.reason instanceof AttemptTimeoutError) ? callerAbort : this.#classify(error, now);
    const fresh = ctx.generation === key.generation && !key.removed;
    if (outcome.kind !== 'caller_fault') {
      key.failures++;
      key.lastErrorKind = outcome.kind;
    }
    const limit = ctx.limit!;
    limit.inFlight--;
    limit.release(ctx);
    if (outcome.kind === 'rate_limited') this.#transitions.rateLimited(ctx, outcome, now, fresh);
    else if (outcome.kind === 'quota_exhausted' || outcome.kind === 'key_rejected') this.#transitions.disable(key, outcome.kind, now, outcome.retryAfterMs, fresh);
    else if (outcome.kind === 'provider_trouble' && this.#transitions.troubled(ctx, now, fresh)) {
      // Ejected as an outlier (its breaker opened, the trial with it).
    } else if (ctx.trial && fresh) key.breaker = releaseTrial(key.breaker);
    // Released after the verdict is saved, so no other process starts a trial whose answer is known.
    if (ctx.trial) this.#store.releaseTrial(this.name, key.id);
    key.inFlight--;
    if (this.#keys.refresh(key, now) || this.#transitions.unblocked(limit)) this.#wakeWaiters();
    // A key sidelined for less time than the waiters were told: wake them when it frees up instead.
    else if (this.#queue.size !== 0) this.#queue.alarm(this.#keys.earliestWake());
    return outcome;
  }

  /** The request's scope: the model it names, mapped by `scopeOf`, or the default scope. */
  #scopeOf(named: string | undefined): string {
    if (named === undefined) return defaultScope;
    const scopeOf = this.#options.scopeOf;
    return scopeOf === undefined ? named : scopeOf(named);
  }

  #classify(error: unknown, now: number): Outcome {
    const context = { now, maxCooldownMs: this.#options.maxCooldownMs };
    const custom = this.#options.classify?.(error, context);
    if (custom === undefined) return defaultClassifier(error, context);
    const retryAfterMs = clampHint(custom.retryAfterMs, this.#options.maxCooldownMs);
    // The adapters' classifiers run on every failure: copy their verdict only when the hint changes.
    return retryAfterMs === custom.retryAfterMs ? custom : { ...custom, retryAfterMs };
  }

  /** Asks the store's fleet-wide limit; a key without room is sidelined locally until its window frees. */
  async #admitted(key: KeyEntry, now: number, scope: string): Promise<boolean> {
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
    if (this.#events.has('key.rate_limited')) this.#events.emit('key.rate_limited', { pool: this.name, keyId: key.id, retryAfterMs: waitMs, until: key.cooldownUntil, source: 'fleet_limit', scope, group: key.group.id, at: now });
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

  /**
   * No key for the request now, or others of its scope are ahead of it: wait in line (arrival
   * order) until its turn, when it tries to select again; or fail fast when no key frees up inside
   * the budget, or when the pool is overloaded and this request would wait long. Resolves with the
   * request's place in line.
   */
  async #waitForKey(
    turn: Waiter | undefined,
    now: number,
    deadline: number,
    signal: AbortSignal | undefined,
    attempts: number,
    startedAt: number,
    last: Failure | undefined,
    request: number,
    scope: string,
    cost: RequestCost | undefined,
  ): Promise<Waiter> {
    const earliest = this.#keys.earliestWake();
    // Whether it just selected and found no key (rather than queued behind others without trying).
    const tried = this.#queue.mayServe(scope, turn, now);
    // Others ahead in line, or keys with requests in flight: a key may free up at any moment.
    const anyMoment = this.#keys.busyCount > 0 || (turn === undefined && this.#queue.length(scope) > 0);
    let refusedMs: number | undefined;
    if ((anyMoment && now < deadline) || earliest <= deadline) {
      // Only a request about to join the line can be refused: one already in it keeps its place.
      if (turn === undefined && this.#overload !== undefined) {
        refusedMs = this.#overload.refusal({ headAgeMs: this.#headAgeMs(now), ahead: this.#queue.size, freeInMs: anyMoment ? 0 : Math.max(0, earliest - now) }, now);
      }
      if (refusedMs === undefined) {
        turn ??= this.#queue.place(scope, cost);
        this.#queue.alarm(earliest);
        try {
          // The limit that frees soonest for its cost: the head of the line holds capacity there (backfilling).
          await this.#queue.wait(turn, deadline, signal, tried ? this.#keys.blockedBy : undefined, tried && this.#keys.roomForLess);
        } catch (reason) {
          this.#failed(request, scope, startedAt, attempts, last?.key, this.#closed ? 'closed' : 'aborted');
          throw reason;
        }
        return turn;
      }
    }
    if (turn !== undefined) this.#queue.leave(turn);
    const reason = refusedMs === undefined ? 'no_key' : 'overload';
    const retryAfterMs = refusedMs ?? (anyMoment ? 0 : Number.isFinite(earliest) ? Math.ceil(earliest - now) : null);
    if (this.#events.has('pool.exhausted')) this.#events.emit('pool.exhausted', { pool: this.name, retryAfterMs, attempts, reason, at: now });
    this.#failed(request, scope, startedAt, attempts, last?.key, 'pool_exhausted');
    throw exhaustedError(this.name, this.#keys.entries(), now, retryAfterMs, attempts, last?.error, reason);
  }

  /** A waiter got its key: it leaves the line and passes the turn on; the queue it leaves tells the overload gate whether it stands. */
  #served(turn: Waiter, now: number): undefined {
    this.#queue.served(turn);
    this.#overload?.observe(this.#headAgeMs(now), now);
    return undefined;
  }

  /** How long the longest-waiting request has queued; 0 when none waits. */
  #headAgeMs(now: number): number {
    const oldest = this.#queue.oldestQueuedAt();
    return oldest === undefined ? 0 : now - oldest;
  }

  /**
   * A key freed up (or a limit, or a new key arrived): the oldest waiter of each scope gets its
   * turn, and each that is served passes it on, so only as many wake as can be served.
   */
  #wakeWaiters(): void {
    if (this.#queue.size !== 0) this.#queue.wakeHeads();
  }

  /** The request moves to another key after a key-scoped failure. */
  #rotated(last: Failure, key: KeyEntry, now: number, request: number): void {
    const reason = last.outcome.kind;
    if (last.key === key || !isKeyScoped(reason)) return;
    if (this.#events.has('key.rotated')) this.#events.emit('key.rotated', { pool: this.name, keyId: key.id, request, fromKeyId: last.key.id, reason, at: now });
  }

  /** Only called when someone listens: `execute` checks, so the success path makes no call here otherwise. */
  #succeeded(ctx: Attempt, startedAt: number, request: number): void {
    const at = this.#clock.now();
    this.#events.emit('request.succeeded', { pool: this.name, keyId: ctx.key.id, request, attempts: ctx.attempt, durationMs: at - startedAt, scope: ctx.scope, usage: ctx.tokenUsage, at });
  }

  /** Sleeps before a provider-trouble retry; an abort ends the sleep, and the request, at once. */
  async #backoff(delayMs: number, signal: AbortSignal | undefined, startedAt: number, attempts: number, key: KeyEntry, request: number, scope: string): Promise<void> {
    try {
      await sleep(this.#clock, delayMs, signal);
    } catch (reason) {
      this.#failed(request, scope, startedAt, attempts, key, 'aborted');
      throw reason;
    }
  }

  #failed(request: number, scope: string, startedAt: number, attempts: number, key: KeyEntry | undefined, kind: KeymeshEvents['request.failed']['kind'], status?: number): void {
    if (!this.#events.has('request.failed')) return;
    const at = this.#clock.now();
    this.#events.emit('request.failed', { pool: this.name, keyId: key?.id, request, scope, attempts, durationMs: at - startedAt, kind, status, at });
  }

  #share(key: KeyEntry, now: number, operator?: boolean): void {
    key.stateUpdatedAt = now;
    this.#link?.save(key, now, operator);
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
    const sharedQuotas = this.#sharing.findings.map((finding) => ({ ...finding, keyIds: [...finding.keyIds] }));
    const store = this.#ownsStore ? undefined : this.#store.health?.();
    const oldestWaitMs = this.#headAgeMs(now);
    // A look at the queue is an observation too: one that emptied since (its waiters gave up) no longer stands.
    this.#overload?.observe(oldestWaitMs, now);
    const queue = { length: this.#queue.size, oldestWaitMs, refusing: this.#overload?.refusing(now) ?? false };
    return { name: this.name, available, healthy: available > 0, size: keys.length, at: now, keys, sharedQuotas, ...(store === undefined ? {} : { store }), queue };
  }

  /** Adds a key at run time; returns its id. */
  addKey(spec: KeySpec): string {
    const entry = this.#admin.add(spec);
    this.#wakeWaiters();
    return entry.id;
  }

  /** Removes a key; requests already using it finish, and their results no longer count. */
  removeKey(id: string): void {
    const entry = this.#admin.require(id);
    this.#keys.remove(entry);
    this.#outliers.forget(entry);
    this.#store.forget?.(this.name, id);
  }

  /** Takes a key out of rotation until `enableKey`. */
  disableKey(id: string): void {
    const entry = this.#admin.require(id);
    this.#transitions.disable(entry, 'manual', this.#clock.now(), undefined, false);
    this.#keys.refresh(entry, this.#clock.now());
  }

  /** Puts a key back into rotation with a closed breaker, whatever disabled or sidelined it. */
  enableKey(id: string): void {
    const entry = this.#admin.require(id);
    const now = this.#clock.now();
    this.#transitions.enable(entry, now);
    if (this.#keys.refresh(entry, now)) this.#wakeWaiters();
  }

  /** Provider-trouble retries the retry budget allows now (undefined when `retry.budget` is off). */
  get retriesAvailable(): number | undefined {
    return this.#retries?.available(this.#clock.now());
  }

  /** Stops accepting requests, ends pending waits with `PoolClosedError`, and detaches from the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.failAll(new PoolClosedError(this.name));
    // Claims of requests still in flight are released now (their answers will find them released).
    for (const group of this.#keys.groups()) for (const limit of group.limits.values()) limit.releaseAll();
    this.#keys.close();
    this.#link?.close();
    this.#limitLink?.close();
    this.#events.clear();
    if (this.#ownsStore) await this.#store.close?.();
  }
}
