import { systemClock, type Clock } from '../clock.js';
import { clockSkewAllowanceMs } from '../pool/shared-state.js';
import type { SharedChange, SharedGroupState, SharedKeyState, SharedLimitState, SharedPoolState, StateStore } from './state-store.js';

/**
 * The default store: state in this process's memory. Pools that share one `MemoryStore` behave
 * like a fleet sharing Redis (cooldowns, breaker state and the half-open trial), which is also how
 * the store contract is tested. Changes are delivered on a microtask, as a remote store would do
 * asynchronously.
 */
export class MemoryStore implements StateStore {
  readonly #states = new Map<string, Map<string, SharedKeyState>>();
  readonly #listeners = new Map<string, Set<(keyId: string, state: SharedKeyState) => void>>();
  readonly #trials = new Map<string, number>();
  /** Per pool: limits by `group\0scope`, detected groups by group id. */
  readonly #limits = new Map<string, Map<string, SharedLimitState>>();
  readonly #groups = new Map<string, Map<string, SharedGroupState>>();
  readonly #sharedListeners = new Map<string, Set<(change: SharedChange) => void>>();
  readonly #clock: Clock;

  constructor(options: { clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  async load(pool: string, keyIds: readonly string[]): Promise<ReadonlyMap<string, SharedKeyState>> {
    const states = this.#states.get(pool);
    const result = new Map<string, SharedKeyState>();
    if (states) for (const id of keyIds) {
      const state = states.get(id);
      if (state) result.set(id, state);
    }
    return result;
  }

  save(pool: string, keyId: string, state: SharedKeyState): void {
    let states = this.#states.get(pool);
    if (!states) this.#states.set(pool, (states = new Map()));
    const current = states.get(keyId);
    // Newest write wins, as in a fleet store: unless the write is an operator's (`enableKey` /
    // `disableKey`), or the stored stamp is from the future and so not believed.
    if (current && current.updatedAt > state.updatedAt && state.operator !== true && current.updatedAt <= this.#clock.now() + clockSkewAllowanceMs) return;
    states.set(keyId, state);
    const listeners = this.#listeners.get(pool);
    if (listeners?.size) queueMicrotask(() => listeners.forEach((listener) => listener(keyId, state)));
  }

  subscribe(pool: string, listener: (keyId: string, state: SharedKeyState) => void): () => void {
    let listeners = this.#listeners.get(pool);
    if (!listeners) this.#listeners.set(pool, (listeners = new Set()));
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  acquireTrial(pool: string, keyId: string, leaseMs: number): boolean {
    const lease = `${pool}\0${keyId}`;
    const now = this.#clock.now();
    const expiresAt = this.#trials.get(lease);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.#trials.set(lease, now + leaseMs);
    return true;
  }

  releaseTrial(pool: string, keyId: string): void {
    this.#trials.delete(`${pool}\0${keyId}`);
  }

  async loadShared(pool: string): Promise<SharedPoolState> {
    return { limits: [...(this.#limits.get(pool)?.values() ?? [])], groups: [...(this.#groups.get(pool)?.values() ?? [])] };
  }

  saveLimit(pool: string, state: SharedLimitState): void {
    if (this.#keep(this.#limits, pool, `${state.group}\0${state.scope}`, state)) this.#deliver(pool, { limit: state });
  }

  saveGroup(pool: string, state: SharedGroupState): void {
    if (this.#keep(this.#groups, pool, state.group, state)) this.#deliver(pool, { group: state });
  }

  subscribeShared(pool: string, listener: (change: SharedChange) => void): () => void {
    let listeners = this.#sharedListeners.get(pool);
    if (!listeners) this.#sharedListeners.set(pool, (listeners = new Set()));
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Newest write wins per entry; returns whether `state` was kept. */
  #keep<S extends { updatedAt: number }>(all: Map<string, Map<string, S>>, pool: string, id: string, state: S): boolean {
    let states = all.get(pool);
    if (!states) all.set(pool, (states = new Map()));
    const current = states.get(id);
    if (current && current.updatedAt > state.updatedAt) return false;
    states.set(id, state);
    return true;
  }

  #deliver(pool: string, change: SharedChange): void {
    const listeners = this.#sharedListeners.get(pool);
    if (listeners?.size) queueMicrotask(() => listeners.forEach((listener) => listener(change)));
  }

  forget(pool: string, keyId: string): void {
    this.#states.get(pool)?.delete(keyId);
    this.#trials.delete(`${pool}\0${keyId}`);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#sharedListeners.clear();
  }
}
