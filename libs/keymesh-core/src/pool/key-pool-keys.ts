import type { Clock } from '../clock.js';
import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/keymesh-error.js';
import type { KeyEntry } from './key-entry.js';
import { maskSecret, normalizeKey, type KeySpec } from './key-spec.js';
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

  /**
   * The key with this id. What the caller passed is echoed only when it cannot be a secret
   * (a digest id, or a short name): a user passing a secret by mistake, easy with digest ids,
   * must not find it in logs.
   */
  require(id: string): KeyEntry {
    if (typeof id !== 'string') throw new ConfigError(ErrorCodes.UNKNOWN_KEY, `A key id must be a string, got ${id === null ? 'null' : typeof id}.`, 'id');
    const entry = this.keys.get(id);
    if (entry !== undefined) return entry;
    const owner = this.keys.idOfSecret(id);
    if (owner !== undefined) {
      throw new ConfigError(ErrorCodes.SECRET_AS_ID, `A key's secret was passed where its id belongs (not repeated here). Pass the id instead: "${owner}".`, 'id');
    }
    if (secretPrefix.test(id)) {
      throw new ConfigError(
        ErrorCodes.SECRET_AS_ID,
        'No key has this id, and the value looks like a secret (not repeated here). Pass a key id: see snapshot().keys[].id, or keyIdOf(secret).',
        'id',
      );
    }
    // A long value could be the secret of a key that is not (or no longer) in this pool: masked like a key hint.
    const shown = digestId.test(id) || id.length < 16 ? JSON.stringify(id) : `${maskSecret(id)} (masked: a value this long may be a secret)`;
    throw new ConfigError(ErrorCodes.UNKNOWN_KEY, `No key with id ${shown} in this pool.`, 'id');
  }
}

/** Digest ids (`key_` + 16 characters), as `keyIdOf` makes them. */
const digestId = /^key_[A-Za-z0-9_-]{16}$/;
/** The prefixes of real provider secrets (OpenAI, Anthropic, Gemini and the common others). */
const secretPrefix = /^(sk-|sk_|rk-|AIza|xai-|gsk_|pk-)/;
