import type { Clock } from '../clock.js';
import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/keymesh-error.js';
import type { KeyEntry } from './key-entry.js';
import { normalizeKey, type KeySpec } from './key-spec.js';
import type { KeySet } from './key-set.js';

/** Validated key administration: the checks `new KeyPool`, `addKey` and the id-taking methods share. */
export class KeyPoolKeys {
  constructor(
    private readonly keys: KeySet,
    private readonly clock: Clock,
  ) {}

  addAll(specs: unknown): void {
    if (!Array.isArray(specs) || specs.length === 0) {
      throw new ConfigError(
        ErrorCodes.NO_KEYS,
        '`keys` must be a non-empty array of secrets. An empty list usually means the environment variable holding the keys is not set.',
        'keys',
      );
    }
    specs.forEach((spec, index) => this.add(spec, `keys[${index}]`));
  }

  add(spec: KeySpec, path = 'key'): KeyEntry {
    const key = normalizeKey(spec, path);
    const clash = this.keys.idOfSecret(key.secret);
    if (clash !== undefined) {
      throw new ConfigError(ErrorCodes.DUPLICATE_SECRET, `${path} repeats the secret of key "${clash}"; each secret may appear once.`, path);
    }
    if (this.keys.get(key.id) !== undefined) {
      throw new ConfigError(ErrorCodes.DUPLICATE_KEY_ID, `${path} uses the id "${key.id}", which another key already has.`, `${path}.id`);
    }
    return this.keys.add(key, this.clock.now());
  }

  require(id: string): KeyEntry {
    const entry = typeof id === 'string' ? this.keys.get(id) : undefined;
    if (entry === undefined) throw new ConfigError(ErrorCodes.UNKNOWN_KEY, `No key with id ${JSON.stringify(String(id))} in this pool.`, 'id');
    return entry;
  }
}
