/** A key's position in its rate-limit window, as the provider would report it. */
export interface RateState {
  /** Units (requests or tokens) allowed per window. */
  readonly limit: number;
  /** Units still allowed in the current window, after this request. */
  readonly remaining: number;
  /** Milliseconds until the window ends and `remaining` is back to `limit`. */
  readonly resetMs: number;
}

/**
 * A fixed window of `windowMs`. Without an `anchor` it opens at the first request after the
 * previous one ended; with one, windows follow each other without gaps from `anchor` on (the
 * quota mode: a limit's capacity per unit of time is then exactly `limit / windowMs`, however
 * requests arrive). Chosen over a sliding window because its 429 hint is exact and easy to
 * assert: a request sent `resetMs` later always succeeds (unless it is larger than `limit`).
 * Rejected requests do not consume the window. It counts units: one per request, or tokens.
 */
export class FixedWindow {
  private start: number | undefined;
  private used = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly anchor?: number,
  ) {}

  /** Counts one request at `now`; `allowed` is false when the window is already full. */
  take(now: number): RateState & { readonly allowed: boolean } {
    const allowed = this.fits(now, 1);
    if (allowed) this.add(1);
    return { allowed, ...this.state(now) };
  }

  /**
   * Whether `amount` more units fit in the window at `now` (rolling it first). Split from `add`
   * so a request limited on several dimensions is counted on all of them or on none.
   */
  fits(now: number, amount: number): boolean {
    this.roll(now);
    return this.used + amount <= this.limit;
  }

  /** Counts `amount` units in the current window; call after `fits` at the same instant. */
  add(amount: number): void {
    this.used += amount;
  }

  /** Units counted in the current window. */
  usedAt(now: number): number {
    this.roll(now);
    return this.used;
  }

  state(now: number): RateState {
    const start = this.start ?? now;
    return { limit: this.limit, remaining: Math.max(0, this.limit - this.used), resetMs: Math.max(0, start + this.windowMs - now) };
  }

  private roll(now: number): void {
    // A clock that moved backwards (an injected clock rewound by a test) also starts a new window.
    if (this.start === undefined || now >= this.start + this.windowMs || now < this.start) {
      this.start = this.anchor === undefined ? now : this.anchor + Math.floor((now - this.anchor) / this.windowMs) * this.windowMs;
      this.used = 0;
    }
  }
}
