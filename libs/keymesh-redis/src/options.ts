import { ConfigError, ErrorCodes, closestName } from '@keymesh/core';
import { LimitTable, type FleetLimits } from './limits.js';
import type { Logger } from './outage.js';
import type { RedisClient } from './redis-client.js';

export interface RedisStoreOptions {
  /**
   * `redis://[[user][:password]@]host[:port][/db]` (or `rediss://` for TLS). The store opens two
   * connections (commands, and pub/sub) and closes them in `close()`. Give `url` or `client`.
   */
  url?: string;
  /**
   * A node-redis 5 or 6 client you created (`createClient()` from `redis`), used for commands and never
   * closed by the store; it is connected if it is not yet. The store opens one duplicate of it
   * for pub/sub, and closes that one.
   */
  client?: RedisClient;
  /** Prepended to every Redis key and channel. Default `keymesh:`. */
  prefix?: string;
  /** Fleet-wide request limits per key, for keys whose provider limit you know. Default none. */
  limits?: FleetLimits;
  /** Longest wait for any Redis reply; past it the store answers from local state. Default 250. */
  timeoutMs?: number;
  /** Longest wait for a connection (first connect, reconnects). Default 2,000. */
  connectTimeoutMs?: number;
  /** Shortest lifetime of a key's stored state after its last change. Default 86,400,000 (24 h). */
  ttlMs?: number;
  /** Where outage and recovery lines go (one per outage): a function, an object with `warn` (console, Nest's Logger, pino), or `false`. Default `console.warn`. */
  logger?: Logger | { warn(message: string): unknown } | false;
}

export interface ResolvedStoreOptions {
  url: string | undefined;
  client: RedisClient | undefined;
  prefix: string;
  limits: LimitTable | undefined;
  timeoutMs: number;
  connectTimeoutMs: number;
  ttlMs: number;
  logger: Logger | undefined;
}

const optionNames = ['url', 'client', 'prefix', 'limits', 'timeoutMs', 'connectTimeoutMs', 'ttlMs', 'logger'];

export function resolveStoreOptions(options: RedisStoreOptions): ResolvedStoreOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, "RedisStore needs options: { url: 'redis://…' } or { client }.", '');
  }
  for (const name of Object.keys(options)) {
    if (!optionNames.includes(name)) {
      const meant = closestName(name, optionNames);
      throw new ConfigError(ErrorCodes.UNKNOWN_OPTION, `unknown RedisStore option \`${name}\`${meant ? `; did you mean \`${meant}\`?` : ` (expected one of ${optionNames.join(', ')}).`}`, name);
    }
  }
  const { url, client } = options;
  if ((url === undefined) === (client === undefined)) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, 'give exactly one of `url` (the store connects) or `client` (a node-redis client you manage).', url === undefined ? 'url' : 'client');
  }
  if (url !== undefined) checkUrl(url);
  if (client !== undefined && (typeof client !== 'object' || client === null || typeof client.sendCommand !== 'function' || typeof client.duplicate !== 'function')) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, '`client` must be a node-redis client (createClient() from `redis`); cluster and sentinel clients are not supported.', 'client');
  }
  const prefix = options.prefix ?? 'keymesh:';
  if (typeof prefix !== 'string' || prefix === '') throw new ConfigError(ErrorCodes.INVALID_OPTION, '`prefix` must be a non-empty string, e.g. `keymesh:`.', 'prefix');
  return {
    url,
    client,
    prefix,
    limits: options.limits === undefined ? undefined : new LimitTable(options.limits),
    timeoutMs: positiveInteger(options.timeoutMs, 250, 'timeoutMs'),
    connectTimeoutMs: positiveInteger(options.connectTimeoutMs, 2_000, 'connectTimeoutMs'),
    ttlMs: positiveInteger(options.ttlMs, 86_400_000, 'ttlMs'),
    logger: resolveLogger(options.logger),
  };
}

function checkUrl(url: unknown): void {
  let protocol: string | undefined;
  try {
    protocol = typeof url === 'string' ? new URL(url).protocol : undefined;
  } catch {
    protocol = undefined;
  }
  // The URL itself is not repeated in the message: it may hold a password.
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, '`url` must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379.', 'url');
  }
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(ErrorCodes.INVALID_NUMBER, `\`${name}\` must be a whole number of ms ≥ 1 (got ${String(value)}).`, name);
  return value;
}

function resolveLogger(logger: RedisStoreOptions['logger']): Logger | undefined {
  if (logger === false) return undefined;
  if (logger === undefined) return (message) => console.warn(message);
  if (typeof logger === 'function') return logger;
  if (typeof logger === 'object' && logger !== null && typeof logger.warn === 'function') return (message) => void logger.warn(message);
  throw new ConfigError(ErrorCodes.INVALID_OPTION, '`logger` must be a function, an object with `warn`, or false.', 'logger');
}
