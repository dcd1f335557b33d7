import { advance } from '../breaker/breaker.js';
import { closedBreaker } from '../breaker/breaker-state.js';
import type { Clock } from '../clock.js';
import type { SelectionStrategy } from '../strategies/strategy.js';
import { IndexedHeap } from '../util/indexed-heap.js';
import { KeyEntry } from './key-entry.js';
import type { NormalizedKey } from './key-spec.js';

export interface TimeTransitions {
  halfOpened(entry: KeyEntry): void;
  reEnabled(entry: KeyEntry): void;
}

// Module-level functions rather than closures per pool: every wake-up heap calls the same ones.
const wakesSooner = (a: KeyEntry, b: KeyEntry): boolean => a.wakeAt < b.wakeAt;
const wakeSlotOf = (key: KeyEntry): number => key.wakeSlot;
const setWakeSlot = (key: KeyEntry, slot: number): void => {
  key.wakeSlot = slot;
};

/**
 * The pool's keys and which of them can serve. A key is in exactly one place: the strategy's
 * ready set, the wake-up heap (sidelined until a known time), or neither (disabled until
 * enabled, or busy). Time-based transitions happen lazily when the heap's top is due, so a
 * request costs one heap peek plus the strategy's pick, whatever the number of keys.
 */
export class KeySet {
  readonly #byId = new Map<string, KeyEntry>();
  readonly #bySecret = new Map<string, string>();
  readonly #wake = new IndexedHeap<KeyEntry>(wakesSooner, wakeSlotOf, setWakeSlot);
  #busy = 0;
  #nextIndex = 0;

  constructor(
    private readonly strategy: SelectionStrategy<KeyEntry>,
    private readonly clock: Clock,
    private readonly transitions: TimeTransitions,
  ) {}

  get size(): number {
    return this.#byId.size;
  }
  get busyCount(): number {
    return this.#busy;
  }
  entries(): IterableIterator<KeyEntry> {
    return this.#byId.values();
  }
  get(id: string): KeyEntry | undefined {
    return this.#byId.get(id);
  }
  idOfSecret(secret: string): string | undefined {
    return this.#bySecret.get(secret);
  }

  add(key: NormalizedKey, now: number): KeyEntry {
    const entry = new KeyEntry(key, this.#nextIndex++);
    this.#byId.set(entry.id, entry);
    this.#bySecret.set(key.secret, entry.id);
    this.refresh(entry, now);
    return entry;
  }

  remove(entry: KeyEntry): void {
    entry.removed = true;
    this.#byId.delete(entry.id);
    this.#bySecret.delete(entry.view.secret);
    this.refresh(entry, 0);
  }

  /** Picks a ready key after waking the keys whose time has come. */
  select(now: number): KeyEntry | undefined {
    const top = this.#wake.peek();
    if (top !== undefined && top.wakeAt <= now) this.#wakeDue(now);
    return this.strategy.pick();
  }

  /** Brings every key up to date with the clock (before a snapshot). */
  wakeAll(now: number): void {
    this.#wakeDue(now);
  }

  /** Epoch ms when the next sidelined key frees up; Infinity when none will by itself. */
  earliestWake(): number {
    return this.#wake.peek()?.wakeAt ?? Infinity;
  }

  acquire(entry: KeyEntry, now: number): void {
    entry.inFlight++;
    entry.requests++;
    if (entry.inFlight >= entry.maxConcurrent || entry.quotaClaimed()) this.refresh(entry, now);
    else this.strategy.update(entry);
  }

  /** A key's quota reading changed: re-order it, or let it take requests again if the reading frees it. */
  touch(entry: KeyEntry, now: number): boolean {
    if (entry.ready) {
      this.strategy.update(entry);
      return false;
    }
    return entry.busy && this.refresh(entry, now);
  }

  /**
   * Returns true when the key became ready, so waiting requests can be woken. Reads the clock only
   * when the key was not ready: a read costs as much as the rest of a successful request's accounting.
   */
  release(entry: KeyEntry): boolean {
    entry.inFlight--;
    if (entry.ready) {
      this.strategy.update(entry);
      return false;
    }
    return this.refresh(entry, this.clock.now());
  }

  /**
   * Re-derives where the key belongs after any change. Returns true when it just became ready.
   */
  refresh(entry: KeyEntry, now: number): boolean {
    if (!entry.removed) this.#applyTime(entry, now);
    const at = entry.removed ? Infinity : entry.availableAt();
    const byTime = at <= now;
    const breaker = entry.breaker;
    const busy = byTime && (entry.inFlight >= entry.maxConcurrent || entry.quotaClaimed() || (breaker.status === 'half_open' && breaker.trialInFlight));
    const ready = byTime && !busy && !entry.removed;
    const becameReady = ready && !entry.ready;
    if (ready !== entry.ready) {
      entry.ready = ready;
      if (ready) this.strategy.add(entry);
      else this.strategy.remove(entry);
    }
    if (busy !== entry.busy) {
      entry.busy = busy;
      this.#busy += busy ? 1 : -1;
    }
    const waiting = !byTime && Number.isFinite(at);
    if (waiting && entry.wakeSlot < 0) {
      entry.wakeAt = at;
      this.#wake.push(entry);
    } else if (waiting && entry.wakeAt !== at) {
      entry.wakeAt = at;
      this.#wake.update(entry);
    } else if (!waiting && entry.wakeSlot >= 0) {
      this.#wake.remove(entry);
    }
    return becameReady;
  }

  #wakeDue(now: number): void {
    for (let top = this.#wake.peek(); top !== undefined && top.wakeAt <= now; top = this.#wake.peek()) {
      this.#wake.remove(top);
      this.refresh(top, now);
    }
  }

  /** Transitions that happen by the clock alone: a quota cooldown ending, an open breaker going half-open. */
  #applyTime(entry: KeyEntry, now: number): void {
    if (entry.disabled !== undefined && entry.disabled.until <= now) {
      entry.disabled = undefined;
      entry.breaker = closedBreaker;
      entry.generation++;
      this.transitions.reEnabled(entry);
    }
    if (entry.disabled === undefined && entry.breaker.status === 'open' && entry.breaker.until <= now) {
      entry.breaker = advance(entry.breaker, now);
      entry.generation++;
      this.transitions.halfOpened(entry);
    }
  }
}
