import type { OutcomeKind } from '../classify/outcome.js';
import type { ExhaustionReason } from '../errors/pool-exhausted-error.js';
import type { TokenUsage } from '../request/request-info.js';

interface PoolEvent {
  /** Pool name. */
  pool: string;
  /** Epoch ms. */
  at: number;
}
interface KeyEvent extends PoolEvent {
  keyId: string;
}

/** Payloads of every pool event. None ever holds a secret. */
export interface KeymeshEvents {
  /**
   * A request entered `execute` (fired in the caller's context, before any attempt). `request`
   * numbers the pool's requests from 1; the request's other events carry the same number, so a
   * tracer can tell concurrent requests apart.
   */
  'request.started': PoolEvent & { request: number; scope: string };
  'request.succeeded': KeyEvent & {
    request: number;
    attempts: number;
    durationMs: number;
    /** The request's scope (its model, or `'default'`). */
    scope: string;
    /** Token usage the answer reported, when the adapter read it. */
    usage?: TokenUsage;
  };
  'request.failed': PoolEvent & {
    request: number;
    /** The request's scope (its model, or `'default'`). */
    scope: string;
    /** The last key tried, when one was. */
    keyId?: string;
    attempts: number;
    durationMs: number;
    /** Why the request failed: the last outcome, `pool_exhausted`, `aborted` or `closed`. */
    kind: OutcomeKind | 'pool_exhausted' | 'aborted' | 'closed';
    status?: number;
  };
  'request.retried': KeyEvent & { request: number; attempt: number; kind: OutcomeKind; status?: number; delayMs: number };
  'key.rotated': KeyEvent & { request: number; fromKeyId: string; reason: OutcomeKind };
  'key.rate_limited': KeyEvent & {
    retryAfterMs: number;
    until: number;
    source: 'hint' | 'default' | 'headers' | 'fleet_limit';
    /** The limit's scope (its model, or `'default'`); the key keeps serving other scopes. */
    scope: string;
    /** The key's quota group: every key of it is sidelined for this scope. */
    group: string;
  };
  'key.disabled': KeyEvent & { reason: 'quota_exhausted' | 'key_rejected' | 'manual'; until: number | null };
  'key.enabled': KeyEvent & { reason: 'manual' | 'cooldown_elapsed' };
  'circuit.opened': KeyEvent & {
    until: number;
    consecutiveFailures: number;
    /** `failures`: key-scoped failures in a row; `outlier`: provider trouble on this key while the others succeed (ejected). */
    reason: 'failures' | 'outlier';
  };
  'circuit.half_opened': KeyEvent;
  'circuit.closed': KeyEvent;
  /** No key took a request: none frees up inside its budget (`no_key`), or the pool refused to queue it (`overload`). */
  'pool.exhausted': PoolEvent & { retryAfterMs: number | null; attempts: number; reason: ExhaustionReason };
  /** The shared store failed; the pool goes on serving from its local state. */
  'store.error': PoolEvent & { operation: string; message: string; code?: string };
  /**
   * Keys in different quota groups were found to draw on one provider bucket (their readings move
   * as one); from now on they are one group, `group`. Reported once per merge.
   */
  'quota.shared': PoolEvent & { keyIds: string[]; scope: string; group: string };
}

export type KeymeshEventName = keyof KeymeshEvents;
export type KeymeshListener<E extends KeymeshEventName> = (event: KeymeshEvents[E]) => void;

export const keymeshEventNames: readonly KeymeshEventName[] = [
  'request.started',
  'request.succeeded',
  'request.failed',
  'request.retried',
  'key.rotated',
  'key.rate_limited',
  'key.disabled',
  'key.enabled',
  'circuit.opened',
  'circuit.half_opened',
  'circuit.closed',
  'pool.exhausted',
  'store.error',
  'quota.shared',
];
