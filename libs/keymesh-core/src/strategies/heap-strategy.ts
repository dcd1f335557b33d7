import { IndexedHeap } from '../util/indexed-heap.js';
import type { SelectableKey, SelectionStrategy } from './strategy.js';

/** A strategy that always picks the best key by an ordering: the top of a heap. */
export class HeapStrategy<K extends SelectableKey> implements SelectionStrategy<K> {
  readonly #heap: IndexedHeap<K>;

  constructor(
    readonly name: string,
    better: (a: K, b: K) => boolean,
    /** Whether an ordering depends on counters that `update` reports; static orders skip the sift. */
    private readonly dynamic: boolean,
  ) {
    this.#heap = new IndexedHeap<K>(better, (key) => key.slot, (key, slot) => (key.slot = slot));
  }

  get size(): number {
    return this.#heap.size;
  }
  add(key: K): void {
    if (!this.#heap.has(key)) this.#heap.push(key);
  }
  remove(key: K): void {
    this.#heap.remove(key);
  }
  pick(): K | undefined {
    return this.#heap.peek();
  }
  update(key: K): void {
    if (this.dynamic) this.#heap.update(key);
  }
}

/** `least-used`: fewest requests in flight, then fewest requests so far, then key order. */
export function leastUsed<K extends SelectableKey>(): SelectionStrategy<K> {
  return new HeapStrategy<K>(
    'least-used',
    (a, b) => a.inFlight < b.inFlight || (a.inFlight === b.inFlight && (a.requests < b.requests || (a.requests === b.requests && a.index < b.index))),
    true,
  );
}

/** `priority`: lowest `priority` value first, ties in key order; lower tiers only when higher ones are sidelined. */
export function priority<K extends SelectableKey>(): SelectionStrategy<K> {
  return new HeapStrategy<K>('priority', (a, b) => a.priority < b.priority || (a.priority === b.priority && a.index < b.index), false);
}

/**
 * `headroom`: most remaining provider quota, with requests already in flight subtracted so a
 * burst spreads instead of landing on one key; ties fall back to least-used.
 */
export function headroom<K extends SelectableKey>(): SelectionStrategy<K> {
  const remaining = (key: K) => key.headroom - key.inFlight * key.headroomUnit;
  return new HeapStrategy<K>(
    'headroom',
    (a, b) => {
      const ra = remaining(a);
      const rb = remaining(b);
      if (ra !== rb) return ra > rb;
      if (a.inFlight !== b.inFlight) return a.inFlight < b.inFlight;
      return a.requests < b.requests || (a.requests === b.requests && a.index < b.index);
    },
    true,
  );
}
