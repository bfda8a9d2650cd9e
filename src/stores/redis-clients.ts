/**
 * The client store on Redis. Layout (a tenant's clients under its `{t:<tenant>}` hash tag, as its
 * keys; variable parts URI-encoded):
 *
 *   pqapi:{t:<tenant>}:client:<id>   string  JSON of the ClientRecord
 *   pqapi:{t:<tenant>}:clients       zset    the tenant's client ids, all scored 0 (so ordered by
 *                                            id): the listing and the quota's count
 *   pqapi:{t:<tenant>}:cexp          zset    ids of the clients that expire, scored by expiry (ms)
 *   pqapi:{c:<id>}:tenant            string  the tenant of client <id> (the global index `find` reads)
 *
 * A client that expires has PEXPIREAT on its record and its index entry, so Redis drops it at that
 * instant for every instance; scripts that count or list first drop the ids in `cexp` whose time
 * has passed (by Redis's clock) from the tenant's indexes.
 *
 * The global index has its own hash tag (the tenant is what it tells), so it cannot be written in
 * the tenant's script. Order, so that a failure in between never grants: put stores the record
 * (atomic with the quota) and then the index; until the index is written, `find` does not see
 * the client (a signed request fails closed); when writing the index fails, the record is removed
 * again and the error thrown. Delete removes the record first (from then on the client is gone:
 * `find` reads the record through the index) and then the index entry, if it still names this
 * tenant; a leftover index entry names a record that is not there and answers nothing.
 * @module
 */
import type { ClientPage, ClientRecord, ClientStore, ListClientsOptions, PutClientResult } from './clients.ts';
import { lexPageLua, LuaScript, outcome, type RedisConnection } from './redis-connection.ts';

/** Lua: drops expired ids from the tenant's client indexes. */
const PURGE = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', nowMs)) do
  redis.call('ZREM', KEYS[2], gone)
  redis.call('ZREM', KEYS[3], gone)
end`;

/**
 * Stores a client, only if the id is free in the tenant and the tenant is under its quota.
 * KEYS: record, index, expiry index. ARGV: record JSON, id, quota (0: none), expiry (ms, '' for
 * none). Answers outcome 'stored', 'taken' or 'quota-exceeded'.
 */
const PUT_CLIENT = new LuaScript(`#!lua
if redis.call('EXISTS', KEYS[1]) == 1 then return {'outcome', 'taken'} end
${PURGE}
local quota = tonumber(ARGV[3])
if quota > 0 and redis.call('ZCARD', KEYS[2]) >= quota then return {'outcome', 'quota-exceeded'} end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], 0, ARGV[2])
if ARGV[4] ~= '' then
  redis.call('PEXPIREAT', KEYS[1], ARGV[4])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
