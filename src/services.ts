/**
 * What the routes may call: the key and token services, the crypto backend and the limits from
 * the configuration. Built once per app by buildApp (no module-level singletons). `crypto` may
 * start worker threads on first use: close() them on shutdown.
 * @module
 */
import type { Logger } from 'pino';
import { ApiKeys } from './auth/api-keys.ts';
import { backendEngine, joseEngine, webCryptoHasMlDsa } from './auth/jws.ts';
import { TokenKeyRing } from './auth/token-keys.ts';
import { TokenService, type TokenSigning } from './auth/tokens.ts';
import type { Config } from './config.ts';
import { createCryptoBackend } from './crypto/select.ts';
import type { CryptoBackend } from './crypto/backend.ts';
import { ClientService } from './clients/service.ts';
import { createHpke, type Hpke } from './crypto/hpke.ts';
import { Sealer } from './keys/sealing.ts';
import { SessionService } from './sessions/service.ts';
import { KeyService } from './keys/service.ts';
import { RateLimits, sharedTenantBatch } from './limits/rate-limits.ts';
import { SealedGateway } from './sealed/service.ts';
import { instrumentedCrypto, type Metrics } from './observability/metrics.ts';
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
  /** The CRYPTO_BACKEND in use (crypto/select.ts); `crypto.info` names it, `crypto.close()` stops its workers. */
  readonly crypto: CryptoBackend;
  /**
   * HPKE (crypto/hpke.ts): its key schedule and AEAD, on the runtime's Web Cryptography where it
   * has them (CRYPTO_BACKEND=noble: noble throughout); the KEM step runs on `crypto` (scheduled).
   */
  readonly hpke: Hpke;
  /** The audit trail (stores/audit.ts) and this app's metrics (observability/metrics.ts). */
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  /** Sealed requests (RFC 9458): the OHTTP key configurations and the checks before an inner request runs (sealed/service.ts). */
  readonly sealed: SealedGateway;
  /** Registered clients (their own ML-DSA keys) and their login sessions (docs/clients.md). */
  readonly clients: ClientService;
  readonly sessions: SessionService;
}

export function createServices(config: Config, store: Store, logger: Logger, clock: Clock, ops: { audit: AuditLog; metrics: Metrics }): Services {
  const apiKeys = new ApiKeys(config.apiKeys);
  const backend = createCryptoBackend(config.cryptoBackend, {
    ...(config.cryptoThreads === undefined ? {} : { threads: config.cryptoThreads }),
    ...(config.cryptoSlowThreads === undefined ? {} : { slowThreads: config.cryptoSlowThreads }),
    ...(config.libuvThreads === undefined ? {} : { libuvThreads: config.libuvThreads }),
    tenantQueueCost: config.cryptoTenantQueueCost,
    queueTimeoutMs: config.cryptoQueueTimeoutMs,
  });
  // Every operation the service counts is recorded by one wrapper (observability/metrics.ts), as
  // the store's calls are; token signing is the token service's own business and not counted.
  const crypto = instrumentedCrypto(backend, ops.metrics);
  const hpke = createHpke(config.cryptoBackend === 'noble' ? 'noble' : 'auto');
  const keys = new KeyService(store.keys, new Sealer(config.masterKey), clock, crypto, {
    cache: { ttlSeconds: config.keyCacheTtlSeconds, maxEntries: config.keyCacheMaxEntries },
    keyQuota: config.quotaKeys,
    maxEncryptionsPerKey: config.maxEncryptionsPerKey,
  });
  const tokens = new TokenService(store.tokens, tokenSigning(config, backend), clock, (tenant, keyId) => apiKeys.isLive(tenant, keyId), config.quotaLiveTokens);
  return {
    ...ops,
    config,
    store,
    logger,
    clock,
    crypto,
    hpke,
    keys,
    tokens,
    clients: new ClientService(store.clients, clock, {
      quota: config.quotaClients,
      keyExists: async (tenant, keyId) => (await keys.find(tenant, keyId)) !== undefined,
    }),
    sessions: new SessionService({
      sessions: store.sessions,
      clients: store.clients,
      tokens,
      keys,
      hpke,
      clock,
      onTouchFailed: (error) => logger.warn({ cause: error instanceof Error ? error.message : String(error) }, 'could not note a session\'s last use'),
    }),
    apiKeys,
    limits: new RateLimits(store.counters, {
      perTenant: config.rateLimitPerTenant,
      perToken: config.rateLimitPerToken,
      authFailuresPerMinute: config.authFailuresPerMinute,
      // On a shared store an instance reserves its tenants' places in batches (one round trip per
      // batch, not per request; the bound is in docs/operations.md); in this process, one at a time.
      tenantBatch: store.kind === 'memory' ? 1 : sharedTenantBatch(config.rateLimitPerTenant),
      now: clock,
    }),
    sealed: new SealedGateway({
      hpke,
      crypto: { kem: crypto.kem, scheduler: backend.scheduler },
      masterKey: config.masterKey,
      keyId: config.ohttpKeyId,
      windowSeconds: config.ohttpWindowSeconds,
      replay: store.replay,
      clock,
    }),
  };
}

/**
 * TOKEN_SIGNING: HS256 under TOKEN_SECRET, or an ML-DSA key ring derived from MASTER_KEY, signed
 * and checked by jose where WebCrypto has the set (Node >= 24.7), else by the crypto backend
 * (noble, on its worker pool).
 */
function tokenSigning(config: Config, crypto: CryptoBackend): TokenSigning {
  const alg = config.tokenSigning;
  if (alg === 'HS256') return { alg, secret: config.tokenSecret };
  // Made by the backend (Node 20: its worker pool), not on the event loop: token-keys.ts derive().
  const keys = TokenKeyRing.derive(
    {
      alg,
      masterKey: config.masterKey,
      version: config.tokenKeyVersion,
      previous: config.tokenPreviousKey,
      windowMs: config.tokenMaxTtlSeconds * 1000,
    },
    async (dsaAlg, seed) => (await crypto.dsa.keygen(dsaAlg, seed)).publicKey,
  );
  return { alg, keys, engine: webCryptoHasMlDsa(alg) ? joseEngine() : backendEngine(crypto.dsa) };
}
