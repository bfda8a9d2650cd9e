/**
 * Configuration: the environment, parsed once at start with one schema, then frozen.
 *
 * In production (NODE_ENV=production) every secret must be given and strong; the start stops with
 * one message naming every missing or weak one at once (not one per restart). Elsewhere the server
 * makes ephemeral secrets (and one development API key) and says so: nothing it made survives a
 * restart. Each secret can also come from a file, X_FILE (Docker and Compose secrets, Kubernetes
 * secret volumes), so that it need not sit in the environment.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CRYPTO_BACKENDS, nativeUnavailableReason } from './crypto/select.ts';
import type { CryptoBackendChoice } from './crypto/backend.ts';
import { DEFAULT_QUEUE_TIMEOUT_MS, DEFAULT_TENANT_QUEUE_COST } from './crypto/scheduler.ts';
import { decodeBase64 } from './crypto/encoding.ts';
import { TOKEN_SIGNING_ALGORITHMS, type TokenSigningAlgorithm } from './auth/token-keys.ts';

export const MIN_API_KEY_LENGTH = 32;
export const MIN_TOKEN_SECRET_BYTES = 32;
const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface ApiKeyEntry {
  readonly tenant: string;
  readonly key: string;
}

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly apiKeys: readonly ApiKeyEntry[];
  readonly tokenSecret: Uint8Array;
  readonly masterKey: Uint8Array;
  readonly redisUrl: string | undefined;
  /** Seed nodes of a Redis Cluster (URLs); when set, the store talks to the cluster. */
  readonly redisClusterNodes: readonly string[];
  /** Sentinels (host:port) watching the primary named redisSentinelName. */
  readonly redisSentinels: readonly { host: string; port: number }[];
  readonly redisSentinelName: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest request body accepted, in bytes (413 beyond). */
  readonly maxBodyBytes: number;
  /** Largest decoded message (data, unencrypted, decrypted) accepted, in bytes (422 beyond). */
  readonly maxMessageBytes: number;
  readonly tokenDefaultTtlSeconds: number;
  readonly tokenMaxTtlSeconds: number;
  readonly tokenMaxAttempts: number;
  /** Requests per second per tenant, on the shared store (0: no limit). */
  readonly rateLimitPerTenant: number;
  /** Requests per second per temporary token (0: no limit). */
  readonly rateLimitPerToken: number;
  /** Failed authentications per minute per client address before 429 (0: no limit). */
  readonly authFailuresPerMinute: number;
  /** Unexpired tokens a tenant may have at once (0: no quota). */
  readonly quotaLiveTokens: number;
  /** Stored keys a tenant may have (0: no quota). */
  readonly quotaKeys: number;
  /** Unexpired registered clients a tenant may have (0: no quota). */
  readonly quotaClients: number;
  /** How far (seconds) a signed request's `created` may be from now, either way (RFC 9421 signatures of clients). */
  readonly signatureWindowSeconds: number;
  /**
   * PUBLIC_URL: the origin clients reach the service at (`https://api.example.com`), from which
   * the `@target-uri` of signed requests is built; undefined: from the request (protocol and Host,
   * which honour TRUST_PROXY's X-Forwarded-Proto / X-Forwarded-Host).
   */
  readonly publicUrl: string | undefined;
  /** Encryptions allowed under one stored shared key (SP 800-38D: 2^32 with random 96-bit nonces). */
  readonly maxEncryptionsPerKey: number;
  /** Most items in one batch request. */
  readonly maxBatch: number;
  /** Longest `expires_in` a key may be made with. */
  readonly keyMaxExpiresInSeconds: number;
  /** Express "trust proxy" setting, for correct client addresses behind a load balancer. */
  readonly trustProxy: string | number | boolean;
  /** CRYPTO_BACKEND: node:crypto, noble, or native where the runtime has it (crypto/select.ts). */
  readonly cryptoBackend: CryptoBackendChoice;
  /** CRYPTO_THREADS: the fast crypto lane's threads (noble workers; native jobs on the libuv pool at once); undefined = cores - 1. */
  readonly cryptoThreads: number | undefined;
  /** CRYPTO_SLOW_THREADS: the slow lane's (SLH-DSA) threads, apart from the fast lane's; undefined = half of CRYPTO_THREADS, at least 1. */
  readonly cryptoSlowThreads: number | undefined;
  /** UV_THREADPOOL_SIZE as Node reads it (default 4): native slow work keeps one libuv thread free. */
  readonly libuvThreads: number | undefined;
  /** A tenant's queued crypto cost per lane (crypto/costs.ts units) past which its work is refused with 503 crypto-busy. */
  readonly cryptoTenantQueueCost: number;
  /** Crypto work that cannot start within this many ms is refused with 503 crypto-busy. */
  readonly cryptoQueueTimeoutMs: number;
  /** How long an unsealed, prepared secret key stays in memory for reuse (0 = never kept). */
  readonly keyCacheTtlSeconds: number;
  /** At most this many prepared secret keys are kept (least recently used go first). */
  readonly keyCacheMaxEntries: number;
  /** Bearer token that guards /metrics (compared in constant time); undefined: /metrics is open. */
  readonly metricsToken: string | undefined;
  /** Audit use entries kept per tenant (the oldest are dropped past it). */
  readonly auditMaxEntries: number;
  /** Audit security entries (keys and tokens made, rotated, deleted, revoked) kept per tenant, apart from use entries. */
  readonly auditMaxSecurityEntries: number;
  /** Use entries per token and minute written one by one; past it they are counted in one summary entry (0 = no budget). */
  readonly auditEntriesPerTokenPerMinute: number;
  /** METRICS_PORT: /metrics (only) on its own listener bound to 127.0.0.1; undefined: /metrics on the API port. */
  readonly metricsPort: number | undefined;
  /** How long, after SIGTERM/SIGINT, /readyz answers 503 while new connections are still served. */
  readonly shutdownDrainMs: number;
  /** How long, after the drain, requests in flight may take to finish before they are cut. */
  readonly shutdownTimeoutMs: number;
  /** WORKERS: processes to run with node:cluster; undefined = the default (cores with Redis, else 1). */
  readonly workers: number | undefined;
  /** TOKEN_SIGNING: the JWS alg of temporary tokens, HS256 (TOKEN_SECRET) or an ML-DSA set (a key derived from MASTER_KEY). */
  readonly tokenSigning: TokenSigningAlgorithm;
  /** TOKEN_KEY_VERSION: which derived ML-DSA key signs tokens (a new version is a rotation). */
  readonly tokenKeyVersion: number;
  /** TOKEN_PREVIOUS_KEY_VERSION and TOKEN_KEY_ROTATED_AT: the version that signed before, and when the current one took over. */
  readonly tokenPreviousKey: { readonly version: number; readonly rotatedAtMs: number } | undefined;
  /** OHTTP_KEY_ID (0-255): the key id of the sealed-request key configurations (GET /ohttp-keys); a new id rotates them (docs/sealed.md). */
  readonly ohttpKeyId: number;
  /** OHTTP_WINDOW_SECONDS: how far a sealed request's inner Date may be from the server's clock; each enc is accepted once within it. */
  readonly ohttpWindowSeconds: number;
  /** Secrets and keys the server made because none were configured: main.ts prints these facts. */
  readonly generated: readonly ('API_KEYS' | 'TOKEN_SECRET' | 'MASTER_KEY')[];
}

