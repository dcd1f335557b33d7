import type { Clock } from '../clock.js';
import type { EventEmitter } from '../events/event-emitter.js';
import type { StateStore } from '../store/state-store.js';
import type { KeyEntry } from './key-entry.js';
import type { KeySet } from './key-set.js';
import { applyShared, toShared } from './shared-state.js';

/**
 * A pool's connection to a shared store: loads the shared state before the first request
 * (bounded by `storeLoadTimeoutMs`, then local state), applies other pools' changes, records this
 * pool's changes, and reports store failures as `store.error`. The store never blocks serving.
 */
export class StoreLink {
  readonly #source: string;
  #unsubscribe: (() => void) | undefined;
  #unsubscribeErrors: (() => void) | undefined;

  constructor(
    private readonly pool: { name: string; store: StateStore; keys: KeySet; clock: Clock; events: EventEmitter; loadTimeoutMs: number; notify(): void },
    source: string,
  ) {
    this.#source = source;
  }

  /** Starts following the store; the promise settles once its state is loaded (or given up on). */
  connect(): Promise<void> {
    const { name, store, keys, clock } = this.pool;
    this.#unsubscribe = store.subscribe(name, (keyId, state) => {
      if (state.source === this.#source) return;
      const entry = keys.get(keyId);
      if (entry === undefined || state.updatedAt < entry.stateUpdatedAt) return;
      applyShared(entry, state);
      if (keys.refresh(entry, clock.now())) this.pool.notify();
    });
    this.#unsubscribeErrors = store.onError?.((info) => this.#report(info.operation, info.message, info.code));
    return this.#load();
  }

  save(key: KeyEntry, now: number): void {
    this.pool.store.save(this.pool.name, key.id, toShared(key, now, this.#source));
  }

  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribeErrors?.();
    this.#unsubscribe = this.#unsubscribeErrors = undefined;
  }

  async #load(): Promise<void> {
    const { name, store, keys, clock, loadTimeoutMs } = this.pool;
    let timer: unknown;
    try {
      const ids = [...keys.entries()].map((entry) => entry.id);
      const timeout = new Promise<undefined>((resolve) => {
        timer = clock.setTimeout(() => resolve(undefined), loadTimeoutMs);
        (timer as { unref?: () => void } | undefined)?.unref?.();
      });
      const states = await Promise.race([store.load(name, ids), timeout]);
      const now = clock.now();
      if (states === undefined) this.#report('load', `no answer within storeLoadTimeoutMs (${loadTimeoutMs} ms); serving from local state`);
      for (const [id, state] of states ?? []) {
        const entry = keys.get(id);
        if (entry === undefined || state.updatedAt < entry.stateUpdatedAt) continue;
        applyShared(entry, state);
        keys.refresh(entry, now);
      }
    } catch (error) {
      // Fail open: an unreachable store must not stop the pool from serving on local state.
      this.#report('load', error instanceof Error ? error.message : String(error));
    } finally {
      clock.clearTimeout(timer);
    }
  }

  #report(operation: string, message: string, code?: string): void {
    const { events, name, clock } = this.pool;
    if (events.has('store.error')) events.emit('store.error', { pool: name, operation, message, ...(code === undefined ? {} : { code }), at: clock.now() });
  }
}
