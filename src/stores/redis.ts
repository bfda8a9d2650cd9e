/**
 * The shared store: Redis through ioredis. Any number of API instances may use one Redis (or one
 * Redis Cluster) at once; every operation is a single command or a single Lua script, so it is
 * atomic across all of them.
 *
 * Key layout (`pqapi:` is the default prefix; every variable part is URI-encoded, so a `{` or `}`
 * in a tenant name or id cannot end the hash tag early):
 *
 *   pqapi:{t:<tenant>}:key:<id>            string  JSON of the KeyRecord
 *   pqapi:{t:<tenant>}:fp:<fingerprint>    string  id of the tenant's key with that public key
 *   pqapi:{t:<tenant>}:signing             string  JSON of the tenant's default signing KeyRecord
 *   pqapi:{t:<tenant>}:attestation         string  JSON of the tenant's attestation KeyRecord
 *   pqapi:{t:<tenant>}:keys                zset    the tenant's key ids, scored by creation (ms):
 *                                                  the key quota's count
 *   pqapi:{t:<tenant>}:tokens              zset    the tenant's token ids, scored by expiry (ms):
 *                                                  the live-token quota's count
 *   pqapi:{f:<family>}:tok:<tokenId>       hash    tenant, exp (ms since epoch), anc (ancestor ids),
 *                                                  left (absent when unlimited); PEXPIREAT exp, so
 *                                                  Redis drops it then
 *
 * Redis Cluster: a cluster shards by the slot of each key, and a script or MULTI may only touch
 * keys of one slot. When a key contains `{...}`, only the text inside the first braces decides its
 * slot (the hash tag). So a tenant's key record and its fingerprint index share `{t:<tenant>}` and
 * can be written by one script, and a token, its parent chain and its children share their root's
 * `{f:<family>}` so the attempt script can check the whole lineage in one step. Different tenants
 * and families still spread over the whole cluster. (This is why the key prefix may not contain
 * braces: it would become everybody's hash tag.)
 *
 * Failing closed: when Redis cannot answer, every method rejects with StoreUnavailableError
 * within `operationTimeoutMs` (2 s by default; immediately while the client knows it is
 * disconnected) and never resolves with a grant. The client keeps reconnecting in the background
 * (backoff capped at 1 s), so the service recovers by itself once Redis is back.
 * @module
 */
import { createHash } from 'node:crypto';
import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import {
  StoreFullError,
  StoreUnavailableError,
  type PutKeyResult,
  type ConsumeResult,
  type KeyRecord,
  type Store,
  type TenantKeyRole,
  type TokenRecord,
} from './store.ts';

/**
 * Client options that make ioredis fail fast instead of queueing commands while disconnected.
 * Used for the client built from a URL; pass them (as `redisOptions`, with
 * `enableOfflineQueue: false`) when building a Cluster client for `new RedisStore({ client })`.
 */
export const failFastRedisOptions: Readonly<RedisOptions> = Object.freeze({
  // `new Redis()` does not connect: RedisStore attaches its listeners, then connects. Nothing
  // throws when Redis is down at startup; the client just keeps trying in the background.
  lazyConnect: true,
  // No queueing while disconnected: a command then fails at once instead of waiting for Redis.
  // (A command issued while the connection is still being set up would fail too, so RedisStore
  // waits for 'ready' itself in that case, within its deadline.)
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  // A command that was sent when the connection dropped is not sent again on reconnect: it may
  // have run already (an attempt used twice), and the caller has been told 503 by then anyway.
  autoResendUnfulfilledCommands: false,
  commandTimeout: 2_000,
  connectTimeout: 2_000,
  // Reconnect forever, 100 ms, 200 ms, ... then every second.
  retryStrategy: (times: number) => Math.min(times * 100, 1_000),
});

