/**
 * What the routes may call: the key and token services, the crypto backend and the limits from
 * the configuration. Built once per app by buildApp (no module-level singletons). `crypto` may
 * start worker threads on first use: close() them on shutdown.
 * @module
 */
import type { Logger } from 'pino';
import { ApiKeys } from './auth/api-keys.ts';
import { TokenService } from './auth/tokens.ts';
import type { Config } from './config.ts';
import { createCryptoBackend, type CryptoBackend } from './crypto/backend.ts';
import { Sealer } from './keys/sealing.ts';
import { KeyService } from './keys/service.ts';
import { RateLimits } from './limits/rate-limits.ts';
import type { Metrics } from './observability/metrics.ts';
import type { AuditLog } from './stores/audit.ts';
import type { Clock, Store } from './stores/store.ts';

export interface Services {
  readonly config: Config;
  readonly store: Store;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly keys: KeyService;
  readonly tokens: TokenService;
  readonly apiKeys: ApiKeys;
  readonly limits: RateLimits;
  /** The CRYPTO_BACKEND in use (crypto/backend.ts); `crypto.info` names it, `crypto.close()` stops its workers. */
  readonly crypto: CryptoBackend;
  /** The audit trail (stores/audit.ts) and this app's metrics (observability/metrics.ts). */
  readonly audit: AuditLog;
  readonly metrics: Metrics;
}

export function createServices(config: Config, store: Store, logger: Logger, clock: Clock, ops: { audit: AuditLog; metrics: Metrics }): Services {
  const apiKeys = new ApiKeys(config.apiKeys);
  const crypto = createCryptoBackend(config.cryptoBackend, config.cryptoThreads === undefined ? {} : { threads: config.cryptoThreads });
  return {
    ...ops,
    config,
    store,
    logger,
    clock,
    crypto,
    keys: new KeyService(store.keys, new Sealer(config.masterKey), clock, crypto, {
      cache: { ttlSeconds: config.keyCacheTtlSeconds, maxEntries: config.keyCacheMaxEntries },
      keyQuota: config.quotaKeys,
      maxEncryptionsPerKey: config.maxEncryptionsPerKey,
    }),
    tokens: new TokenService(store.tokens, config.tokenSecret, clock, (tenant, keyId) => apiKeys.isLive(tenant, keyId), config.quotaLiveTokens),
    apiKeys,
    limits: new RateLimits(store.counters, {
      perTenant: config.rateLimitPerTenant,
      perToken: config.rateLimitPerToken,
      authFailuresPerMinute: config.authFailuresPerMinute,
    }),
  };
}
