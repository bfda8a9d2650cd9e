/**
 * The key store on Redis. Layout (every part under the tenant's `{t:<tenant>}` hash tag, so each
 * script keeps to one Cluster slot; variable parts URI-encoded):
 *
 *   pqapi:{t:<tenant>}:key:<id>            string  JSON: the key's description and its version 1
 *                                                  (the layout of earlier releases, which it extends)
 *   pqapi:{t:<tenant>}:key:<id>:versions   hash    version number -> JSON of versions 2, 3, ...
 *   pqapi:{t:<tenant>}:key:<id>:uses       string  encryptions counted under a stored shared key
 *   pqapi:{t:<tenant>}:fp:<fingerprint>    string  id of the tenant's key with that public key
 *   pqapi:{t:<tenant>}:keys                zset    the tenant's key ids, scored by creation (ms):
 *                                                  the listing's order and the key quota's count
 *   pqapi:{t:<tenant>}:kexp                zset    ids of the keys that expire, scored by expiry (ms)
 *   pqapi:{t:<tenant>}:signing-id          string  id of the tenant's default signing key
 *   pqapi:{t:<tenant>}:attestation         string  JSON of the tenant's attestation key
 *
 * A key that expires has PEXPIREAT on each of its keys, so Redis drops it at that instant for
 * every instance; the scripts that count or list first drop the ids in `kexp` whose time has
 * passed (by Redis's clock, TIME) from both indexes.
 * @module
 */
import type { AddVersionResult, KeyPage, KeyStore, KeyType, KeyVersionRecord, ListKeysOptions, PutKeyResult, StoredKey, TenantKeyRole, UseKeyResult } from './keys.ts';
import { KEY_ID_PREFIX, typedKey } from './keys.ts';
import { LuaScript, outcome, type RedisConnection } from './redis-connection.ts';

/** Lua: drops expired ids from the tenant's indexes. Expects KEYS[n_keys], KEYS[n_kexp] named below. */
const PURGE = (keys: string, kexp: string) => `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', ${kexp}, '-inf', nowMs)) do
  redis.call('ZREM', ${keys}, gone)
  redis.call('ZREM', ${kexp}, gone)
end`;

/**
 * Stores a key with its indexes, only if the id is free and the tenant is under its quota.
 * KEYS: record, fingerprint ('' slot unused when none: then the same as the record), key index,
 * expiry index. ARGV: record JSON, id, quota (0: none), creation (ms), expiry (ms, '' for none),
 * has fingerprint ('1' or ''). Answers outcome 'stored', 'taken' or 'quota-exceeded'.
 */
const PUT_KEY = new LuaScript(`#!lua
if redis.call('EXISTS', KEYS[1]) == 1 then return {'outcome', 'taken'} end
${PURGE('KEYS[3]', 'KEYS[4]')}
local quota = tonumber(ARGV[3])
if quota > 0 and redis.call('ZCARD', KEYS[3]) >= quota then return {'outcome', 'quota-exceeded'} end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
if ARGV[6] == '1' then redis.call('SET', KEYS[2], ARGV[2]) end
if ARGV[5] ~= '' then
  redis.call('PEXPIREAT', KEYS[1], ARGV[5])
  if ARGV[6] == '1' then redis.call('PEXPIREAT', KEYS[2], ARGV[5]) end
  redis.call('ZADD', KEYS[4], ARGV[5], ARGV[2])
end
return {'outcome', 'stored'}
`);

/**
 * Reads a key: its record and its later versions, in one step.
 * KEYS: record, versions. Answers outcome 'found' with record and versions (a flat JSON array of
 * the later versions' JSON), or 'missing'.
 */
const GET_KEY = new LuaScript(`#!lua flags=no-writes
local record = redis.call('GET', KEYS[1])
if not record then return {'outcome', 'missing'} end
local later = redis.call('HVALS', KEYS[2])
return {'outcome', 'found', 'record', record, 'versions', '[' .. table.concat(later, ',') .. ']'}
`);

