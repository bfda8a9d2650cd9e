/**
 * What the routes may call: the key and token services and the limits from the configuration.
 * Built once per app by buildApp (no module-level singletons).
 * @module
 */
import type { Logger } from 'pino';
import { ApiKeys } from './auth/api-keys.ts';
import { TokenService } from './auth/tokens.ts';
import type { Config } from './config.ts';
import { Sealer } from './keys/sealing.ts';
import { KeyService } from './keys/service.ts';
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
  /** The audit trail (stores/audit.ts) and this app's metrics (observability/metrics.ts). */
  readonly audit: AuditLog;
  readonly metrics: Metrics;
}

export function createServices(config: Config, store: Store, logger: Logger, clock: Clock, ops: { audit: AuditLog; metrics: Metrics }): Services {
  return {
    ...ops,
    config,
    store,
    logger,
    clock,
    keys: new KeyService(store, new Sealer(config.masterKey), clock),
    tokens: new TokenService(store, config.tokenSecret, clock),
    apiKeys: new ApiKeys(config.apiKeys),
  };
}
