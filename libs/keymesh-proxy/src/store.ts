import { ConfigError, ErrorCodes, type StateStore } from '@keymesh/core';
import type { ProxyLogger } from './log.js';

/**
 * Opens the fleet store for `"redis": "redis://…"`: one `RedisStore` shared by every provider's
 * pool (pools are told apart by name in the store). `@keymesh/redis` and `redis` are optional
 * peers, loaded only when a Redis URL is configured.
 */
export async function openStore(redis: { url: string; prefix: string }, logger: ProxyLogger): Promise<StateStore> {
  let module: { RedisStore: new (options: { url: string; prefix: string; logger: { warn(message: string): unknown } }) => StateStore };
  try {
    module = (await import('@keymesh/redis')) as unknown as typeof module;
  } catch {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, '`redis` is set, but @keymesh/redis is not installed: run `npm install @keymesh/redis redis` next to the proxy.', 'redis');
  }
  return new module.RedisStore({ url: redis.url, prefix: redis.prefix, logger: { warn: (message) => logger.warn('redis', { message }) } });
}
