import { ConfigError, ErrorCodes } from '@keymesh/core';

/** At most `requests` attempts on one key, across the whole fleet, in any `windowMs`. */
export interface FleetLimit {
  requests: number;
  windowMs: number;
}

/** One pool's limits: a `default` for each of its keys, and/or limits for named key ids. */
export interface PoolLimits {
  default?: FleetLimit;
  keys?: Record<string, FleetLimit>;
}

/**
 * Fleet-wide limits, by pool name:
 *
 * ```ts
 * limits: {
 *   openai: { requests: 500, windowMs: 60_000 },                  // each key of pool 'openai'
 *   anthropic: { default: { requests: 50, windowMs: 60_000 },     // each key of 'anthropic'…
 *                keys: { tier4: { requests: 4_000, windowMs: 60_000 } } },  // …but this one
 * }
 * ```
 *
 * A limit applies to each key separately (provider limits are per key). Key ids are the `id` you
 * gave the key, or its digest (`keyIdOf(secret)` from `@keymesh/core`).
 */
export type FleetLimits = Record<string, FleetLimit | PoolLimits>;

/** Looks up the limit of a key; validated once, at construction, so a typo fails at start rather than silently not limiting. */
export class LimitTable {
  readonly #pools = new Map<string, { default: FleetLimit | undefined; keys: Map<string, FleetLimit> }>();

  constructor(limits: FleetLimits) {
    if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) {
      throw new ConfigError(ErrorCodes.INVALID_OPTION, '`limits` must map pool names to { requests, windowMs } or { default?, keys? }.', 'limits');
    }
    for (const [pool, spec] of Object.entries(limits)) {
      const path = `limits.${pool}`;
      if (typeof spec !== 'object' || spec === null) throw new ConfigError(ErrorCodes.INVALID_OPTION, 'must be { requests, windowMs } or { default?, keys? }.', path);
      if ('requests' in spec || 'windowMs' in spec) {
        this.#pools.set(pool, { default: checkLimit(spec, path), keys: new Map() });
        continue;
      }
      checkNames(spec, ['default', 'keys'], path);
      const perKey = new Map<string, FleetLimit>();
      const keys = (spec as PoolLimits).keys ?? {};
      if (typeof keys !== 'object' || keys === null) throw new ConfigError(ErrorCodes.INVALID_OPTION, 'must map key ids to { requests, windowMs }.', `${path}.keys`);
      for (const [keyId, limit] of Object.entries(keys)) perKey.set(keyId, checkLimit(limit, `${path}.keys.${keyId}`));
      const fallback = (spec as PoolLimits).default;
      this.#pools.set(pool, { default: fallback === undefined ? undefined : checkLimit(fallback, `${path}.default`), keys: perKey });
    }
  }

  /** The limit of one key, or `undefined` when it has none (then admission costs nothing). */
  limitOf(pool: string, keyId: string): FleetLimit | undefined {
    const limits = this.#pools.get(pool);
    return limits === undefined ? undefined : (limits.keys.get(keyId) ?? limits.default);
  }
}

function checkLimit(value: unknown, path: string): FleetLimit {
  if (typeof value !== 'object' || value === null) throw new ConfigError(ErrorCodes.INVALID_OPTION, 'must be { requests, windowMs }.', path);
  checkNames(value, ['requests', 'windowMs'], path);
  const { requests, windowMs } = value as Partial<FleetLimit>;
  if (!Number.isSafeInteger(requests) || requests! < 1) {
    throw new ConfigError(ErrorCodes.INVALID_NUMBER, `\`requests\` must be a whole number ≥ 1 (got ${String(requests)}).`, `${path}.requests`);
  }
  if (!Number.isSafeInteger(windowMs) || windowMs! < 1) {
    throw new ConfigError(ErrorCodes.INVALID_NUMBER, `\`windowMs\` must be a whole number of ms ≥ 1 (got ${String(windowMs)}).`, `${path}.windowMs`);
  }
  return { requests: requests!, windowMs: windowMs! };
}

function checkNames(value: object, allowed: readonly string[], path: string): void {
  for (const name of Object.keys(value)) {
    if (!allowed.includes(name)) {
      throw new ConfigError(ErrorCodes.UNKNOWN_OPTION, `unknown option \`${name}\` (expected ${allowed.map((a) => `\`${a}\``).join(', ')}).`, `${path}.${name}`);
    }
  }
}