/**
 * Appends version ARGV[1] only when the key exists and has exactly ARGV[1] - 1 versions.
 * KEYS: record, versions. ARGV: version number, version JSON. Answers 'added', 'conflict' or
 * 'not-found'. The versions hash takes the record's expiry.
 */
const ADD_VERSION = new LuaScript(`#!lua
if redis.call('EXISTS', KEYS[1]) == 0 then return {'outcome', 'not-found'} end
local have = 1 + redis.call('HLEN', KEYS[2])
if tonumber(ARGV[1]) ~= have + 1 then return {'outcome', 'conflict'} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local expires = redis.call('PEXPIRETIME', KEYS[1])
if expires > 0 then redis.call('PEXPIREAT', KEYS[2], expires) end
return {'outcome', 'added'}
`);

/**
 * Deletes a key, its versions, its use counter, its fingerprint index (when it still names this
 * key) and its index entries. Shrinks the store, so it runs on a full one too.
 * KEYS: record, versions, uses, fingerprint (or the record again when none), key index, expiry
 * index. ARGV: id. Answers 'deleted' or 'not-found'.
 */
const DELETE_KEY = new LuaScript(`#!lua flags=allow-oom
if redis.call('DEL', KEYS[1]) == 0 then return {'outcome', 'not-found'} end
redis.call('DEL', KEYS[2], KEYS[3])
if redis.call('GET', KEYS[4]) == ARGV[1] then redis.call('DEL', KEYS[4]) end
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZREM', KEYS[6], ARGV[1])
return {'outcome', 'deleted'}
`);

/**
 * One page of the tenant's key ids in creation order, optionally only those starting with a
 * prefix. The cursor is the last id of the previous page with its score: the page holds the ids
 * after it (equal scores are ordered by id, as Redis orders them). At most ARGV[4] entries are
 * examined per call, so a filtered page may be short, with a cursor to go on from.
 * KEYS: key index, expiry index. ARGV: cursor score ('' for the start), cursor id, limit, scan
 * budget, prefix ('' for all). Answers outcome 'page' with ids (space-separated) and next (the
 * cursor 'score id', '' at the end).
 */
const LIST_KEYS = new LuaScript(`#!lua flags=allow-oom
${PURGE('KEYS[1]', 'KEYS[2]')}
local limit = tonumber(ARGV[3])
local budget = tonumber(ARGV[4])
local start = '-inf'
if ARGV[1] ~= '' then start = ARGV[1] end
local ids = {}
local lastScore, lastId = nil, nil
local offset = 0
local examined = 0
while #ids < limit and examined < budget do
  local batch = redis.call('ZRANGE', KEYS[1], start, '+inf', 'BYSCORE', 'LIMIT', offset, 100, 'WITHSCORES')
  if #batch == 0 then
    return {'outcome', 'page', 'ids', table.concat(ids, ' '), 'next', ''}
  end
  for i = 1, #batch, 2 do
    local id, score = batch[i], batch[i + 1]
    examined = examined + 1
    local after = ARGV[1] == '' or tonumber(score) > tonumber(ARGV[1]) or id > ARGV[2]
    if after then
      lastScore, lastId = score, id
      if ARGV[5] == '' or string.sub(id, 1, #ARGV[5]) == ARGV[5] then
        table.insert(ids, id)
        if #ids >= limit then break end
      end
    end
  end
  offset = offset + 100
end
if lastId == nil then return {'outcome', 'page', 'ids', table.concat(ids, ' '), 'next', ''} end
local more = redis.call('ZRANGE', KEYS[1], '(' .. lastScore, '+inf', 'BYSCORE', 'LIMIT', 0, 1)
local ties = redis.call('ZRANGE', KEYS[1], lastScore, lastScore, 'BYSCORE')
local tied = false
for _, id in ipairs(ties) do if id > lastId then tied = true end end
if #more == 0 and not tied then return {'outcome', 'page', 'ids', table.concat(ids, ' '), 'next', ''} end
return {'outcome', 'page', 'ids', table.concat(ids, ' '), 'next', lastScore .. ' ' .. lastId}
`);