const intFromEnv = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: intFromEnv(8080, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  API_KEYS: z.string().optional(),
  TOKEN_SECRET: z.string().optional(),
  MASTER_KEY: z.string().optional(),
  REDIS_URL: z.string().url().optional(),
  REDIS_CLUSTER_NODES: z.string().optional(),
  REDIS_SENTINELS: z.string().optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_BODY_BYTES: intFromEnv(262_144, 1024, 64 * 1024 * 1024),
  MAX_MESSAGE_BYTES: intFromEnv(65_536, 1, 16 * 1024 * 1024),
  TOKEN_DEFAULT_TTL_SECONDS: intFromEnv(300, 1, 7 * 24 * 3600),
  TOKEN_MAX_TTL_SECONDS: intFromEnv(86_400, 1, 30 * 24 * 3600),
  TOKEN_MAX_ATTEMPTS: intFromEnv(1_000_000, 1, Number.MAX_SAFE_INTEGER),
  TRUST_PROXY: z.string().optional(),
  RATE_LIMIT_PER_TENANT: intFromEnv(1000, 0, 1_000_000_000),
  RATE_LIMIT_PER_TOKEN: intFromEnv(50, 0, 1_000_000_000),
  AUTH_FAILURES_PER_MINUTE: intFromEnv(60, 0, 1_000_000_000),
  QUOTA_LIVE_TOKENS: intFromEnv(100_000, 0, 1_000_000_000),
  QUOTA_KEYS: intFromEnv(10_000, 0, 1_000_000_000),
  QUOTA_CLIENTS: intFromEnv(1000, 0, 1_000_000_000),
  SIGNATURE_WINDOW_SECONDS: intFromEnv(60, 1, 3600),
  PUBLIC_URL: z.string().optional(),
  MAX_ENCRYPTIONS_PER_KEY: intFromEnv(2 ** 32, 1, 2 ** 32),
  MAX_BATCH: intFromEnv(100, 1, 10_000),
  KEY_MAX_EXPIRES_IN_SECONDS: intFromEnv(10 * 365 * 86_400, 1, 100 * 365 * 86_400),
  CRYPTO_BACKEND: z.enum(CRYPTO_BACKENDS).default('auto'),
  CRYPTO_THREADS: z.coerce.number().int().min(1).max(64).optional(),
  CRYPTO_SLOW_THREADS: z.coerce.number().int().min(1).max(64).optional(),
  UV_THREADPOOL_SIZE: z.coerce.number().int().min(1).max(1024).optional(),
  CRYPTO_TENANT_QUEUE_COST: intFromEnv(DEFAULT_TENANT_QUEUE_COST, 1, 1_000_000_000),
  CRYPTO_QUEUE_TIMEOUT_MS: intFromEnv(DEFAULT_QUEUE_TIMEOUT_MS, 1, 600_000),
  KEY_CACHE_TTL_SECONDS: intFromEnv(60, 0, 3600),
  KEY_CACHE_MAX_ENTRIES: intFromEnv(1000, 0, 1_000_000),
  METRICS_TOKEN: z.string().optional(),
  AUDIT_MAX_ENTRIES: intFromEnv(10_000, 1, 10_000_000),
  AUDIT_MAX_SECURITY_ENTRIES: intFromEnv(10_000, 1, 10_000_000),
  AUDIT_ENTRIES_PER_TOKEN_PER_MINUTE: intFromEnv(600, 0, 1_000_000_000),
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(600_000).optional(),
  SHUTDOWN_TIMEOUT_MS: intFromEnv(5_000, 0, 600_000),
  WORKERS: z.coerce.number().int().min(1).max(1024).optional(),
  TOKEN_SIGNING: z.enum(TOKEN_SIGNING_ALGORITHMS).default('HS256'),
  TOKEN_KEY_VERSION: intFromEnv(1, 1, 2 ** 31 - 1),
  TOKEN_PREVIOUS_KEY_VERSION: z.coerce.number().int().min(1).max(2 ** 31 - 1).optional(),
  TOKEN_KEY_ROTATED_AT: z.string().optional(),
  OHTTP_KEY_ID: intFromEnv(1, 0, 255),
  OHTTP_WINDOW_SECONDS: intFromEnv(60, 1, 3600),
});

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses API_KEYS: comma-separated `name:key`, each name a tenant, each key >= 32 characters. */
export function parseApiKeys(text: string): ApiKeyEntry[] {
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((pair, i) => {
      const colon = pair.indexOf(':');
      const tenant = colon < 0 ? '' : pair.slice(0, colon).trim();
      const key = colon < 0 ? '' : pair.slice(colon + 1).trim();
      if (!TENANT_NAME.test(tenant)) {
        throw new ConfigError(`API_KEYS entry ${i + 1}: expected name:key with a name of letters, digits, '_', '.', '-' (at most 64)`);
      }
      if (key.length < MIN_API_KEY_LENGTH) {
        throw new ConfigError(`API_KEYS entry ${i + 1} (${tenant}): the key must be at least ${MIN_API_KEY_LENGTH} characters`);
      }
      return { tenant, key };
    });
  const keys = new Set(entries.map((e) => e.key));
  if (keys.size !== entries.length) throw new ConfigError('API_KEYS: the same key appears twice');
  return entries;
}

