import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/stores/redis.ts';
import { StoreUnavailableError } from '../../src/stores/store.ts';
import { freePort, startRedis, type TestRedis } from '../helpers/redis.ts';
import { auditRecord, runAuditContract } from './audit-contract.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.dispose();
});

runAuditContract('redis', async (audit) => {
  const store = new RedisStore({ url: redis.url, keyPrefix: `test-${randomUUID()}:`, audit });
  return { audit: store.audit, cleanup: () => store.close() };
});

test("a tenant's use entries are one stream under the tenant's hash tag (with its id sequence), capped near AUDIT_MAX_ENTRIES", async () => {
  const prefix = `test-${randomUUID()}:`;
  const store = new RedisStore({ url: redis.url, keyPrefix: prefix, audit: { maxEntries: 1000 } });
  const admin = new Redis(redis.url);
  try {
    const audit = store.audit;
    for (let i = 0; i < 2500; i += 250) {
      await Promise.all(Array.from({ length: 250 }, (_, j) => audit.append(auditRecord({ tenant: 'a{b}', requestId: `n-${i + j}` }))));
    }
    const keys = await admin.keys(`${prefix}*`);
    assert.deepEqual(keys.sort(), [`${prefix}{t:a%7Bb%7D}:audit`, `${prefix}{t:a%7Bb%7D}:audit-seq`]);
    assert.equal(await admin.type(`${prefix}{t:a%7Bb%7D}:audit`), 'stream');
    const length = await admin.xlen(`${prefix}{t:a%7Bb%7D}:audit`);
    assert.ok(length >= 1000 && length <= 1100, `XLEN ${length}`);
  } finally {
    await admin.quit();
    await store.close();
  }
});

test('with Redis unreachable, append and list fail closed with StoreUnavailableError, fast', async () => {
  const store = new RedisStore({ url: `redis://127.0.0.1:${await freePort()}`, operationTimeoutMs: 500, audit: { maxEntries: 10 } });
  try {
    const audit = store.audit;
    const started = Date.now();
    await assert.rejects(audit.append(auditRecord()), StoreUnavailableError);
    await assert.rejects(audit.list('alice', { limit: 10 }), StoreUnavailableError);
    assert.ok(Date.now() - started < 1500);
  } finally {
    await store.close();
  }
});

test('an entry this code did not write (another field, bad JSON) is skipped, not a crash', async () => {
  const prefix = `test-${randomUUID()}:`;
  const store = new RedisStore({ url: redis.url, keyPrefix: prefix, audit: { maxEntries: 10 } });
  const admin = new Redis(redis.url);
  try {
    const audit = store.audit;
    await audit.append(auditRecord({ requestId: 'good-1' }));
    await admin.xadd(`${prefix}{t:alice}:audit`, '*', 'x', '1');
    await admin.xadd(`${prefix}{t:alice}:audit`, '*', 'e', '{not json');
    await audit.append(auditRecord({ requestId: 'good-2' }));
    const { entries } = await audit.list('alice', { limit: 10 });
    assert.deepEqual(entries.map((e) => e.requestId), ['good-2', 'good-1']);
  } finally {
    await admin.quit();
    await store.close();
  }
});

test('a Redis out of memory (maxmemory, noeviction) refuses the entry whole: StoreUnavailableError, nothing written', async () => {
  const prefix = `test-${randomUUID()}:`;
  const store = new RedisStore({ url: redis.url, keyPrefix: prefix, audit: { maxEntries: 10 } });
  const admin = new Redis(redis.url);
  try {
    const audit = store.audit;
    await audit.append(auditRecord({ requestId: 'before' }));
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1');
    try {
      await assert.rejects(audit.append(auditRecord({ requestId: 'refused' })), (error: unknown) => {
        assert.ok(error instanceof StoreUnavailableError);
        assert.match(String((error.cause as Error)?.message), /OOM/);
        return true;
      });
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    const { entries } = await audit.list('alice', { limit: 10 });
    assert.deepEqual(entries.map((e) => e.requestId), ['before']);
  } finally {
    await admin.quit();
    await store.close();
  }
});

test('entries of the one-stream trail (old fields, Redis-made ids) stay readable, and old cursors page both lanes', async () => {
  const prefix = `test-${randomUUID()}:`;
  const store = new RedisStore({ url: redis.url, keyPrefix: prefix, audit: { maxEntries: 100, entriesPerTokenPerMinute: 1 } });
  const admin = new Redis(redis.url);
  try {
    const stream = `${prefix}{t:alice}:audit`;
    // As the one-stream trail wrote them: `*` ids, no lanes, no sequence key.
    const old = JSON.stringify({ t: Date.now(), op: 'kem.decapsulate', out: 'ok', rid: 'old-1', tok: null, key: 'kem_old', tgt: null });
    const oldId = await admin.xadd(stream, '*', 'e', old);
    const cursor = await admin.xadd(stream, '*', 'e', JSON.stringify({ t: Date.now(), op: 'tokens.mint', out: 'ok', rid: 'old-2', tok: null, key: null, tgt: 'x' }));
    const audit = store.audit;
    await audit.append(auditRecord({ requestId: 'new-use' }));
    await audit.append(auditRecord({ requestId: 'new-sec', operation: 'tokens.mint', keyId: null, targetTokenId: 'y' }));
    const { entries } = await audit.list('alice', { limit: 10 });
    assert.deepEqual(entries.map((e) => e.requestId), ['new-sec', 'new-use', 'old-2', 'old-1']);
    const read = entries.find((e) => e.id === oldId)!;
    assert.deepEqual([read.clientRequestId, read.keyIds, read.itemCount, read.suppressed, read.tokenAncestors], [null, ['kem_old'], 1, 0, []]);
    // A cursor handed out by the one-stream trail still pages.
    assert.deepEqual((await audit.list('alice', { cursor: cursor!, limit: 10 })).entries.map((e) => e.requestId), ['old-1']);

    // The id sequence lost while a folded summary was the newest entry (XDEL leaves the stream's
    // last id above its newest entry): the next append still finds a free id.
    const token = 'tokAAAAAAAAAAAAAAAAAAAA';
    await audit.append(auditRecord({ tokenId: token, requestId: 'b-1' }));
    await audit.append(auditRecord({ tokenId: token, requestId: 'b-2' }));
    await audit.append(auditRecord({ tokenId: token, requestId: 'b-3' }));
    await admin.del(`${prefix}{t:alice}:audit-seq`);
    await audit.append(auditRecord({ tokenId: token, requestId: 'b-4' }));
    await admin.xadd(stream, '*', 'e', old); // another writer's entry above the sequence
    await audit.append(auditRecord({ requestId: 'after' }));
    const newest = (await audit.list('alice', { limit: 3 })).entries;
    assert.deepEqual(newest.map((e) => [e.requestId, e.suppressed]), [['after', 0], ['old-1', 0], ['b-4', 3]]);
  } finally {
    await admin.quit();
    await store.close();
  }
});
