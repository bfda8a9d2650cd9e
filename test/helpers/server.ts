/**
 * Starts the real app on an ephemeral port (real HTTP, real crypto, a real store) and gives a
 * small fetch wrapper. Each call builds its own app, so tests never share state unless they
 * share a store on purpose (two instances on one Redis).
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { buildApp } from '../../src/app.ts';
import { answerClientErrors } from '../../src/http/client-errors.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { auditOptions } from '../../src/stores/index.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import type { Store } from '../../src/stores/store.ts';

export const TENANTS = Object.freeze({
  alice: `alice-key-${'a'.repeat(32)}`,
  bob: `bob-key-${'b'.repeat(32)}`,
});

/** Secrets shared by every instance a test starts, as instances of one deployment share them. */
export const SHARED_ENV = Object.freeze({
  NODE_ENV: 'test',
  API_KEYS: `alice:${TENANTS.alice},bob:${TENANTS.bob}`,
  TOKEN_SECRET: randomBytes(48).toString('base64'),
  MASTER_KEY: randomBytes(32).toString('base64'),
  LOG_LEVEL: 'silent',
  // Off unless a test is about them: many tests send bursts and streams of failures on purpose.
  RATE_LIMIT_PER_TENANT: '0',
  RATE_LIMIT_PER_TOKEN: '0',
  AUTH_FAILURES_PER_MINUTE: '0',
  // TEST_TOKEN_SIGNING=ML-DSA-65 (or -44, -87) runs every suite that starts a server with
  // ML-DSA-signed tokens (docs/testing.md); unset, tokens are HS256 as by default.
  ...(process.env.TEST_TOKEN_SIGNING ? { TOKEN_SIGNING: process.env.TEST_TOKEN_SIGNING } : {}),
});

export interface TestServer {
  readonly url: string;
  readonly config: Config;
  readonly store: Store;
  /** fetch with a JSON body and an Authorization header; returns status, headers and parsed body. */
  call(method: string, path: string, opts?: CallOptions): Promise<CallResult>;
  close(): Promise<void>;
}

export interface CallOptions {
  /** An API key or token; 'alice' / 'bob' name the test tenants' API keys. */
  readonly auth?: string;
  readonly body?: unknown;
  /** A raw body, sent as it is. */
  readonly raw?: string;
  readonly headers?: Record<string, string>;
}

export interface CallResult {
  readonly status: number;
  readonly headers: Headers;
  // Tests read arbitrary fields of JSON answers.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

export async function startServer(opts: { store?: Store; env?: Record<string, string>; logger?: Logger } = {}): Promise<TestServer> {
  const config = loadConfig({ ...SHARED_ENV, ...opts.env });
  const store = opts.store ?? new MemoryStore({ audit: auditOptions(config) });
  const { app, services } = buildApp({ config, store, logger: opts.logger ?? pino({ level: 'silent' }) });
  const server = app.listen(0, '127.0.0.1');
  answerClientErrors(server);
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    config,
    store,
    call: (method, path, o = {}) => call(url, method, path, o),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.crypto.close(); // the noble worker threads, if any were started
      if (!opts.store) await store.close();
    },
  };
}

export async function call(base: string, method: string, path: string, o: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...o.headers };
  const credential = o.auth === 'alice' || o.auth === 'bob' ? TENANTS[o.auth] : o.auth;
  if (credential) headers.authorization = `Bearer ${credential}`;
  let body: string | undefined = o.raw;
  if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
