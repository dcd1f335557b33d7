import type { SharedKeyState } from '@keymesh/core';
import { clockSkewAllowanceMs } from './stamps.js';

interface PoolLedger {
  /** Key ids some pool of this process has (from `load`) or wrote: what a resync reloads. */
  known: Set<string>;
  /** The newest state this process saved per key: what a resync restores to a Redis that lost it. */
  saved: Map<string, SharedKeyState>;
  /** Saves that may not have reached Redis (sent during an outage, or unanswered): re-sent on resync. */
  unsent: Set<string>;
  /** The newest `updatedAt` delivered to this process's pools per key, so a resync re-delivers only what is new. */
  seen: Map<string, number>;
}

/**
 * What this process knows about each key, per pool. Bounded by the number of keys (one entry
 * each, the newest state replacing older ones), never by the number of requests or the length of
 * an outage.
 */
export class LocalLedger {
  readonly #pools = new Map<string, PoolLedger>();

  #pool(pool: string): PoolLedger {
    let ledger = this.#pools.get(pool);
    if (ledger === undefined) this.#pools.set(pool, (ledger = { known: new Set(), saved: new Map(), unsent: new Set(), seen: new Map() }));
    return ledger;
  }

  know(pool: string, keyIds: Iterable<string>): void {
    const known = this.#pool(pool).known;
    for (const id of keyIds) known.add(id);
  }

  /**
   * Records a save; false when a newer state of this key was already saved here (then it is
   * dropped, as Redis would drop it). An operator's change is never dropped.
   */
  saved(pool: string, keyId: string, state: SharedKeyState): boolean {
    const ledger = this.#pool(pool);
    const current = ledger.saved.get(keyId);
    if (current !== undefined && current.updatedAt > state.updatedAt && state.operator !== true) return false;
    ledger.known.add(keyId);
    ledger.saved.set(keyId, state);
    this.#see(ledger, keyId, state);
    return true;
  }

  markUnsent(pool: string, keyId: string): void {
    this.#pool(pool).unsent.add(keyId);
  }

  /** A save answered by Redis; it is unsent no more unless a newer one has been saved meanwhile. */
  markSent(pool: string, keyId: string, state: SharedKeyState): void {
    const ledger = this.#pools.get(pool);
    if (ledger?.saved.get(keyId) === state) ledger.unsent.delete(keyId);
  }

  /**
   * Records that a state reached this process's pools; true when it is news: newer than anything
   * before, or an operator's change stamped no more than the skew allowance before the newest.
   */
  see(pool: string, keyId: string, state: SharedKeyState): boolean {
    return this.#see(this.#pool(pool), keyId, state);
  }

  #see(ledger: PoolLedger, keyId: string, state: SharedKeyState): boolean {
    const seen = ledger.seen.get(keyId);
    if (seen !== undefined && seen >= state.updatedAt && !(state.operator === true && state.updatedAt + clockSkewAllowanceMs >= seen && seen !== state.updatedAt)) return false;
    ledger.seen.set(keyId, Math.max(seen ?? 0, state.updatedAt));
    return true;
  }

  /** The newest `updatedAt` this process has saved or received for a key. */
  newest(pool: string, keyId: string): number | undefined {
    return this.#pools.get(pool)?.seen.get(keyId);
  }

  pools(): string[] {
    return [...this.#pools.keys()];
  }

  knownIds(pool: string): string[] {
    return [...(this.#pools.get(pool)?.known ?? [])];
  }

  savedState(pool: string, keyId: string): SharedKeyState | undefined {
    return this.#pools.get(pool)?.saved.get(keyId);
  }

  /** The unsent saves of a pool, newest state per key. */
  unsent(pool: string): Array<[string, SharedKeyState]> {
    const ledger = this.#pools.get(pool);
    if (ledger === undefined) return [];
    return [...ledger.unsent].flatMap((id) => {
      const state = ledger.saved.get(id);
      return state === undefined ? [] : [[id, state] as [string, SharedKeyState]];
    });
  }

  forget(pool: string, keyId: string): void {
    const ledger = this.#pools.get(pool);
    if (ledger === undefined) return;
    ledger.known.delete(keyId);
    ledger.saved.delete(keyId);
    ledger.unsent.delete(keyId);
    ledger.seen.delete(keyId);
  }
}
