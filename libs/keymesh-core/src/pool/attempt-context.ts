import type { HeaderSource } from '../classify/headers.js';
import type { KeyEntry } from './key-entry.js';
import type { Limit, Reservation } from '../limits/limit.js';
import type { RequestCost, TokenUsage } from '../request/request-info.js';

/** What an attempt receives besides the key. */
export interface AttemptContext {
  /** Aborts when the caller aborts (or the attempt times out under `attemptTimeoutMs`): pass it to the upstream call. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt of the request. */
  readonly attempt: number;
  /**
   * Hands over the headers of a successful response so rate-limit headers (limit, remaining and
   * reset per dimension) update the reading of the request's limit (group, scope): token-aware
   * admission and the `headroom` strategy use it, and remaining 0 sidelines that limit until its reset.
   */
  observe(headers: HeaderSource): void;
  /** The request's scope (the model, or `'default'`). */
  readonly scope: string;
  /** Hands over the token usage the answer reports; it appears in `request.succeeded`. */
  usage(usage: TokenUsage): void;
}

/** A signal that never aborts, for attempts whose caller passed none. */
export const neverAborted: AbortSignal = new AbortController().signal;

export class Attempt implements AttemptContext, Reservation {
  /** Breaker generation when the attempt started: a result from an older generation is stale. */
  readonly generation: number;
  /** The key's request count once this attempt was counted: its place in the order requests reached the key. */
  readonly sequence: number;
  /** The caller stopped waiting (it aborted) while the call was running; the pool records the call when it settles. */
  abandoned = false;
  /** What `usage()` handed over, if anything. */
  tokenUsage: TokenUsage | undefined;
  /** The limit (group, scope) this attempt drew on, and its claim there (see `Limit.reserve`). */
  limit: Limit | undefined = undefined;
  limitSequence = 0;
  cost: RequestCost | undefined = undefined;
  reserved = false;
  /** The pool's success count when the attempt was sent (outlier detection: did other keys succeed meanwhile?). */
  successMark = 0;

  constructor(
    /** Replaced by the attempt's own signal under `attemptTimeoutMs`, before the attempt starts. */
    public signal: AbortSignal,
    readonly attempt: number,
    readonly key: KeyEntry,
    /** This attempt holds the key's half-open trial. */
    readonly trial: boolean,
    private readonly observer: (attempt: Attempt, headers: HeaderSource) => void,
    readonly scope: string,
  ) {
    this.generation = key.generation;
    this.sequence = key.requests;
  }

  observe(headers: HeaderSource): void {
    this.observer(this, headers);
  }

  usage(usage: TokenUsage): void {
    this.tokenUsage = usage;
  }
}

/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it aborts; `onAbandon`
 * runs when the abort wins, i.e. nobody waits for `promise` any more.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, onAbandon?: () => void): Promise<T> {
  if (signal.aborted) {
    onAbandon?.();
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      onAbandon?.();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