/** PUBLIC_URL: an http(s) origin (scheme, host, optional port; no path, query or credentials), kept without a trailing slash. */
function parsePublicUrl(text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new ConfigError(`PUBLIC_URL: "${trimmed}" is not a URL (e.g. https://api.example.com)`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new ConfigError('PUBLIC_URL must be an http(s) origin: scheme, host and optional port, nothing else (e.g. https://api.example.com)');
  }
  return url.origin;
}

function parseMasterKey(text: string): Uint8Array {
  const bytes = decodeBase64(text.trim());
  if (!bytes || bytes.length !== 32) throw new ConfigError('MASTER_KEY must be the base64 of exactly 32 random bytes (try: openssl rand -base64 32)');
  if (new Set(bytes).size < 8) throw new ConfigError('MASTER_KEY looks weak (too few distinct bytes): use 32 random bytes');
  return bytes;
}

function parseTokenSecret(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length < MIN_TOKEN_SECRET_BYTES) throw new ConfigError(`TOKEN_SECRET must be at least ${MIN_TOKEN_SECRET_BYTES} bytes (try: openssl rand -base64 48)`);
  if (new Set(bytes).size < 8) throw new ConfigError('TOKEN_SECRET looks weak (too few distinct characters): use random bytes');
  return bytes;
}

