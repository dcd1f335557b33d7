import { PoolExhaustedError, type ExhaustionReason, type KeyUnavailableReason } from '../errors/pool-exhausted-error.js';
import type { KeyEntry } from './key-entry.js';

/** An error listing a pool of 10,000 keys in full would be a liability; the soonest to free up are the useful ones. */
const maxReasons = 50;

function reasonOf(entry: KeyEntry): KeyUnavailableReason {
  const at = entry.servesAt();
  const reason: KeyUnavailableReason['reason'] = entry.disabled
    ? entry.disabled.reason === 'manual'
      ? 'manual'
      : entry.disabled.reason
    : entry.busy
      ? 'busy'
      : entry.cooldownSource !== 'rate_limited' && entry.cooldownUntil >= at
        ? entry.cooldownSource
        : (entry.lastErrorKind ?? 'rate_limited');
  return { keyId: entry.id, state: entry.state(), reason, availableAt: Number.isFinite(at) ? at : null };
}

export function exhaustedError(
  poolName: string,
  entries: Iterable<KeyEntry>,
  now: number,
  retryAfterMs: number | null,
  attempts: number,
  cause: unknown,
  reason: ExhaustionReason = 'no_key',
): PoolExhaustedError {
  const keys = [...entries]
    .map(reasonOf)
    .sort((a, b) => (a.availableAt ?? Infinity) - (b.availableAt ?? Infinity))
    .slice(0, maxReasons);
  return new PoolExhaustedError({ poolName, retryAfterMs, keys, attempts, cause, reason });
}
