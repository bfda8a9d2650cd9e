/**
 * The token store on Redis (see redis.ts for the layout):
 *
 *   pqapi:{f:<family>}:tok:<tokenId>       hash    tenant, exp (ms since epoch), anc (ancestor ids),
 *                                                  left (absent when unlimited); PEXPIREAT exp, so
 *                                                  Redis drops it then
 *   pqapi:{t:<tenant>}:tokens              zset    the tenant's token ids, scored by expiry (ms):
 *                                                  the live-token quota's count
 *   pqapi:{f:<family>}:rl:token:<tokenId>  string  the per-token rate limit's window (counters-redis.ts)
 *
 * A token, its parent chain and its children share their root's `{f:<family>}` hash tag, so the
 * attempt script can check the whole lineage in one step on Redis Cluster; the per-token rate
 * counter shares it too, so a request presenting a token is one script, one round trip (ADMIT).
 * @module
 */
import { counterKey, HIT_LUA } from './counters-redis.ts';
import { LuaScript, outcome, type RedisConnection } from './redis-connection.ts';
import type { AdmitResult, ConsumeResult, TokenCounter, TokenRecord, TokenStore } from './tokens.ts';

/**
 * Records a new token, expiring at `exp`; never replaces a record (ids are 128 random bits).
 * KEYS: token. ARGV: tenant, exp (ms since epoch), attempts left ('' when unlimited), ancestors
 * (space-separated, root first). Answers outcome 'created' or 'taken'.
 */
const CREATE_TOKEN = new LuaScript(`#!lua
if redis.call('EXISTS', KEYS[1]) == 1 then return {'outcome', 'taken'} end
if ARGV[3] == '' then
  redis.call('HSET', KEYS[1], 'tenant', ARGV[1], 'exp', ARGV[2], 'anc', ARGV[4])
else
  redis.call('HSET', KEYS[1], 'tenant', ARGV[1], 'exp', ARGV[2], 'anc', ARGV[4], 'left', ARGV[3])
end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return {'outcome', 'created'}
`);

/**
 * Counts a token against its tenant's live-token quota: drops entries that have expired, refuses
 * at the quota, else adds the token with its expiry as score. The set expires with its last entry.
 * KEYS: the tenant's token count. ARGV: now (ms), token id, exp (ms), quota (0: none).
 * Answers outcome 'counted' or 'quota-exceeded'.
 */
const RESERVE_TOKEN = new LuaScript(`#!lua
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local quota = tonumber(ARGV[4])
if quota > 0 and redis.call('ZCARD', KEYS[1]) >= quota then return {'outcome', 'quota-exceeded'} end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
if redis.call('PEXPIRETIME', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
return {'outcome', 'counted'}
`);

/**
 * Uses one attempt of a token and of every limited ancestor: dead unless the token and every
 * ancestor still exist (expired and revoked records are gone) and each of them that is limited
 * has an attempt left. So a token's K attempts bound every request of its whole lineage (its
 * descendants cannot multiply them); never goes below zero.
 * KEYS: token, then its ancestors. Answers outcome 'granted' with `left` (the least left over the
 * limited tokens of the lineage after this attempt; absent when none is limited), or 'dead'.
 */
const CONSUME_ATTEMPT = new LuaScript(`#!lua flags=allow-oom
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then return {'outcome', 'dead'} end
  local left = redis.call('HGET', KEYS[i], 'left')
  if left and tonumber(left) <= 0 then return {'outcome', 'dead'} end
end
local least = nil
for i = 1, #KEYS do
  if redis.call('HEXISTS', KEYS[i], 'left') == 1 then
    local left = redis.call('HINCRBY', KEYS[i], 'left', -1)
    if least == nil or left < least then least = left end
  end
end
if least == nil then return {'outcome', 'granted'} end
return {'outcome', 'granted', 'left', least}
`);

/**
 * Gives back one attempt: to the token and to each limited ancestor whose record exists (an
 * expired or revoked one stays gone: HINCRBY on a missing key would create it, so EXISTS first).
 * KEYS: token, then its ancestors. Only rewrites existing fields: allowed on a full store.
 */
const REFUND_ATTEMPT = new LuaScript(`#!lua flags=allow-oom
for i = 1, #KEYS do
  if redis.call('HEXISTS', KEYS[i], 'left') == 1 then redis.call('HINCRBY', KEYS[i], 'left', 1) end
end
return {'outcome', 'refunded'}
`);