/**
 * TOKEN_PREVIOUS_KEY_VERSION with TOKEN_KEY_ROTATED_AT (an ISO 8601 instant): both or neither.
 * The previous version verifies tokens issued up to that instant, for TOKEN_MAX_TTL_SECONDS
 * after it (auth/token-keys.ts).
 */
function parseTokenRotation(current: number, previous: number | undefined, rotatedAt: string | undefined): Config['tokenPreviousKey'] {
  const at = rotatedAt?.trim() || undefined;
  if (previous === undefined && at === undefined) return undefined;
  if (previous === undefined) throw new ConfigError('TOKEN_KEY_ROTATED_AT is set without TOKEN_PREVIOUS_KEY_VERSION');
  if (previous === current) throw new ConfigError('TOKEN_PREVIOUS_KEY_VERSION must differ from TOKEN_KEY_VERSION');
  // An offset is required so that no instance reads the instant in its own time zone.
  const ms = at !== undefined && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(at) ? Date.parse(at) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new ConfigError('TOKEN_KEY_ROTATED_AT must be given with TOKEN_PREVIOUS_KEY_VERSION, as an ISO 8601 instant with an offset (e.g. 2026-12-06T08:00:00Z): when the last instance will have switched to TOKEN_KEY_VERSION');
  }
  return Object.freeze({ version: previous, rotatedAtMs: ms });
}

/** The secrets that may come from a file: X_FILE names a file holding X. */
export const SECRET_VARIABLES = Object.freeze(['API_KEYS', 'TOKEN_SECRET', 'MASTER_KEY', 'METRICS_TOKEN'] as const);

/**
 * The environment with each X_FILE read into X: the file's content, less one trailing newline (what
 * `echo` and most editors add; a secret never ends with one). Setting both X and X_FILE is an
 * error: which one wins would be a guess. The file's content is never put in a message.
 */
