/**
 * The entry point (`node dist/main.js`, which `npm start` execs): configuration -> store ->
 * start-up checks -> one serving process, or a node:cluster primary with WORKERS of them. Wiring
 * only; the serving process and its graceful shutdown are in server.ts, the cluster in cluster.ts,
 * the start-up checks and failure lines in startup.ts.
 * @module
 */
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { describeCryptoBackend } from './crypto/select.ts';
import { planWorkers, runPrimary } from './cluster.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger } from './logger.ts';
import { serve, type Serving } from './server.ts';
import { checkPersistence, checkStoreAnswers, describeStore, EXIT, exitWithStartupFailure, redisErrorReporter, StartupError, type StoreCheck } from './startup.ts';
import { createStore } from './stores/index.ts';
import { quietWebCryptoExperimentalWarnings } from './lib/warnings.ts';
import type { Store } from './stores/store.ts';

async function main(): Promise<void> {
  quietWebCryptoExperimentalWarnings();
  // A .env file beside the project, if any (variables already in the environment win).
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new StartupError(`Configuration error: ${error.message}`, EXIT.config);
    throw error;
  }
  const logLevel = config.logLevel;
  try {
    await run(config);
  } catch (error) {
    exitWithStartupFailure(error, logLevel);
  }
}

async function run(config: Config): Promise<void> {
  // pid in every line: with WORKERS, several processes write to the same output.
  const base = createLogger(config.logLevel).child({ pid: process.pid });
  if (cluster.isWorker) return runServer(config, base, { banner: false });

  const store = openStore(config, base);
  const plan = planWorkers(config, store.kind);
  if (plan.note) base.warn(plan.note);
  const check = await checkStoreAnswers(store, config, base);
  await checkPersistence(store, config, base);
  if (plan.count === 1) return runServer(config, base, { banner: true, note: plan.note, store, check });

  // The primary only checked the store; each worker opens its own connection.
  await store.close();
  const logger = base.child({ role: 'primary' });
  runPrimary({
    config,
    logger,
    count: plan.count,
    onListening: (port) => {
      printBanner(config, port, store.kind, [...storeLines(config, check), `  Workers: ${plan.count} processes (node:cluster, WORKERS), sharing that store.`]);
      logger.info({ port, host: config.host, store: store.kind, env: config.env, workers: plan.count }, 'listening');
    },
  });
}

/** The store, with Redis connection errors logged with backoff (redisErrorReporter) rather than at every retry. */
function openStore(config: Config, logger: Logger): Store {
  const reporter = redisErrorReporter(logger);
  return createStore(config, { onError: (error) => reporter.error(error), onReady: () => reporter.ready() });
}

/** Where the shared store is, and, loudly, when it did not answer at start. */
function storeLines(config: Config, check: StoreCheck): string[] {
  if (!check.answers) return [`  ${check.line}`];
  const { variable, where } = describeStore(config);
  return variable === '' ? [] : [`  Store: Redis at ${where} (${variable}), shared by every instance that uses it.`];
}

async function runServer(config: Config, logger: Logger, opts: { banner: boolean; note?: string | undefined; store?: Store; check?: StoreCheck }): Promise<void> {
  // Signals are handled from the start: one that arrives while starting stops the server as soon
  // as it listens (and drains as usual).
  let serving: Serving | undefined;
  let stopReason: string | undefined;
  const stop = (reason: string) => {
    stopReason ??= reason;
    serving?.shutdown(reason).then(
      (code) => process.exit(code),
      (error: unknown) => {
        logger.error({ error: error instanceof Error ? error.message : String(error) }, 'shutdown failed');
        process.exit(EXIT.failure);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // A worker whose primary is gone would serve on unsupervised: stop it the same way.
  if (cluster.isWorker) process.on('disconnect', () => stop('the cluster primary went away'));

  const store = opts.store ?? openStore(config, logger);
  serving = await serve({ config, store, logger });
  if (opts.banner) {
    const lines = [...storeLines(config, opts.check ?? { answers: true }), `  ${describeCryptoBackend(serving.crypto)}`, ...(opts.note ? [`  ${opts.note}`] : [])];
    if (serving.demonstrations.length > 0) {
      lines.push(`  Demonstration keys for Swagger UI's examples (tenant "${config.apiKeys[0]!.tenant}", from public seeds, this run only): ${serving.demonstrations.join(', ')}.`);
    }
    printBanner(config, serving.port, store.kind, lines);
  }
  if (cluster.isWorker) logger.info({ port: serving.port }, 'worker listening');
  else logger.info({ port: serving.port, host: config.host, store: store.kind, env: config.env, ...(serving.metricsPort !== undefined ? { metrics_port: serving.metricsPort } : {}) }, 'listening');
  if (stopReason !== undefined) stop(stopReason);
}

/** Printed to the terminal, not the log: the person starting a development server needs the key. */
function printBanner(config: Config, port: number, storeKind: Store['kind'], extra: readonly string[]): void {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const base = `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${port}`;
  const lines = [`\n  Post-quantum crypto API on ${base}`, `  Swagger UI: ${base}/docs    OpenAPI: ${base}/openapi.json`];
  if (config.generated.includes('API_KEYS')) {
    lines.push(`  Development API key (tenant "dev"; click Authorize in /docs and paste it):`, `    ${config.apiKeys[0]!.key}`);
  }
  if (storeKind === 'memory') {
    lines.push('  Store: embedded, in this process only. Keys and tokens are lost at restart and not shared with other instances; set REDIS_URL to share and keep them.');
  }
  const made = config.generated.filter((g) => g !== 'API_KEYS');
  if (made.length > 0) lines.push(`  Made ephemeral ${made.join(' and ')} for this run: tokens and stored keys will not survive a restart. Set them in .env to keep them.`);
  lines.push(...extra);
  process.stdout.write(lines.join('\n') + '\n\n');
}

main().catch((error: unknown) => exitWithStartupFailure(error));