/**
 * Reads a token the way CONSUME_ATTEMPT judges it, without using an attempt.
 * KEYS: token, then its ancestors. Answers outcome 'alive' with tenant, exp and left (absent when
 * no token of the lineage is limited; else the least over them), or 'dead'.
 */
const PEEK_TOKEN = new LuaScript(`#!lua flags=no-writes
local least = nil
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then return {'outcome', 'dead'} end
  local left = redis.call('HGET', KEYS[i], 'left')
  if left then
    left = tonumber(left)
    if left <= 0 then return {'outcome', 'dead'} end
    if least == nil or left < least then least = left end
  end
end
local f = redis.call('HMGET', KEYS[1], 'tenant', 'exp')
local answer = {'outcome', 'alive', 'tenant', f[1], 'exp', f[2]}
if least ~= nil then table.insert(answer, 'left'); table.insert(answer, least) end
return answer
`);

/**
 * A request presenting a token, in one step: counts it against the token's own limit (HIT_LUA:
 * refused -> 'limited', nothing else done), then judges the lineage as CONSUME_ATTEMPT does, then
 * with ARGV[1] = '1' uses one attempt of the token and of each limited ancestor, else only reads.
 * No allow-oom: the counter may need a new key, so a full Redis refuses the whole step before it
 * runs (the caller may then go on without the counter: see auth/admission.ts).
 * KEYS: the token's counter, the token, then its ancestors (one hash tag). ARGV: consume ('1' or
 * '0'), limit, window (ms). Answers outcome 'limited', 'dead' or 'alive' with `count` and `reset`
 * (the counter), and for 'alive' `left` (absent when no token of the lineage is limited).
 */
const ADMIT = new LuaScript(`#!lua
${HIT_LUA}
if not counted then return {'outcome', 'limited', 'count', count, 'reset', ttl} end
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then return {'outcome', 'dead', 'count', count, 'reset', ttl} end
  local left = redis.call('HGET', KEYS[i], 'left')
  if left and tonumber(left) <= 0 then return {'outcome', 'dead', 'count', count, 'reset', ttl} end
end
local least = nil
for i = 2, #KEYS do
  if redis.call('HEXISTS', KEYS[i], 'left') == 1 then
    local left
    if ARGV[1] == '1' then left = redis.call('HINCRBY', KEYS[i], 'left', -1) else left = tonumber(redis.call('HGET', KEYS[i], 'left')) end
    if least == nil or left < least then least = left end
  end
end
local answer = {'outcome', 'alive', 'count', count, 'reset', ttl}
if least ~= nil then table.insert(answer, 'left'); table.insert(answer, least) end
return answer
`);

/**
 * Deletes a token only when it belongs to the tenant and, when a requesting token is named, only
 * when the token is that one or one of its descendants (the requester is among its ancestors).
 * KEYS: token. ARGV: tenant, requesting token id ('' for an API key), the token's id.
 * Answers outcome 'revoked' or 'refused' (no such token of this tenant, or not the requester's).
 */
const REVOKE_TOKEN = new LuaScript(`#!lua flags=allow-oom
if redis.call('HGET', KEYS[1], 'tenant') ~= ARGV[1] then return {'outcome', 'refused'} end
if ARGV[2] ~= '' and ARGV[2] ~= ARGV[3] then
  local minted = false
  for id in string.gmatch(redis.call('HGET', KEYS[1], 'anc') or '', '[^ ]+') do
    if id == ARGV[2] then minted = true end
  end
  if not minted then return {'outcome', 'refused'} end
end
redis.call('DEL', KEYS[1])
return {'outcome', 'revoked'}
`);

export class RedisTokenStore implements TokenStore {
  constructor(private readonly redis: RedisConnection) {}