interface CommonOptions {
  /** Prepended to every key; must not contain `{` or `}`. Default 'pqapi:'. */
  readonly keyPrefix?: string;
  /** Longest any method may take before it rejects with StoreUnavailableError. Default 2000. */
  readonly operationTimeoutMs?: number;
  /**
   * Told about connection errors (once per failed reconnect while Redis is down, i.e. at most
   * about once a second). ioredis error messages name the host and port, never the password.
   * Without it, such errors are only visible through ping() / methods rejecting.
   */
  readonly onError?: (error: Error) => void;
}

export type RedisStoreOptions =
  /** The store builds, owns and closes its own client, with `failFastRedisOptions`. */
  | (CommonOptions & { readonly url: string })
  /**
   * A client built elsewhere (a Cluster, a Sentinel-backed Redis, ...), built with
   * `failFastRedisOptions` or equivalent (the store's own deadline applies regardless). The store
   * connects it if it was built with lazyConnect, and closes it only when `ownsClient` is true.
   */
  | (CommonOptions & { readonly client: Redis | Cluster; readonly ownsClient?: boolean });

/** A Lua script sent by SHA1 (EVALSHA), and in full once when Redis does not know it yet. */
class LuaScript {
  readonly sha: string;
  constructor(readonly lua: string) {
    if (!lua.startsWith('#!lua')) throw new Error('scripts declare their flags in a shebang');
    this.sha = createHash('sha1').update(lua).digest('hex');
  }
}

// consumeAttempt's answers besides "n attempts left" (n >= 0).
const DEAD = -1;
const UNLIMITED = -2;

/*
 * Every script opens with a shebang (Redis >= 7) and declares its flags. Redis refuses a flagged
 * script that may write, and lacks allow-oom, BEFORE it runs while memory is past maxmemory: so a
 * memory-growing script is refused whole, never after a first write. (Without a shebang, Redis
 * checks only at the first write command, and a script that began with a DEL could grow past the
 * limit.) Scripts that only shrink or rewrite in place (attempt use, revocation) allow OOM, so a
 * full store still serves and revokes tokens; reads declare no-writes.
 */

/**
 * Writes a key record, its fingerprint index and its entry in the tenant's key index together,
 * only if the id is free and the tenant is under its key quota.
 * KEYS: record, fingerprint index, tenant key index. ARGV: record JSON, id, quota (0: none),
 * creation time (ms). Returns 'stored', 'taken' or 'quota-exceeded'.
 */
const PUT_KEY = new LuaScript(`#!lua
if redis.call('EXISTS', KEYS[1]) == 1 then return 'taken' end
local quota = tonumber(ARGV[3])
if quota > 0 and redis.call('ZCARD', KEYS[3]) >= quota then return 'quota-exceeded' end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
return 'stored'
`);

/**
 * Deletes a key record, its fingerprint index (when it still names this key) and its entry in the
 * tenant's key index. Shrinks the store, so it runs on a full one too.
 * KEYS: record, fingerprint index, tenant key index. ARGV: id.
 * Returns 1 when deleted, 0 when there was no such record.
 */
const DELETE_KEY = new LuaScript(`#!lua flags=allow-oom
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
`);

/**
 * Stores the candidate tenant key unless the tenant has one in that role, and returns whichever is stored.
 * KEYS: the role's key. ARGV: candidate JSON. Returns the stored JSON.
 */
const GET_OR_PUT_TENANT_KEY = new LuaScript(`#!lua
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
`);

/**
 * Records a new token, expiring at `exp`; never replaces a record (ids are 128 random bits).
 * KEYS: token. ARGV: tenant, exp (ms since epoch), attempts left ('' when unlimited), ancestors
 * (space-separated, root first). Returns 1 when written, 0 when the id is taken.
 */
const CREATE_TOKEN = new LuaScript(`#!lua
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if ARGV[3] == '' then
  redis.call('HSET', KEYS[1], 'tenant', ARGV[1], 'exp', ARGV[2], 'anc', ARGV[4])
else
  redis.call('HSET', KEYS[1], 'tenant', ARGV[1], 'exp', ARGV[2], 'anc', ARGV[4], 'left', ARGV[3])
end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`);