/**
 * The tenant's number of unexpired keys. KEYS: key index, expiry index. Answers outcome 'count'
 * with n.
 */
const COUNT_KEYS = new LuaScript(`#!lua flags=allow-oom
${PURGE('KEYS[1]', 'KEYS[2]')}
return {'outcome', 'count', 'n', redis.call('ZCARD', KEYS[1])}
`);

/**
 * Counts one use of a key, refusing at the limit. KEYS: record, uses. ARGV: limit. The counter
 * takes the record's expiry. Answers 'counted' (with n), 'exhausted' or 'not-found'.
 */
const COUNT_USE = new LuaScript(`#!lua
if redis.call('EXISTS', KEYS[1]) == 0 then return {'outcome', 'not-found'} end
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
if used >= tonumber(ARGV[1]) then return {'outcome', 'exhausted'} end
local n = redis.call('INCR', KEYS[2])
local expires = redis.call('PEXPIRETIME', KEYS[1])
if expires > 0 and n == 1 then redis.call('PEXPIREAT', KEYS[2], expires) end
return {'outcome', 'counted', 'n', n}
`);

/**
 * The tenant's default signing key: the key the pointer names if it still exists, else the
 * candidate, stored as an ordinary key (indexed, outside the quota) and named by the pointer.
 * The caller read the pointer first: when it changed meanwhile, the answer is 'retry'.
 * KEYS: pointer, the record the pointer named (or the candidate's when none), candidate record,
 * key index. ARGV: the pointer as read ('' for none), candidate JSON, candidate id, creation (ms).
 * Answers outcome 'existing' or 'stored' with id, or 'retry'.
 */
const GET_OR_PUT_SIGNING_KEY = new LuaScript(`#!lua
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return {'outcome', 'retry'} end
if current ~= '' and redis.call('EXISTS', KEYS[2]) == 1 then return {'outcome', 'existing', 'id', current} end
redis.call('SET', KEYS[3], ARGV[2], 'NX')
redis.call('ZADD', KEYS[4], 'NX', ARGV[4], ARGV[3])
redis.call('SET', KEYS[1], ARGV[3])
return {'outcome', 'stored', 'id', ARGV[3]}
`);

/**
 * Stores the candidate attestation key unless the tenant has one, and answers whichever is
 * stored. KEYS: the role's key. ARGV: candidate JSON. Answers outcome 'key' with record.
 */
const GET_OR_PUT_ATTESTATION_KEY = new LuaScript(`#!lua
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return {'outcome', 'key', 'record', redis.call('GET', KEYS[1])}
`);

/** How a key is kept: the description and version 1 in one JSON (earlier releases' KeyRecord is a subset). */
interface RecordJson {
  readonly id: string;
  readonly tenant: string;
  readonly type?: KeyType;
  readonly algorithm: string;
  readonly createdAt: string;
  readonly expiresAtMs?: number | null;
  readonly fingerprint?: string;
  readonly origin?: string;
  readonly publicKey: string;
  readonly sealedSeed: string;
}

function toJson(key: StoredKey): string {
  const [first] = key.versions;
  if (!first || first.version !== 1) throw new RangeError('a key is stored with its version 1');
  const record: RecordJson = {
    id: key.id,
    tenant: key.tenant,
    type: key.type,
    algorithm: key.algorithm,
    createdAt: key.createdAt,
    expiresAtMs: key.expiresAtMs,
    ...(key.fingerprint !== undefined ? { fingerprint: key.fingerprint } : {}),
    ...(key.origin !== undefined ? { origin: key.origin } : {}),
    publicKey: first.publicKey,
    sealedSeed: first.sealedSeed,
  };
  return JSON.stringify(record);
}

