import { createHash } from 'node:crypto';
import type { RedisLink } from './redis-link.js';

/** A Lua script and its SHA-1, so it is sent in full only when Redis does not have it cached yet. */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

function script(name: string, source: string): LuaScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Newest write wins, atomically: two processes saving the same key at once (or a write delayed
 * by a reconnect) can never put an older state over a newer one. The change is published in the
 * same script so that a reader never sees a published state that was not stored.
 *
 * KEYS[1] state key. ARGV: updatedAt, state JSON, expiry ms, channel, message.
 * Returns 1 when stored, 0 when a newer state was already there.
 */
export const saveStateScript = script(
  'save',
  `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, stored = pcall(cjson.decode, current)
  if ok and type(stored) == 'table' and type(stored.updatedAt) == 'number' and stored.updatedAt > tonumber(ARGV[1]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`,
);

/**
 * Gives a trial lease back only if this process still holds it: a lease that expired and was
 * taken by another process must not be deleted by its former holder.
 *
 * KEYS[1] trial key. ARGV[1] the holder's token.
 */
export const releaseTrialScript = script(
  'releaseTrial',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`,
);

/**
 * Sliding-window log: one sorted-set member per admitted request, scored by Redis's own clock
 * (so the fleet's clock skew does not matter). At most `requests` members ever have a score
 * inside any window of `windowMs`, which is the guarantee; a fixed window would let twice the
 * limit through around its boundary.
 *
 * KEYS[1] limit key. ARGV: windowMs, requests, a unique member id.
 * Returns 0 when admitted, else the ms until the oldest admitted request leaves the window.
 */
export const admitScript = script(
  'admit',
  `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
return wait
`,
);

/** Runs a script by SHA, sending its source only after Redis answers NOSCRIPT (first use, or after a restart emptied its cache). */
export async function runScript<T>(link: RedisLink, lua: LuaScript, keys: readonly string[], args: readonly string[], operation: string): Promise<T> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await link.send<T>(['EVALSHA', lua.sha, ...tail], operation);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return link.send<T>(['EVAL', lua.source, ...tail], operation);
  }
}
