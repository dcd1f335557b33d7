import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/keymesh-error.js';
import type { KeyPool } from '../pool/key-pool.js';

const pools = new WeakMap<object, KeyPool>();
const adapterNames = new WeakMap<KeyPool, string>();

/**
 * Records that `client` routes through `pool` (the wrapped client, and any client derived from it),
 * and, when given, the name of the adapter that wrapped it.
 */
export function rememberPool(client: object, pool: KeyPool, adapterName?: string): void {
  pools.set(client, pool);
  if (adapterName !== undefined) adapterNames.set(pool, adapterName);
}

/**
 * The name of the adapter whose client routes through `pool` (`'openai'`, `'anthropic'`,
 * `'gemini'`, `'http'` or a custom adapter's), so instrumentation can say which provider a pool
 * calls; `undefined` for a pool no adapter wrapped.
 */
export function adapterNameOf(pool: KeyPool): string | undefined {
  return adapterNames.get(pool);
}

/** The pool behind a client returned by `createKeymesh` (or derived from one, e.g. by `withOptions`). */
export function poolOf(client: object): KeyPool {
  const pool = pools.get(client);
  if (pool === undefined) {
    throw new ConfigError(ErrorCodes.UNSUPPORTED_CLIENT, 'poolOf() takes a client returned by createKeymesh().', 'client');
  }
  return pool;
}
