import { systemClock, type Clock } from '../clock.js';
import type { SharedKeyState, StateStore } from './state-store.js';

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
    if (current && current.updatedAt > state.updatedAt) return;
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

  forget(pool: string, keyId: string): void {
    this.#states.get(pool)?.delete(keyId);
    this.#trials.delete(`${pool}\0${keyId}`);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
