/**
 * Wiring only: configuration -> store -> buildApp -> listen, and a graceful shutdown.
 * @module
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createStore } from './stores/index.ts';

function start(): void {
  // A .env file beside the project, if any (variables already in the environment win).
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  // ioredis messages name the host and port, never the password.
  const store = createStore(config, (error) => logger.warn({ error: error.message }, 'redis connection error'));
  const { app } = buildApp({ config, store, logger });
  const server = app.listen(config.port, config.host, () => {
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const base = `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${port}`;
    logger.info({ port, host: config.host, store: store.kind, env: config.env }, 'listening');
    // Printed to the terminal, not the log: the person starting a development server needs the key.
    const lines = [`\n  Post-quantum crypto API on ${base}`, `  Swagger UI: ${base}/docs    OpenAPI: ${base}/openapi.json`];
    if (config.generated.includes('API_KEYS')) {
      lines.push(`  Development API key (tenant "dev"; click Authorize in /docs and paste it):`, `    ${config.apiKeys[0]!.key}`);
    }
    if (store.kind === 'memory') {
      lines.push('  Store: embedded, in this process only. Keys and tokens are lost at restart and not shared with other instances; set REDIS_URL to share and keep them.');
    }
    const made = config.generated.filter((g) => g !== 'API_KEYS');
    if (made.length > 0) lines.push(`  Made ephemeral ${made.join(' and ')} for this run: tokens and stored keys will not survive a restart. Set them in .env to keep them.`);
    process.stdout.write(lines.join('\n') + '\n\n');
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close(() => {
      store.close().finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

start();
