import type { OutcomeKind } from '../classify/outcome.js';
import { ErrorCodes, KeymeshError, isKeymeshError } from './keymesh-error.js';

const poolExhaustedMarker = Symbol.for('keymesh.pool-exhausted-error');

/** Why one key could not take the request when the pool gave up. Never holds a secret. */
export interface KeyUnavailableReason {
  keyId: string;
  state: 'closed' | 'open' | 'half_open' | 'disabled';
  /** What sidelined the key: the kind of its last failure, `manual` for disableKey, `busy` for a key at capacity or with its half-open trial taken. */
  reason: OutcomeKind | 'manual' | 'busy' | 'quota_headers' | 'fleet_limit';
  /** Epoch ms when the key can serve again; `null` when only `enableKey` brings it back. */
  availableAt: number | null;
}

/**
 * Why no key took the request: `no_key`, none frees up inside the request's budget; `overload`, the
 * pool's queue stands (requests have waited longer than the overload target for a whole interval)
 * and this request would have waited longer than the target too, so it is refused at once.
 */
export type ExhaustionReason = 'no_key' | 'overload';

/** No key of the pool can serve this request within the time budget. */
export class PoolExhaustedError extends KeymeshError {
  readonly [poolExhaustedMarker] = true;
  readonly poolName: string;
  /**
   * Milliseconds until capacity is expected: the earliest key frees up, or (reason `overload`) the
   * queue ahead of the request would have drained; `null` when every key is disabled until enabled again.
   */
  readonly retryAfterMs: number | null;
  readonly keys: readonly KeyUnavailableReason[];
  readonly attempts: number;
  readonly reason: ExhaustionReason;

  constructor(init: { poolName: string; retryAfterMs: number | null; keys: KeyUnavailableReason[]; attempts: number; cause?: unknown; reason?: ExhaustionReason }) {
    const reason = init.reason ?? 'no_key';
    const wait = init.retryAfterMs === null ? 'no key will free up by itself (all disabled)' : `the earliest key frees up in ${init.retryAfterMs} ms`;
    const message =
      reason === 'overload'
        ? `Pool "${init.poolName}" is overloaded: requests have been queuing for keys beyond the overload target, so this one is refused rather than queued; capacity is expected in ${init.retryAfterMs} ms.`
        : `Pool "${init.poolName}" has no key that can serve within the retry budget: ${wait}.`;
    super(ErrorCodes.POOL_EXHAUSTED, message, { cause: init.cause });
    this.reason = reason;
    this.poolName = init.poolName;
    this.retryAfterMs = init.retryAfterMs;
    this.keys = init.keys;
    this.attempts = init.attempts;
  }
}

export function isPoolExhaustedError(value: unknown): value is PoolExhaustedError {
  return isKeymeshError(value) && (value as unknown as Record<symbol, unknown>)[poolExhaustedMarker] === true;
}
