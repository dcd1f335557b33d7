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
 * The first half of both save scripts, in Lua: returns early (minus the ms ahead) when the write is
 * stamped beyond Redis's clock plus the skew allowance, or (0) when `current` holds a newer stamp
 * that is itself believable, unless `force`.
 */
function newestWins(args: { updatedAt: string; skew: string; current: string; force: string }): string {
  return `local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local updatedAt = tonumber(${args.updatedAt})
local latest = now + tonumber(${args.skew})
if updatedAt > latest then
  return -math.ceil(updatedAt - now)
end
local current = ${args.current}
if current and not (${args.force}) then
  local ok, stored = pcall(cjson.decode, current)
  if ok and type(stored) == 'table' and type(stored.updatedAt) == 'number' and stored.updatedAt > updatedAt and stored.updatedAt <= latest then
    return 0
  end
end`;
}

/**
 * Newest write wins, atomically: two processes saving the same key at once (or a write delayed
 * by a reconnect) can never put an older state over a newer one. The change is published in the
 * same script so that a reader never sees a published state that was not stored.
 *
 * Redis's own clock is the referee of the stamps: a write stamped beyond it plus the skew
 * allowance (a member whose clock runs fast) is refused, and a stored stamp that far ahead (a
 * forged or corrupt value) is not believed, so no stamp can freeze "newest wins". An operator's
 * write (`enableKey` / `disableKey`) is stored whatever is there.
 *
 * KEYS[1] state key. ARGV: updatedAt, state JSON, expiry ms, channel, message, skew allowance ms,
 * '1' for an operator's write.
 * Returns 1 when stored, 0 when a newer state was already there, and minus the ms the write is
 * ahead of Redis's clock when it is refused for that.
 */
export const saveStateScript = script(
  'save',
  `
${newestWins({ updatedAt: 'ARGV[1]', skew: 'ARGV[6]', current: "redis.call('GET', KEYS[1])", force: "ARGV[7] == '1'" })}
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`,
);

/**
 * The same rules as `saveStateScript` for one field of a hash (a limit per (group, scope), a
 * detected group): newest wins by Redis's clock, stamps from the future refused or not believed,
 * published in the same step. The hash lives at least `expiry ms` after this write.
 *
 * KEYS[1] hash. ARGV: field, updatedAt, JSON, expiry ms, channel, message, skew allowance ms.
 * Returns 1 when stored, 0 when a newer one was there, minus the ms ahead of Redis's clock when refused.
 */
export const saveFieldScript = script(
  'saveField',
  `
${newestWins({ updatedAt: 'ARGV[2]', skew: 'ARGV[7]', current: "redis.call('HGET', KEYS[1], ARGV[1])", force: 'false' })}
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
redis.call('PUBLISH', ARGV[5], ARGV[6])
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
