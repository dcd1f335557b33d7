import { SlidingCount } from '../util/sliding-count.js';

export interface OverloadOptions {
  /** A queue whose oldest request has waited longer than this is a standing queue, not a burst. Default 100. */
  targetMs: number;
  /** How long the queue must stand above `targetMs` before requests are refused; also how long refusing lasts after the last refusal. Default 1,000. */
  intervalMs: number;
}

export const defaultOverload: OverloadOptions = { targetMs: 100, intervalMs: 1_000 };

/** What a request that would have to wait for a key would find. */
export interface WaitOutlook {
  /** How long the longest-waiting request has queued, ms; 0 when nobody waits. */
  headAgeMs: number;
  /** Requests already waiting (they are served first). */
  ahead: number;
  /** Ms until a key frees up by time alone; 0 when one may free at any moment (a key has requests in flight). */
  freeInMs: number;
}

/**
 * Decides when waiting for a key stops being useful, after CoDel (Nichols and Jacobson, "Controlling
 * Queue Delay", 2012) as Facebook applies it to server queues ("Fail at Scale", 2015): a queue that
 * empties or whose oldest entry has waited less than `targetMs` is a burst being absorbed, and
 * requests wait (within their own budget); once the oldest has stayed above `targetMs` for a whole
 * `intervalMs` the queue is standing — demand exceeds what the keys serve — and a request that
 * would wait longer than `targetMs` is refused at once, with the wait it would have had, instead of
 * waiting out its budget. The queue then stays short, so the requests that are served wait little.
 * Refusing lasts while refusals keep happening: it ends `intervalMs` after the last one.
 *
 * The wait a request would have: the time until a key frees up, or the time the queue ahead of it
 * takes to drain at the rate requests were dispatched during the last `intervalMs`, whichever is
 * longer. Pure: time is passed in, so the pool's injected clock rules.
 */
export class OverloadGate {
  readonly #options: OverloadOptions;
  readonly #dispatched: SlidingCount;
  /** Since when the oldest waiter has been above target without a break; undefined while it is not. */
  #aboveSince: number | undefined;
  /** The last time the oldest waiter was seen at or below target (or the queue empty). */
  #belowAt = -Infinity;
  #lastRefusalAt = -Infinity;

  constructor(options: OverloadOptions) {
    this.#options = options;
    this.#dispatched = new SlidingCount(options.intervalMs);
  }

  /** A request got a key: the pool's rate of service, from which the queue's drain time is estimated. */
  dispatched(now: number): void {
    this.#dispatched.add(now);
  }

  /**
   * The queue's state at `now`: the age of its oldest request (0 when empty), observed whenever the
   * pool looks (a request about to wait, a waiter served). An oldest request at or below target ends
   * a standing queue; above it, the queue has stood since that request crossed the target, or since
   * the last break seen, whichever is later (continuity between observations is assumed).
   */
  observe(headAgeMs: number, now: number): void {
    if (headAgeMs <= this.#options.targetMs) {
      this.#aboveSince = undefined;
      this.#belowAt = now;
    } else {
      this.#aboveSince ??= Math.max(now - (headAgeMs - this.#options.targetMs), this.#belowAt);
    }
  }

  /** Whether the gate refuses requests that would wait long, as of its last observation. */
  refusing(now: number): boolean {
    const { intervalMs } = this.#options;
    const standing = this.#aboveSince !== undefined && now - this.#aboveSince >= intervalMs;
    return standing || now - this.#lastRefusalAt < intervalMs;
  }

  /**
   * For a request that would have to wait: `undefined` if it may, or the refusal's `retryAfterMs`
   * (when capacity is expected for it).
   */
  refusal(outlook: WaitOutlook, now: number): number | undefined {
    this.observe(outlook.headAgeMs, now);
    if (!this.refusing(now)) return undefined;
    const expectedMs = this.expectedWaitMs(outlook, now);
    if (expectedMs <= this.#options.targetMs) return undefined;
    this.#lastRefusalAt = now;
    // Nothing dispatched for a whole interval and no key due: the next measurement is the best estimate.
    return Math.ceil(Number.isFinite(expectedMs) ? expectedMs : this.#options.intervalMs);
  }

  /** How long a request joining the queue now would wait, by the measured service rate. */
  expectedWaitMs(outlook: WaitOutlook, now: number): number {
    const perMs = this.#dispatched.total(now) / this.#options.intervalMs;
    const drainMs = perMs > 0 ? (outlook.ahead + 1) / perMs : Infinity;
    return Math.max(outlook.freeInMs, drainMs);
  }
}
