import type { DimensionReading } from '../classify/rate-limit-headers.js';
import type { RequestCost } from '../request/request-info.js';
import { costIn, dimensionCount, dimensionIndex } from './dimensions.js';

/** What set a limit's cooldown: a 429, or a reading with nothing left. */
export type LimitCooldownSource = 'rate_limited' | 'quota_headers';

/**
 * A request's claim on a limit, held by the attempt itself (no allocation per request): the
 * limit it drew on, its place in the order requests reached that limit, its cost, and whether the
 * claim is still open (not yet released by an answer, nor counted by a newer reading).
 */
export interface Reservation {
  limit: Limit | undefined;
  limitSequence: number;
  cost: RequestCost | undefined;
  reserved: boolean;
}

/**
 * One provider limit: a quota group's allowance for one scope (model). It holds the limit's
 * cooldown, the last reading per dimension (limit, remaining, reset) with the sequence of the
 * request whose answer brought it, and the costs reserved by requests sent since that reading.
 *
 * Admission (`admits`): per dimension, what the reading says remains, less what requests sent
 * since have reserved, must cover the request's cost. A request is counted by the provider when
 * it arrives, so a reading from request n already includes every request sent before n: those
 * claims are dropped from `reserved` when it lands (the `#pending` queue is in send order, so this
 * is amortised O(1)); the others stay reserved until their own answers release them.
 */
export class Limit {
  /** Epoch ms until which the limit is sidelined (a 429 or a remaining-0 reading). */
  cooldownUntil = 0;
  cooldownSource: LimitCooldownSource = 'rate_limited';
  /** Unhinted 429s in a row: the default cooldown doubles with each. */
  consecutive429 = 0;
  /** Requests sent on this limit so far; a request's sequence is this count once it is sent. */
  sent = 0;
  /** Requests sent on this limit and not answered yet. */
  inFlight = 0;
  /** Sequence of the request whose answer gave the current reading (older answers change nothing). */
  readingSequence = 0;
  /** Bit per dimension that has a reading. */
  known = 0;
  readonly whole = new Float64Array(dimensionCount).fill(NaN);
  readonly remaining = new Float64Array(dimensionCount);
  /** Epoch ms when each dimension's window resets; NaN when the provider did not say. */
  readonly resetAt = new Float64Array(dimensionCount).fill(NaN);
  /** Costs of open reservations, per dimension. */
  readonly reserved = new Float64Array(dimensionCount);
  /** A request could not be admitted here: the next release or reading should wake waiters. */
  blocking = false;
  /** Epoch ms of the last change a store should hear about (newest write wins). */
  updatedAt = 0;
  /** Set when shared-quota detection merged this limit's group into another: new requests use that one. */
  mergedInto: Limit | undefined;
  /** Pool-wide order of recent sends, kept once shared-quota detection tracks this limit. */
  sends: Float64Array | undefined;
  readonly #pending: Reservation[] = [];
  #head = 0;
  /**
   * Capacity held for the request at the head of this scope's line (at most one: one head per
   * scope, one limit per scope and group), counted against every other request from `#heldFrom`,
   * the time the head expects to fit: the window it waits for is kept for it, while the window
   * before that still serves smaller requests behind it (backfilling).
   */
  #held: RequestCost | undefined;
  #heldFrom = Infinity;
  #holder: object | undefined;

  constructor(readonly scope: string) {}

  get pendingCount(): number {
    return this.#pending.length - this.#head;
  }

  /** Whether capacity is held for the head of the line (tests and snapshots). */
  get held(): boolean {
    return this.#held !== undefined;
  }

  /**
   * Holds `cost` for the head of the line, counted against other requests from `from` (epoch ms):
   * when the head's window comes, nobody behind it takes what it needs. Replaces an earlier hold.
   */
  hold(holder: object, cost: RequestCost | undefined, from: number): void {
    this.#holder = holder;
    this.#held = cost ?? {};
    this.#heldFrom = from;
  }

