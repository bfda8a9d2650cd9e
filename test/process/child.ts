/**
 * The real server as a child process: `node dist/main.js` (what production and `npm start` run;
 * scripts/test.mjs rebuilds dist/ before these tests) or `npm start` itself. Collects its output,
 * parses its JSON log lines, and finds the port it bound (PORT=0).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { SHARED_ENV, TENANTS } from '../helpers/server.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(ROOT, 'dist', 'main.js');

export { TENANTS };

/** A production-like environment for the child: the test secrets, logs on, port picked by the OS. */
export const CHILD_ENV: Record<string, string> = {
  ...SHARED_ENV,
  LOG_LEVEL: 'info',
  PORT: '0',
  HOST: '127.0.0.1',
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LogLine = Record<string, any>;

export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** The JSON log lines so far. */
  logs(): LogLine[];
  /** Resolves with the first log line that `match` accepts (rejects at exit or after timeoutMs). */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** The port from the 'listening' line, and the base URL (default timeout 90 s: a start on a busy machine). */
  listening(timeoutMs?: number): Promise<{ port: number; url: string }>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

function newestMtime(dir: string): number {
  return Math.max(
    ...readdirSync(dir).map((name) => {
      const path = join(dir, name);
      const stat = statSync(path);
      return stat.isDirectory() ? newestMtime(path) : stat.mtimeMs;
    }),
  );
}

/** Fails clearly when dist/ is missing or older than src/ (run through `npm test`, it is rebuilt). */
export function assertDistFresh(): void {
  if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: run `npm run build:dist` (npm test does it)');
  if (newestMtime(join(ROOT, 'src')) > statSync(MAIN).mtimeMs) throw new Error('dist/ is older than src/: run `npm run build:dist` (npm test does it)');
}

export interface StartOptions {
  readonly env?: Record<string, string>;
  /** `node dist/main.js` (default) or `npm start` in the project directory. */
  readonly via?: 'node' | 'npm';
}

/** Every child still running; killed when the test file is done, even after a failed assertion. */
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) {
    try {
      // npm runs in its own process group (see below): the group includes the server.
      if (child.spawnargs[0] === 'npm') process.kill(-child.pid!, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

export function startChild(opts: StartOptions = {}): Child {
  assertDistFresh();
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...CHILD_ENV, ...opts.env };
  // Outside the project, so a developer's .env cannot leak in (npm start must run in the project;
  // variables given here win over a .env there).
  const child =
    opts.via === 'npm'
      ? spawn('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
      : spawn(process.execPath, [MAIN], { cwd: mkdtempSync(join(tmpdir(), 'pq-api-child-')), env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  let err = '';
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const part of parts) {
      if (!part.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(part) as LogLine);
      } catch {
        // not a log line
      }
    }
    for (const wake of [...waiters]) wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once('exit', (code, signal) => {
      // Let the last output arrive.
      setTimeout(() => {
        resolveExit({ code, signal });
        for (const wake of [...waiters]) wake();
      }, 50);
    }),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 15_000) =>
    new Promise<LogLine>((resolveLine, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching log line within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`));
      }, timeoutMs);
      const check = () => {
        const found = lines.find(match);
        if (found) {
          clearTimeout(timer);
          waiters.delete(check);
          resolveLine(found);
        } else if (hasExited) {
          clearTimeout(timer);
          waiters.delete(check);
          reject(new Error(`the server exited without a matching log line; stdout:\n${out}\nstderr:\n${err}`));
        }
      };
      waiters.add(check);
      check();
    });

  return {
    process: child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    logs: () => [...lines],
    waitForLog,
    // A start loads the compiled server in every process (about 2 s of CPU each, measured: so
    // about 6 s for a primary and two workers on a quiet 2-core machine) and three or more times
    // that on a busy one: 15 s was not enough there (issue 18, item 10).
    listening: async (timeoutMs = 90_000) => {
      const line = await waitForLog((l) => l.msg === 'listening', timeoutMs);
      return { port: line.port as number, url: `http://127.0.0.1:${line.port}` };
    },
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** The outcome of one request: its status, or the error code of a request that got no answer. */
export interface Outcome {
  readonly status?: number;
  readonly error?: string;
  readonly connection?: string | null;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** One request; never rejects (a failure is recorded with the deepest error code found). */
export async function attempt(url: string, init: RequestInit): Promise<Outcome> {
  const startedAt = Date.now();
  try {
    const res = await fetch(url, init);
    await res.arrayBuffer();
    return { status: res.status, connection: res.headers.get('connection'), startedAt, endedAt: Date.now() };
  } catch (error) {
    let e: unknown = error;
    let code = 'unknown';
    while (e instanceof Error) {
      const c = (e as NodeJS.ErrnoException).code;
      if (c) code = c;
      e = e.cause;
    }
    if (code === 'unknown' && error instanceof Error) code = error.message;
    return { error: code, startedAt, endedAt: Date.now() };
  }
}

export const signRequest = (base: string, credential: string, i: number): [string, RequestInit] => [
  `${base}/v1/dsa/sign`,
  {
    method: 'POST',
    headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
    body: JSON.stringify({ data: `message ${i}` }),
  },
];

/** Resolves once `predicate` holds, or after about 5 s (log lines arrive asynchronously). */
export async function eventually(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 25));
}
