/**
 * The shared store: Redis through ioredis. Any number of API instances may use one Redis (or one
 * Redis Cluster) at once; every operation is a single command or a single Lua script, so it is
 * atomic across all of them.
 *
 * Key layout (`pqapi:` is the default prefix; every variable part is URI-encoded, so a `{` or `}`
 * in a tenant name or id cannot end the hash tag early): each port documents its own keys
 * (redis-keys.ts, redis-tokens.ts, counters-redis.ts, audit-redis.ts); all of a tenant's keys live under
 * `{t:<tenant>}`, all of a token family's under `{f:<family>}`.
 *
 * Redis Cluster: a cluster shards by the slot of each key, and a script or MULTI may only touch
 * keys of one slot. When a key contains `{...}`, only the text inside the first braces decides its
 * slot (the hash tag). So a tenant's key record and its indexes share `{t:<tenant>}` and can be
 * written by one script, and a token, its parent chain and its children share their root's
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
import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import type { LuaScript, RedisCommands, RedisConnection } from './redis-connection.ts';
import type { AuditLogOptions } from './audit.ts';
import { RedisAuditLog } from './audit-redis.ts';
import { RedisCounters } from './counters-redis.ts';
import { RedisKeyStore } from './redis-keys.ts';
import { RedisTokenStore } from './redis-tokens.ts';
import { RedisReplayStore } from './redis-replay.ts';
import { RedisClientStore } from './redis-clients.ts';
import { RedisSessionStore } from './redis-sessions.ts';
import { RedisChallengeStore } from './redis-challenges.ts';
import { StoreFullError, StoreUnavailableError, type Store, type StorePersistence } from './store.ts';

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
  /** The audit trail's caps, budget and clock (AUDIT_MAX_ENTRIES, ...); by default 10000 entries per lane, no budget. */
  readonly audit?: AuditLogOptions;
  /** Told each time the connection is ready (again): a reporter of connection errors can say Redis is back. */
  readonly onReady?: () => void;
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

/** The part of the ioredis API the store uses; both `Redis` and `Cluster` have it. */
interface Client extends RedisCommands {
  readonly status: string;
  connect(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready' | 'end' | 'close', listener: () => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'ready' | 'end' | 'close', listener: () => void): unknown;
  evalsha(sha: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
  ping(): Promise<string>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

const encode = encodeURIComponent;
const ignore = () => {};

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly keys: RedisKeyStore;
  readonly tokens: RedisTokenStore;
  readonly audit: RedisAuditLog;
  readonly replay: RedisReplayStore;
  readonly clients: RedisClientStore;
  readonly sessions: RedisSessionStore;
  readonly challenges: RedisChallengeStore;
  readonly counters: RedisCounters;
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
    const { keyPrefix = 'pqapi:', operationTimeoutMs = 2_000, onError = ignore, audit = { maxEntries: 10_000 } } = options;
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
    if (options.onReady) this.#client.on('ready', options.onReady);
    this.#client.on('end', this.#onEnd);
    this.#client.on('close', this.#onClose);
    if (this.#client.status === 'wait') this.#client.connect().catch(ignore);
    const connection: RedisConnection = {
      eval: (script, keys, args) => this.#eval(script, keys, args),
      run: (operation) => this.#run(operation),
      key: (name) => `${this.#prefix}${name}`,
      tenantKey: (tenant, name) => this.tenantKey(tenant, name),
      familyKey: (family, name) => `${this.#prefix}{f:${encode(family)}}:${name}`,
      scopedKey: (kind, scope, name) => `${this.#prefix}{${kind}:${encode(scope)}}:${name}`,
    };
    this.keys = new RedisKeyStore(connection);
    this.tokens = new RedisTokenStore(connection);
    this.audit = new RedisAuditLog(connection, audit);
    this.replay = new RedisReplayStore(connection);
    this.clients = new RedisClientStore(connection);
    this.sessions = new RedisSessionStore(connection);
    this.challenges = new RedisChallengeStore(connection);
    this.counters = new RedisCounters(connection);
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

  // --- key naming, shared with the ports (redis-connection.ts) ------------------------------

  /** The Redis key `name` of a tenant, under the tenant's hash tag (so Cluster keeps it with the tenant's keys). */
  tenantKey(tenant: string, name: string): string {
    return `${this.#prefix}{t:${encode(tenant)}}:${name}`;
  }

  // --- operations --------------------------------------------------------------------------

  /**
   * How this Redis keeps data across its own restarts, for the start-up warning (startup.ts): whether
   * the append-only file is on, its fsync policy, and the eviction policy. Read with INFO (allowed
   * on managed Redis services that disable CONFIG); `appendfsync` needs CONFIG GET and is
   * undefined when that is refused. On a Redis Cluster this describes the node that answered.
   */
  async persistence(): Promise<StorePersistence> {
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

/** What RedisStore.persistence() reports (the Store port's type, in Redis's own terms). */
export type RedisPersistence = StorePersistence;

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
