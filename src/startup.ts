/**
 * Start-up: the checks made before serving (the store answers; Redis keeps what it must keep) and
 * start-up failures reported as one line naming the cause and the variable or port, with an exit
 * code an operator or orchestrator can tell apart (never a stack trace).
 * @module
 */
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Store } from './stores/store.ts';

/** Exit codes (the 6x/7x ones from sysexits.h), listed in docs/operations.md. */
export const EXIT = Object.freeze({
  /** Stopped on a signal after every request in flight was answered. */
  ok: 0,
  /** The shutdown deadline cut requests, a worker kept crashing, or an unexpected error. */
  failure: 1,
  /** Cannot listen: port in use, no permission, address not on this machine. */
  listen: 2,
  /** EX_UNAVAILABLE: the store does not answer at start (production). */
  storeUnavailable: 69,
  /** EX_CONFIG: the configuration is invalid. */
  config: 78,
});

/** How long a production start waits for the store to answer before giving up. */
export const STARTUP_STORE_WAIT_MS = 5_000;

/** A start-up failure: `message` is the one line printed; `exitCode` the process's exit code. */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

/**
 * Prints the failure as one line on stderr and exits. In a cluster worker, the line goes to the
 * primary instead, which prints the first one only (every worker meets the same busy port).
 */
export function exitWithStartupFailure(error: unknown, logLevel: string = 'info'): void {
  const failure =
    error instanceof StartupError
      ? error
      : new StartupError(`Start-up failed: ${error instanceof Error ? error.message : String(error)}`, EXIT.failure);
  // The stack of an unexpected error only when asked for (LOG_LEVEL=debug or trace).
  const detail = !(error instanceof StartupError) && error instanceof Error && /^(debug|trace)$/.test(logLevel) ? `\n${error.stack}` : '';
  const line = failure.message.replace(/\s*\n\s*/g, ' ');
  if (cluster.isWorker && process.send) {
    process.send({ type: 'startup-failure', line: line + detail, exitCode: failure.exitCode }, () => process.exit(failure.exitCode));
    // Should the channel be gone, exit all the same.
    setTimeout(() => process.exit(failure.exitCode), 1_000);
    return;
  }
  process.stderr.write(`${line}${detail}\n`);
  process.exit(failure.exitCode);
}

/** The one line for a failed listen, naming the port or the host and the variable to change. */
export function listenFailure(error: NodeJS.ErrnoException, config: Pick<Config, 'port' | 'host'>): StartupError {
  const { port, host } = config;
  switch (error.code) {
    case 'EADDRINUSE':
      return new StartupError(`Cannot listen: port ${port} on ${host} is already in use (PORT=${port}); stop the other process or set PORT to a free port.`, EXIT.listen);
    case 'EACCES':
    case 'EPERM':
      return new StartupError(`Cannot listen: no permission to use port ${port} (PORT=${port}); ports below 1024 need privileges, use a higher PORT.`, EXIT.listen);
    case 'EADDRNOTAVAIL':
      return new StartupError(`Cannot listen: address ${host} is not on this machine (HOST=${host}); use 127.0.0.1, 0.0.0.0 or one of this machine's addresses.`, EXIT.listen);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(`Cannot listen: HOST=${host} does not resolve to an address of this machine.`, EXIT.listen);
    default:
      return new StartupError(`Cannot listen on ${host}:${port} (HOST, PORT): ${error.code ?? error.message}.`, EXIT.listen);
  }
}

