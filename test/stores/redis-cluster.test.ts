/**
 * The Redis store on Redis Cluster. A one-node cluster owning all 16384 slots is enough to prove
 * the key layout: in cluster mode Redis refuses (CROSSSLOT) any script or transaction whose keys
 * hash to different slots, even on a single node, so every atomic operation passing here keeps
 * to one hash tag and shards on a real multi-node cluster.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createClusterClient } from '../../src/stores/index.ts';
import { RedisStore } from '../../src/stores/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { runStoreContract } from './contract.ts';

let redis: TestRedis;

before(async () => {
  // A lone node does not know its address until it meets another; announce it, or the client gets ''.
  redis = await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-announce-ip', '127.0.0.1']);
  const admin = new Redis(redis.url);
  try {
    await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    for (let i = 0; i < 100; i++) {
      const info = String(await admin.call('CLUSTER', 'INFO'));
      if (info.includes('cluster_state:ok')) return;
      await sleep(50);
    }
    throw new Error('the one-node cluster did not become ready');
  } finally {
    admin.disconnect();
  }
});
after(async () => {
  await redis?.dispose();
});

test('a plain script touching two hash tags is refused by this cluster (the test can fail)', async () => {
  const admin = new Redis(redis.url);
  try {
    await assert.rejects(admin.eval("return redis.call('EXISTS', KEYS[1], KEYS[2])", 2, '{a}x', '{b}y'), /CROSSSLOT/);
  } finally {
    admin.disconnect();
  }
});

runStoreContract('redis cluster', async () => {
  const client = createClusterClient([{ host: '127.0.0.1', port: redis.port }]);
  const store = new RedisStore({ client, ownsClient: true, keyPrefix: `test-${randomUUID()}:` });
  return { store, cleanup: () => store.close() };
});