export function readSecretFiles(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name] !== undefined && env[name] !== '') throw new ConfigError(`set ${name} or ${name}_FILE, not both`);
    try {
      out[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new ConfigError(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  env = readSecretFiles(env);
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${String(issue.path[0])}: ${issue.message}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const generated: Config['generated'][number][] = [];
  // Every secret is looked at before any complaint: an operator fixes them all in one go.
  const secretProblems: string[] = [];
  const need = (name: 'API_KEYS' | 'TOKEN_SECRET' | 'MASTER_KEY', value: string | undefined) => {
    if (value !== undefined && value.trim() !== '') return value;
    if (production) secretProblems.push(`${name} is required when NODE_ENV=production (or ${name}_FILE; see .env.example)`);
    else generated.push(name);
    return undefined;
  };
  const parseOr = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      secretProblems.push(error.message);
      return undefined;
    }
  };

  const apiKeysText = need('API_KEYS', e.API_KEYS);
  const apiKeys = apiKeysText !== undefined ? parseOr(() => parseApiKeys(apiKeysText)) : [{ tenant: 'dev', key: `dev_${randomBytes(32).toString('base64url')}` }];
  if (apiKeys?.length === 0) secretProblems.push('API_KEYS holds no name:key pair');
  const tokenSecretText = need('TOKEN_SECRET', e.TOKEN_SECRET);
  const tokenSecret = tokenSecretText !== undefined ? parseOr(() => parseTokenSecret(tokenSecretText)) : new Uint8Array(randomBytes(48));
  const masterKeyText = need('MASTER_KEY', e.MASTER_KEY);
  const masterKey = masterKeyText !== undefined ? parseOr(() => parseMasterKey(masterKeyText)) : new Uint8Array(randomBytes(32));
  const metricsToken = e.METRICS_TOKEN?.trim() || undefined;
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,512}$/.test(metricsToken)) {
    secretProblems.push('METRICS_TOKEN must be 16 to 512 printable characters without spaces (try: openssl rand -base64 24)');
  }
  // /metrics tells traffic per route and algorithm and the runtime's version: in production it
  // is guarded by a token or served only on loopback (METRICS_PORT), never open on the API port.
  if (production && metricsToken === undefined && e.METRICS_PORT === undefined) {
    secretProblems.push('METRICS_TOKEN or METRICS_PORT is required when NODE_ENV=production (/metrics must not be open to the network; see .env.example)');
  }
  if (secretProblems.length === 1) throw new ConfigError(secretProblems[0]!);
  if (secretProblems.length > 1 || !apiKeys || !tokenSecret || !masterKey) {
    throw new ConfigError(`${secretProblems.length} secrets to fix: ${secretProblems.join('; ')}`);
  }
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT === e.PORT) throw new ConfigError(`METRICS_PORT must differ from PORT (both ${e.PORT})`);
  if (e.TOKEN_DEFAULT_TTL_SECONDS > e.TOKEN_MAX_TTL_SECONDS) {
    throw new ConfigError('TOKEN_DEFAULT_TTL_SECONDS must not exceed TOKEN_MAX_TTL_SECONDS');
  }

  const list = (text: string | undefined) => (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const clusterNodes = list(e.REDIS_CLUSTER_NODES);
  for (const node of clusterNodes) {
    if (!/^rediss?:\/\/[^/]+/.test(node)) throw new ConfigError(`REDIS_CLUSTER_NODES: "${node}" is not a redis:// or rediss:// URL`);
  }
  const sentinels = list(e.REDIS_SENTINELS).map((hostPort) => {
    const match = /^(.+):(\d{1,5})$/.exec(hostPort);
    if (!match) throw new ConfigError(`REDIS_SENTINELS: "${hostPort}" is not host:port`);
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
  });
  if (sentinels.length > 0 && !e.REDIS_SENTINEL_NAME) throw new ConfigError('REDIS_SENTINEL_NAME is required with REDIS_SENTINELS (the name of the primary, e.g. mymaster)');
  if ([e.REDIS_URL && sentinels.length === 0, clusterNodes.length > 0, sentinels.length > 0].filter(Boolean).length > 1) {
    throw new ConfigError('set one of REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS (REDIS_URL may accompany REDIS_SENTINELS to give the password and TLS)');
  }

  if (e.CRYPTO_BACKEND === 'native') {
    const reason = nativeUnavailableReason();
    if (reason) throw new ConfigError(`CRYPTO_BACKEND=native: ${reason} (use auto or noble)`);
  }
  const tokenPreviousKey = parseTokenRotation(e.TOKEN_KEY_VERSION, e.TOKEN_PREVIOUS_KEY_VERSION, e.TOKEN_KEY_ROTATED_AT);

  const trust = e.TRUST_PROXY?.trim();
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    apiKeys: Object.freeze(apiKeys.map((k) => Object.freeze(k))),
    tokenSecret,
    masterKey,
    redisUrl: e.REDIS_URL,
    redisClusterNodes: Object.freeze(clusterNodes),
    redisSentinels: Object.freeze(sentinels),
    redisSentinelName: e.REDIS_SENTINEL_NAME,
    logLevel: e.LOG_LEVEL,
    maxBodyBytes: e.MAX_BODY_BYTES,
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
    tokenDefaultTtlSeconds: e.TOKEN_DEFAULT_TTL_SECONDS,
    tokenMaxTtlSeconds: e.TOKEN_MAX_TTL_SECONDS,
    tokenMaxAttempts: e.TOKEN_MAX_ATTEMPTS,
    rateLimitPerTenant: e.RATE_LIMIT_PER_TENANT,
    rateLimitPerToken: e.RATE_LIMIT_PER_TOKEN,
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    quotaLiveTokens: e.QUOTA_LIVE_TOKENS,
    quotaKeys: e.QUOTA_KEYS,
    quotaClients: e.QUOTA_CLIENTS,
    signatureWindowSeconds: e.SIGNATURE_WINDOW_SECONDS,
    publicUrl: parsePublicUrl(e.PUBLIC_URL),
    maxEncryptionsPerKey: e.MAX_ENCRYPTIONS_PER_KEY,
    maxBatch: e.MAX_BATCH,
    keyMaxExpiresInSeconds: e.KEY_MAX_EXPIRES_IN_SECONDS,
    // Express reads a number as a hop count and a string as addresses or subnets.
    trustProxy: trust === undefined || trust === '' || trust === 'false' ? false : trust === 'true' ? true : /^\d+$/.test(trust) ? Number(trust) : trust,
    cryptoBackend: e.CRYPTO_BACKEND,
    cryptoThreads: e.CRYPTO_THREADS,
    cryptoSlowThreads: e.CRYPTO_SLOW_THREADS,
    libuvThreads: e.UV_THREADPOOL_SIZE,
    cryptoTenantQueueCost: e.CRYPTO_TENANT_QUEUE_COST,
    cryptoQueueTimeoutMs: e.CRYPTO_QUEUE_TIMEOUT_MS,
    keyCacheTtlSeconds: e.KEY_CACHE_TTL_SECONDS,
    keyCacheMaxEntries: e.KEY_CACHE_MAX_ENTRIES,
    metricsToken,
    auditMaxEntries: e.AUDIT_MAX_ENTRIES,
    auditMaxSecurityEntries: e.AUDIT_MAX_SECURITY_ENTRIES,
    auditEntriesPerTokenPerMinute: e.AUDIT_ENTRIES_PER_TOKEN_PER_MINUTE,
    metricsPort: e.METRICS_PORT,
    // Behind a load balancer readiness needs a moment to be noticed; a developer's Ctrl-C does not.
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS ?? (production ? 3_000 : 0),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    workers: e.WORKERS,
    tokenSigning: e.TOKEN_SIGNING,
    tokenKeyVersion: e.TOKEN_KEY_VERSION,
    tokenPreviousKey,
    ohttpKeyId: e.OHTTP_KEY_ID,
    ohttpWindowSeconds: e.OHTTP_WINDOW_SECONDS,
    generated: Object.freeze(generated),
  });
}
