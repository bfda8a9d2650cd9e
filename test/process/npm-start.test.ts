/**
 * `npm start`, the README's command: a SIGTERM to the npm process reaches the server itself,
 * which shuts down gracefully (requests in flight answered); npm waits for it and nothing is left
 * running. (npm 11 forwards the signal to its child; the script execs node, so that child is the
 * server and not a shell that would die and orphan it.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attempt, signRequest, startChild, TENANTS } from './child.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start (real process)', () => {
  it('SIGTERM to npm: the server drains, answers what is in flight, exits 0, and is not orphaned', async () => {
    const npm = startChild({ via: 'npm', env: { SHUTDOWN_DRAIN_MS: '500' } });
    const { url } = await npm.listening(30_000);
    const serverPid = npm.logs().find((l) => l.msg === 'listening')!.pid as number;
    assert.notEqual(serverPid, npm.pid, 'the server is npm’s child');
    await attempt(...signRequest(url, TENANTS.alice, -1));
    const burst = Array.from({ length: 20 }, (_, i) => attempt(...signRequest(url, TENANTS.alice, i)));
    await new Promise((r) => setTimeout(r, 20));
    npm.kill('SIGTERM');
    const outcomes = await Promise.all(burst);
    const { code, signal } = await npm.exited;
    assert.deepEqual(outcomes.map((o) => o.status ?? o.error), Array(20).fill(200));
    assert.ok(npm.logs().some((l) => l.msg === 'stopped' && l.code === 0 && l.pid === serverPid), npm.stdout());
    assert.equal(signal, null);
    assert.equal(code, 0, 'npm waited for the server and passes on its exit code');
    assert.equal(alive(serverPid), false, 'no server left running');
  });
});
