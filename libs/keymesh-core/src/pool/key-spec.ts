import { createHash } from 'node:crypto';
import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/keymesh-error.js';

/** A key as the user gives it: a bare secret, or a secret with options. */
export type KeySpec =
  | string
  | {
      /** Stable name for events, snapshots and shared state; defaults to a digest of the secret. */
      id?: string;
      secret: string;
      /** Share of traffic under the `weighted` strategy. Default 1. */
      weight?: number;
      /** Lower is preferred under the `priority` strategy. Default 0. */
      priority?: number;
      /** Most requests this key may have in flight at once. Default unlimited. */
      maxConcurrent?: number;
      /**
       * The quota group (organisation, project or workspace) whose limits this key shares with the
       * other keys of the same group. Default: the key alone.
       */
      group?: string;
    };

export interface NormalizedKey {
  id: string;
  secret: string;
  hint: string;
  weight: number;
  priority: number;
  maxConcurrent: number;
  group: string | undefined;
}

const keyOptionNames = new Set(['id', 'secret', 'weight', 'priority', 'maxConcurrent', 'group']);

/**
 * A digest id: 96 bits of SHA-256 under a Keymesh-specific prefix. Stable across processes (a
 * fleet sharing state agrees on it) and far beyond collision range for any real pool, where a
 * 32-bit hash collides after about 55,000 keys.
 */
export function keyIdOf(secret: string): string {
  return 'key_' + createHash('sha256').update('keymesh/key-id/v1\0').update(secret).digest('base64url').slice(0, 16);
}

/** `sk-proj-…9f3a` → `sk-…9f3a`: the provider prefix and the last four characters, when the secret is long enough to spare them. */
export function maskSecret(secret: string): string {
  // Too short to show any of it: its length at least tells keys apart where ids alone do not say which is which.
  if (secret.length < 16) return `…(${secret.length} chars)`;
  const dash = secret.indexOf('-');
  const prefix = dash > 0 && dash <= 4 ? secret.slice(0, dash + 1) : '';
  return `${prefix}…${secret.slice(-4)}`;
}

export function normalizeKey(spec: unknown, path: string): NormalizedKey {
  const options = typeof spec === 'string' || spec === undefined || spec === null ? { secret: spec } : spec;
  if (typeof options !== 'object') {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, `${path} must be a secret string or { secret, id?, weight?, priority?, maxConcurrent?, group? }.`, path);
  }
  const record = options as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    if (!keyOptionNames.has(name)) {
      throw new ConfigError(ErrorCodes.UNKNOWN_OPTION, `${path}.${name} is not a key option; use id, secret, weight, priority, maxConcurrent or group.`, `${path}.${name}`);
    }
  }
  const secret = checkSecret(record.secret, `${path}.secret`);
  const id = record.id === undefined ? keyIdOf(secret) : checkId(record.id, secret, `${path}.id`);
  return {
    id,
    secret,
    hint: maskSecret(secret),
    weight: checkNumber(record.weight, 1, `${path}.weight`, { min: 0, exclusiveMin: true }),
    priority: checkNumber(record.priority, 0, `${path}.priority`, { min: -Infinity }),
    maxConcurrent: checkNumber(record.maxConcurrent, Infinity, `${path}.maxConcurrent`, { min: 1, integer: true, allowInfinity: true }),
    group: checkGroup(record.group, secret, `${path}.group`),
  };
}

function checkSecret(secret: unknown, path: string): string {
  if (secret === undefined || secret === null) {
    throw new ConfigError(
      ErrorCodes.EMPTY_SECRET,
      `${path} is ${secret}. This usually means an environment variable is not set; an SDK given no key silently falls back to its own env variable, so Keymesh refuses it.`,
      path,
    );
  }
  if (typeof secret !== 'string') throw new ConfigError(ErrorCodes.EMPTY_SECRET, `${path} must be a string, got ${typeof secret}.`, path);
  if (secret.trim() === '') throw new ConfigError(ErrorCodes.EMPTY_SECRET, `${path} is empty. Remove the entry or set the key.`, path);
  if (secret.trim() !== secret) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, `${path} has leading or trailing whitespace, which providers reject; trim it where it is read.`, path);
  }
  return secret;
}

function checkId(id: unknown, secret: string, path: string): string {
  if (typeof id !== 'string' || id.trim() === '' || id.length > 200) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, `${path} must be a non-empty string of at most 200 characters.`, path);
  }
  // An id is printed everywhere; one that carries the secret, or a long run of it, would leak it.
  if (sharesRun(id, secret, Math.min(secret.length, leakRunLength))) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, `${path} must not contain the key's secret (ids appear in events, logs and health output).`, path);
  }
  return id;
}

function checkGroup(group: unknown, secret: string, path: string): string | undefined {
  if (group === undefined) return undefined;
  if (typeof group !== 'string' || group.trim() === '' || group.length > 200) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, `${path} must be a non-empty string of at most 200 characters (the organisation, project or workspace the key belongs to).`, path);
  }
  if (sharesRun(group, secret, Math.min(secret.length, leakRunLength))) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, `${path} must not contain the key's secret (group names appear in events, logs and health output).`, path);
  }
  return group;
}

/** A run this long of a random secret is as good as a leak of it. */
const leakRunLength = 16;

function sharesRun(id: string, secret: string, length: number): boolean {
  for (let start = 0; start + length <= secret.length; start++) {
    if (id.includes(secret.slice(start, start + length))) return true;
  }
  return false;
}

interface NumberRule {
  min: number;
  exclusiveMin?: boolean;
  max?: number;
  integer?: boolean;
  allowInfinity?: boolean;
}

/** Validates an optional number option and returns it or its default. */
export function checkNumber(value: unknown, fallback: number, path: string, rule: NumberRule): number {
  if (value === undefined) return fallback;
  const infinite = rule.allowInfinity && value === Infinity;
  const ok =
    typeof value === 'number' &&
    (Number.isFinite(value) || infinite) &&
    (rule.exclusiveMin ? value > rule.min : value >= rule.min) &&
    (rule.max === undefined || value <= rule.max) &&
    (!rule.integer || infinite || Number.isInteger(value));
  if (!ok) {
    const range = `${rule.exclusiveMin ? '>' : '≥'} ${rule.min}${rule.max === undefined ? '' : ` and ≤ ${rule.max}`}`;
    throw new ConfigError(
      ErrorCodes.INVALID_NUMBER,
      `${path} must be a finite ${rule.integer ? 'integer' : 'number'} ${range}; got ${typeof value === 'number' ? String(value) : typeof value}.`,
      path,
    );
  }
  return value as number;
}
