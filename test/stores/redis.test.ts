import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/stores/redis.ts';
import { StoreFullError, StoreUnavailableError, type ConsumeResult, type Store } from '../../src/stores/store.ts';
import { freePort, startRedis, type TestRedis } from '../helpers/redis.ts';
import { clientId, clientRecord, keyId, runStoreContract, storedKey, tokenRecord } from './contract.ts';
import { challengeId, challengeRecord } from './challenge-contract.ts';

let redis: TestRedis;
/** Whether a test stopped the server (so that a failed test cannot leave it down for the next). */
let redisStopped = false;
const stopRedis = async () => {
  redisStopped = true;
  await redis.stop();
};
const startRedisAgain = async () => {
  if (!redisStopped) return;
  await redis.start();
  redisStopped = false;
};
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.dispose();
});

/** Every store gets its own prefix, so tests never see each other's keys. */
const freshPrefix = () => `test-${randomUUID()}:`;

runStoreContract('redis', async () => {
  const store = new RedisStore({ url: redis.url, keyPrefix: freshPrefix() });
  return { store, cleanup: () => store.close() };
});

/** A plain client for looking at Redis directly. */
async function withAdmin<T>(use: (admin: Redis) => Promise<T>): Promise<T> {
  const admin = new Redis(redis.url);
  try {
    return await use(admin);
  } finally {
    await admin.quit();
  }
}

/** The hash tag Redis Cluster would shard `key` by (the whole key when it has none). */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

/** Calls every Store method once (with plausible arguments). */
function everyMethod(store: Store): Record<string, () => Promise<unknown>> {
  return {
    'keys.put': () => store.keys.put(storedKey('acme', keyId('kem', randomUUID())), 0),
    'keys.get': () => store.keys.get('acme', keyId('kem', 'k1')),
    'keys.findIdByFingerprint': () => store.keys.findIdByFingerprint('acme', 'fp'),
    'keys.addVersion': () => store.keys.addVersion('acme', keyId('dsa', 'd1'), storedKey('acme', keyId('dsa', 'd1')).versions[0]!),
    'keys.delete': () => store.keys.delete('acme', keyId('kem', 'k1')),
    'keys.list': () => store.keys.list('acme', { limit: 5 }),
    'keys.count': () => store.keys.count('acme'),
    'keys.countUse': () => store.keys.countUse('acme', keyId('shared', 's1'), 5),
    'keys.getOrPutRoleKey': () => store.keys.getOrPutRoleKey('acme', 'signing', storedKey('acme', keyId('dsa', 's1'))),
    'keys.getRoleKey': () => store.keys.getRoleKey('acme', 'signing'),
    'tokens.createToken': () => store.tokens.createToken('fam', 't2', tokenRecord('acme', 5)),
    'tokens.consumeAttempt': () => store.tokens.consumeAttempt('fam', 't1', []),
    'tokens.peekToken': () => store.tokens.peekToken('fam', 't1', []),
    'tokens.revokeToken': () => store.tokens.revokeToken('fam', 't1', 'acme'),
    'tokens.reserveToken': () => store.tokens.reserveToken('acme', 't1', Date.now() + 1000, 5, Date.now()),
    'tokens.releaseToken': () => store.tokens.releaseToken('acme', 't1'),
    'replay.claim': () => store.replay.claim('httpsig:cl_x', 'nonce', 60_000),
    'clients.put': () => store.clients.put(clientRecord('acme', clientId()), 0),
    'clients.get': () => store.clients.get('acme', clientId('c1')),
    'clients.find': () => store.clients.find(clientId('c1')),
    'clients.delete': () => store.clients.delete('acme', clientId('c1')),
    'clients.list': () => store.clients.list('acme', { limit: 5 }),
    'clients.count': () => store.clients.count('acme'),
    'challenges.create': () => store.challenges.create(challengeRecord('acme')),
    'challenges.consume': () => store.challenges.consume('acme', challengeId()),
    'counters.hit': () => store.counters.hit('tenant:acme', 1, 10, 1),
    'counters.charge': () => store.counters.charge('tenant:acme', 3, 1),
    'counters.refund': () => store.counters.refund('tenant:acme', 1),
    ping: () => store.ping(),
  };
}

/** Asserts that every method rejects with StoreUnavailableError, each within `withinMs`. */
async function assertAllUnavailable(store: Store, withinMs: number): Promise<void> {
  await Promise.all(
    Object.entries(everyMethod(store)).map(async ([name, call]) => {
      const started = Date.now();
      await assert.rejects(call(), StoreUnavailableError, `${name} should reject with StoreUnavailableError`);
      const elapsed = Date.now() - started;
      assert.ok(elapsed < withinMs, `${name} took ${elapsed} ms to reject`);
    }),
  );
}

