/** What a selection strategy may read of a key. Counters change as requests start and end. */
export interface SelectableKey {
  readonly id: string;
  /** Position in key order: stable, increasing as keys are added. */
  readonly index: number;
  readonly weight: number;
  readonly priority: number;
  readonly inFlight: number;
  readonly requests: number;
  /** Remaining provider quota as a fraction in [0, 1], from rate-limit headers; 1 while unknown. */
  readonly headroom: number;
  /** 1 / the quota limit behind `headroom` (0 while unknown): one in-flight request's share of it. */
  readonly headroomUnit: number;
  /** Scratch slot owned by the active strategy (its position in a heap, ring or array); -1 when unused. */
  slot: number;
}

/**
 * Chooses among the keys that can serve right now. The pool tells the strategy which keys are
 * ready (`add` / `remove`) and when a ready key's counters changed (`update`), so `pick` never
 * has to scan all keys: every built-in strategy is O(1) or O(log n) per call.
 */
export interface SelectionStrategy<K extends SelectableKey = SelectableKey> {
  readonly name: string;
  /** Number of ready keys. */
  readonly size: number;
  add(key: K): void;
  remove(key: K): void;
  /** A ready key for the next attempt, or undefined when none is ready. Must not mutate the set. */
  pick(): K | undefined;
  /** A ready key's `inFlight`, `requests` or `headroom` changed. */
  update(key: K): void;
}

export type StrategyName = 'round-robin' | 'least-used' | 'weighted' | 'priority' | 'random' | 'headroom';

export function isSelectionStrategy(value: unknown): value is SelectionStrategy {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['add', 'remove', 'pick', 'update'].every((method) => typeof candidate[method] === 'function');
}
