/** The group of pooled clients the module creates (see `createKeymeshClients`). */
export const KEYMESH_CLIENTS = Symbol.for('keymesh:clients');

/** Where the built-in health endpoint answers unless `health.path` says otherwise. */
export const DEFAULT_HEALTH_PATH = '/health/keys';

/** The injection token of one named client; `@InjectKeymesh(name)` uses it. */
export function getKeymeshToken(name: string): string {
  return `keymesh:client:${name}`;
}

/** Prefix of the pool events re-emitted on EventEmitter2: `keymesh.circuit.opened`, …. */
export const KEYMESH_EVENT_PREFIX = 'keymesh.';
