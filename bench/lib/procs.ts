/**
 * Child processes for the bench: servers started with a chosen node binary, each in its own
 * process group (so a server that forks cluster workers is stopped whole), ready when a GET answers.
 * Every child started here is stopped at exit, even when the bench fails.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/redis.ts';

export interface Service {
  readonly url: string;
  /** The last lines the child wrote to stderr (shown when it fails). */
  stderr(): string;
  /** CPU seconds (user + system) used so far by the child and its process group; null off Linux. */
  cpuSeconds(): number | null;
  /**
   * Of those, the child's main thread alone (the event loop: JavaScript, and the GC pauses it
   * takes); the rest is V8's helper threads (concurrent marking, compilation), libuv's and workers'.
   */
  mainThreadCpuSeconds(): number | null;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
/**
 * CPU time of a process group from /proc (Linux): on a machine shared with other work, the CPU a
 * server spends per request is far steadier than its request rate, which depends on its share.
 */
export function groupCpuSeconds(pgid: number): number | null {
  if (process.platform !== 'linux') return null;
  let ticks = 0;
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
    }
  } catch {
    return null;
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** CPU seconds of one thread (Linux: /proc/<pid>/task/<tid>/stat); null off Linux or when gone. */
export function threadCpuSeconds(pid: number, tid = pid): number | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

process.on('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

export async function startService(opts: {
  name: string;
  bin: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  readyPath?: string;
}): Promise<Service> {
  const port = await freePort();
  const child = spawn(opts.bin, opts.args, { env: { ...opts.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  live.add(child);
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    err = (err + chunk.toString()).slice(-4000);
  });
  let exited: number | null | undefined;
  const gone = new Promise<void>((resolve) => child.once('exit', (code) => ((exited = code), live.delete(child), resolve())));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited !== undefined) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`${opts.name} exited (${exited}) before listening:\n${err}`);
    try {
      if ((await fetch(url + (opts.readyPath ?? '/healthz'))).ok) return { url, stderr: () => err, cpuSeconds: () => groupCpuSeconds(child.pid!), mainThreadCpuSeconds: () => threadCpuSeconds(child.pid!), stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`${opts.name} did not answer on ${url} within 30 s:\n${err}`);
}

/** Our server's entry: compiled JavaScript when built, else the TypeScript source through tsx. */
export function ourEntry(): { args: string[]; entry: string; warning?: string } {
  if (!existsSync('dist/main.js')) return { args: ['--import', 'tsx', 'src/main.ts'], entry: 'src/main.ts via tsx' };
  const newest = (dir: string): number =>
    readdirSync(dir).reduce((m, name) => {
      const p = join(dir, name);
      const s = statSync(p);
      return Math.max(m, s.isDirectory() ? newest(p) : s.mtimeMs);
    }, 0);
  const stale = newest('src') > statSync('dist/main.js').mtimeMs;
  return { args: ['dist/main.js'], entry: 'dist/main.js', ...(stale ? { warning: 'dist/main.js is older than src/: rebuild it (npm run build:dist) or the figures are for old code' } : {}) };
}

/**
 * The environment of our server in a bench: this process's, without what would change the
 * measurement (Redis, workers, rate limits, port, host), then production with one API key,
 * the run's shared secrets, one process and the rate limits off; then `extra`.
 */
export function ourEnv(secrets: { readonly apiKey: string; readonly tokenSecret: string; readonly masterKey: string }, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (/^(REDIS_|WORKERS$|RATE_LIMIT_|AUTH_FAILURES_|PORT$|HOST$)/.test(key)) delete env[key];
  return {
    ...env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    API_KEYS: `bench:${secrets.apiKey}`,
    TOKEN_SECRET: secrets.tokenSecret,
    MASTER_KEY: secrets.masterKey,
    // Production needs /metrics guarded; the bench does not read it.
    METRICS_TOKEN: randomBytes(24).toString('base64url'),
    WORKERS: '1',
    RATE_LIMIT_PER_TENANT: '0',
    RATE_LIMIT_PER_TOKEN: '0',
    AUTH_FAILURES_PER_MINUTE: '0',
    ...extra,
  };
}

/**
 * The order in which `n` contenders are measured in round `round` of an alternating comparison:
 * each order forwards and then backwards, rotated by one every two rounds (A B C, C B A, B C A,
 * A C B, C A B, B A C; with two, A B, B A, B A, A B), so that none is always measured first and
 * none always right after the same other one (a plain rotation, A B C, B C A, C A B, keeps B
 * always right after A).
 */
export function roundOrder(n: number, round: number): number[] {
  const order = Array.from({ length: n }, (_, k) => (k + Math.floor(round / 2)) % n);
  return round % 2 === 1 ? order.reverse() : order;
}
