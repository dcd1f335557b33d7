export interface RetryTokenOptions {
  /** Tokens in a full bucket. */
  capacity: number;
  /** Tokens one provider-trouble retry costs. */
  retryCost: number;
  /** Tokens a successful request puts back. */
  successRefund: number;
}

export const defaultRetryTokens: RetryTokenOptions = { capacity: 500, retryCost: 5, successRefund: 1 };

/**
 * A pool-wide retry budget in the spirit of the AWS SDK's retry token bucket: retries spend
 * tokens, successes earn them back. During a provider outage the bucket drains and requests
 * fail after one attempt instead of multiplying traffic by `maxAttempts`.
 */
export class RetryTokenBucket {
  #tokens: number;
  readonly #options: RetryTokenOptions;

  constructor(options: RetryTokenOptions) {
    this.#options = options;
    this.#tokens = options.capacity;
  }

  get tokens(): number {
    return this.#tokens;
  }

  tryTake(): boolean {
    if (this.#tokens < this.#options.retryCost) return false;
    this.#tokens -= this.#options.retryCost;
    return true;
  }

  refund(): void {
    if (this.#tokens < this.#options.capacity) {
      this.#tokens = Math.min(this.#options.capacity, this.#tokens + this.#options.successRefund);
    }
  }
}