  async createToken(family: string, tokenId: string, record: TokenRecord): Promise<void> {
    const { tenant, attemptsLeft, expiresAtMs, ancestors = [] } = record;
    if (attemptsLeft !== null && !(Number.isSafeInteger(attemptsLeft) && attemptsLeft >= 0)) {
      throw new RangeError('attemptsLeft must be a whole number >= 0, or null');
    }
    // Rounded down: a token never lives longer than asked.
    const args = [tenant, Math.floor(expiresAtMs), attemptsLeft === null ? '' : attemptsLeft, ancestors.join(' ')];
    const answer = await this.redis.eval(CREATE_TOKEN, [this.#tokenKey(family, tokenId)], args);
    if (outcome(answer, 'createToken', ['created', 'taken']).outcome === 'taken') throw new Error(`token id ${tokenId} is taken`);
  }

  async reserveToken(tenant: string, tokenId: string, expiresAtMs: number, quota: number, nowMs: number): Promise<boolean> {
    const args = [Math.floor(nowMs), tokenId, Math.floor(expiresAtMs), quota];
    const answer = await this.redis.eval(RESERVE_TOKEN, [this.#countKey(tenant)], args);
    return outcome(answer, 'reserveToken', ['counted', 'quota-exceeded']).outcome === 'counted';
  }

  async releaseToken(tenant: string, tokenId: string): Promise<void> {
    await this.redis.run((client) => client.zrem(this.#countKey(tenant), tokenId));
  }

  async consumeAttempt(family: string, tokenId: string, ancestors: readonly string[]): Promise<ConsumeResult> {
    const answer = await this.redis.eval(CONSUME_ATTEMPT, this.#lineage(family, tokenId, ancestors), []);
    const { outcome: o, fields } = outcome(answer, 'consumeAttempt', ['granted', 'dead']);
    if (o === 'dead') return { ok: false };
    return { ok: true, attemptsLeft: fields.left === undefined ? null : Number(fields.left) };
  }

  async admit(family: string, tokenId: string, ancestors: readonly string[], consume: boolean, counter: TokenCounter): Promise<AdmitResult> {
    const keys = [counterKey(this.redis, counter.key, family), ...this.#lineage(family, tokenId, ancestors)];
    const answer = await this.redis.eval(ADMIT, keys, [consume ? '1' : '0', counter.limit, counter.windowSeconds * 1000]);
    const { outcome: o, fields } = outcome(answer, 'admitToken', ['limited', 'dead', 'alive']);
    if (o === 'limited') return { outcome: 'limited', resetMs: Number(fields.reset) };
    const count = { remaining: Math.max(0, counter.limit - Number(fields.count)), resetMs: Number(fields.reset) };
    if (o === 'dead') return { outcome: 'dead', count };
    return { outcome: 'alive', attemptsLeft: fields.left === undefined ? null : Number(fields.left), count };
  }

  async peekToken(family: string, tokenId: string, ancestors: readonly string[]): Promise<TokenRecord | undefined> {
    const answer = await this.redis.eval(PEEK_TOKEN, this.#lineage(family, tokenId, ancestors), []);
    const { outcome: o, fields } = outcome(answer, 'peekToken', ['alive', 'dead']);
    if (o === 'dead') return undefined;
    return { tenant: fields.tenant!, attemptsLeft: fields.left === undefined ? null : Number(fields.left), expiresAtMs: Number(fields.exp) };
  }

  async refundAttempt(family: string, tokenId: string, ancestors: readonly string[]): Promise<void> {
    const answer = await this.redis.eval(REFUND_ATTEMPT, this.#lineage(family, tokenId, ancestors), []);
    outcome(answer, 'refundAttempt', ['refunded']);
  }

  async standing(family: string, tokenId: string, ancestors: readonly string[]): Promise<boolean> {
    // One EXISTS over the lineage (one hash tag, so one Cluster slot); an expired key does not exist.
    const keys = this.#lineage(family, tokenId, ancestors);
    return (await this.redis.run((client) => client.exists(...keys))) === keys.length;
  }

  async revokeToken(family: string, tokenId: string, tenant: string, by: string | null = null): Promise<boolean> {
    const answer = await this.redis.eval(REVOKE_TOKEN, [this.#tokenKey(family, tokenId)], [tenant, by ?? '', tokenId]);
    return outcome(answer, 'revokeToken', ['revoked', 'refused']).outcome === 'revoked';
  }

  #tokenKey(family: string, tokenId: string): string {
    return this.redis.familyKey(family, `tok:${encodeURIComponent(tokenId)}`);
  }

  #countKey(tenant: string): string {
    return this.redis.tenantKey(tenant, 'tokens');
  }

  /** The token's key, then its ancestors' (all under the family's hash tag). */
  #lineage(family: string, tokenId: string, ancestors: readonly string[]): string[] {
    return [this.#tokenKey(family, tokenId), ...ancestors.map((ancestor) => this.#tokenKey(family, ancestor))];
  }
}