/**
 * Counts a token against its tenant's live-token quota: drops entries that have expired, refuses
 * at the quota, else adds the token with its expiry as score. The set expires with its last entry.
 * KEYS: the tenant's token count. ARGV: now (ms), token id, exp (ms), quota (0: none).
 * Returns 1 when counted, 0 when the quota is reached.
 */
const RESERVE_TOKEN = new LuaScript(`#!lua
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local quota = tonumber(ARGV[4])
if quota > 0 and redis.call('ZCARD', KEYS[1]) >= quota then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
if redis.call('PEXPIRETIME', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
return 1
`);

/**
 * Uses one attempt of a token and of every limited ancestor: dead unless the token and every
 * ancestor still exist (expired and revoked records are gone) and each of them that is limited
 * has an attempt left. So a token's K attempts bound every request of its whole lineage (its
 * descendants cannot multiply them); never goes below zero.
 * KEYS: token, then its ancestors. Returns the attempts left to the token after this one (the
 * least over the limited tokens of the lineage), UNLIMITED, or DEAD.
 */
const CONSUME_ATTEMPT = new LuaScript(`#!lua flags=allow-oom
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then return ${DEAD} end
  local left = redis.call('HGET', KEYS[i], 'left')
  if left and tonumber(left) <= 0 then return ${DEAD} end
end
local least = nil
for i = 1, #KEYS do
  if redis.call('HEXISTS', KEYS[i], 'left') == 1 then
    local left = redis.call('HINCRBY', KEYS[i], 'left', -1)
    if least == nil or left < least then least = left end
  end
end
if least == nil then return ${UNLIMITED} end
return least
`);

/**
 * Reads a token the way CONSUME_ATTEMPT judges it, without using an attempt.
 * KEYS: token, then its ancestors. Returns {tenant, exp, left or nil}, or nil when dead (an
 * exhausted token, or one with an exhausted ancestor, is dead); left is the least over the
 * limited tokens of the lineage.
 */
const PEEK_TOKEN = new LuaScript(`#!lua flags=no-writes
local least = nil
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then return false end
  local left = redis.call('HGET', KEYS[i], 'left')
  if left then
    left = tonumber(left)
    if left <= 0 then return false end
    if least == nil or left < least then least = left end
  end
end
local fields = redis.call('HMGET', KEYS[1], 'tenant', 'exp')
if least ~= nil then fields[3] = tostring(least) end
return fields
`);

/**
 * Deletes a token only when it belongs to the tenant and, when a requesting token is named, only
 * when the token is that one or one of its descendants (the requester is among its ancestors).
 * KEYS: token. ARGV: tenant, requesting token id ('' for an API key), the token's id.
 * Returns 1 when deleted, else 0.
 */
const REVOKE_TOKEN = new LuaScript(`#!lua flags=allow-oom
if redis.call('HGET', KEYS[1], 'tenant') ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' and ARGV[2] ~= ARGV[3] then
  local minted = false
  for id in string.gmatch(redis.call('HGET', KEYS[1], 'anc') or '', '[^ ]+') do
    if id == ARGV[2] then minted = true end
  end
  if not minted then return 0 end
end
return redis.call('DEL', KEYS[1])
`);