async function waitUntilPingable(store: Store, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await store.ping();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

describe('redis store: layout', () => {
  test('key records and their indexes share the tenant hash tag, token lineages the family tag', async () => {
    const keyPrefix = freshPrefix();
    const store = new RedisStore({ url: redis.url, keyPrefix });
    try {
      await store.keys.put(storedKey('ac}me', keyId('kem', 'k1'), { expiresAtMs: Date.now() + 60_000 }), 0);
      const signing = keyId('dsa', 's1');
      await store.keys.getOrPutRoleKey('ac}me', 'signing', storedKey('ac}me', signing));
      await store.keys.addVersion('ac}me', signing, { ...storedKey('ac}me', signing).versions[0]!, version: 2 });
      await store.keys.put(storedKey('ac}me', keyId('shared', 'sh')), 0);
      await store.keys.countUse('ac}me', keyId('shared', 'sh'), 5);
      await store.keys.getOrPutRoleKey('ac}me', 'attestation', storedKey('ac}me', 'att_x'));
      await store.tokens.reserveToken('ac}me', 'root', Date.now() + 60_000, 10, Date.now());
      await store.tokens.createToken('fa{m}', 'root', tokenRecord('ac}me', 5));
      await store.tokens.createToken('fa{m}', 'child', tokenRecord('ac}me', 5));
      const keys = await withAdmin((admin) => admin.keys(`${keyPrefix}*`));
      // KEM record, its fingerprint, key index, expiry index; signing record, its versions, the
      // signing pointer; shared record, its uses; attestation; token count; two tokens
      assert.equal(keys.length, 13, keys.join('\n'));
      const tags = new Set(keys.map(hashTag));
      assert.deepEqual([...tags].sort(), ['f:fa%7Bm%7D', 't:ac%7Dme']);
    } finally {
      await store.close();
    }
  });

  test("a token's Redis expiry is its absolute expiresAtMs", async () => {
    const keyPrefix = freshPrefix();
    const store = new RedisStore({ url: redis.url, keyPrefix });
    try {
      const record = tokenRecord('acme', 5, 60_000);
      await store.tokens.createToken('fam', 't1', record);
      const [key] = await withAdmin((admin) => admin.keys(`${keyPrefix}*`));
      assert.ok(key);
      assert.equal(await withAdmin((admin) => admin.pexpiretime(key)), record.expiresAtMs);
    } finally {
      await store.close();
    }
  });

  test('a command issued right after construction waits for the connection instead of failing', async () => {
    const store = new RedisStore({ url: redis.url, keyPrefix: freshPrefix() });
    try {
      await store.ping();
    } finally {
      await store.close();
    }
  });

  test('a key prefix with braces is refused', () => {
    assert.throws(() => new RedisStore({ url: redis.url, keyPrefix: 'x{y}:' }), TypeError);
  });
});

describe('redis store: scripts and concurrency', () => {
  test('the attempt script survives SCRIPT FLUSH (sent again on NOSCRIPT)', async () => {
    const store = new RedisStore({ url: redis.url, keyPrefix: freshPrefix() });
    const cachedScripts = (admin: Redis) =>
      admin.info('memory').then((info) => Number(/number_of_cached_scripts:(\d+)/.exec(info)?.[1]));
    try {
      await store.tokens.createToken('fam', 't1', tokenRecord('acme', 3));
      assert.deepEqual(await store.tokens.consumeAttempt('fam', 't1', []), { ok: true, attemptsLeft: 2 });
      await withAdmin(async (admin) => {
        await admin.script('FLUSH');
        assert.equal(await cachedScripts(admin), 0);
      });
      assert.deepEqual(await store.tokens.consumeAttempt('fam', 't1', []), { ok: true, attemptsLeft: 1 });
      assert.deepEqual(await store.tokens.consumeAttempt('fam', 't1', []), { ok: true, attemptsLeft: 0 });
      assert.deepEqual(await store.tokens.consumeAttempt('fam', 't1', []), { ok: false });
      assert.ok((await withAdmin(cachedScripts)) > 0);
    } finally {
      await store.close();
    }
  });

  test('two stores (two clients) on one redis: 200 concurrent consumes of a 5-attempt token grant exactly 5', async () => {
    const keyPrefix = freshPrefix();
    const a = new RedisStore({ url: redis.url, keyPrefix });
    const b = new RedisStore({ url: redis.url, keyPrefix });
    try {
      await a.tokens.createToken('fam', 't1', tokenRecord('acme', 5));
      const results: ConsumeResult[] = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).tokens.consumeAttempt('fam', 't1', [])),
      );
      const counts = results.flatMap((r) => (r.ok ? [r.attemptsLeft] : [])).sort();
      assert.deepEqual(counts, [0, 1, 2, 3, 4]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('redis store: counters on a full redis', () => {
  test('hit and charge are refused whole (StoreFullError) and create nothing; refund still works', async () => {
    const keyPrefix = freshPrefix();
    const store = new RedisStore({ url: redis.url, keyPrefix });
    try {
      // Every script loaded once (Redis counts its script cache in used_memory), before the limit.
      await store.counters.hit('tenant:warm', 1, 10, 60);
      await store.counters.charge('tenant:warm', 1, 60);
      await store.counters.refund('tenant:warm', 1);
      await store.counters.hit('tenant:live', 1, 10, 60);
      await withAdmin(async (admin) => {
        await admin.config('SET', 'maxmemory-policy', 'noeviction');
        await admin.config('SET', 'maxmemory', '1');
      });
      try {
        await assert.rejects(store.counters.hit('tenant:new', 1, 10, 60), StoreFullError);
        await assert.rejects(store.counters.hit('tenant:live', 1, 10, 60), StoreFullError, 'refused before it runs, existing key or not');
        await assert.rejects(store.counters.charge('tenant:new', 1, 60), StoreFullError);
        await store.counters.refund('tenant:live', 1);
        await store.counters.refund('tenant:new', 1);
        assert.deepEqual(await withAdmin((admin) => admin.keys(`${keyPrefix}rl:tenant:new`)), [], 'nothing written');
      } finally {
        await withAdmin((admin) => admin.config('SET', 'maxmemory', '0'));
      }
      assert.equal((await store.counters.charge('tenant:live', 1, 60)).count, 1, 'the refund on the full store took its hit back');
    } finally {
      await store.close();
    }
  });
});

describe('redis store: failing closed and recovering', () => {
  let store: RedisStore;
  let bornWhileDown: RedisStore | undefined;
  const keyPrefix = freshPrefix();
  before(async () => {
    store = new RedisStore({ url: redis.url, keyPrefix });
    await store.tokens.createToken('fam', 't1', tokenRecord('acme', null));
    assert.equal((await store.tokens.consumeAttempt('fam', 't1', [])).ok, true);
  });
  after(async () => {
    await startRedisAgain(); // in case a test failed while it was stopped
    await store.close();
    await bornWhileDown?.close();
  });

  test('with redis stopped, every method rejects with StoreUnavailableError within 3 s and consume never grants', async () => {
    await stopRedis();
    await assertAllUnavailable(store, 3_000);

    // Through a few reconnect cycles (reconnecting / connecting / refused), no consume gets through.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => sleep(i * 50).then(() => store.tokens.consumeAttempt('fam', 't1', []))),
    );
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      assert.ok(outcome.reason instanceof StoreUnavailableError);
    }
  });

  test('a store constructed while redis is down does not throw and fails closed', async () => {
    bornWhileDown = new RedisStore({ url: redis.url, keyPrefix });
    await assertAllUnavailable(bornWhileDown, 3_000);
  });

  test('once redis is back, the same store instances recover by themselves', async () => {
    await startRedisAgain();
    await waitUntilPingable(store, 10_000);
    assert.ok(bornWhileDown);
    await waitUntilPingable(bornWhileDown, 10_000);
    // The test server keeps nothing across a restart: the token is gone, so it is dead.
    assert.deepEqual(await store.tokens.consumeAttempt('fam', 't1', []), { ok: false });
    await store.tokens.createToken('fam', 't1', tokenRecord('acme', 2));
    assert.deepEqual(await bornWhileDown.tokens.consumeAttempt('fam', 't1', []), { ok: true, attemptsLeft: 1 });
    assert.deepEqual(await store.tokens.consumeAttempt('fam', 't1', []), { ok: true, attemptsLeft: 0 });
  });

  // ioredis alone (autoResendUnfulfilledCommands off) neither resends nor rejects a command that
  // was under way when the connection dropped if the reconnect succeeds at once: it would wait for
  // commandTimeout. A quick restart is that case.
  test('an operation under way when redis restarts rejects at once, not at the deadline', async () => {
    const patient = new RedisStore({ url: redis.url, keyPrefix, operationTimeoutMs: 5_000 });
    try {
      await patient.tokens.createToken('fam', 't2', tokenRecord('acme', 5));
      // The server holds the store's command unanswered; then it dies.
      const admin = new Redis(redis.url);
      await admin.call('CLIENT', 'PAUSE', '10000', 'ALL');
      admin.disconnect(); // not QUIT: the pause would hold it too
      const started = Date.now();
      const consume = patient.tokens.consumeAttempt('fam', 't2', []);
      const settled = consume.then(() => undefined, () => undefined); // handled from the start
      await sleep(100);
      await stopRedis();
      await startRedisAgain();
      await settled;
      await assert.rejects(consume, StoreUnavailableError);
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 1_000, `took ${elapsed} ms`);
    } finally {
      await startRedisAgain();
      await patient.close();
    }
  });

  test('close() resolves while redis is down', async () => {
    const doomed = new RedisStore({ url: redis.url, keyPrefix });
    await doomed.ping();
    await stopRedis();
    try {
      await doomed.close();
    } finally {
      await startRedisAgain();
    }
  });

  test('a server that accepts connections but never answers gets StoreUnavailableError within the deadline', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    const hung = new RedisStore({ url: `redis://127.0.0.1:${port}`, operationTimeoutMs: 1_000 });
    try {
      await assertAllUnavailable(hung, 2_000);
    } finally {
      await hung.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
