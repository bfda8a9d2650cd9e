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
