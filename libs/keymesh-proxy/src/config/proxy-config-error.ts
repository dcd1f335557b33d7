import { ConfigError, ErrorCodes } from '@keymesh/core';

/**
 * A bad proxy configuration: the same typed error the core raises for bad pool options (code
 * `ERR_KEYMESH_INVALID_OPTION` / `ERR_KEYMESH_UNKNOWN_OPTION` / `ERR_KEYMESH_NO_KEYS`), with the
 * option's dotted path, so a config file and a `KeyPool` report mistakes the same way.
 */
export function invalidOption(path: string, message: string): ConfigError {
  return new ConfigError(ErrorCodes.INVALID_OPTION, `\`${path}\` ${message}`, path);
}

export function unknownOption(path: string, name: string, allowed: readonly string[]): ConfigError {
  const close = closest(name, allowed);
  const hint = close ? ` Did you mean \`${close}\`?` : ` Known options: ${allowed.join(', ')}.`;
  const full = path ? `${path}.${name}` : name;
  return new ConfigError(ErrorCodes.UNKNOWN_OPTION, `Unknown option \`${full}\`.${hint}`, full);
}

/** The allowed name within two edits of `name` (typos such as `prot`, `provders`), if one is. */
function closest(name: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
