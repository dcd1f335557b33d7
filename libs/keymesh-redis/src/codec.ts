import type { SharedChange, SharedGroupState, SharedKeyState, SharedLimitState } from '@keymesh/core';

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
    ...(state.openReason === undefined ? {} : { openReason: state.openReason }),
    ...(state.fingerprint === undefined ? {} : { fingerprint: state.fingerprint }),
    ...(state.operator === true ? { operator: true } : {}),
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
  if (s.openReason !== undefined && s.openReason !== 'failures' && s.openReason !== 'outlier') return undefined;
  if (s.fingerprint !== undefined && typeof s.fingerprint !== 'string') return undefined;
  if (s.operator !== undefined && s.operator !== true) return undefined;
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
    ...(s.openReason === undefined ? {} : { openReason: s.openReason }),
    ...(s.fingerprint === undefined ? {} : { fingerprint: s.fingerprint }),
    ...(s.operator === true ? { operator: true as const } : {}),
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

const cooldownSources = new Set(['rate_limited', 'quota_headers']);

/** The stored form of a limit's state (group, scope, cooldown): its fields picked one by one. */
export function encodeLimit(state: SharedLimitState): string {
  return JSON.stringify({
    group: state.group, scope: state.scope, cooldownUntil: state.cooldownUntil, cooldownSource: state.cooldownSource, updatedAt: state.updatedAt, source: state.source,
    ...(state.fingerprint === undefined ? {} : { fingerprint: state.fingerprint }),
  });
}

export function decodeLimit(value: unknown): SharedLimitState | undefined {
  const s = record(typeof value === 'string' ? parse(value) : value);
  if (s === undefined || typeof s.group !== 'string' || typeof s.scope !== 'string' || typeof s.source !== 'string') return undefined;
  if (!isTime(s.cooldownUntil) || !isTime(s.updatedAt) || !cooldownSources.has(s.cooldownSource as string)) return undefined;
  if (s.fingerprint !== undefined && typeof s.fingerprint !== 'string') return undefined;
  const cooldownSource = s.cooldownSource as SharedLimitState['cooldownSource'];
  return { group: s.group, scope: s.scope, cooldownUntil: s.cooldownUntil, cooldownSource, updatedAt: s.updatedAt, source: s.source, ...(s.fingerprint === undefined ? {} : { fingerprint: s.fingerprint }) };
}

/** The stored form of a detected group (the keys found to share one quota): its fields picked one by one. */
export function encodeGroup(state: SharedGroupState): string {
  return JSON.stringify({ group: state.group, keyIds: [...state.keyIds], scope: state.scope, updatedAt: state.updatedAt, source: state.source });
}

export function decodeGroup(value: unknown): SharedGroupState | undefined {
  const s = record(typeof value === 'string' ? parse(value) : value);
  if (s === undefined || typeof s.group !== 'string' || typeof s.scope !== 'string' || typeof s.source !== 'string' || !isTime(s.updatedAt)) return undefined;
  if (!Array.isArray(s.keyIds) || s.keyIds.length < 2 || !s.keyIds.every((id) => typeof id === 'string')) return undefined;
  return { group: s.group, keyIds: [...(s.keyIds as string[])], scope: s.scope, updatedAt: s.updatedAt, source: s.source };
}

/** A limit or group change as published on a pool's channel (next to key changes): `{ o, l }` or `{ o, g }`. */
export function encodeSharedMessage(origin: string, change: SharedChange): string {
  return change.limit !== undefined ? `{"o":${JSON.stringify(origin)},"l":${encodeLimit(change.limit)}}` : `{"o":${JSON.stringify(origin)},"g":${encodeGroup(change.group)}}`;
}

/** A channel message: a key's change, a limit's or a group's; `undefined` when malformed. */
export type ChannelMessage = ({ kind: 'key' } & ChangeMessage) | { kind: 'shared'; origin: string; change: SharedChange };

export function decodeChannelMessage(text: string): ChannelMessage | undefined {
  const message = record(parse(text));
  if (message === undefined || typeof message.o !== 'string') return undefined;
  if (message.l !== undefined) {
    const limit = decodeLimit(message.l);
    return limit === undefined ? undefined : { kind: 'shared', origin: message.o, change: { limit } };
  }
  if (message.g !== undefined) {
    const group = decodeGroup(message.g);
    return group === undefined ? undefined : { kind: 'shared', origin: message.o, change: { group } };
  }
  const change = decodeMessage(text);
  return change === undefined ? undefined : { kind: 'key', ...change };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
