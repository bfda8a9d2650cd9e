/**
 * The cluster primary (src/cluster.ts) after a worker's failed start, in the order a busy
 * machine can deliver the events: the worker's exit first, its start-up-failure message and the
 * end of its IPC channel later. On Node 24 under load, "WORKERS=2 on a busy port" (startup.test.ts)
 * sometimes exited 0 this way; the fixture workers (fixtures/cluster-worker.ts) make that order
 * certain, so this fails every time on a primary with the race.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './child.ts';

function runPrimary(env: Record<string, string>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/process/fixtures/cluster-primary.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // Generous: the primary should end within a second or so; the hard limit is only against a hang.
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    }),
  );
}

describe('cluster primary: a worker whose failure message arrives after its exit', () => {
  for (const workers of ['1', '2']) {
    it(`WORKERS=${workers}: exits with the worker's code (2), never 0, and prints its line once`, async () => {
      const { code, signal, stderr } = await runPrimary({ FIXTURE_WORKERS: workers, FIXTURE_LATE_MS: '300' });
      assert.equal(signal, null);
      assert.equal(code, 2, stderr);
      // The message came after the exit: the primary still waited for it.
      assert.deepEqual(stderr.split('\n').filter(Boolean), ['Cannot listen: fixture port is already in use (PORT=1)']);
    });
  }
});
