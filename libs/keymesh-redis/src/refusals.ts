import type { StoreErrorInfo } from '@keymesh/core';

/** A refusal as health output shows it: what was refused, Redis's code, and since when (epoch ms). */
export type Refusal = StoreErrorInfo & { at: number };

/**
 * What Redis answers but refuses to do for the store — missing or wrong credentials, an ACL
 * without the store's commands or keys, a read-only replica — per operation, until that operation
 * succeeds again. A Redis that refuses every write is reachable, so it is no outage; but it is not
 * sharing anything either, and the store's status says so.
 */
export class Refusals {
  readonly #byOperation = new Map<string, Refusal>();
  readonly #retry: () => void;
  readonly #retryMs: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** `retry` is called `retryMs` after a refusal (again after each new one) while a retriable refusal stands. */
  constructor(options: { retryMs: number; retry(): void }) {
    this.#retry = options.retry;
    this.#retryMs = options.retryMs;
  }

  get any(): boolean {
    return this.#byOperation.size > 0;
  }

  /** Refusals other than the connection's own handshake (which the client retries by itself). */
  get retriable(): boolean {
    for (const operation of this.#byOperation.keys()) if (operation !== 'connection') return true;
    return false;
  }

  /**
   * Redis wants credentials the store has not given. Writes then wait: a client that has not
   * authenticated and sends a command with many arguments (the save script) is disconnected.
   */
  get unauthenticated(): boolean {
    for (const refusal of this.#byOperation.values()) if (refusal.code === 'NOAUTH') return true;
    return false;
  }

  /** The most recent one. */
  get latest(): Refusal | undefined {
    let latest: Refusal | undefined;
    for (const refusal of this.#byOperation.values()) if (latest === undefined || refusal.at >= latest.at) latest = refusal;
    return latest;
  }

  record(info: StoreErrorInfo, at: number): void {
    this.#byOperation.set(info.operation, { ...info, at });
    if (this.#timer !== undefined || this.#closed || !this.retriable) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#closed && this.retriable) this.#retry();
    }, this.#retryMs);
    this.#timer.unref();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  /** `operation` succeeded: whatever was refused for it is over; any success also means credentials are no longer missing. */
  accepted(operation: string): void {
    this.#byOperation.delete(operation);
    for (const [name, refusal] of this.#byOperation) if (refusal.code === 'NOAUTH') this.#byOperation.delete(name);
  }
}