end
return {'outcome', 'stored'}
`);

/**
 * Points the global index at the tenant. KEYS: index entry. ARGV: tenant, expiry (ms, '' for none).
 * Answers outcome 'set'.
 */
const SET_OWNER = new LuaScript(`#!lua
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[2] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
return {'outcome', 'set'}
`);

/**
 * Deletes a client and its tenant index entries; shrinks the store, so it runs on a full one too.
 * KEYS: record, index, expiry index. ARGV: id. Answers 'deleted' or 'not-found'.
 */
const DELETE_CLIENT = new LuaScript(`#!lua flags=allow-oom
if redis.call('DEL', KEYS[1]) == 0 then return {'outcome', 'not-found'} end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return {'outcome', 'deleted'}
`);

/** Drops the global index entry when it names this tenant. KEYS: index entry. ARGV: tenant. Answers 'released' or 'kept'. */
const RELEASE_OWNER = new LuaScript(`#!lua flags=allow-oom
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return {'outcome', 'released'} end
return {'outcome', 'kept'}
`);

/**
 * One page of the tenant's client ids in id order, after the cursor (an id; '' for the start).
 * KEYS: a record key (unused: the tenant scripts share one KEYS layout), index, expiry index.
 * ARGV: cursor, limit. Answers outcome 'page' with ids (space-separated) and next ('' at the end).
 */
const LIST_CLIENTS = new LuaScript(`#!lua flags=allow-oom
${PURGE}
${lexPageLua('KEYS[2]')}
`);

/** The tenant's number of unexpired clients. KEYS: any record key (unused), index, expiry index. */
const COUNT_CLIENTS = new LuaScript(`#!lua flags=allow-oom
${PURGE}
return {'outcome', 'count', 'n', redis.call('ZCARD', KEYS[2])}
`);

const encode = encodeURIComponent;
const ignore = () => {};

export class RedisClientStore implements ClientStore {
  constructor(private readonly redis: RedisConnection) {}

  async put(client: ClientRecord, quota: number): Promise<PutClientResult> {
    const { tenant, id } = client;
    const owner = await this.redis.run((r) => r.get(this.#owner(id)));
    if (owner !== null && owner !== tenant && (await this.get(owner, id))) return 'taken';
    const expiry = client.expiresAtMs === null ? '' : Math.floor(client.expiresAtMs);
    const stored = outcome(await this.redis.eval(PUT_CLIENT, this.#keys(tenant, id), [JSON.stringify(client), id, quota, expiry]), 'putClient', ['stored', 'taken', 'quota-exceeded']).outcome;
    if (stored !== 'stored') return stored;
    try {
      await this.redis.eval(SET_OWNER, [this.#owner(id)], [tenant, expiry]);
    } catch (error) {
      // Without its index entry the client could never sign in: take the record back (if the
      // store lets us) and report the failure.
      await this.redis.eval(DELETE_CLIENT, this.#keys(tenant, id), [id]).catch(ignore);
      throw error;
    }
    return 'stored';
  }

  async get(tenant: string, id: string): Promise<ClientRecord | undefined> {
    const json = await this.redis.run((r) => r.get(this.#record(tenant, id)));
    if (json === null) return undefined;
    const client = JSON.parse(json) as ClientRecord;
    return client.tenant === tenant && client.id === id ? client : undefined; // belt and braces
  }

  async find(id: string): Promise<ClientRecord | undefined> {
    const tenant = await this.redis.run((r) => r.get(this.#owner(id)));
    return tenant === null ? undefined : this.get(tenant, id);
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    const deleted = outcome(await this.redis.eval(DELETE_CLIENT, this.#keys(tenant, id), [id]), 'deleteClient', ['deleted', 'not-found']).outcome === 'deleted';
    // The client is gone once its record is: a leftover index entry finds nothing, so a failure
    // here does not undo the deletion the caller is told of.
    if (deleted) await this.redis.eval(RELEASE_OWNER, [this.#owner(id)], [tenant]).catch(ignore);
    return deleted;
  }

  async list(tenant: string, { cursor, limit }: ListClientsOptions): Promise<ClientPage> {
    const f = outcome(await this.redis.eval(LIST_CLIENTS, this.#keys(tenant, ''), [cursor ?? '', limit]), 'listClients', ['page']).fields;
    const ids = f.ids ? f.ids.split(' ') : [];
    // A client may expire or be deleted between the two steps: it is then left out of the page.
    const clients = (await Promise.all(ids.map((id) => this.get(tenant, id)))).filter((c): c is ClientRecord => c !== undefined);
    return { clients, nextCursor: f.next ? f.next : null };
  }

  async count(tenant: string): Promise<number> {
    return Number(outcome(await this.redis.eval(COUNT_CLIENTS, this.#keys(tenant, ''), []), 'countClients', ['count']).fields.n);
  }

  /** record, index, expiry index: the KEYS of the tenant scripts. */
  #keys(tenant: string, id: string): string[] {
    return [this.#record(tenant, id), this.redis.tenantKey(tenant, 'clients'), this.redis.tenantKey(tenant, 'cexp')];
  }

  #record(tenant: string, id: string): string {
    return this.redis.tenantKey(tenant, `client:${encode(id)}`);
  }

  #owner(id: string): string {
    return this.redis.scopedKey('c', id, 'tenant');
  }
}
