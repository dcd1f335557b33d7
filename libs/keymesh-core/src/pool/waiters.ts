import type { Clock } from '../clock.js';

/**
 * Requests waiting for a key to free up. A waiter wakes on `notify` (a key became ready),
 * at its deadline, on abort (rejecting with the signal's reason) or on close.
 */
export class Waiters {
  readonly #pending = new Set<{ wake: () => void; fail: (error: unknown) => void }>();

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.#pending.size;
  }

  wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter = {
        wake: () => settle(resolve),
        fail: (error: unknown) => settle(() => reject(error)),
      };
      const onAbort = () => waiter.fail(signal!.reason);
      const timer = this.clock.setTimeout(waiter.wake, Math.max(0, ms));
      const settle = (finish: () => void) => {
        if (!this.#pending.delete(waiter)) return;
        this.clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        finish();
      };
      this.#pending.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  notify(): void {
    for (const waiter of [...this.#pending]) waiter.wake();
  }

  failAll(error: unknown): void {
    for (const waiter of [...this.#pending]) waiter.fail(error);
  }
}
