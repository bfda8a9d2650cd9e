/**
 * The challenge store on Redis. Layout (each challenge under its own hash tag, so challenges spread
 * over a Cluster while each operation touches one key; variable parts URI-encoded):
 *
 *   pqapi:{ch:<id>}:<tenant>   hash  record (JSON of the ChallengeRecord), expires (ms), used
 *                                    ('' until consumed, then the instant, ms); PEXPIREAT keepUntilMs
 *
 * The tenant is part of the key, so another tenant's consume of the same id finds nothing.
 * `consume` is one script: read, decide by Redis's clock (TIME), mark used, answer the record, so
 * of any number of concurrent consumes on any number of instances exactly one is 'fresh'. Marking
 * rewrites a field that exists from creation on (a few bytes at most), so the script allows OOM:
 * a full Redis still validates. Creating is refused whole on a full Redis (StoreFullError).
 * @module
 */
import { checkChallenge, type ChallengeRecord, type ChallengeStore, type ConsumeChallengeResult, type CreateChallengeResult } from './challenges.ts';
import { LuaScript, outcome, type RedisConnection } from './redis-connection.ts';

/** KEYS: the challenge. ARGV: record JSON, expiresAtMs, keepUntilMs. Answers 'stored' or 'taken'. */
const CREATE = new LuaScript(`#!lua
if redis.call('EXISTS', KEYS[1]) == 1 then return {'outcome', 'taken'} end
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'expires', ARGV[2], 'used', '')
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return {'outcome', 'stored'}
`);

/**
 * KEYS: the challenge. Answers 'not-found', or 'fresh' (marked used now), 'used' or 'expired',
 * each with the record and the instant of the decision (ms, Redis TIME).
 */
const CONSUME = new LuaScript(`#!lua flags=allow-oom
local h = redis.call('HMGET', KEYS[1], 'record', 'expires', 'used')
if not h[1] then return {'outcome', 'not-found'} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if h[3] and h[3] ~= '' then return {'outcome', 'used', 'record', h[1], 'at', now} end
if now >= tonumber(h[2]) then return {'outcome', 'expired', 'record', h[1], 'at', now} end
redis.call('HSET', KEYS[1], 'used', now)
return {'outcome', 'fresh', 'record', h[1], 'at', now}
`);

export class RedisChallengeStore implements ChallengeStore {
  constructor(private readonly redis: RedisConnection) {}

  async create(challenge: ChallengeRecord): Promise<CreateChallengeResult> {
    checkChallenge(challenge);
    const answer = await this.redis.eval(CREATE, [this.#key(challenge.tenant, challenge.id)], [JSON.stringify(challenge), challenge.expiresAtMs, challenge.keepUntilMs]);
    return outcome(answer, 'createChallenge', ['stored', 'taken']).outcome;
  }

  async consume(tenant: string, id: string): Promise<ConsumeChallengeResult> {
    const answer = await this.redis.eval(CONSUME, [this.#key(tenant, id)], []);
    const { outcome: o, fields } = outcome(answer, 'consumeChallenge', ['not-found', 'fresh', 'used', 'expired']);
    if (o === 'not-found') return { outcome: o };
    const challenge = JSON.parse(fields.record!) as ChallengeRecord;
    // Belt and braces: the key names the tenant and the id, and so must the record.
    if (challenge.tenant !== tenant || challenge.id !== id) throw new Error('a challenge record does not match its key');
    return { outcome: o, challenge, atMs: Number(fields.at) };
  }

  #key(tenant: string, id: string): string {
    return this.redis.scopedKey('ch', id, encodeURIComponent(tenant));
  }
}
