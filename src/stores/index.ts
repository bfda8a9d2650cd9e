/**
 * Chooses the store from the configuration:
 * - REDIS_CLUSTER_NODES: Redis Cluster (every atomic operation keeps to one hash tag);
 * - REDIS_SENTINELS + REDIS_SENTINEL_NAME: the primary that Sentinel points to, followed on
 *   failover (REDIS_URL, if also set, gives the password, database and TLS);
 * - REDIS_URL: one Redis;
 * - none: the embedded store (one process, nothing kept across restarts).
 * @module
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config.ts';
import type { AuditLogOptions } from './audit.ts';
import { DEFAULT_AUDIT, MemoryStore } from './memory.ts';
import { failFastRedisOptions, RedisStore } from './redis.ts';
import type { Store } from './store.ts';

type StoreConfig = Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'redisSentinels' | 'redisSentinelName'> & Partial<AuditConfig>;
type AuditConfig = Pick<Config, 'auditMaxEntries' | 'auditMaxSecurityEntries' | 'auditEntriesPerTokenPerMinute'>;

/** The audit trail's caps and budget from the configuration (the defaults when absent). */
export function auditOptions(config: Partial<AuditConfig>): Omit<AuditLogOptions, 'clock'> {
  return {
    maxEntries: config.auditMaxEntries ?? DEFAULT_AUDIT.maxEntries,
    ...(config.auditMaxSecurityEntries !== undefined ? { maxSecurityEntries: config.auditMaxSecurityEntries } : {}),
    ...(config.auditEntriesPerTokenPerMinute !== undefined ? { entriesPerTokenPerMinute: config.auditEntriesPerTokenPerMinute } : {}),
  };
}

/** Password, username, database and TLS from a redis:// or rediss:// URL. */
function connectionOptions(url: string | undefined): RedisOptions {
  if (!url) return {};
  const u = new URL(url);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * A Cluster client that fails fast like the single-node one. Node connections keep ioredis's
 * default offline queue (the cluster's own ready check is sent while they connect, and fails
 * intermittently without it); the cluster-level offline queue is off and the store's deadline
 * still fails requests fast while the cluster is down.
 */
export function createClusterClient(nodes: readonly { host: string; port: number }[], connection: RedisOptions = {}): Cluster {
  const { enableOfflineQueue: _queue, retryStrategy: _retry, lazyConnect: _lazy, ...nodeOptions } = failFastRedisOptions;
  return new Cluster([...nodes], {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: (times: number) => Math.min(times * 100, 1_000),
    redisOptions: { ...nodeOptions, ...connection },
  });
}

/** Told about the shared store's connection: each failed attempt, and each time it is ready again. */
export interface StoreEvents {
  readonly onError?: (error: Error) => void;
  readonly onReady?: () => void;
}

export function createStore(config: StoreConfig, events: StoreEvents | ((error: Error) => void) = {}): Store {
  const { onError, onReady } = typeof events === 'function' ? { onError: events, onReady: undefined } : events;
  const errors = { audit: auditOptions(config), ...(onError ? { onError } : {}), ...(onReady ? { onReady } : {}) };
  if (config.redisClusterNodes.length > 0) {
    const nodes = config.redisClusterNodes.map((node) => {
      const u = new URL(node);
      return { host: u.hostname, port: Number(u.port || 6379) };
    });
    return new RedisStore({ client: createClusterClient(nodes, connectionOptions(config.redisClusterNodes[0])), ownsClient: true, ...errors });
  }
  if (config.redisSentinels.length > 0) {
    const client = new Redis({
      ...failFastRedisOptions,
      ...connectionOptions(config.redisUrl),
      sentinels: [...config.redisSentinels],
      name: config.redisSentinelName!,
    });
    return new RedisStore({ client, ownsClient: true, ...errors });
  }
  if (config.redisUrl) return new RedisStore({ url: config.redisUrl, ...errors });
  return new MemoryStore({ audit: auditOptions(config) });
}
