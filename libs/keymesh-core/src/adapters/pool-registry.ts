import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/keymesh-error.js';
import type { KeyPool } from '../pool/key-pool.js';

const pools = new WeakMap<object, KeyPool>();

/** Records that `client` routes through `pool` (the wrapped client, and any client derived from it). */
export function rememberPool(client: object, pool: KeyPool): void {
  pools.set(client, pool);
}

/** The pool behind a client returned by `createKeymesh` (or derived from one, e.g. by `withOptions`). */
export function poolOf(client: object): KeyPool {
  const pool = pools.get(client);
  if (pool === undefined) {
    throw new ConfigError(ErrorCodes.UNSUPPORTED_CLIENT, 'poolOf() takes a client returned by createKeymesh().', 'client');
  }
  return pool;
}
