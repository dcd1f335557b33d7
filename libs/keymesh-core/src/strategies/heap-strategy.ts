import { IndexedHeap } from '../util/indexed-heap.js';
import type { SelectableKey, SelectionStrategy } from './strategy.js';

// Orderings and slot accessors are module-level functions, not closures made per strategy: every
// heap then calls the same function objects, which V8 inlines into the sift loops.
const slotOf = (key: SelectableKey): number => key.slot;
const setSlot = (key: SelectableKey, slot: number): void => {
  key.slot = slot;
};

/** A strategy that always picks the best key by an ordering: the top of a heap. */
export class HeapStrategy<K extends SelectableKey> implements SelectionStrategy<K> {
  readonly #heap: IndexedHeap<K>;

  constructor(
    readonly name: string,
    better: (a: K, b: K) => boolean,
    /** Whether an ordering depends on counters that `update` reports; static orders skip the sift. */
    private readonly dynamic: boolean,
  ) {
    this.#heap = new IndexedHeap<K>(better, slotOf, setSlot);
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

/** `least-used` order: fewest requests in flight, then fewest requests so far, then key order. */
function lessUsed(a: SelectableKey, b: SelectableKey): boolean {
  return a.inFlight < b.inFlight || (a.inFlight === b.inFlight && (a.requests < b.requests || (a.requests === b.requests && a.index < b.index)));
}

/** `priority` order: lowest `priority` value first, ties in key order. */
function higherPriority(a: SelectableKey, b: SelectableKey): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.index < b.index);
}

/** A key's remaining provider quota, with its requests in flight subtracted. */
function remaining(key: SelectableKey): number {
  return key.headroom - key.inFlight * key.headroomUnit;
}

/** `headroom` order: most remaining quota, then least-used. */
function moreHeadroom(a: SelectableKey, b: SelectableKey): boolean {
  const ra = remaining(a);
  const rb = remaining(b);
  if (ra !== rb) return ra > rb;
  if (a.inFlight !== b.inFlight) return a.inFlight < b.inFlight;
  return a.requests < b.requests || (a.requests === b.requests && a.index < b.index);
}

/** `least-used`: fewest requests in flight, then fewest requests so far, then key order. */
export function leastUsed<K extends SelectableKey>(): SelectionStrategy<K> {
  return new HeapStrategy<K>('least-used', lessUsed, true);
}

/** `priority`: lowest `priority` value first, ties in key order; lower tiers only when higher ones are sidelined. */
export function priority<K extends SelectableKey>(): SelectionStrategy<K> {
  return new HeapStrategy<K>('priority', higherPriority, false);
}

/**
 * `headroom`: most remaining provider quota, with requests already in flight subtracted so a
 * burst spreads instead of landing on one key; ties fall back to least-used.
 */
export function headroom<K extends SelectableKey>(): SelectionStrategy<K> {
  return new HeapStrategy<K>('headroom', moreHeadroom, true);
}
