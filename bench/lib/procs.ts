/**
 * Child processes for the bench: servers started with a chosen node binary, each in its own
 * process group (so a server that forks cluster workers is stopped whole), ready when a GET answers.
 * Every child started here is stopped at exit, even when the bench fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../test/helpers/redis.ts';

export interface Service {
  readonly url: string;
  /** The last lines the child wrote to stderr (shown when it fails). */
  stderr(): string;
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
      if ((await fetch(url + (opts.readyPath ?? '/healthz'))).ok) return { url, stderr: () => err, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`${opts.name} did not answer on ${url} within 30 s:\n${err}`);
}
