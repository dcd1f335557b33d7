import { SlidingCount } from '../util/sliding-count.js';

export interface RetryBudgetOptions {
  /** Retries allowed per request of the window. Default 0.2: a full outage costs at most ~1.2 upstream calls per request. */
  ratio: number;
  /** The sliding window over which requests and retries are counted. Default 10,000. */
  windowMs: number;
  /** Retries allowed per second of the window whatever the traffic, so a quiet pool can still retry. Default 1. */
  minPerSecond: number;
}

export const defaultRetryBudget: RetryBudgetOptions = { ratio: 0.2, windowMs: 10_000, minPerSecond: 1 };

/**
 * A pool-wide cap on provider-trouble retries as a share of its traffic, after Finagle's
 * `RetryBudget` and Envoy's retry budget: over the last `windowMs`, retries may not exceed
 * `ratio` × the requests + `minPerSecond` × the window's seconds. A request whose first attempt
 * met provider trouble earns nothing (`troubled`): retries are paid for by healthy traffic, so
 * during a provider-wide outage the allowance is what the traffic before it earned and shrinks to
 * the floor as the outage lasts, and traffic grows by less than `ratio`, never by `maxAttempts`.
 * Unlike a token bucket, nothing drained has to be earned back by successes: first attempts are
 * never held back, so the requests after an outage are served at once.
 */
export class RetryBudget {
  readonly #options: RetryBudgetOptions;
  readonly #requests: SlidingCount;
  readonly #retries: SlidingCount;
  readonly #floor: number;

  constructor(options: RetryBudgetOptions) {
    this.#options = options;
    this.#requests = new SlidingCount(options.windowMs);
    this.#retries = new SlidingCount(options.windowMs);
    this.#floor = (options.minPerSecond * options.windowMs) / 1_000;
  }

  /** A request started: it earns `ratio` of a retry for the window. */
  request(now: number): void {
    this.#requests.add(now);
  }

  /** A request's first attempt met provider trouble: it earns no retry (it may still spend one). */
  troubled(now: number): void {
    this.#requests.add(now, -1);
  }

  /** Takes one retry when the window allows it. */
  tryRetry(now: number): boolean {
    if (this.available(now) < 1) return false;
    this.#retries.add(now);
    return true;
  }

  /** Whole retries the window allows now. */
  available(now: number): number {
    const allowance = this.#options.ratio * this.#requests.total(now) + this.#floor - this.#retries.total(now);
    return Math.max(0, Math.floor(allowance + 1e-9));
  }
}
