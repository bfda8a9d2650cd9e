/**
 * Attack 2 of 2026-11-23: one tenant filling a Redis that has maxmemory and noeviction. Now every
 * script that grows the store is refused whole before it runs (507 store-full, nothing written),
 * Redis ends at most one script's worth past its limit, tokens already minted keep working and can
 * be revoked, and the error log carries nothing of the refused commands.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/logger.ts';
import { RedisStore } from '../../src/stores/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/** used_memory less the clients' buffers (which the concurrent requests of the test itself fill). */
const usedMemory = async (admin: Redis) => {
  const info = await admin.info('memory');
  const field = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)![1]);
  return field('used_memory') - field('mem_clients_normal');
};

describe('a full Redis refuses, never overflows (redis store)', () => {
  let redis: TestRedis;
  let admin: Redis;
  let store: RedisStore;
  let server: TestServer;
  let logged = '';
  before(async () => {
    redis = await startRedis(['--maxmemory-policy', 'noeviction']);
    admin = new Redis(redis.url);
    store = new RedisStore({ url: redis.url });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk);
        done();
      },
    });
    server = await startServer({ store, logger: createLogger('info', sink) });
  });
  after(async () => {
    await server.close();
    await store.close();
    admin.disconnect();
    await redis.dispose();
  });

  test('mints until full: 201s then 507 store-full, at most one script past maxmemory, nothing half-written', async () => {
    const early = await server.call('POST', '/v1/tokens', { auth: 'alice', body: { expire_after_attempts: 10 } });
    assert.equal(early.status, 201);
    // Every script loaded once (Redis counts its script cache in used_memory), before the limit.
    const warm = await server.call('POST', '/v1/tokens', { auth: 'bob', body: {} });
    await server.call('GET', '/v1/tokens/current', { auth: warm.body.new_token });
    await server.call('POST', '/v1/dsa/verify', { auth: warm.body.new_token, body: {} });
    await server.call('DELETE', `/v1/tokens/${warm.body.token_id}`, { auth: 'bob' });
    await server.call('POST', '/v1/kem/keypair', { auth: 'bob', body: {} });
    const limit = (await usedMemory(admin)) + 96 * 1024;
    await admin.config('SET', 'maxmemory', String(limit));

    const statuses: Record<number, number> = {};
    let maxOver = 0;
    for (let round = 0; round < 100 && !(statuses[507]! >= 40); round++) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => server.call('POST', '/v1/tokens', { auth: round % 2 ? 'alice' : 'bob', body: { expiry_time: 600 } })),
      );
      for (const a of answers) {
        statuses[a.status] = (statuses[a.status] ?? 0) + 1;
        if (a.status === 507) assert.equal(a.body.type, 'urn:pq-crypto-api:problem:store-full');
        assert.ok(a.status === 201 || a.status === 507, `${a.status} ${JSON.stringify(a.body)}`);
      }
      maxOver = Math.max(maxOver, (await usedMemory(admin)) - limit);
    }
    assert.ok(statuses[201]! >= 30, `some mints fit: ${JSON.stringify(statuses)}`);
    assert.ok(statuses[507]! >= 40, `then the store refused: ${JSON.stringify(statuses)}`);
    console.log(`# redis full: ${JSON.stringify(statuses)}, at most ${maxOver} bytes past maxmemory (${limit})`);
    // One script's growth at most (a sorted set changing encoding is the largest single step seen).
    assert.ok(maxOver <= 8192, `${maxOver} bytes past maxmemory`);

    // Nothing half-written: every counted token exists, and every token is counted.
    const tokens = await admin.keys('pqapi:{f:*}:tok:*');
    const counted = (await admin.zcard('pqapi:{t:alice}:tokens')) + (await admin.zcard('pqapi:{t:bob}:tokens'));
    assert.equal(tokens.length, statuses[201]! + 1);
    console.log(`# redis full: ${tokens.length} token records, ${counted} counted`);
    assert.equal(counted, tokens.length);

    // A full store still serves and revokes the tokens it has (those scripts only shrink or rewrite).
    assert.equal((await server.call('GET', '/v1/tokens/current', { auth: early.body.new_token })).body.attempts_left, 10);
    assert.equal((await server.call('POST', '/v1/dsa/verify', { auth: early.body.new_token, body: {} })).status, 422);
    assert.equal((await server.call('GET', '/v1/tokens/current', { auth: early.body.new_token })).body.attempts_left, 9);
    assert.equal((await server.call('DELETE', `/v1/tokens/${early.body.token_id}`, { auth: 'alice' })).status, 204);

    // A key pair is refused whole too, and the log line says why without the refused command.
    const keypair = await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} });
    assert.equal(keypair.status, 507);
    assert.equal((await admin.keys('pqapi:{t:alice}:key:*')).length, 0);
    assert.match(logged, /store full/);
    assert.doesNotMatch(logged, /sealedSeed|"args"|"command"|publicKey/);
    await admin.config('SET', 'maxmemory', '0');
  });
});
