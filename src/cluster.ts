/**
 * WORKERS with node:cluster: the primary forks that many serving processes (they share the
 * listening port), restarts one that crashes, and on SIGTERM/SIGINT passes the signal on and
 * waits for every worker's graceful shutdown. The primary itself serves nothing.
 *
 * Several processes behave as one service only when they share the store, so with the embedded
 * store the service stays one process (planWorkers says why).
 * @module
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { encodeBase64 } from './crypto/encoding.ts';
import { EXIT } from './startup.ts';

export interface WorkerPlan {
  readonly count: number;
  /** Why the count differs from what was asked, to print at start. */
  readonly note?: string;
}

/** How many processes: WORKERS, else the cores with a shared store; always 1 with the embedded one. */
export function planWorkers(config: Pick<Config, 'workers'>, storeKind: 'memory' | 'redis', cores = availableParallelism()): WorkerPlan {
  if (storeKind === 'memory') {
    if (config.workers !== undefined && config.workers > 1) {
      return {
        count: 1,
        note: `WORKERS=${config.workers} ignored: the embedded store lives inside one process, so the service runs as one process. Set REDIS_URL to run several.`,
      };
    }
    return { count: 1 };
  }
  return { count: config.workers ?? cores };
}

/**
 * The environment for workers: the same as the primary's, plus any secret the primary made for
 * this run (development), so that every worker accepts the same key and opens the same tokens.
 */
function workerEnv(config: Config): Record<string, string> {
  const env: Record<string, string> = {};
  if (config.generated.includes('API_KEYS')) env.API_KEYS = config.apiKeys.map((k) => `${k.tenant}:${k.key}`).join(',');
  if (config.generated.includes('TOKEN_SECRET')) env.TOKEN_SECRET = encodeBase64(config.tokenSecret);
  if (config.generated.includes('MASTER_KEY')) env.MASTER_KEY = encodeBase64(config.masterKey);
  return env;
}

/** A worker crashing this often is not going to get better: stop rather than spin. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 30_000;

export interface PrimaryOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly count: number;
  /** Called once, when every first-generation worker listens. */
  readonly onListening: (port: number) => void;
}

export function runPrimary({ config, logger, count, onListening }: PrimaryOptions): void {
  const env = workerEnv(config);
  const listened = new Set<number>();
  const restarts: number[] = [];
  let announced = false;
  let stopping = false;
  let exitCode: number = EXIT.ok;
  /**
   * Workers not yet gone. A worker is gone when its process has exited AND its IPC channel has
   * closed: the two arrive in either order, and a busy machine can deliver the exit first, with
   * the worker's start-up-failure message still unread in the channel. Counting cluster.workers
   * instead let the primary wait on workers node had not removed yet, then end by itself with
   * nothing left to do: exit code 0 after a failed start.
   */
  const live = new Set<Worker>();
  const gone = new Set<number>();

  const fork = () => live.add(cluster.fork(env));
  const alive = () => [...live].filter((w) => !w.isDead());
  const exit = () => process.exit(exitCode);
  const fail = (code: number) => {
    if (exitCode !== EXIT.ok) return;
    exitCode = code;
    // Should the primary end without calling exit (nothing left on its event loop), it still
    // reports the failure.
    process.exitCode = code;
  };

  const stopAll = (reason: string, code?: number) => {
    if (code !== undefined) fail(code);
    if (stopping) return;
    stopping = true;
    logger.info({ reason, workers: alive().length }, 'stopping the workers');
    for (const worker of alive()) worker.process.kill('SIGTERM');
    // Each worker has its own deadline; this one only covers a worker that hangs anyway.
    setTimeout(() => {
      for (const worker of alive()) worker.process.kill('SIGKILL');
      process.exit(EXIT.failure);
    }, config.shutdownDrainMs + config.shutdownTimeoutMs + 5_000).unref();
    if (live.size === 0) exit();
  };

  let reported = false;
  cluster.on('message', (_worker, message: unknown) => {
    const m = message as { type?: string; line?: string; exitCode?: number } | null;
    if (m?.type !== 'startup-failure') return;
    // Every worker meets the same busy port or bad setting: print it once.
    if (!reported) process.stderr.write(`${m.line}\n`);
    reported = true;
    stopAll('a worker could not start', m.exitCode ?? EXIT.failure);
  });
  cluster.on('listening', (worker, address) => {
    listened.add(worker.id);
    if (!announced && listened.size >= count) {
      announced = true;
      onListening(address.port);
    }
  });
  // Whichever of the two comes last decides that the worker is gone.
  cluster.on('exit', (worker) => {
    if (!worker.isConnected()) workerGone(worker);
  });
  cluster.on('disconnect', (worker) => {
    if (worker.isDead()) workerGone(worker);
  });

  function workerGone(worker: Worker): void {
    if (gone.has(worker.id)) return;
    gone.add(worker.id);
    live.delete(worker);
    const code = worker.process.exitCode;
    const signal = worker.process.signalCode;
    if (stopping) {
      if (code !== 0) fail(EXIT.failure);
      if (live.size === 0) exit();
      return;
    }
    if (!listened.has(worker.id)) {
      // Died before serving: a start-up failure, already reported by the worker when it could
      // (its message, if any, has been read: the channel is closed).
      stopAll('a worker exited before it listened', code || EXIT.failure);
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while (restarts.length > 0 && restarts[0]! < now - RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length > MAX_RESTARTS) {
      logger.error({ worker_pid: worker.process.pid, code, signal, restarts: restarts.length }, 'workers keep crashing: stopping');
      stopAll('crash loop', EXIT.failure);
      return;
    }
    logger.warn({ worker_pid: worker.process.pid, code, signal }, 'worker exited unexpectedly: starting another');
    fork();
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stopAll(signal));
  for (let i = 0; i < count; i++) fork();
}
