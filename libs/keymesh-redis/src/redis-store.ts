import { randomUUID } from 'node:crypto';
import type { SharedChange, SharedGroupState, SharedKeyState, SharedLimitState, SharedPoolState, StateStore, StoreErrorInfo } from '@keymesh/core';
import { decodeChannelMessage, decodeState, encodeMessage, encodeState } from './codec.js';
import { openConnections, type Connections } from './connection.js';
import { expiryMs, inForce } from './expiry.js';
import { FleetAdmission } from './fleet-admission.js';
import { KeyNames } from './key-names.js';
import { LimitSharing } from './limit-sharing.js';
import { LocalLedger } from './local-ledger.js';
import { runScript, saveStateScript } from './lua-scripts.js';
import { resolveStoreOptions, type RedisStoreOptions, type ResolvedStoreOptions } from './options.js';
import { OutageReporter } from './outage.js';
import { credentialRedactor } from './redact.js';
import { RedisLink, isCommandError, isRefusal, withReplyCode } from './redis-link.js';
import { Refusals, type Refusal } from './refusals.js';
import { clockSkewAllowanceMs, clockSkewCode, codedError } from './stamps.js';
import { Subscriptions, type SharedListener, type StateListener } from './subscriptions.js';
import { TrialLeases } from './trial-leases.js';

/**
 * `up`: both connections usable. `down`: an outage, serving from local state. `refused`: Redis
 * answers but refuses the store's commands (credentials, ACL, read-only replica), serving from
 * local state. `connecting`: before the first connection. `closed`: after `close()`.
 */
export type RedisStoreStatus = 'connecting' | 'up' | 'down' | 'refused' | 'closed';

/** What `health()` returns (core's `StoreHealth`): the status and, when it is not `up`, the failure behind it. */
export interface RedisStoreHealth {
  status: RedisStoreStatus;
  error?: Refusal;
}

/** How often a Redis that stalled with its connection open is asked whether it is back. */
const probeIntervalMs = 500;

/** How often what Redis refused is tried again (it takes a person to fix, so no hurry). */
const refusalRetryMs = 2_000;

/**
 * A `StateStore` that shares key state across a fleet of processes through Redis.
 *
 * - Nothing on the success path: pools keep serving from local state; the store is written only
 *   when a key's state changes, and reads happen once at start (`load`) and after an outage.
 * - A change is stored by a Lua script (newest `updatedAt` wins) that also publishes it on the
 *   pool's channel; every other process applies it as soon as it arrives (milliseconds).
 * - The half-open trial is a lease in Redis: one trial request across the fleet.
 * - Redis down or slow: every call is bounded by `timeoutMs`, then fails open (local state, one
 *   local trial per process, no fleet limit); one log line and one `onError` notice per outage;
 *   on reconnect the store re-sends what it changed meanwhile and re-reads what it missed.
 */
export class RedisStore implements StateStore {
  /** Prepended to every key and channel. */
  readonly prefix: string;
  /** Present only with `limits`: pools without fleet limits never pay for an admission check. */
  readonly admit?: (pool: string, keyId: string) => true | number | Promise<true | number>;

