/**
 * What the Redis ports (redis-keys.ts, redis-tokens.ts, counters-redis.ts, audit-redis.ts) share: one connection of
 * the RedisStore (redis.ts), with its deadline and fail-closed errors, its key naming, and Lua
 * scripts sent by SHA1.
 *
 * Every script opens with a shebang (Redis >= 7) and declares its flags. Redis refuses a flagged
 * script that may write, and lacks allow-oom, BEFORE it runs while memory is past maxmemory: so a
 * memory-growing script is refused whole, never after a first write. (Without a shebang, Redis
 * checks only at the first write command, and a script that began with a DEL could grow past the
 * limit.) Scripts that only shrink or rewrite in place (attempt use, revocation, deletion) allow
 * OOM, so a full store still serves, revokes and deletes; reads declare no-writes.
 *
 * Scripts answer with named fields (`return {'outcome', 'stored'}`, read with `fields()`), never
 * with sentinel numbers, so an answer cannot be mistaken for a count.
 * @module
 */
import { createHash } from 'node:crypto';

/** A Lua script sent by SHA1 (EVALSHA), and in full once when Redis does not know it yet. */
export class LuaScript {
  readonly sha: string;
  constructor(readonly lua: string) {
    if (!lua.startsWith('#!lua')) throw new Error('scripts declare their flags in a shebang');
    this.sha = createHash('sha1').update(lua).digest('hex');
  }
}

/**
 * Lua answering one page of the ids in the sorted set `indexKey` (e.g. `KEYS[2]`), in
 * lexicographic order, after ARGV[1] (a cursor: the last id of the previous page, or '' for the
 * first), at most ARGV[2] of them: `{'outcome', 'page', 'ids', <ids joined by spaces>, 'next',
 * <the cursor of the next page, or ''>}`. The listing scripts of clients and sessions share it.
 */
export function lexPageLua(indexKey: string): string {
  return `local start = '-'
if ARGV[1] ~= '' then start = '(' .. ARGV[1] end
local limit = tonumber(ARGV[2])
local ids = redis.call('ZRANGE', ${indexKey}, start, '+', 'BYLEX', 'LIMIT', 0, limit + 1)
local next = ''
if #ids > limit then
  next = ids[limit]
  table.remove(ids)
end
return {'outcome', 'page', 'ids', table.concat(ids, ' '), 'next', next}`;
}

/** The part of the ioredis API the ports use, besides scripts; both `Redis` and `Cluster` have it. */
export interface RedisCommands {
  get(key: string): Promise<string | null>;
  exists(...keys: string[]): Promise<number>;
  hgetall(key: string): Promise<Record<string, string>>;
  zcard(key: string): Promise<number>;
  zrem(key: string, member: string): Promise<number>;
  xrevrange(key: string, end: string, start: string, count: 'COUNT', n: number): Promise<[id: string, fields: string[]][]>;
}

export interface RedisConnection {
  /** Runs a script on the keys (all under one hash tag) with the arguments. */
  eval(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
  /** Runs plain commands, with the same deadline and errors. */
  run<T>(operation: (client: RedisCommands) => Promise<T>): Promise<T>;
  /** The Redis key `name` under the store's prefix, outside any hash tag (a key no script shares). */
  key(name: string): string;
  /** The Redis key `name` of a tenant, under the tenant's hash tag `{t:<tenant>}`. */
  tenantKey(tenant: string, name: string): string;
  /** The Redis key `name` of a token family, under the family's hash tag `{f:<family>}`. */
  familyKey(family: string, name: string): string;
  /** The Redis key `name` under the hash tag `{<kind>:<scope>}` (kind `r`: a replay scope; `c`: a client id; `ch`: a challenge id). */
  scopedKey(kind: string, scope: string, name: string): string;
}

/**
 * A script's flat `{name, value, name, value, ...}` answer as an object; throws on anything else
 * (a script that answers otherwise is a bug, and the caller must not guess).
 */
export function fields(answer: unknown, script: string): Record<string, string> {
  if (!Array.isArray(answer) || answer.length % 2 !== 0) throw new Error(`unexpected answer from redis to ${script}`);
  const out: Record<string, string> = {};
  for (let i = 0; i < answer.length; i += 2) {
    const [name, value] = [answer[i], answer[i + 1]];
    if (typeof name !== 'string' || (typeof value !== 'string' && typeof value !== 'number')) throw new Error(`unexpected answer from redis to ${script}`);
    out[name] = String(value);
  }
  return out;
}

/** The `outcome` field of a script's answer, checked against the outcomes the script can give. */
export function outcome<T extends string>(answer: unknown, script: string, allowed: readonly T[]): { outcome: T; fields: Record<string, string> } {
  const f = fields(answer, script);
  const o = f.outcome as T;
  if (!allowed.includes(o)) throw new Error(`unexpected answer from redis to ${script}`);
  return { outcome: o, fields: f };
}