  /** The head got its turn or left the line: what it held is free again (a hold of another holder stays). */
  unhold(holder?: object): void {
    if (holder !== undefined && holder !== this.#holder) return;
    this.#holder = this.#held = undefined;
    this.#heldFrom = Infinity;
  }

  /** Claims the request's cost on this limit. Only reserves once a reading exists to reserve against. */
  reserve(holder: Reservation, cost: RequestCost | undefined): void {
    holder.limit = this;
    holder.limitSequence = ++this.sent;
    this.inFlight++;
    holder.cost = cost;
    if (this.known === 0) {
      holder.reserved = false;
      return;
    }
    holder.reserved = true;
    for (let d = 0; d < dimensionCount; d++) this.reserved[d]! += costIn(cost, d);
    this.#pending.push(holder);
  }

  /** Releases a claim (the answer came, or the request ended); a second call does nothing. */
  release(holder: Reservation): void {
    if (!holder.reserved) return;
    holder.reserved = false;
    this.#drop(holder.cost);
    this.#trim();
  }

  /** Every open claim, released at once (pool close): none leaks, none is released twice. */
  releaseAll(): void {
    this.unhold();
    for (let i = this.#head; i < this.#pending.length; i++) {
      const holder = this.#pending[i]!;
      if (holder.reserved) {
        holder.reserved = false;
        this.#drop(holder.cost);
      }
    }
    this.#pending.length = this.#head = 0;
  }

  /**
   * A reading from the answer to request `sequence`. Returns false when it is older than the one
   * held (answers arrive out of order): it changes nothing.
   */
  read(sequence: number, dimensions: readonly DimensionReading[], now: number): boolean {
    if (sequence < this.readingSequence || dimensions.length === 0) return false;
    this.readingSequence = sequence;
    for (const reading of dimensions) {
      const d = dimensionIndex(reading.dimension);
      this.known |= 1 << d;
      if (reading.limit !== undefined) this.whole[d] = reading.limit;
      this.remaining[d] = reading.remaining;
      this.resetAt[d] = reading.resetMs === undefined ? NaN : now + reading.resetMs;
    }
    // Requests sent up to `sequence` reached the provider first: the reading counts them already.
    while (this.#head < this.#pending.length && this.#pending[this.#head]!.limitSequence <= sequence) {
      const holder = this.#pending[this.#head++]!;
      if (holder.reserved) {
        holder.reserved = false;
        this.#drop(holder.cost);
      }
    }
    this.#trim();
    return true;
  }

  /**
   * Whether a request of `cost` may be sent now. A dimension blocks while its reading, less the
   * reservations, does not cover the cost and the reading is still current: its window has not
   * reset, or (with no reset reported) requests sent since are in flight, whose answers will
   * bring a newer one, so a key is never stuck on a stale reading. Once the window has reset, the
   * whole limit is back less what is reserved (`#freshWindowBlocks`). A cost larger than the whole
   * limit needs the whole window, so it is sent once the window is fresh, never deadlocked.
   */
  admits(cost: RequestCost | undefined, now: number): boolean {
    if (this.cooldownUntil > now) return false;
    if (this.known === 0) return true;
    const holding = this.#heldFrom <= now;
    for (let d = 0; d < dimensionCount; d++) {
      if ((this.known & (1 << d)) === 0) continue;
      let need = costIn(cost, d);
      if (need === 0) continue;
      const held = holding ? this.#heldIn(d) : 0;
      const resetAt = this.resetAt[d]!;
      if (resetAt <= now) {
        if (this.#freshWindowBlocks(d, need, held)) return false;
        continue;
      }
      const whole = this.whole[d]!;
      if (need > whole) need = whole;
      if (this.remaining[d]! - this.reserved[d]! - held >= need) continue;
      if (Number.isNaN(resetAt) && this.reserved[d] === 0 && held === 0) continue;
      return false;
    }
    return true;
  }

  /**
   * When a request of `cost` that `admits` refuses could be admitted by time alone: the cooldown's
   * end or the latest reset among the blocking dimensions. Infinity when only answers in flight
   * can free it (no reset reported): the caller waits for them.
   */
  freeAt(cost: RequestCost | undefined, now: number): number {
    let at = this.cooldownUntil > now ? this.cooldownUntil : now;
    const holding = this.#heldFrom <= now;
    for (let d = 0; d < dimensionCount; d++) {
      if ((this.known & (1 << d)) === 0) continue;
      let need = costIn(cost, d);
      const resetAt = this.resetAt[d]!;
      if (need === 0) continue;
      const held = holding ? this.#heldIn(d) : 0;
      if (resetAt <= now) {
        // A fresh window taken by claims in flight or held for the head: only answers free it.
        if (this.#freshWindowBlocks(d, need, held)) at = Infinity;
        continue;
      }
      const whole = this.whole[d]!;
      if (need > whole) need = whole;
      if (this.remaining[d]! - this.reserved[d]! - held >= need) continue;
      at = Number.isNaN(resetAt) ? Infinity : Math.max(at, resetAt);
    }
    return at;
  }

  /** What remains per dimension after reservations, for snapshots (current readings only). */
  remainingOf(d: number, now: number): number | null {
    if ((this.known & (1 << d)) === 0 || this.resetAt[d]! <= now) return null;
    return this.remaining[d]! - this.reserved[d]!;
  }

  /**
   * Once its window has reset, a dimension holds its whole limit again (when the provider said it)
   * less the claims sent into it, so the requests that waited for the reset do not all rush it.
   */
  #freshWindowBlocks(d: number, need: number, held: number): boolean {
    const whole = this.whole[d]!;
    const taken = this.reserved[d]! + held;
    return !Number.isNaN(whole) && taken !== 0 && whole - taken < Math.min(need, whole);
  }

  /** What the hold takes in dimension `d`: the head's cost, at most the whole limit (a larger head needs the whole window). */
  #heldIn(d: number): number {
    const held = this.#held === undefined ? 0 : costIn(this.#held, d);
    const whole = this.whole[d]!;
    return held > whole ? whole : held;
  }

  #drop(cost: RequestCost | undefined): void {
    for (let d = 0; d < dimensionCount; d++) this.reserved[d]! -= costIn(cost, d);
  }

  /** Drops settled claims from the front of the queue, and the whole array once it is empty. */
  #trim(): void {
    const pending = this.#pending;
    while (this.#head < pending.length && !pending[this.#head]!.reserved) this.#head++;
    if (this.#head === pending.length) pending.length = this.#head = 0;
    else if (this.#head > 1024 && this.#head * 2 > pending.length) {
      pending.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
