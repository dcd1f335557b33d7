import { parseKeyList } from '@keymesh/core';

/**
 * Reads a comma-separated key list from configuration (`OPENAI_API_KEYS=sk-a,sk-b`): trimmed, and
 * a ConfigError naming the variable when it is missing, has an empty entry or repeats a key.
 * Works with `ConfigService` or anything with `get(name)`.
 */
export function keysFromConfig(config: { get(name: string): unknown }, variable: string): string[] {
  const value = config.get(variable);
  return parseKeyList(typeof value === 'string' ? value : undefined, variable);
}
