/**
 * Store round trips per request on Redis, counted at the client (every command the store sends):
 * with the rate limits on, a request with a temporary token is one script (its own counter, its
 * lineage, revocation and attempt together, on the family's hash tag), and a request with an API
 * key makes none of its own: the tenant's places are reserved a batch at a time (one command per
 * batch, and at least one per one-second window). A second round trip per request fails here.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { failFastRedisOptions, RedisStore } from '../../src/stores/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let redis: TestRedis;
let server: TestServer;
/** Every command the store sent: its name and first key. */
const sent: { name: string; key: string }[] = [];

before(async () => {
  redis = await startRedis();
  const client = new Redis(redis.url, { ...failFastRedisOptions });
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: { name: string; args: unknown[] }, ...rest: unknown[]) => {
    // EVALSHA sha numkeys key...: the first key names the script's subject.
    const key = command.name === 'evalsha' || command.name === 'eval' ? String(command.args[2]) : String(command.args[0] ?? '');
    sent.push({ name: command.name, key });
    return (send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as typeof client.sendCommand;
  const store = new RedisStore({ client, ownsClient: true });
  // 3,200 a second: batches of 100 places (sharedTenantBatch).
  server = await startServer({ store, env: { RATE_LIMIT_PER_TENANT: '3200', RATE_LIMIT_PER_TOKEN: '1000', AUTH_FAILURES_PER_MINUTE: '60' } });
});
after(async () => {
  await server.close();
  await server.store.close();
  await redis.dispose();
});

const pk = Buffer.from(ml_kem768.keygen().publicKey).toString('base64');
const N = 30;

/**
 * The commands sent while `work` ran, and how many one-second windows it spanned (each may need a
 * reservation). A script's first run on a connection is EVALSHA, refused NOSCRIPT, then EVAL with
 * its text: that EVAL (once per script) is left out.
 */
async function counting(work: () => Promise<void>): Promise<{ commands: { name: string; key: string }[]; windows: number }> {
  const from = sent.length;
  const started = Date.now();
  await work();
  const all = sent.slice(from);
  assert.ok(all.filter((c) => c.name === 'eval').length <= 4, 'each script is loaded once');
  // The connection's own set-up (the client connects at its first command) is no request's.
  const setUp = new Set(['client', 'info', 'hello', 'auth', 'select', 'ping', 'readonly']);
  return { commands: all.filter((c) => c.name !== 'eval' && !setUp.has(c.name)), windows: Math.ceil((Date.now() - started) / 1000) + 1 };
}

const isTenantReservation = (c: { name: string; key: string }) => c.name === 'evalsha' && c.key.includes(':rl:tenant:');

test(`${N} requests with an API key: no round trip of their own, one reservation per batch of tenant places`, async () => {
  const { commands, windows } = await counting(async () => {
    for (let i = 0; i < N; i++) assert.equal((await server.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk } })).status, 200);
  });
  assert.deepEqual(commands.filter((c) => !isTenantReservation(c)), [], 'nothing but tenant reservations');
  assert.ok(commands.length >= 1 && commands.length <= windows, `${commands.length} reservations over ${windows} windows`);
});

test(`${N} requests with a token: one script each (counter, lineage, attempt), plus the tenant's reservations`, async () => {
  const minted = await server.call('POST', '/v1/tokens', { auth: 'alice', body: { expire_after_attempts: 1000 } });
  assert.equal(minted.status, 201);
  const token = minted.body.new_token as string;
  const { commands, windows } = await counting(async () => {
    for (let i = 0; i < N; i++) assert.equal((await server.call('POST', '/v1/kem/encapsulate', { auth: token, body: { pk } })).status, 200);
  });
  const admissions = commands.filter((c) => c.name === 'evalsha' && c.key.includes(':rl:token:'));
  assert.equal(admissions.length, N, 'one admission script per request');
  const rest = commands.filter((c) => !admissions.includes(c));
  // The first request of a window may find no place held: then it reads, reserves and uses its
  // attempt apart (three commands), once per window.
  const reservations = rest.filter(isTenantReservation);
  assert.ok(reservations.length <= windows, `${reservations.length} reservations over ${windows} windows`);
  const attemptsApart = rest.filter((c) => !isTenantReservation(c));
  assert.ok(attemptsApart.every((c) => c.key.includes(':tok:')), JSON.stringify(attemptsApart));
  assert.ok(attemptsApart.length <= windows, `${attemptsApart.length} attempts used apart over ${windows} windows`);
  assert.ok(commands.length <= N + 2 * windows, `${commands.length} commands for ${N} requests`);
  const current = await server.call('GET', '/v1/tokens/current', { auth: token });
  assert.equal(current.body.attempts_left, 1000 - N, 'each request used exactly one attempt');
});
