import { advance } from '../breaker/breaker.js';
import { closedBreaker } from '../breaker/breaker-state.js';
import type { Clock } from '../clock.js';
import type { Limit } from '../limits/limit.js';
import { QuotaGroup } from '../limits/quota-group.js';
import type { RequestCost } from '../request/request-info.js';
import type { SelectionStrategy } from '../strategies/strategy.js';
import { IndexedHeap } from '../util/indexed-heap.js';
import { KeyEntry } from './key-entry.js';
import type { NormalizedKey } from './key-spec.js';

export interface TimeTransitions {
  halfOpened(entry: KeyEntry): void;
  reEnabled(entry: KeyEntry): void;
  /** A timer brought a key back (its open period ended): waiting requests can be woken. */
  woke(entry: KeyEntry): void;
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
 * request costs one heap peek plus the strategy's pick, whatever the number of keys; an open
 * breaker also has a timer (unref'd) so `circuit.half_opened` fires when its period ends.
 *
 * Limits are per (quota group, scope), but the ready set is per key: a key sidelined for one
 * scope still serves others. `select` therefore checks the picked key's limit for the request's
 * scope (one cached lookup) and, only when that limit cannot take the request, skips the key and
 * picks again, putting every skipped key back afterwards. The common case costs nothing extra;
 * a request whose scope is sidelined on some keys pays O(s · log n) for the s keys it skips, and
 * one whose scope no key can serve learns, from the keys it skipped, when the earliest frees.
 */
export class KeySet {
  readonly #byId = new Map<string, KeyEntry>();
  readonly #bySecret = new Map<string, string>();
  readonly #wake = new IndexedHeap<KeyEntry>(wakesSooner, wakeSlotOf, setWakeSlot);
  readonly #groups = new Map<string, QuotaGroup<KeyEntry>>();
  readonly #skipped: KeyEntry[] = [];
  #busy = 0;
  #nextIndex = 0;
  /** After a `select` that found no key: when the request's scope frees on a skipped key, and whether answers in flight may free it sooner. */
  #scopeWake = Infinity;
  #scopeBusy = false;
  /** After a `select` that found no key: the skipped limit that frees soonest for the cost (the wait queue holds it for its head). */
  #scopeBlocker: Limit | undefined;
  /** After a `select` that found no key: whether a skipped limit would take a request costing no tokens (one smaller than this may fit). */
  #scopeRoom = false;

  constructor(
    private readonly strategy: SelectionStrategy<KeyEntry>,
    private readonly clock: Clock,
    private readonly transitions: TimeTransitions,
  ) {}

  get size(): number {
    return this.#byId.size;
  }
  /** Keys that are available by time but cannot take a request now, plus one when the last `select` found its scope blocked only by requests in flight. */
  get busyCount(): number {
    return this.#busy + (this.#scopeBusy ? 1 : 0);
  }
  groups(): IterableIterator<QuotaGroup<KeyEntry>> {
    return this.#groups.values();
  }
  group(id: string): QuotaGroup<KeyEntry> | undefined {
    return this.#groups.get(id);
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
    const groupId = key.group ?? entry.id;
    let group = this.#groups.get(groupId);
    if (group === undefined) this.#groups.set(groupId, (group = new QuotaGroup<KeyEntry>(groupId, key.group !== undefined)));
    group.keys.add(entry);
    entry.group = group;
    this.#byId.set(entry.id, entry);
    this.#bySecret.set(key.secret, entry.id);
    this.refresh(entry, now);
    return entry;
  }

  remove(entry: KeyEntry): void {
    entry.removed = true;
    this.#byId.delete(entry.id);
    this.#bySecret.delete(entry.view.secret);
    entry.group.keys.delete(entry);
    if (entry.group.keys.size === 0) this.#groups.delete(entry.group.id);
    this.refresh(entry, 0);
  }

  /** Moves every key of `from` into `into` (shared-quota detection). */
  merge(into: QuotaGroup<KeyEntry>, from: QuotaGroup<KeyEntry>): void {
    for (const key of from.keys) {
      key.group = into;
      key.lastScope = key.lastLimit = undefined;
    }
    into.absorb(from);
    this.#groups.delete(from.id);
  }

  /**
   * Picks a ready key whose limit for `scope` can take a request of `cost`, after waking the keys
   * whose time has come. Keys in `avoid` (those the request already failed on) are taken only when
   * no other key can serve: a retry goes elsewhere under every strategy. The list is the request's
   * own, not a mark on the keys: concurrent requests failing on one key must not unmark each
   * other's. It holds at most `retry.maxAttempts` keys, and exists only after a failure.
   */
  select(now: number, scope: string, cost: RequestCost | undefined, avoid: readonly KeyEntry[] | undefined): KeyEntry | undefined {
    const top = this.#wake.peek();
    if (top !== undefined && top.wakeAt <= now) this.#wakeDue(now);
    const key = this.strategy.pick();
    if (key !== undefined && (avoid === undefined || !avoid.includes(key)) && key.limitFor(scope).admits(cost, now)) return key;
    // What `earliestWake` and `busyCount` say after a select that found nothing.
    this.#scopeWake = Infinity;
    this.#scopeBusy = false;
    this.#scopeBlocker = undefined;
    this.#scopeRoom = false;
    return key === undefined ? undefined : this.#selectSkipping(key, now, scope, cost, avoid);
  }

  /** The slow path of `select`: skip keys that cannot serve the scope, then put them back. */
  #selectSkipping(first: KeyEntry, now: number, scope: string, cost: RequestCost | undefined, avoid: readonly KeyEntry[] | undefined): KeyEntry | undefined {
    const skipped = this.#skipped;
    let chosen: KeyEntry | undefined;
    let fallback: KeyEntry | undefined;
    for (let key: KeyEntry | undefined = first; key !== undefined; key = this.strategy.pick()) {
      const limit = key.limitFor(scope);
      if (limit.admits(cost, now)) {
        if (avoid === undefined || !avoid.includes(key)) {
          chosen = key;
          break;
        }
        fallback ??= key;
      } else {
        limit.blocking = true;
        const at = limit.freeAt(cost, now);
        if (at < this.#scopeWake || this.#scopeBlocker === undefined) this.#scopeBlocker = limit;
        if (!this.#scopeRoom && limit.admits(undefined, now)) this.#scopeRoom = true;
        if (at < this.#scopeWake) this.#scopeWake = at;
        if (limit.pendingCount > 0) this.#scopeBusy = true;
      }
      skipped.push(key);
      this.strategy.remove(key);
    }
    for (const key of skipped) this.strategy.add(key);
    skipped.length = 0;
    const picked = chosen ?? fallback;
    if (picked !== undefined) {
      this.#scopeWake = Infinity;
      this.#scopeBusy = false;
      this.#scopeBlocker = undefined;
    }
    return picked;
  }

  /** Brings every key up to date with the clock (before a snapshot). */
  wakeAll(now: number): void {
    this.#wakeDue(now);
  }

  /**
   * Epoch ms when the next sidelined key frees up (or, after a `select` that found none, the
   * request's scope on a skipped key); Infinity when none will by itself.
   */
  /**
   * After a `select` that found no key: the limit of a ready key that frees soonest for the
   * request's cost; undefined when no ready key was turned away by its limit (none was ready).
   */
  get blockedBy(): Limit | undefined {
    return this.#scopeBlocker;
  }

  /** After a `select` that found no key: whether a smaller request may fit (a skipped limit takes one of no tokens). */
  get roomForLess(): boolean {
    return this.#scopeRoom;
  }

  earliestWake(): number {
    const at = this.#wake.peek()?.wakeAt ?? Infinity;
    return at < this.#scopeWake ? at : this.#scopeWake;
  }

  acquire(entry: KeyEntry, now: number): void {
    entry.inFlight++;
    entry.requests++;
    if (entry.inFlight >= entry.maxConcurrent) this.refresh(entry, now);
    else this.strategy.update(entry);
  }

  /** A key's quota reading changed its `headroom`: re-order it. */
  touch(entry: KeyEntry): void {
    if (entry.ready) this.strategy.update(entry);
  }

  /** Stops every half-open timer (pool close). */
  close(): void {
    for (const entry of this.#byId.values()) this.#clearTimer(entry);
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
    const busy = byTime && (entry.inFlight >= entry.maxConcurrent || (breaker.status === 'half_open' && breaker.trialInFlight));
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
    if (breaker.status === 'open' && !entry.removed && entry.disabled === undefined) this.#armTimer(entry, breaker.until);
    else if (entry.halfOpenTimer !== undefined) this.#clearTimer(entry);
    return becameReady;
  }

  /** One timer per open key, re-armed when its open period changes; unref'd so it never holds the process. */
  #armTimer(entry: KeyEntry, until: number): void {
    if (entry.halfOpenTimer !== undefined && entry.halfOpenAt === until) return;
    this.#clearTimer(entry);
    entry.halfOpenAt = until;
    const timer = this.clock.setTimeout(() => {
      entry.halfOpenTimer = undefined;
      if (this.refresh(entry, this.clock.now())) this.transitions.woke(entry);
    }, Math.max(0, until - this.clock.now()));
    (timer as { unref?: () => void } | undefined)?.unref?.();
    entry.halfOpenTimer = timer;
  }

  #clearTimer(entry: KeyEntry): void {
    if (entry.halfOpenTimer === undefined) return;
    this.clock.clearTimeout(entry.halfOpenTimer);
    entry.halfOpenTimer = undefined;
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