  readonly #options: ResolvedStoreOptions;
  readonly #names: KeyNames;
  /** Identifies this store's own messages on the channel (its pools got them directly). */
  readonly #origin = randomUUID();
  readonly #reporter: OutageReporter;
  /** What Redis refuses; tried again every `refusalRetryMs`: what was refused stays unsent, so the resync sends it. */
  readonly #refusals = new Refusals({
    retryMs: refusalRetryMs,
    // A small command first: one that is accepted ends a NOAUTH refusal; then what was refused is
    // tried again. A refusal on the way schedules the next round.
    retry: () =>
      void this.#commands.send(['PING'], 'probe').then(
        () => {
          void this.#subscriptions.resubscribe();
          this.#resynchronise();
        },
        () => undefined,
      ),
  });
  readonly #ledger = new LocalLedger();
  readonly #connections: Connections;
  readonly #commands: RedisLink;
  readonly #pubsub: RedisLink;
  readonly #subscriptions: Subscriptions;
  readonly #trials: TrialLeases;
  readonly #limits: LimitSharing;
  readonly #writes = new Set<Promise<void>>();
  /** Pools whose state may have changed in Redis unseen (their channel was not live): re-read on resync. */
  readonly #stale = new Set<string>();
  #resync: { again: boolean } | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: RedisStoreOptions) {
    const resolved = resolveStoreOptions(options);
    this.#options = resolved;
    this.prefix = resolved.prefix;
    this.#names = new KeyNames(resolved.prefix);
    this.#reporter = new OutageReporter(resolved.logger, credentialRedactor(resolved.url, resolved.client));
    this.#connections = openConnections(resolved);
    const link = (client: Connections['commands'], role: string) =>
      new RedisLink(client, {
        role,
        timeoutMs: resolved.timeoutMs,
        probeIntervalMs,
        onDown: (which, operation, error) => this.#onDown(which, operation, error),
        onUp: (which) => this.#onUp(which),
        onRefused: (operation, error) => this.#refused(operation, error),
        onAccepted: (operation) => this.#refusals.accepted(operation),
      });
    this.#commands = link(this.#connections.commands, 'commands');
    this.#pubsub = link(this.#connections.pubsub, 'pubsub');
    this.#subscriptions = new Subscriptions(this.#pubsub, this.#names, {
      onMessage: (pool, message) => this.#onMessage(pool, message),
      onLive: (pool) => {
        this.#refusals.accepted('subscribe');
        if (this.#stale.has(pool)) this.#resynchronise();
      },
      onFailed: (_pool, error) => {
        if (!isRefusal(error)) return;
        this.#refused('subscribe', error);
        this.#reporter.problem('subscribe', error);
      },
    });
    const report = (operation: string, error: unknown) => this.#reporter.problem(operation, error);
    this.#trials = new TrialLeases(this.#commands, this.#names, this.#origin, report);
    this.#limits = new LimitSharing({
      link: this.#commands,
      names: this.#names,
      origin: this.#origin,
      ttlMs: resolved.ttlMs,
      canWrite: () => this.#commands.state !== 'down' && !this.#refusals.unauthenticated,
      deliver: (pool, change) => this.#subscriptions.deliverShared(pool, change),
      problem: report,
      skewed: report,
    });
    if (resolved.limits !== undefined) {
      const admission = new FleetAdmission(resolved.limits, this.#commands, this.#names, this.#origin, report);
      this.admit = (pool, keyId) => admission.admit(pool, keyId);
    }
    this.#connections.start();
  }

  get status(): RedisStoreStatus {
    if (this.#closing !== undefined) return 'closed';
    if (this.#refusals.any) return 'refused';
    const states = [this.#commands.state, this.#pubsub.state];
    return states.includes('down') ? 'down' : states.includes('connecting') ? 'connecting' : 'up';
  }

  /**
   * For health output: the status, and what is behind it when it is not `up` — the refusal
   * (`{ operation, code: 'NOAUTH' | 'WRONGPASS' | 'NOPERM' | 'READONLY' | …, message, at }`) or
   * the failure that started the outage. Never a password.
   */
  health(): RedisStoreHealth {
    const status = this.status;
    const error = status === 'refused' ? this.#refusals.latest : status === 'down' ? this.#reporter.outage : undefined;
    return error === undefined ? { status } : { status, error };
  }

  /**
   * One round trip (MGET) once connected. Rejects at once during an outage, and after
   * `connectTimeoutMs` while the first connection is still being made; the pool then serves
   * from local state, and gets the state through its subscription when Redis answers.
   */
  async load(pool: string, keyIds: readonly string[]): Promise<ReadonlyMap<string, SharedKeyState>> {
    if (this.#closing !== undefined) throw new Error('RedisStore is closed');
    this.#ledger.know(pool, keyIds);
    if (keyIds.length === 0) return new Map();
    await this.#commands.ready(this.#options.connectTimeoutMs);
    // Read after the subscription is live, so no change falls between the read and the first
    // message. If it is not live in time, read now and again once it is.
    if (!(await this.#subscriptions.live(pool, this.#options.timeoutMs))) this.#stale.add(pool);
    try {
      return await this.#read(pool, keyIds, 'load');
    } catch (error) {
      // Read again once Redis answers (after the outage, or once what it refused is fixed).
      this.#stale.add(pool);
      throw withReplyCode(error);
    }
  }

  /** Fire and forget: the pool goes on at once. Newer saves of the same key always win, in Redis (the script) and here. */
  save(pool: string, keyId: string, state: SharedKeyState): void {
    if (this.#closing !== undefined || !this.#ledger.saved(pool, keyId, state)) return;
    // Other pools of this process hear it at once, Redis or not (their own echo is skipped).
    queueMicrotask(() => this.#subscriptions.deliver(pool, keyId, state));
    this.#write(pool, keyId, state);
  }

  subscribe(pool: string, listener: StateListener): () => void {
    if (this.#closing !== undefined) return () => undefined;
    return this.#subscriptions.add(pool, listener);
  }

  /**
   * The pool's limits per (group, scope) and detected groups: two reads once connected, after the
   * channel is live (as `load`). Rejects during an outage; what arrives later reaches the pool
   * through `subscribeShared`.
   */
  async loadShared(pool: string): Promise<SharedPoolState> {
    if (this.#closing !== undefined) throw new Error('RedisStore is closed');
    await this.#commands.ready(this.#options.connectTimeoutMs);
    if (!(await this.#subscriptions.live(pool, this.#options.timeoutMs))) this.#stale.add(pool);
    try {
      return await this.#limits.read(pool, 'loadShared');
    } catch (error) {
      this.#stale.add(pool);
      throw withReplyCode(error);
    }
  }

  /** A limit's new cooldown, saved like key state: fire and forget, newest wins, published to the fleet. */
  saveLimit(pool: string, state: SharedLimitState): void {
    if (this.#closing === undefined) this.#limits.save(pool, { limit: state });
  }

  /** Keys found to share one quota (shared-quota detection), for every process of the fleet. */
  saveGroup(pool: string, state: SharedGroupState): void {
    if (this.#closing === undefined) this.#limits.save(pool, { group: state });
  }

  subscribeShared(pool: string, listener: SharedListener): () => void {
    if (this.#closing !== undefined) return () => undefined;
    return this.#subscriptions.addShared(pool, listener);
  }

  acquireTrial(pool: string, keyId: string, leaseMs: number): Promise<boolean> {
    if (this.#closing !== undefined) return Promise.resolve(true);
    return this.#trials.acquire(pool, keyId, leaseMs);
  }

  releaseTrial(pool: string, keyId: string): void {
    this.#trials.release(pool, keyId);
  }

  onError(listener: (error: StoreErrorInfo) => void): () => void {
    return this.#reporter.onError(listener);
  }

  /**
   * Stops tracking a key this process removed. Its shared state stays: other processes may still
   * have the key, and it expires by itself when nobody writes it any more.
   */
  forget(pool: string, keyId: string): void {
    this.#ledger.forget(pool, keyId);
    this.#trials.release(pool, keyId);
  }

  /**
   * Gives back held trial leases, waits (at most `timeoutMs`) for writes in flight, and closes
   * the connections the store opened. A client passed as `client` stays open: it is yours.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const waitMs = this.#options.timeoutMs;
    await this.#trials.releaseAll();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.#writes]), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    this.#refusals.close();
    this.#subscriptions.close();
    this.#commands.close();
    this.#pubsub.close();
    this.#reporter.clear();
    await this.#connections.close(waitMs);
  }

  #write(pool: string, keyId: string, state: SharedKeyState): void {
    this.#ledger.markUnsent(pool, keyId);
    // During an outage (or while Redis wants credentials it was not given) the resync sends it; trying now would only fail.
    if (this.#commands.state === 'down' || this.#refusals.unauthenticated) return;
    const encoded = encodeState(state);
    const args = [
      String(state.updatedAt), encoded, String(expiryMs(state, this.#options.ttlMs)), this.#names.channel(pool), encodeMessage(this.#origin, keyId, encoded),
      String(clockSkewAllowanceMs), state.operator === true ? '1' : '0',
    ];
    const write: Promise<void> = runScript<number>(this.#commands, saveStateScript, [this.#names.state(pool, keyId)], args, 'save').then(
      (reply) => {
        // Refused for a stamp ahead of Redis's clock: sending it again would not help.
        if (reply < 0) this.#reporter.problem('save', codedError(`Redis refused key "${keyId}"'s state: this host's clock is ${Math.round(-reply / 1000)} s ahead of Redis's; keep the fleet's clocks in sync (NTP)`, clockSkewCode));
        this.#ledger.markSent(pool, keyId, state);
      },
      (error: unknown) => {
        // An outage was reported by the link, and the resync re-sends; a refused command is reported here.
        if (isCommandError(error)) this.#reporter.problem('save', error);
      },
    );
    this.#writes.add(write);
    void write.finally(() => this.#writes.delete(write));
  }

  /** MGET of the keys' states; what is new to this process also goes to its pools' listeners (a pool that stopped waiting for `load` still gets it). */
  async #read(pool: string, keyIds: readonly string[], operation: string): Promise<Map<string, SharedKeyState>> {
    const keys = keyIds.map((id) => this.#names.state(pool, id));
    const values = await this.#commands.send<Array<string | null>>(['MGET', ...keys], operation, this.#options.connectTimeoutMs);
    const states = new Map<string, SharedKeyState>();
    values.forEach((value, i) => {
      if (value === null || value === undefined) return;
      const state = decodeState(value);
      if (state === undefined) this.#reporter.problem('decode', new Error(`ignored a malformed state stored at ${keys[i]}`));
      else if (this.#believable(operation, keyIds[i]!, state)) states.set(keyIds[i]!, state);
    });
    for (const [id, state] of states) if (this.#ledger.see(pool, id, state)) this.#subscriptions.deliver(pool, id, state);
    return states;
  }

  #onMessage(pool: string, message: string): void {
    const change = decodeChannelMessage(message);
    if (change === undefined) {
      this.#reporter.problem('decode', new Error(`ignored a malformed message on ${this.#names.channel(pool)}`));
      return;
    }
    // Our own pools were told when the change was saved.
    if (change.origin === this.#origin) return;
    if (change.kind === 'shared') {
      this.#limits.received(pool, change.change);
      return;
    }
    if (!this.#believable('subscribe', change.keyId, change.state)) return;
    if (this.#ledger.see(pool, change.keyId, change.state)) this.#subscriptions.deliver(pool, change.keyId, change.state);
  }

  /**
   * A stamp from the future is not believed (the save script refuses such writes, so it was put
   * there by hand, or by a writer that bypassed the script): applied, it would win every later
   * "newest write wins" and keep real changes out.
   */
  #believable(operation: string, keyId: string, state: SharedKeyState): boolean {
    const aheadMs = state.updatedAt - Date.now();
    if (aheadMs <= clockSkewAllowanceMs) return true;
    this.#reporter.problem(operation, codedError(`ignored a state of key "${keyId}" stamped ${Math.round(aheadMs / 1000)} s ahead of this host's clock: a member's clock is wrong or someone wrote to this prefix by hand`, clockSkewCode));
    return false;
  }

  /** Redis refused a command: recorded for `status` / `health()`, and retried until accepted. */
  #refused(operation: string, error: unknown): void {
    if (this.#closing === undefined) this.#refusals.record(this.#reporter.info(operation, error), Date.now());
  }

  #onDown(role: string, operation: string, error: unknown): void {
    // Credentials refused at the handshake: the client keeps reconnecting by itself.
    if (isRefusal(error)) this.#refused(operation, error);
    // Whatever is published while the pub/sub connection is away is lost to this process.
    if (role === 'pubsub') {
      this.#subscriptions.lost();
      for (const pool of this.#subscriptions.pools()) this.#stale.add(pool);
    }
    this.#reporter.down(role, operation, error);
  }

  #onUp(role: string): void {
    this.#refusals.accepted('connection');
    this.#reporter.up(role);
    if (this.#closing !== undefined) return;
    // A failed SUBSCRIBE is not retried by the client; each channel coming live re-reads its pool.
    if (role === 'pubsub') void this.#subscriptions.resubscribe();
    this.#resynchronise();
  }

  /** One resync at a time; anything that asks for one meanwhile gets another right after. */
  #resynchronise(): void {
    if (this.#resync !== undefined) {
      this.#resync.again = true;
      return;
    }
    const resync = { again: false };
    this.#resync = resync;
    void this.#resyncOnce().finally(() => {
      this.#resync = undefined;
      if (resync.again) this.#resynchronise();
    });
  }

  /** Re-sends the saves Redis may not have, and re-reads the pools that may have missed changes. */
  async #resyncOnce(): Promise<void> {
    if (this.#closing !== undefined || this.#commands.state !== 'up') return;
    for (const pool of this.#ledger.pools()) for (const [keyId, state] of this.#ledger.unsent(pool)) this.#write(pool, keyId, state);
    this.#limits.resend();
    for (const pool of [...this.#stale]) {
      if (!this.#subscriptions.has(pool)) {
        this.#stale.delete(pool);
        continue;
      }
      // Not live yet: its channel coming live asks for another resync.
      if (!this.#subscriptions.isLive(pool)) continue;
      const ids = this.#ledger.knownIds(pool);
      let stored: Map<string, SharedKeyState>;
      try {
        stored = ids.length === 0 ? new Map() : await this.#read(pool, ids, 'resync');
        if (this.#limits.loadedPools().includes(pool)) await this.#limits.read(pool, 'resync');
      } catch (error) {
        // An outage was reported by the link, and its recovery resyncs again; a refused read is reported here.
        if (isCommandError(error)) this.#reporter.problem('resync', error);
        return;
      }
      this.#stale.delete(pool);
      // A Redis that came back empty (restarted without persistence) lost what this process had
      // saved: put back what still matters, if no newer change from elsewhere superseded it.
      const now = Date.now();
      for (const id of ids) {
        const saved = this.#ledger.savedState(pool, id);
        if (!stored.has(id) && saved !== undefined && this.#ledger.newest(pool, id) === saved.updatedAt && inForce(saved, now)) this.#write(pool, id, saved);
      }
    }
  }
}
