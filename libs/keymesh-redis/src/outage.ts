import type { StoreErrorInfo } from '@keymesh/core';
import { replyCode } from './redis-link.js';

export type Logger = (message: string) => void;

/** How long the same non-outage problem (say, a malformed stored value) stays quiet after being reported. */
const repeatQuietMs = 60_000;

/**
 * Turns Redis failures into one report per outage rather than one per request: a log line and
 * an `onError` notice (the pool makes it a `store.error` event) when the first connection goes
 * down, and a log line when the last one is back. A flapping link or a thousand requests during
 * one outage still produce one report.
 */
export class OutageReporter {
  readonly #listeners = new Set<(info: StoreErrorInfo) => void>();
  readonly #down = new Set<string>();
  readonly #lastProblem = new Map<string, number>();
  readonly #log: Logger | undefined;
  readonly #redact: (text: string) => string;
  #since = 0;
  /** What started the current outage, for health output. */
  #outage: (StoreErrorInfo & { at: number }) | undefined;

  constructor(log: Logger | undefined, redact: (text: string) => string) {
    this.#log = log;
    this.#redact = redact;
  }

  get inOutage(): boolean {
    return this.#down.size > 0;
  }

  /** What started the outage in progress, if one is. */
  get outage(): (StoreErrorInfo & { at: number }) | undefined {
    return this.#outage;
  }

  /** A connection (`commands` or `pubsub`) became unusable while doing `operation`. */
  down(connection: string, operation: string, error: unknown): void {
    const first = this.#down.size === 0;
    this.#down.add(connection);
    if (!first) return;
    this.#since = Date.now();
    const info = this.info(operation, error);
    this.#outage = { ...info, at: this.#since };
    this.#write(`[keymesh/redis] Redis unavailable (${info.operation}: ${info.message}); serving from local state, will resynchronise when it is back`);
    this.#emit(info);
  }

  /** A connection is usable again. Returns true when that ends the outage. */
  up(connection: string): boolean {
    if (!this.#down.delete(connection) || this.#down.size > 0) return false;
    this.#outage = undefined;
    const seconds = ((Date.now() - this.#since) / 1000).toFixed(1);
    this.#write(`[keymesh/redis] Redis reachable again after ${seconds} s; resynchronising shared key state`);
    return true;
  }

  /** A failure that is not an outage (Redis answered with an error, or stored data was malformed): reported at most once a minute per operation. */
  problem(operation: string, error: unknown): void {
    const now = Date.now();
    const last = this.#lastProblem.get(operation);
    if (last !== undefined && now - last < repeatQuietMs) return;
    this.#lastProblem.set(operation, now);
    const info = this.info(operation, error);
    this.#write(`[keymesh/redis] ${info.operation} failed: ${info.message}`);
    this.#emit(info);
  }

  onError(listener: (info: StoreErrorInfo) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A redacted, serialisable description of `error`; Redis's replies carry their code as their first word. */
  info(operation: string, error: unknown): StoreErrorInfo {
    const message = this.#redact(error instanceof Error ? error.message || error.name : String(error));
    const own = (error as { code?: unknown } | null)?.code;
    const code = typeof own === 'string' ? own : replyCode(error);
    return code === undefined ? { operation, message } : { operation, message, code: this.#redact(code) };
  }

  #emit(info: StoreErrorInfo): void {
    for (const listener of this.#listeners) {
      try {
        listener({ ...info });
      } catch {
        // A listener's bug must not turn a Redis outage into a failed request.
      }
    }
  }

  #write(message: string): void {
    try {
      this.#log?.(message);
    } catch {
      // Same: logging is best effort.
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
