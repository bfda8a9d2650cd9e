/**
 * The counters on Redis (see redis.ts for the layout):
 *
 *   pqapi:rl:<key>                 string   the window's count; PEXPIRE at the window's end, so
 *                                           Redis drops it
 *   pqapi:{f:<family>}:rl:<key>    string   the same, for a counter kept with a token family (the
 *                                           per-token limit): the token's admission script
 *                                           (redis-tokens.ts) counts it with the attempt
 *
 * One key per counter and one key per script: counters are spread over a Redis Cluster by their
 * own names (or their family's). `<key>` is the caller's (limits/rate-limits.ts names the
 * limit and URI-encodes the tenant, token or address).
 *
 * The hit and charge scripts declare no flags, so on a Redis past maxmemory they are refused whole
 * before they run (a window's first point creates a key): a full Redis refuses, never grows. The
 * refund script only lowers a count in place and allows OOM.
 * @module
 */
import { checkCount, type CounterCharge, type CounterHit, type CounterReservation, type Counters } from './counters.ts';
import { LuaScript, outcome, type RedisConnection } from './redis-connection.ts';

/**
 * Counts points unless the window would pass its limit; a refused hit writes nothing.
 * KEYS: the counter. ARGV: points, limit, window (ms). Answers outcome 'counted' or 'refused',
 * with `count` (after the hit) and `reset` (ms until the window ends).
 */
const HIT = new LuaScript(`#!lua
local points, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
local count = 0
if ttl > 0 then count = tonumber(redis.call('GET', KEYS[1])) or 0 else ttl = tonumber(ARGV[3]) end
if count + points > limit then return {'outcome', 'refused', 'count', count, 'reset', ttl} end
redis.call('SET', KEYS[1], count + points, 'PX', ttl)
return {'outcome', 'counted', 'count', count + points, 'reset', ttl}
`);

/**
 * Takes up to ARGV[1] points, as many as the window has left before the limit; takes none (and
 * writes nothing) when it has none left. KEYS: the counter. ARGV: points, limit, window (ms).
 * Answers outcome 'reserved' with `granted`, `count` (after) and `reset` (ms until the window ends).
 */
const RESERVE = new LuaScript(`#!lua
local points, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
local count = 0
if ttl > 0 then count = tonumber(redis.call('GET', KEYS[1])) or 0 else ttl = tonumber(ARGV[3]) end
local granted = math.min(points, limit - count)
if granted <= 0 then return {'outcome', 'reserved', 'granted', 0, 'count', count, 'reset', ttl} end
redis.call('SET', KEYS[1], count + granted, 'PX', ttl)
return {'outcome', 'reserved', 'granted', granted, 'count', count + granted, 'reset', ttl}
`);

/** The Redis key of counter `key`, kept with token family `family` when one is named (see the layout). */
export function counterKey(redis: RedisConnection, key: string, family?: string): string {
  return family === undefined ? redis.key(`rl:${key}`) : redis.familyKey(family, `rl:${key}`);
}

/**
 * The window logic of HIT, for the token's admission script (redis-tokens.ts) to count the
 * per-token limit in the same step as the attempt: on KEYS[1] with limit ARGV[2] and window
 * ARGV[3] (ms), one point; sets `counted` (false when refused), `count` and `ttl`.
 */
export const HIT_LUA = `
local counted, count, ttl = true, 0, redis.call('PTTL', KEYS[1])
if ttl > 0 then count = tonumber(redis.call('GET', KEYS[1])) or 0 else ttl = tonumber(ARGV[3]) end
if count + 1 > tonumber(ARGV[2]) then counted = false else
  count = count + 1
  redis.call('SET', KEYS[1], count, 'PX', ttl)
end
`;

/**
 * Counts points whatever the count. KEYS: the counter. ARGV: points, window (ms).
 * Answers outcome 'counted' with `count` and `reset`.
 */
const CHARGE = new LuaScript(`#!lua
local ttl = redis.call('PTTL', KEYS[1])
local count = 0
if ttl > 0 then count = tonumber(redis.call('GET', KEYS[1])) or 0 else ttl = tonumber(ARGV[2]) end
redis.call('SET', KEYS[1], count + tonumber(ARGV[1]), 'PX', ttl)
return {'outcome', 'counted', 'count', count + tonumber(ARGV[1]), 'reset', ttl}
`);

/**
 * Takes points back from a live window, never below zero; an absent key stays absent. Rewrites a
 * small integer in place, so it is allowed on a full Redis. KEYS: the counter. ARGV: points.
 * Answers outcome 'refunded' or 'none' (no live window).
 */
const REFUND = new LuaScript(`#!lua flags=allow-oom
if redis.call('PTTL', KEYS[1]) <= 0 then return {'outcome', 'none'} end
local count = (tonumber(redis.call('GET', KEYS[1])) or 0) - tonumber(ARGV[1])
if count < 0 then count = 0 end
redis.call('SET', KEYS[1], count, 'KEEPTTL')
return {'outcome', 'refunded'}
`);

export class RedisCounters implements Counters {
  constructor(private readonly redis: RedisConnection) {}

  async hit(key: string, points: number, limit: number, windowSeconds: number, family?: string): Promise<CounterHit> {
    checkCount('points', points);
    checkCount('limit', limit);
    checkCount('windowSeconds', windowSeconds);
    const answer = await this.redis.eval(HIT, [counterKey(this.redis, key, family)], [points, limit, windowSeconds * 1000]);
    const { outcome: o, fields } = outcome(answer, 'counters.hit', ['counted', 'refused']);
    return { allowed: o === 'counted', remaining: Math.max(0, limit - Number(fields.count)), resetMs: Number(fields.reset) };
  }

  async reserve(key: string, points: number, limit: number, windowSeconds: number, family?: string): Promise<CounterReservation> {
    checkCount('points', points);
    checkCount('limit', limit);
    checkCount('windowSeconds', windowSeconds);
    const answer = await this.redis.eval(RESERVE, [counterKey(this.redis, key, family)], [points, limit, windowSeconds * 1000]);
    const { fields } = outcome(answer, 'counters.reserve', ['reserved']);
    return { granted: Number(fields.granted), remaining: Math.max(0, limit - Number(fields.count)), resetMs: Number(fields.reset) };
  }

  async charge(key: string, points: number, windowSeconds: number, family?: string): Promise<CounterCharge> {
    checkCount('points', points);
    checkCount('windowSeconds', windowSeconds);
    const answer = await this.redis.eval(CHARGE, [counterKey(this.redis, key, family)], [points, windowSeconds * 1000]);
    const { fields } = outcome(answer, 'counters.charge', ['counted']);
    return { count: Number(fields.count), resetMs: Number(fields.reset) };
  }

  async refund(key: string, points: number, family?: string): Promise<void> {
    checkCount('points', points);
    outcome(await this.redis.eval(REFUND, [counterKey(this.redis, key, family)], [points]), 'counters.refund', ['refunded', 'none']);
  }
}
