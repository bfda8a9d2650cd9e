/**
 * The session store on Redis. Layout (a tenant's sessions under its `{t:<tenant>}` hash tag, so
 * each step is one script on one slot; variable parts URI-encoded):
 *
 *   pqapi:{t:<tenant>}:session:<id>       hash  rec: JSON of the SessionRecord (without lastUsedAtMs),
 *                                               cli: its client id, used: last use (ms) or ''
 *   pqapi:{t:<tenant>}:sessions           zset  the tenant's session ids, scored 0 (ordered by id)
 *   pqapi:{t:<tenant>}:sexp               zset  the same ids scored by expiry (ms)
 *   pqapi:{t:<tenant>}:csessions:<client> zset  one client's session ids, scored 0
 *
 * A session's record has PEXPIREAT at its expiry, so Redis drops it at that instant for every
 * instance; scripts that list first drop the ids in `sexp` whose time has passed (by Redis's
 * clock) from the tenant's index. A client's index expires with its last session; ids of expired
 * sessions left in it name no record and are skipped (and dropped) when listed.
 * @module
 */
import { lexPageLua, LuaScript, outcome, type RedisConnection } from './redis-connection.ts';
import type { ListSessionsOptions, SessionPage, SessionRecord, SessionStore } from './sessions.ts';

/** Lua: drops expired ids from the tenant's session index. */
const PURGE = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', nowMs)) do
  redis.call('ZREM', KEYS[2], gone)
  redis.call('ZREM', KEYS[3], gone)
end`;

/**
 * KEYS: record, tenant index, expiry index, client index. ARGV: record JSON, id, client id,
 * expiry (ms). Answers outcome 'stored' or 'taken'.
 */
const CREATE_SESSION = new LuaScript(`#!lua
if redis.call('EXISTS', KEYS[1]) == 1 then return {'outcome', 'taken'} end
${PURGE}
redis.call('HSET', KEYS[1], 'rec', ARGV[1], 'cli', ARGV[3], 'used', '')
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], 0, ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
redis.call('ZADD', KEYS[4], 0, ARGV[2])
local ends = redis.call('PEXPIRETIME', KEYS[4])
if ends >= 0 and ends < tonumber(ARGV[4]) or ends == -1 then redis.call('PEXPIREAT', KEYS[4], ARGV[4]) end
return {'outcome', 'stored'}
`);

/**
 * Deletes a session of this client (the caller read the record to know it); shrinks the store, so
 * it runs on a full one too. KEYS: as CREATE. ARGV: id, client id. Answers 'deleted' or 'not-found'.
 */
const DELETE_SESSION = new LuaScript(`#!lua flags=allow-oom
if redis.call('HGET', KEYS[1], 'cli') ~= ARGV[2] then return {'outcome', 'not-found'} end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return {'outcome', 'deleted'}
`);

/**
 * One page of ids in id order, after the cursor (an id; '' for the start), from the tenant's
 * index or a client's. KEYS: record (unused), tenant index, expiry index, the index to page.
 * ARGV: cursor, limit. Answers outcome 'page' with ids (space-separated) and next ('' at the end).
 */
const LIST_SESSIONS = new LuaScript(`#!lua flags=allow-oom
${PURGE}
${lexPageLua('KEYS[4]')}
`);

/** KEYS: record. ARGV: time (ms). Moves `used` forward only. Answers 'touched' or 'gone'. */
const TOUCH_SESSION = new LuaScript(`#!lua
if redis.call('EXISTS', KEYS[1]) == 0 then return {'outcome', 'gone'} end
local used = tonumber(redis.call('HGET', KEYS[1], 'used'))
if used == nil or used < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'used', ARGV[1]) end
return {'outcome', 'touched'}
`);

const encode = encodeURIComponent;

type StoredSession = Omit<SessionRecord, 'lastUsedAtMs'>;

export class RedisSessionStore implements SessionStore {
  constructor(private readonly redis: RedisConnection) {}

  async create(session: SessionRecord): Promise<boolean> {
    const { lastUsedAtMs: _unused, ...stored } = session;
    const expiry = Math.floor(session.expiresAtMs);
    const answer = await this.redis.eval(CREATE_SESSION, this.#keys(session.tenant, session.id, session.clientId), [JSON.stringify(stored), session.id, session.clientId, expiry]);
    return outcome(answer, 'createSession', ['stored', 'taken']).outcome === 'stored';
  }

  async get(tenant: string, id: string): Promise<SessionRecord | undefined> {
    const hash = await this.redis.run((r) => r.hgetall(this.#record(tenant, id)));
    if (!hash.rec) return undefined;
    const stored = JSON.parse(hash.rec) as StoredSession;
    if (stored.tenant !== tenant || stored.id !== id) return undefined; // belt and braces
    return { ...stored, lastUsedAtMs: hash.used ? Number(hash.used) : null };
  }

  async list(tenant: string, { clientId, cursor, limit }: ListSessionsOptions): Promise<SessionPage> {
    const keys = this.#keys(tenant, '', clientId ?? '');
    if (clientId === undefined) keys[3] = keys[1]!;
    const f = outcome(await this.redis.eval(LIST_SESSIONS, keys, [cursor ?? '', limit]), 'listSessions', ['page']).fields;
    const ids = f.ids ? f.ids.split(' ') : [];
    // A session may expire or be deleted between the two steps: it is then left out of the page.
    const sessions = (await Promise.all(ids.map((id) => this.get(tenant, id)))).filter((s): s is SessionRecord => s !== undefined);
    return { sessions, nextCursor: f.next ? f.next : null };
  }

  async delete(tenant: string, id: string): Promise<SessionRecord | undefined> {
    const session = await this.get(tenant, id);
    if (!session) return undefined;
    const answer = await this.redis.eval(DELETE_SESSION, this.#keys(tenant, id, session.clientId), [id, session.clientId]);
    // 'not-found': deleted (or expired) by someone else meanwhile, who answers for its token.
    return outcome(answer, 'deleteSession', ['deleted', 'not-found']).outcome === 'deleted' ? session : undefined;
  }

  async touch(tenant: string, id: string, atMs: number): Promise<void> {
    await this.redis.eval(TOUCH_SESSION, [this.#record(tenant, id)], [Math.floor(atMs)]);
  }

  /** record, tenant index, expiry index, client index: the KEYS of the scripts. */
  #keys(tenant: string, id: string, clientId: string): string[] {
    return [this.#record(tenant, id), this.redis.tenantKey(tenant, 'sessions'), this.redis.tenantKey(tenant, 'sexp'), this.redis.tenantKey(tenant, `csessions:${encode(clientId)}`)];
  }

  #record(tenant: string, id: string): string {
    return this.redis.tenantKey(tenant, `session:${encode(id)}`);
  }
}
