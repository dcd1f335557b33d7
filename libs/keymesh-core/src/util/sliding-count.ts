/**
 * How many events happened in the last `windowMs`, to within one bucket (`windowMs / buckets`):
 * a ring of counts per bucket and their running total. `add` and `total` cost O(1) amortised and
 * allocate nothing, so one can sit on a request's path. Time is passed in (epoch ms) rather than
 * read, so the caller's injected clock rules; a clock that steps back counts into the newest bucket.
 */
export class SlidingCount {
  readonly #counts: Float64Array;
  readonly #bucketMs: number;
  /** Index (time / bucketMs) of the newest bucket. */
  #newest = -Infinity;
  /** Where the newest bucket sits in the ring (`#newest % buckets`), and the epoch ms at which it ends. */
  #at = 0;
  #endsAt = -Infinity;
  #total = 0;

  constructor(
    readonly windowMs: number,
    buckets = 10,
  ) {
    this.#counts = new Float64Array(buckets);
    this.#bucketMs = windowMs / buckets;
  }

  add(now: number, amount = 1): void {
    // Within the newest bucket (the common case: many events per bucket) nothing rolls.
    if (now >= this.#endsAt) this.#roll(now);
    this.#counts[this.#at] += amount;
    this.#total += amount;
  }

  total(now: number): number {
    if (now >= this.#endsAt) this.#roll(now);
    return this.#total;
  }

  /** Empties the buckets that fell out of the window by `now`. */
  #roll(now: number): void {
    const slot = Math.floor(now / this.#bucketMs);
    if (slot <= this.#newest) return;
    const size = this.#counts.length;
    if (slot - this.#newest >= size) {
      this.#counts.fill(0);
      this.#total = 0;
    } else {
      for (let s = this.#newest + 1; s <= slot; s++) {
        const i = s % size;
        this.#total -= this.#counts[i]!;
        this.#counts[i] = 0;
      }
    }
    this.#newest = slot;
    this.#at = slot % size;
    this.#endsAt = (slot + 1) * this.#bucketMs;
  }
}