/** The part of the ioredis API the store uses; both `Redis` and `Cluster` have it. */
interface Client {
  readonly status: string;
  connect(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready' | 'end' | 'close', listener: () => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'ready' | 'end' | 'close', listener: () => void): unknown;
  evalsha(sha: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
  get(key: string): Promise<string | null>;
  zcard(key: string): Promise<number>;
  zrem(key: string, member: string): Promise<number>;
  ping(): Promise<string>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

const encode = encodeURIComponent;
const ignore = () => {};

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly #client: Client;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  /** Operations waiting for a connection that is being set up: how to go on, how to fail. */
  readonly #waiting = new Map<() => void, (cause: unknown) => void>();
  /** How to fail each operation whose command has been sent. */
  readonly #sent = new Set<(cause: unknown) => void>();
  readonly #onReady = () => {
    for (const proceed of [...this.#waiting.keys()]) proceed();
  };
  /**
   * A connection attempt failed (refused, timed out, ...): the waiting operations fail now rather
   * than at their deadline. Not done on 'close': a Cluster client closes and reopens while it
   * sets itself up, without an 'error', and operations waiting for it should keep waiting.
   */
  readonly #onError = (error: Error) => {
    for (const fail of [...this.#waiting.values()]) fail(error);
  };
  readonly #onEnd = () => {
    for (const fail of [...this.#waiting.values()]) fail(new Error('the redis client was closed'));
  };
  /** Replies to commands sent on a lost connection never come (they are not resent either). */
  readonly #onClose = () => {
    for (const fail of [...this.#sent]) fail(new Error('the connection to redis closed'));
  };

  constructor(options: RedisStoreOptions) {
    const { keyPrefix = 'pqapi:', operationTimeoutMs = 2_000, onError = ignore } = options;
    if (/[{}]/.test(keyPrefix)) throw new TypeError('the Redis key prefix may not contain { or }');
    this.#prefix = keyPrefix;
    this.#timeoutMs = operationTimeoutMs;
    this.#ownsClient = 'url' in options || options.ownsClient === true;
    this.#client = ('url' in options ? new Redis(options.url, { ...failFastRedisOptions }) : options.client) as Client;
    // Without an 'error' listener, ioredis would crash the process on the first connection error.
    this.#client.on('error', (error) => {
      try {
        onError(error);
      } catch {
        // A failing logger must not take the process down either.
      }
    });
    this.#client.on('error', this.#onError);
    this.#client.on('ready', this.#onReady);
    this.#client.on('end', this.#onEnd);
    this.#client.on('close', this.#onClose);
    if (this.#client.status === 'wait') this.#client.connect().catch(ignore);
  }

  // --- key records -------------------------------------------------------------------------

  async putKey(record: KeyRecord, publicKeyFingerprint: string, quota = 0): Promise<PutKeyResult> {
    const keys = [
      this.#keyKey(record.tenant, record.id),
      this.#fingerprintKey(record.tenant, publicKeyFingerprint),
      this.#keyIndexKey(record.tenant),
    ];
    const created = Date.parse(record.createdAt);
    const answer = await this.#eval(PUT_KEY, keys, [JSON.stringify(record), record.id, quota, Number.isFinite(created) ? created : 0]);
    if (answer === 'stored' || answer === 'taken' || answer === 'quota-exceeded') return answer;
    throw new Error('unexpected answer from redis to putKey');
  }

  async deleteKey(tenant: string, id: string, publicKeyFingerprint: string): Promise<boolean> {
    const keys = [this.#keyKey(tenant, id), this.#fingerprintKey(tenant, publicKeyFingerprint), this.#keyIndexKey(tenant)];
    return (await this.#eval(DELETE_KEY, keys, [id])) === 1;
  }

  async countKeys(tenant: string): Promise<number> {
    return this.#run((client) => client.zcard(this.#keyIndexKey(tenant)));
  }

  async getKey(tenant: string, id: string): Promise<KeyRecord | undefined> {
    const json = await this.#run((client) => client.get(this.#keyKey(tenant, id)));
    return ownedRecord(json, tenant);
  }

  async findKeyIdByFingerprint(tenant: string, publicKeyFingerprint: string): Promise<string | undefined> {
    const id = await this.#run((client) => client.get(this.#fingerprintKey(tenant, publicKeyFingerprint)));
    return id ?? undefined;
  }

  async getOrPutTenantKey(tenant: string, role: TenantKeyRole, candidate: KeyRecord): Promise<KeyRecord> {
    const json = await this.#eval(GET_OR_PUT_TENANT_KEY, [this.#tenantKey(tenant, role)], [JSON.stringify(candidate)]);
    if (typeof json !== 'string') throw new Error('unexpected answer from redis to getOrPutTenantKey');
    return JSON.parse(json) as KeyRecord;
  }

  async getTenantKey(tenant: string, role: TenantKeyRole): Promise<KeyRecord | undefined> {
    const json = await this.#run((client) => client.get(this.#tenantKey(tenant, role)));
    return ownedRecord(json, tenant);
  }

  // --- temporary tokens --------------------------------------------------------------------

  async createToken(family: string, tokenId: string, record: TokenRecord): Promise<void> {
    const { tenant, attemptsLeft, expiresAtMs, ancestors = [] } = record;
    if (attemptsLeft !== null && !(Number.isSafeInteger(attemptsLeft) && attemptsLeft >= 0)) {
      throw new RangeError('attemptsLeft must be a whole number >= 0, or null');
    }
    // Rounded down: a token never lives longer than asked.
    const args = [tenant, Math.floor(expiresAtMs), attemptsLeft === null ? '' : attemptsLeft, ancestors.join(' ')];
    const written = await this.#eval(CREATE_TOKEN, [this.#tokenKey(family, tokenId)], args);
    if (written !== 1) throw new Error(`token id ${tokenId} is taken`);
  }

  async reserveToken(tenant: string, tokenId: string, expiresAtMs: number, quota: number, nowMs: number): Promise<boolean> {
    const args = [Math.floor(nowMs), tokenId, Math.floor(expiresAtMs), quota];
    return (await this.#eval(RESERVE_TOKEN, [this.#tokenCountKey(tenant)], args)) === 1;
  }

  async releaseToken(tenant: string, tokenId: string): Promise<void> {
    await this.#run((client) => client.zrem(this.#tokenCountKey(tenant), tokenId));
  }

  async consumeAttempt(family: string, tokenId: string, ancestors: readonly string[]): Promise<ConsumeResult> {
    const answer = await this.#eval(CONSUME_ATTEMPT, this.#lineage(family, tokenId, ancestors), []);
    if (answer === UNLIMITED) return { ok: true, attemptsLeft: null };
    if (typeof answer === 'number' && answer >= 0) return { ok: true, attemptsLeft: answer };
    return { ok: false };
  }

  async peekToken(family: string, tokenId: string, ancestors: readonly string[]): Promise<TokenRecord | undefined> {
    const answer = await this.#eval(PEEK_TOKEN, this.#lineage(family, tokenId, ancestors), []);
    if (!Array.isArray(answer)) return undefined;
    const [tenant, exp, left] = answer as [string, string, string | undefined];
    return { tenant, attemptsLeft: left === undefined ? null : Number(left), expiresAtMs: Number(exp) };
  }

  async revokeToken(family: string, tokenId: string, tenant: string, by: string | null = null): Promise<boolean> {
    const deleted = await this.#eval(REVOKE_TOKEN, [this.#tokenKey(family, tokenId)], [tenant, by ?? '', tokenId]);
    return deleted === 1;
  }

  // --- lifecycle ---------------------------------------------------------------------------

  async ping(): Promise<void> {
    await this.#run((client) => client.ping());
  }

  /**
   * Closes the client if the store owns it (waiting briefly for replies under way); never throws.
   * A client it does not own is left open, only detached from the store.
   */
  async close(): Promise<void> {
    const client = this.#client;
    if (!this.#ownsClient) {
      client.off('error', this.#onError);
      client.off('ready', this.#onReady);
      client.off('end', this.#onEnd);
      client.off('close', this.#onClose);
      return;
    }
    if (client.status === 'end') return;
    if (client.status !== 'ready') return client.disconnect();
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'gave up'>((resolve) => (timer = setTimeout(resolve, this.#timeoutMs, 'gave up')));
    const outcome = await Promise.race([client.quit().catch(() => 'failed' as const), gaveUp]);
    clearTimeout(timer);
    if (outcome === 'gave up' || outcome === 'failed') client.disconnect();
  }

  // --- internals ---------------------------------------------------------------------------

  #keyKey(tenant: string, id: string): string {
    return `${this.#prefix}{t:${encode(tenant)}}:key:${encode(id)}`;
  }

  #fingerprintKey(tenant: string, fingerprint: string): string {
    return `${this.#prefix}{t:${encode(tenant)}}:fp:${encode(fingerprint)}`;
  }

  /** `signing` keeps the name it had before roles existed, so existing tenants keep their key. */
  #tenantKey(tenant: string, role: TenantKeyRole): string {
    return `${this.#prefix}{t:${encode(tenant)}}:${role}`;
  }

  #keyIndexKey(tenant: string): string {
    return `${this.#prefix}{t:${encode(tenant)}}:keys`;
  }

  #tokenCountKey(tenant: string): string {
    return `${this.#prefix}{t:${encode(tenant)}}:tokens`;
  }

  #tokenKey(family: string, tokenId: string): string {
    return `${this.#prefix}{f:${encode(family)}}:tok:${encode(tokenId)}`;
  }

  /** The token's key, then its ancestors' (all under the family's hash tag). */
  #lineage(family: string, tokenId: string, ancestors: readonly string[]): string[] {
    return [this.#tokenKey(family, tokenId), ...ancestors.map((ancestor) => this.#tokenKey(family, ancestor))];
  }

  /** Runs a script by SHA1, sending its text once if Redis does not have it (new or flushed). */
  #eval(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return this.#run(async (client) => {
      try {
        return await client.evalsha(script.sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
        return await client.eval(script.lua, keys.length, ...keys, ...args);
      }
    });
  }

  /**
   * Runs `operation` once the connection is ready. Rejects with StoreUnavailableError, carrying
   * the cause: at once when the client is known to be disconnected, when the connection attempt
   * it waits for fails, or when the connection drops after the command was sent; on any ioredis
   * error; and at the latest when there is no answer within the deadline.
   */
  #run<T>(operation: (client: Client) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        this.#waiting.delete(proceed);
        this.#sent.delete(fail);
      };
      const fail = (cause: unknown) => {
        settle();
        reject(storeError(cause));
      };
      const proceed = () => {
        this.#waiting.delete(proceed);
        this.#sent.add(fail);
        let pending: Promise<T>;
        try {
          pending = operation(this.#client);
        } catch (error) {
          return fail(error);
        }
        pending.then((value) => {
          settle();
          resolve(value);
        }, fail);
      };
      const timer = setTimeout(fail, this.#timeoutMs, new Error(`no answer from redis within ${this.#timeoutMs} ms`));

      const { status } = this.#client;
      if (status === 'ready') return proceed();
      if (status === 'wait') this.#client.connect().catch(ignore);
      else if (status !== 'connecting' && status !== 'connect') {
        // 'reconnecting', 'close', 'disconnecting', 'end': known to be down, so fail fast.
        return fail(new Error(`redis connection is ${status}`));
      }
      this.#waiting.set(proceed, fail);
    });
  }

  // --- for components that keep their own keys beside the store's ---------------------------

  /** The ioredis client (rate limits keep their counters in the same Redis). */
  get client(): Redis | Cluster {
    return this.#client as unknown as Redis | Cluster;
  }

  /** The prefix of every key, for such components' keys. */
  get keyPrefix(): string {
    return this.#prefix;
  }

  // --- for ports of other concerns that share this connection (stores/audit-redis.ts) -------

  /** Runs `operation` on this store's client, with the same deadline and fail-closed errors. */
  withClient<T>(operation: (client: Redis | Cluster) => Promise<T>): Promise<T> {
    return this.#run((client) => operation(client as unknown as Redis | Cluster));
  }

  /** The Redis key `name` of a tenant, under the tenant's hash tag (so Cluster keeps it with the tenant's keys). */
  tenantKey(tenant: string, name: string): string {
    return `${this.#prefix}{t:${encode(tenant)}}:${name}`;
  }

  // --- operations --------------------------------------------------------------------------

  /**
   * How this Redis keeps data across its own restarts, for the start-up warning (main.ts): whether
   * the append-only file is on, its fsync policy, and the eviction policy. Read with INFO (allowed
   * on managed Redis services that disable CONFIG); `appendfsync` needs CONFIG GET and is
   * undefined when that is refused. On a Redis Cluster this describes the node that answered.
   */
  async persistence(): Promise<RedisPersistence> {
    type Admin = { info(section: string): Promise<string>; config(op: 'GET', name: string): Promise<unknown> };
    const admin = (client: Client) => client as unknown as Admin;
    /** INFO's `name:value` lines. */
    const fields = (text: string) => {
      const map = new Map<string, string>();
      for (const line of text.split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon > 0 && !line.startsWith('#')) map.set(line.slice(0, colon), line.slice(colon + 1).trim());
      }
      return map;
    };
    const persistence = fields(await this.#run((client) => admin(client).info('persistence')));
    const memory = fields(await this.#run((client) => admin(client).info('memory')));
    let appendfsync: string | undefined;
    try {
      const reply = await this.#run((client) => admin(client).config('GET', 'appendfsync'));
      if (Array.isArray(reply) && typeof reply[1] === 'string') appendfsync = reply[1];
    } catch {
      // CONFIG disabled or renamed: the fsync policy stays unknown.
    }
    return {
      appendonly: persistence.get('aof_enabled') === '1',
      appendfsync,
      maxmemoryPolicy: memory.get('maxmemory_policy'),
      maxmemoryBytes: memory.has('maxmemory') ? Number(memory.get('maxmemory')) : undefined,
    };
  }
}

/** What RedisStore.persistence() reports. */
export interface RedisPersistence {
  /** The append-only file is on: writes since the last snapshot survive a Redis restart. */
  readonly appendonly: boolean;
  /** `always`, `everysec` or `no`; undefined when CONFIG GET is refused. */
  readonly appendfsync: string | undefined;
  /** e.g. `noeviction`, `allkeys-lru`; undefined when INFO does not say. */
  readonly maxmemoryPolicy: string | undefined;
  /** 0 = no limit. */
  readonly maxmemoryBytes: number | undefined;
}

/**
 * The error a failed operation rejects with. Its cause keeps only the name and message of what
 * ioredis threw: an ioredis ReplyError carries the whole command (`command.args`: key records with
 * their sealed seeds, token ids), which must never reach a log line. An OOM reply (maxmemory
 * reached with noeviction) becomes StoreFullError: the write was refused whole.
 */
export function storeError(cause: unknown): StoreUnavailableError {
  if (cause instanceof StoreUnavailableError) return cause;
  const scrubbed = cause instanceof Error ? Object.assign(new Error(cause.message), { name: cause.name }) : new Error(String(cause));
  scrubbed.stack = `${scrubbed.name}: ${scrubbed.message}`;
  return scrubbed.message.startsWith('OOM ') ? new StoreFullError(scrubbed) : new StoreUnavailableError(scrubbed);
}

/** The record in `json` when it belongs to `tenant` (keys are per tenant already: belt and braces). */
function ownedRecord(json: string | null, tenant: string): KeyRecord | undefined {
  if (json === null) return undefined;
  const record = JSON.parse(json) as KeyRecord;
  return record.tenant === tenant ? record : undefined;
}
