/**
 * WORKERS=2 on Redis, as a real process tree: both workers answer, a token's attempt limit is
 * exact across them, a crashed worker is replaced, and SIGTERM to the primary drains both with
 * every request answered.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { attempt, eventually, signRequest, startChild, TENANTS, type Child } from './child.ts';

describe('WORKERS=2 with Redis (real processes)', () => {
  let redis: TestRedis;
  let child: Child;
  let url: string;
  before(async () => {
    redis = await startRedis();
    child = startChild({ env: { REDIS_URL: redis.url, WORKERS: '2', SHUTDOWN_DRAIN_MS: '1000' } });
    ({ url } = await child.listening());
  });
  after(async () => {
    // child is unset when the before hook failed (dist/ stale, port taken): redis must still go,
    // or its process keeps the test runner waiting forever.
    try {
      child?.kill('SIGKILL');
    } finally {
      await redis?.dispose();
    }
  });

  const workerPids = () => new Set(child.logs().filter((l) => l.msg === 'worker listening').map((l) => l.pid as number));

  it('starts two workers besides the primary, and prints the banner once', async () => {
    await eventually(() => workerPids().size >= 2);
    const pids = workerPids();
    assert.equal(pids.size, 2);
    assert.ok(!pids.has(child.pid));
    assert.equal(child.stdout().match(/Post-quantum crypto API on/g)?.length, 1);
    assert.match(child.stdout(), /Workers: 2 processes/);
  });

  it('a token with 10 attempts gets exactly 10 requests through, served by both workers', async () => {
    const minted = await fetch(`${url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TENANTS.alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ expire_after_attempts: 10 }),
    });
    assert.equal(minted.status, 201);
    const { new_token: token, token_id: tokenId } = (await minted.json()) as { new_token: string; token_id: string };
    const key = randomBytes(32).toString('base64');
    // A new connection each, so that the primary deals them out to both workers.
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, () =>
        attempt(`${url}/v1/aes/encrypt`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', connection: 'close' },
          body: JSON.stringify({ unencrypted: 'x', key }),
        }),
      ),
    );
    const statuses = outcomes.map((o) => o.status ?? o.error);
    assert.equal(statuses.filter((s) => s === 200).length, 10, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 401).length, 20);
    const encrypts = () => child.logs().filter((l) => l.msg === 'request' && l.path === '/v1/aes/encrypt');
    await eventually(() => encrypts().length >= 30);
    assert.equal(new Set(encrypts().map((l) => l.pid as number)).size, 2, 'both workers served the token');
    assert.equal(encrypts().filter((l) => l.status === 200 && l.token_id === tokenId).length, 10);
  });

  it('a worker that crashes is replaced, and the service keeps answering', async () => {
    const original = workerPids();
    const [victim] = [...original];
    process.kill(victim!, 'SIGKILL');
    await child.waitForLog((l) => l.msg === 'worker exited unexpectedly: starting another' && l.worker_pid === victim);
    await child.waitForLog((l) => l.msg === 'worker listening' && !original.has(l.pid));
    for (let i = 0; i < 6; i++) assert.equal((await attempt(`${url}/healthz`, { headers: { connection: 'close' } })).status, 200);
  });

  it('SIGTERM to the primary drains both workers: every request in flight answered, exit 0', async () => {
    await attempt(...signRequest(url, TENANTS.alice, -1));
    const burst = Array.from({ length: 30 }, (_, i) => attempt(...signRequest(url, TENANTS.alice, i)));
    await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    const outcomes = await Promise.all(burst);
    const { code } = await child.exited;
    assert.deepEqual(outcomes.map((o) => o.status ?? o.error), Array(30).fill(200));
    assert.equal(code, 0, child.stdout() + child.stderr());
    const stopped = child.logs().filter((l) => l.msg === 'stopped' && l.code === 0).map((l) => l.pid as number);
    assert.equal(new Set(stopped).size, 2, 'both live workers shut down gracefully');
    const inFlight = child.logs().filter((l) => l.msg === 'shutting down: readiness is off, still serving during the drain').map((l) => l.in_flight as number);
    console.log(`cluster shutdown: 30/30 answered; in flight per worker at the signal: ${inFlight.join(', ')}`);
  });
});
