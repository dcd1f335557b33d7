import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/keymesh-error.js';

/**
 * Reads a comma-separated key list such as `OPENAI_API_KEYS=sk-a,sk-b`: entries are trimmed
 * and de-duplicated; a missing variable or an empty entry is a ConfigError naming the variable
 * (never the keys).
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
  return [...new Set(keys)];
}
