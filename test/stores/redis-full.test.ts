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
import { StoreFullError } from '../../src/stores/store.ts';
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
    // Room for a few dozen mints: each writes its token, its place in the tenant's count and a
    // security entry of the audit trail (about 0.8 KiB together), and requests in flight hold
    // buffers that Redis counts too (so how many fit varies from run to run: 26 to 41 in 96 KiB).
    const limit = (await usedMemory(admin)) + 192 * 1024;
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
    // One script's growth at most: here small records and small sets (the last suite shows the largest step).
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

/**
 * Attack 5 of 2026-12-06: with the rate limits on (as in production), a full Redis answered 507 to
 * `DELETE /v1/tokens/{id}` (the counter write was refused first), so a leaked token could not be
 * revoked, and worked again once Redis had room. Revocation and key deletion only take away: their
 * counters fail open on a full store, and their own writes only shrink it.
 */
describe('on a full Redis, revocation and key deletion still work with the rate limits on (redis store)', () => {
  const LIMITS = { RATE_LIMIT_PER_TENANT: '1000', RATE_LIMIT_PER_TOKEN: '50', AUTH_FAILURES_PER_MINUTE: '60' };
  let redis: TestRedis;
  let admin: Redis;
  const stores: RedisStore[] = [];
  const servers: TestServer[] = [];
  before(async () => {
    redis = await startRedis(['--maxmemory-policy', 'noeviction']);
    admin = new Redis(redis.url);
    // Two instances, each with its own connection, as two processes would have.
    for (let i = 0; i < 2; i++) {
      const store = new RedisStore({ url: redis.url });
      stores.push(store);
      servers.push(await startServer({ store, env: LIMITS }));
    }
  });
  after(async () => {
    await admin.config('SET', 'maxmemory', '0').catch(() => {});
    for (const server of servers) await server.close();
    for (const store of stores) await store.close();
    admin.disconnect();
    await redis.dispose();
  });

  test('DELETE /v1/tokens/{id} and /v1/keys/{id} answer 204 on a full Redis; the token and its child are then dead on every instance', async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const mint = async (auth: string, body: object = {}) => {
      const res = await a.call('POST', '/v1/tokens', { auth, body });
      assert.equal(res.status, 201);
      return res.body as { new_token: string; token_id: string };
    };
    const leaked = await mint('alice', { expire_after_attempts: 10 });
    const child = await mint(leaked.new_token);
    const selfRevoking = await mint('alice');
    const key = (await a.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body.key_id as string;
    // Every script and path once (Redis counts its script cache in used_memory), before the limit.
    const spare = await mint('bob');
    await b.call('GET', '/v1/tokens/current', { auth: spare.new_token });
    await b.call('POST', '/v1/dsa/verify', { auth: spare.new_token, body: {} });
    await b.call('DELETE', `/v1/tokens/${spare.token_id}`, { auth: 'bob' });
    await b.call('GET', '/v1/tokens/current', { auth: spare.new_token });
    const spareKey = (await a.call('POST', '/v1/kem/keypair', { auth: 'bob', body: {} })).body.key_id as string;
    await b.call('DELETE', `/v1/keys/${spareKey}`, { auth: 'bob' });

    await admin.config('SET', 'maxmemory', '1');
    try {
      // Full: what gives something out, or needs a counter written, is refused (fails closed).
      assert.equal((await a.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).status, 507);
      assert.equal((await b.call('GET', '/v1/tokens/current', { auth: 'alice' })).status, 507);
      assert.equal((await a.call('GET', '/v1/tokens/current', { auth: leaked.new_token })).status, 507);
      // What only takes away still works, with an API key or with the token itself.
      assert.equal((await a.call('DELETE', `/v1/tokens/${leaked.token_id}`, { auth: 'alice' })).status, 204);
      assert.equal((await b.call('DELETE', `/v1/tokens/${selfRevoking.token_id}`, { auth: selfRevoking.new_token })).status, 204);
      assert.equal((await b.call('DELETE', `/v1/keys/${key}`, { auth: 'alice' })).status, 204);
      // Dead at once: never let through while full.
      for (const server of servers) {
        for (const token of [leaked, child, selfRevoking]) {
          const res = await server.call('DELETE', `/v1/tokens/${token.token_id}`, { auth: token.new_token });
          assert.ok(res.status === 401 || res.status === 507, `${res.status}: a revoked token was let through`);
        }
      }
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    // With room again, nothing came back to life, on either instance.
    for (const server of servers) {
      for (const token of [leaked, child, selfRevoking]) {
        assert.equal((await server.call('GET', '/v1/tokens/current', { auth: token.new_token })).status, 401);
        assert.equal((await server.call('POST', '/v1/dsa/verify', { auth: token.new_token, body: {} })).status, 401);
      }
      assert.equal((await server.call('GET', `/v1/keys/${key}`, { auth: 'alice' })).status, 404);
    }
  });
});

/**
 * What "one script's worth" past maxmemory can be: a script is judged before it runs, and the
 * largest single growth is a sorted set's hash table doubling as it passes a power of two (the
 * tenant's live-token count here; the key index alike), about 16 bytes per member at once. Redis
 * guards its keyspace tables against such a jump on a full store, not those inside a value.
 * docs/security.md quotes this figure.
 */
describe('how far past maxmemory one growing script can go (redis store)', () => {
  test("the tenant's live-token count passing 8192 entries: one reservation goes ~100 KiB past, the next is refused", async () => {
    const redis = await startRedis(['--maxmemory-policy', 'noeviction']);
    const admin = new Redis(redis.url);
    const store = new RedisStore({ url: redis.url });
    try {
      const exp = Date.now() + 3_600_000;
      for (let i = 0; i < 8192; i += 256) {
        await Promise.all(Array.from({ length: 256 }, (_, j) => store.tokens.reserveToken('acme', `t${i + j}`, exp, 0, Date.now())));
      }
      const used = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
      // Room for the small ups and downs of used_memory between reading it and the next command.
      const limit = (await used()) + 64 * 1024;
      await admin.config('SET', 'maxmemory', String(limit));
      assert.equal(await store.tokens.reserveToken('acme', 't8192', exp, 0, Date.now()), true, 'under the limit: allowed');
      const over = (await used()) - limit;
      console.log(`# one reservation at 8193 entries went ${over} bytes past maxmemory`);
      assert.ok(over > 32 * 1024, `the table doubled: ${over} bytes past`);
      assert.ok(over < 24 * 8192, `at most ~20 bytes per entry: ${over} bytes past`);
      await assert.rejects(store.tokens.reserveToken('acme', 't8193', exp, 0, Date.now()), StoreFullError);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
      await store.close();
      admin.disconnect();
      await redis.dispose();
    }
  });
});
