/** A key's position in its rate-limit window, as the provider would report it. */
export interface RateState {
  /** Requests allowed per window. */
  readonly limit: number;
  /** Requests still allowed in the current window, after this one. */
  readonly remaining: number;
  /** Milliseconds until the window ends and `remaining` is back to `limit`. */
  readonly resetMs: number;
}

/**
 * A fixed window: it opens at the first request after the previous one ended and lasts
 * `windowMs`. Chosen over a sliding window because its 429 hint is exact and easy to assert:
 * a request sent `resetMs` later always succeeds (unless `limit` is 0). Rejected requests do
 * not consume the window.
 */
export class FixedWindow {
  private start: number | undefined;
  private used = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts one request at `now`; `allowed` is false when the window is already full. */
  take(now: number): RateState & { readonly allowed: boolean } {
    this.roll(now);
    const allowed = this.used < this.limit;
    if (allowed) this.used += 1;
    return { allowed, ...this.state(now) };
  }

  private roll(now: number): void {
    // A clock that moved backwards (an injected clock rewound by a test) also starts a new window.
    if (this.start === undefined || now >= this.start + this.windowMs || now < this.start) {
      this.start = now;
      this.used = 0;
    }
  }

  private state(now: number): RateState {
    const start = this.start ?? now;
    return { limit: this.limit, remaining: Math.max(0, this.limit - this.used), resetMs: Math.max(0, start + this.windowMs - now) };
  }
}
