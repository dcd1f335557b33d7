import { ConfigError, ErrorCodes, KeyPool, poolOf } from '@keymesh/core';

/**
 * What `instrumentKeymesh` takes: a `KeyPool`; a client from `createKeymesh` or a `keymeshFetch`
 * (its pool is found with `poolOf`); anything with a `pools` record (`createKeymeshClients`,
 * the Express `mesh`, the Nest `KeymeshService`); or an iterable or record of any of these.
 */
export type InstrumentTarget = KeyPool | object | Iterable<InstrumentTarget> | { readonly pools: Readonly<Record<string, KeyPool>> } | Readonly<Record<string, KeyPool>>;

/** The distinct pools behind `target`, in the order given. */
export function poolsOf(target: InstrumentTarget): KeyPool[] {
  const pools = new Set<KeyPool>();
  collect(target, pools, 'target');
  if (pools.size === 0) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, 'instrumentKeymesh() found no pool in its target: pass a KeyPool, a client from createKeymesh/keymeshFetch, or a record of pools (e.g. mesh.pools).', 'target');
  }
  return [...pools];
}

function collect(target: unknown, into: Set<KeyPool>, where: string): void {
  if (isPool(target)) {
    into.add(target);
    return;
  }
  if ((typeof target !== 'object' && typeof target !== 'function') || target === null) throw unsupported(where);
  const pool = wrappedPool(target);
  if (pool !== undefined) {
    into.add(pool);
    return;
  }
  if (Symbol.iterator in target) {
    let index = 0;
    for (const item of target as Iterable<unknown>) collect(item, into, `${where}[${index++}]`);
    return;
  }
  const pools = (target as { pools?: unknown }).pools;
  if (typeof pools === 'object' && pools !== null) {
    collect(pools, into, `${where}.pools`);
    return;
  }
  for (const [name, value] of Object.entries(target)) collect(value, into, `${where}.${name}`);
}

/** A KeyPool, also one from another copy of @keymesh/core than ours (where `instanceof` says no). */
function isPool(value: unknown): value is KeyPool {
  if (value instanceof KeyPool) return true;
  const candidate = value as Partial<Record<'execute' | 'snapshot' | 'on' | 'off', unknown>> & { name?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    typeof candidate.execute === 'function' &&
    typeof candidate.snapshot === 'function' &&
    typeof candidate.on === 'function' &&
    typeof candidate.off === 'function'
  );
}

/** The pool of a wrapped client or fetch, or undefined for anything else. */
function wrappedPool(target: object): KeyPool | undefined {
  try {
    return poolOf(target);
  } catch {
    return undefined;
  }
}

function unsupported(where: string): ConfigError {
  return new ConfigError(
    ErrorCodes.UNSUPPORTED_CLIENT,
    `${where} is not a KeyPool, a client from createKeymesh/keymeshFetch, or a record of pools; pass one of those (for Express: mesh or mesh.pools; for Nest: KeymeshService).`,
    where,
  );
}
