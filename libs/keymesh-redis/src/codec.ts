import type { SharedKeyState } from '@keymesh/core';

const disabledReasons = new Set(['quota_exhausted', 'key_rejected', 'manual']);

/**
 * The stored form of a key's state: exactly the fields of `SharedKeyState`, picked one by one so
 * that nothing else a caller might have attached (let alone a secret) reaches Redis.
 */
export function encodeState(state: SharedKeyState): string {
  const disabled = state.disabled === null ? null : { reason: state.disabled.reason, until: state.disabled.until };
  return JSON.stringify({
    cooldownUntil: state.cooldownUntil,
    breaker: state.breaker,
    openUntil: state.openUntil,
    consecutiveFailures: state.consecutiveFailures,
    disabled,
    updatedAt: state.updatedAt,
    source: state.source,
  });
}

/** Reads a stored or published state; anything malformed (another writer, a future version) is `undefined` and ignored. */
export function decodeState(value: unknown): SharedKeyState | undefined {
  const state = typeof value === 'string' ? parse(value) : value;
  if (typeof state !== 'object' || state === null) return undefined;
  const s = state as Record<string, unknown>;
  if (!isTime(s.cooldownUntil) || !isTime(s.openUntil) || !isTime(s.updatedAt)) return undefined;
  if (s.breaker !== 'closed' && s.breaker !== 'open') return undefined;
  if (!Number.isInteger(s.consecutiveFailures) || (s.consecutiveFailures as number) < 0) return undefined;
  if (typeof s.source !== 'string') return undefined;
  let disabled: SharedKeyState['disabled'] = null;
  if (s.disabled !== null) {
    const d = s.disabled as Record<string, unknown> | undefined;
    if (typeof d !== 'object' || d === null || !disabledReasons.has(d.reason as string)) return undefined;
    if (d.until !== null && !isTime(d.until)) return undefined;
    disabled = { reason: d.reason as NonNullable<SharedKeyState['disabled']>['reason'], until: d.until as number | null };
  }
  return {
    cooldownUntil: s.cooldownUntil as number,
    breaker: s.breaker,
    openUntil: s.openUntil as number,
    consecutiveFailures: s.consecutiveFailures as number,
    disabled,
    updatedAt: s.updatedAt as number,
    source: s.source,
  };
}

/** A change as published on a pool's channel: which store sent it (so it can skip its own echo), the key, and the state. */
export interface ChangeMessage {
  origin: string;
  keyId: string;
  state: SharedKeyState;
}

export function encodeMessage(origin: string, keyId: string, encodedState: string): string {
  return `{"o":${JSON.stringify(origin)},"k":${JSON.stringify(keyId)},"s":${encodedState}}`;
}

export function decodeMessage(text: string): ChangeMessage | undefined {
  const message = parse(text) as { o?: unknown; k?: unknown; s?: unknown } | undefined;
  if (typeof message !== 'object' || message === null || typeof message.o !== 'string' || typeof message.k !== 'string') return undefined;
  const state = decodeState(message.s);
  return state === undefined ? undefined : { origin: message.o, keyId: message.k, state };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
