/**
 * The replay store on Redis. Layout (each scope under its own hash tag, so scopes spread over a
 * Cluster while each claim touches one key):
 *
 *   pqapi:{r:<scope>}:<sha-256 of the value, base64url>   string  '1', PX = the claim's ttl
 *
 * The value is hashed so that a key has a fixed size whatever is claimed (a nonce of 256
 * characters, an X-Wing `enc` of 1120 bytes). A claim is one `SET key 1 PX ttl NX` (in a script
 * without allow-oom, so a full Redis refuses it whole: StoreFullError, never 'fresh'). Redis
 * drops the key when the ttl passes, for every instance at once.
 * @module
 */
import { createHash } from 'node:crypto';
import { checkTtl, type ClaimResult, type ReplayStore } from './replay.ts';
import { LuaScript, outcome, type RedisConnection } from './redis-connection.ts';

/** KEYS: the claim. ARGV: ttl (ms). Answers 'fresh' (set now) or 'replayed' (already there). */
const CLAIM = new LuaScript(`#!lua
if redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then return {'outcome', 'fresh'} end
return {'outcome', 'replayed'}
`);

export class RedisReplayStore implements ReplayStore {
  constructor(private readonly redis: RedisConnection) {}

  async claim(scope: string, value: string, ttlMs: number): Promise<ClaimResult> {
    checkTtl(ttlMs);
    const digest = createHash('sha256').update(value, 'utf8').digest('base64url');
    return outcome(await this.redis.eval(CLAIM, [this.redis.scopedKey('r', scope, digest)], [ttlMs]), 'claim', ['fresh', 'replayed']).outcome;
  }
}