/** Earlier releases stored KEM keys without a type: the id's prefix says it. */
const typeOf = (record: RecordJson): KeyType => record.type ?? (record.id.startsWith(KEY_ID_PREFIX.dsa) ? 'dsa' : record.id.startsWith(KEY_ID_PREFIX.shared) ? 'shared' : 'kem');

function fromJson(json: string, later: readonly KeyVersionRecord[] = []): StoredKey {
  const r = JSON.parse(json) as RecordJson;
  return typedKey({
    id: r.id,
    tenant: r.tenant,
    type: typeOf(r),
    algorithm: r.algorithm,
    createdAt: r.createdAt,
    expiresAtMs: r.expiresAtMs ?? null,
    ...(r.fingerprint !== undefined ? { fingerprint: r.fingerprint } : {}),
    ...(r.origin !== undefined ? { origin: r.origin } : {}),
    versions: [{ version: 1, publicKey: r.publicKey, sealedSeed: r.sealedSeed, createdAt: r.createdAt }, ...[...later].sort((a, b) => a.version - b.version)],
  });
}

const SCAN_BUDGET = 2_000;
const encode = encodeURIComponent;

export class RedisKeyStore implements KeyStore {
  constructor(private readonly redis: RedisConnection) {}

  async put(key: StoredKey, quota: number): Promise<PutKeyResult> {
    const record = this.#record(key.tenant, key.id);
    const keys = [record, key.fingerprint !== undefined ? this.#fingerprint(key.tenant, key.fingerprint) : record, this.#index(key.tenant), this.#expiries(key.tenant)];
    const created = Date.parse(key.createdAt);
    const args = [toJson(key), key.id, quota, Number.isFinite(created) ? created : 0, key.expiresAtMs === null ? '' : Math.floor(key.expiresAtMs), key.fingerprint !== undefined ? '1' : ''];
    return outcome(await this.redis.eval(PUT_KEY, keys, args), 'putKey', ['stored', 'taken', 'quota-exceeded']).outcome;
  }

  async get(tenant: string, id: string): Promise<StoredKey | undefined> {
    const answer = await this.redis.eval(GET_KEY, [this.#record(tenant, id), this.#versions(tenant, id)], []);
    const { outcome: o, fields: f } = outcome(answer, 'getKey', ['found', 'missing']);
    if (o === 'missing') return undefined;
    const key = fromJson(f.record!, JSON.parse(f.versions!) as KeyVersionRecord[]);
    return key.tenant === tenant ? key : undefined; // keys are per tenant already: belt and braces
  }

  async findIdByFingerprint(tenant: string, fingerprint: string): Promise<string | undefined> {
    return (await this.redis.run((client) => client.get(this.#fingerprint(tenant, fingerprint)))) ?? undefined;
  }

  async addVersion(tenant: string, id: string, version: KeyVersionRecord): Promise<AddVersionResult> {
    const answer = await this.redis.eval(ADD_VERSION, [this.#record(tenant, id), this.#versions(tenant, id)], [version.version, JSON.stringify(version)]);
    return outcome(answer, 'addVersion', ['added', 'conflict', 'not-found']).outcome;
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    const key = await this.get(tenant, id);
    if (!key) return false;
    const record = this.#record(tenant, id);
    const keys = [
      record,
      this.#versions(tenant, id),
      this.#uses(tenant, id),
      key.fingerprint !== undefined ? this.#fingerprint(tenant, key.fingerprint) : record,
      this.#index(tenant),
      this.#expiries(tenant),
    ];
    return outcome(await this.redis.eval(DELETE_KEY, keys, [id]), 'deleteKey', ['deleted', 'not-found']).outcome === 'deleted';
  }

  async list(tenant: string, { type, cursor, limit }: ListKeysOptions): Promise<KeyPage> {
    const [score = '', after = ''] = cursor ? cursor.split(' ', 2) : [];
    const args = [score, after, limit, SCAN_BUDGET, type ? KEY_ID_PREFIX[type] : ''];
    const f = outcome(await this.redis.eval(LIST_KEYS, [this.#index(tenant), this.#expiries(tenant)], args), 'listKeys', ['page']).fields;
    const ids = f.ids ? f.ids.split(' ') : [];
    // A key may expire or be deleted between the two steps: it is then left out of the page.
    const keys = (await Promise.all(ids.map((id) => this.get(tenant, id)))).filter((k): k is StoredKey => k !== undefined);
    return { keys, nextCursor: f.next ? f.next : null };
  }

  async count(tenant: string): Promise<number> {
    return Number(outcome(await this.redis.eval(COUNT_KEYS, [this.#index(tenant), this.#expiries(tenant)], []), 'countKeys', ['count']).fields.n);
  }

  async countUse(tenant: string, id: string, limit: number): Promise<UseKeyResult> {
    const answer = await this.redis.eval(COUNT_USE, [this.#record(tenant, id), this.#uses(tenant, id)], [limit]);
    return outcome(answer, 'countUse', ['counted', 'exhausted', 'not-found']).outcome;
  }

  async getOrPutRoleKey(tenant: string, role: TenantKeyRole, candidate: StoredKey): Promise<StoredKey> {
    if (role === 'attestation') {
      const f = outcome(await this.redis.eval(GET_OR_PUT_ATTESTATION_KEY, [this.redis.tenantKey(tenant, 'attestation')], [toJson(candidate)]), 'getOrPutRoleKey', ['key']).fields;
      return fromJson(f.record!);
    }
    const created = Date.parse(candidate.createdAt);
    const pointer = this.redis.tenantKey(tenant, 'signing-id');
    for (;;) {
      const current = (await this.redis.run((client) => client.get(pointer))) ?? '';
      const keys = [pointer, this.#record(tenant, current || candidate.id), this.#record(tenant, candidate.id), this.#index(tenant)];
      const answer = await this.redis.eval(GET_OR_PUT_SIGNING_KEY, keys, [current, toJson(candidate), candidate.id, Number.isFinite(created) ? created : 0]);
      const { outcome: o, fields: f } = outcome(answer, 'getOrPutRoleKey', ['existing', 'stored', 'retry']);
      if (o === 'retry') continue;
      const key = await this.get(tenant, f.id!);
      if (key) return key;
      // Deleted in the instant since: the next round makes (or finds) another.
    }
  }

  async getRoleKey(tenant: string, role: TenantKeyRole): Promise<StoredKey | undefined> {
    if (role === 'attestation') {
      const json = await this.redis.run((client) => client.get(this.redis.tenantKey(tenant, 'attestation')));
      const key = json === null ? undefined : fromJson(json);
      return key?.tenant === tenant ? key : undefined;
    }
    const id = await this.redis.run((client) => client.get(this.redis.tenantKey(tenant, 'signing-id')));
    if (id !== null) return this.get(tenant, id);
    // Earlier releases kept the default signing key's record under `signing`: carried over on
    // first read, so its public key (which peers may have pinned) stays the tenant's.
    const legacy = await this.redis.run((client) => client.get(this.redis.tenantKey(tenant, 'signing')));
    if (legacy === null) return undefined;
    const key = fromJson(legacy);
    return key.tenant === tenant ? this.getOrPutRoleKey(tenant, 'signing', typedKey({ ...key, type: 'dsa' })) : undefined;
  }

  #record(tenant: string, id: string): string {
    return this.redis.tenantKey(tenant, `key:${encode(id)}`);
  }

  #versions(tenant: string, id: string): string {
    return this.redis.tenantKey(tenant, `key:${encode(id)}:versions`);
  }

  #uses(tenant: string, id: string): string {
    return this.redis.tenantKey(tenant, `key:${encode(id)}:uses`);
  }

  #fingerprint(tenant: string, fingerprint: string): string {
    return this.redis.tenantKey(tenant, `fp:${encode(fingerprint)}`);
  }

  #index(tenant: string): string {
    return this.redis.tenantKey(tenant, 'keys');
  }

  #expiries(tenant: string): string {
    return this.redis.tenantKey(tenant, 'kexp');
  }
}

