import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/keymesh-error.js';

/**
 * Reads a comma-separated key list such as `OPENAI_API_KEYS=sk-a,sk-b`: entries are trimmed; a
 * missing variable, an empty entry or the same key twice is a ConfigError naming the variable and
 * the positions (never the keys). A repeated key is refused rather than dropped: it is usually a
 * paste mistake that leaves the pool one key short of what the operator believes it has.
 */
export function parseKeyList(value: string | undefined | null, variable = 'the key list'): string[] {
  if (value === undefined || value === null || value.trim() === '') {
    throw new ConfigError(ErrorCodes.NO_KEYS, `${variable} is not set or empty; set it to a comma-separated list of API keys.`, variable);
  }
  const keys = value.split(',').map((entry) => entry.trim());
  const empty = keys.findIndex((key) => key === '');
  if (empty >= 0) {
    throw new ConfigError(ErrorCodes.EMPTY_SECRET, `${variable} has an empty entry at position ${empty + 1}; remove the stray comma.`, variable);
  }
  const first = new Map<string, number>();
  for (const [index, key] of keys.entries()) {
    const earlier = first.get(key);
    if (earlier !== undefined) {
      throw new ConfigError(ErrorCodes.DUPLICATE_SECRET, `${variable} has the same key at positions ${earlier + 1} and ${index + 1}; remove one.`, variable);
    }
    first.set(key, index);
  }
  return keys;
}
