import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, writeSync, closeSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError, ErrorCodes } from '@keymesh/core';

/** Where a generated token is kept when the config names no `tokenFile`. */
export function defaultTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'keymesh-proxy', 'token');
}

export interface LocalToken {
  token: string;
  /** Where it came from: the config/environment, a stored file, or generated now (then `file` holds it). */
  source: 'configured' | 'stored' | 'generated';
  file?: string;
}

/**
 * The token clients must present. A configured one wins; otherwise the stored one is read, or a
 * new one (256 random bits) is generated and written with mode 0600 — created exclusively, so two
 * proxies starting at once cannot overwrite each other's. A stored file readable by others is refused.
 */
export function loadLocalToken(configured: string | undefined, file: string): LocalToken {
  if (configured !== undefined) return { token: configured, source: 'configured' };
  try {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new ConfigError(ErrorCodes.INVALID_OPTION, `The token file ${file} is readable by other users (mode ${mode.toString(8)}); run \`chmod 600 ${file}\`.`, 'tokenFile');
    }
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= 24) return { token: stored, source: 'stored', file };
    throw new ConfigError(ErrorCodes.INVALID_OPTION, `The token file ${file} holds no usable token; delete it to have a new one generated.`, 'tokenFile');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = `kmp_${randomBytes(32).toString('base64url')}`;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    const fd = openSync(file, 'wx', 0o600);
    writeSync(fd, `${token}\n`);
    closeSync(fd);
  } catch (error) {
    // Another proxy generated one first: use it.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadLocalToken(undefined, file);
    throw error;
  }
  return { token, source: 'generated', file };
}

/**
 * Compares a presented credential with the token in constant time. Both sides are hashed first,
 * so neither the token's length nor how much of a prefix matched shows in the timing.
 */
export function tokenMatcher(token: string): (presented: string | undefined) => boolean {
  const expected = createHash('sha256').update(token).digest();
  return (presented) => {
    if (presented === undefined) return false;
    const actual = createHash('sha256').update(presented).digest();
    return timingSafeEqual(actual, expected);
  };
}