/** Which variable configures the store, and where it points (never a password). */
export function describeStore(config: Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'redisSentinels' | 'redisSentinelName'>): {
  variable: string;
  where: string;
} {
  const hostOf = (url: string) => {
    try {
      return new URL(url).host;
    } catch {
      return '(unparsable URL)';
    }
  };
  if (config.redisClusterNodes.length > 0) return { variable: 'REDIS_CLUSTER_NODES', where: config.redisClusterNodes.map(hostOf).join(',') };
  if (config.redisSentinels.length > 0) {
    return { variable: 'REDIS_SENTINELS', where: `primary "${config.redisSentinelName}" via ${config.redisSentinels.map((s) => `${s.host}:${s.port}`).join(',')}` };
  }
  if (config.redisUrl) return { variable: 'REDIS_URL', where: hostOf(config.redisUrl) };
  return { variable: '', where: 'this process' };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

/** What the start-up check found: the banner says it, so a wrong REDIS_URL does not look like a healthy start. */
export type StoreCheck = { readonly answers: true } | { readonly answers: false; readonly line: string };

/**
 * The store must answer before a production instance serves: otherwise every request would be a
 * 503 while the orchestrator believes the instance started. Elsewhere a silent store is only a
 * warning (requests needing it get 503 until it answers; /readyz says so), and the banner line
 * returned here.
 */
export async function checkStoreAnswers(store: Store, config: Config, logger: Logger, waitMs = STARTUP_STORE_WAIT_MS): Promise<StoreCheck> {
  if (store.kind === 'memory') return { answers: true };
  const { variable, where } = describeStore(config);
  const production = config.env === 'production';
  const deadline = Date.now() + (production ? waitMs : 0);
  let lastError: unknown;
  for (;;) {
    try {
      await store.ping();
      return { answers: true };
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(250, Math.max(0, deadline - Date.now())));
  }
  if (production) {
    throw new StartupError(
      `Store unavailable: Redis at ${where} (${variable}) did not answer within ${Math.round(waitMs / 1000)} s (${causeOf(lastError)}); not starting without it.`,
      EXIT.storeUnavailable,
    );
  }
  logger.warn({ store: where, variable, error: causeOf(lastError) }, 'redis does not answer yet: requests that need the store get 503 until it does');
  return {
    answers: false,
    line: `Store: Redis at ${where} (${variable}) DOES NOT ANSWER (${causeOf(lastError)}). Requests that need it get 503 until it does (/readyz says so); check ${variable} and that Redis runs.`,
  };
}

/** The first interval between two reports of a Redis that keeps failing, and the longest. */
export const REDIS_ERROR_REPORT_MS = Object.freeze({ first: 1_000, max: 60_000 });

/**
 * Connection errors of a Redis that is down, reported with backoff: ioredis retries about once a
 * second (twice or more with several hosts), and a line per retry buries everything else. The
 * first error is logged at once; later ones at 1, 2, 4 ... up to 60 s apart, each line with the
 * count of failed attempts so far; when the connection is back, one line says so and the next
 * failure starts again from the first.
 */
export function redisErrorReporter(logger: Logger, now: () => number = Date.now): { error(error: Error): void; ready(): void } {
  let failures = 0;
  let lastReportAt = 0;
  let intervalMs: number = REDIS_ERROR_REPORT_MS.first;
  return {
    error(error: Error) {
      failures++;
      const t = now();
      if (failures > 1 && t - lastReportAt < intervalMs) return;
      if (failures > 1) intervalMs = Math.min(intervalMs * 2, REDIS_ERROR_REPORT_MS.max);
      lastReportAt = t;
      // ioredis messages name the host and port, never the password.
      logger.warn({ error: error.message, failures, next_report_in_s: intervalMs / 1000 }, 'redis connection error');
    },
    ready() {
      if (failures > 0) logger.info({ failures }, 'redis connection is back');
      failures = 0;
      intervalMs = REDIS_ERROR_REPORT_MS.first;
    },
  };
}

/**
 * In production, warns when Redis would not keep revocations and used attempts across its own
 * restart (no append-only file), or could evict keys and tokens under memory pressure.
 */
export async function checkPersistence(store: Store, config: Config, logger: Logger): Promise<void> {
  if (config.env !== 'production') return;
  let report;
  try {
    report = await store.persistence();
  } catch (error) {
    logger.warn({ error: causeOf(error) }, 'cannot read the Redis persistence settings (INFO refused?): make sure the append-only file is on (see docs/operations.md)');
    return;
  }
  if (report === null) return; // a store that keeps nothing across a restart anyway
  if (!report.appendonly) {
    logger.warn(
      { appendonly: 'no' },
      'redis persistence: the append-only file is off, so a Redis restart goes back to the last snapshot at best: revoked tokens come back to life, used attempts are restored, recent keys are lost. Set appendonly yes and appendfsync everysec (docs/operations.md)',
    );
  } else if (report.appendfsync === 'no') {
    logger.warn({ appendfsync: 'no' }, 'redis persistence: appendfsync no leaves the last seconds of writes (revocations, attempts) to the OS and a crash can lose them; use appendfsync everysec');
  }
  if (report.maxmemoryPolicy !== undefined && report.maxmemoryPolicy !== 'noeviction') {
    logger.warn(
      { maxmemory_policy: report.maxmemoryPolicy },
      'redis may evict data under memory pressure: stored keys and token records would vanish. Set maxmemory-policy noeviction (a full Redis then refuses writes instead)',
    );
  }
}
