export { RedisStore, type RedisStoreHealth, type RedisStoreStatus } from './redis-store.js';
export type { RedisStoreOptions } from './options.js';
export type { FleetLimit, FleetLimits, PoolLimits } from './limits.js';
export type { RedisClient } from './redis-client.js';
export type { Logger } from './outage.js';
