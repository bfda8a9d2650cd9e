/**
 * The Redis audit trail on Redis Cluster (a one-node cluster owning every slot, as in
 * redis-cluster.test.ts): each entry is one script on keys under the tenant's hash tag, so it
 * runs through the Cluster client as it does through a single Redis.
 */
import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createClusterClient } from '../../src/stores/index.ts';
import { RedisStore } from '../../src/stores/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { runAuditContract } from './audit-contract.ts';

let redis: TestRedis;

before(async () => {
  redis = await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-announce-ip', '127.0.0.1']);
  const admin = new Redis(redis.url);
  try {
    await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    for (let i = 0; i < 100; i++) {
      if (String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return;
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

runAuditContract('redis cluster', async (audit) => {
  const client = createClusterClient([{ host: '127.0.0.1', port: redis.port }]);
  const store = new RedisStore({ client, ownsClient: true, keyPrefix: `test-${randomUUID()}:`, audit });
  return { audit: store.audit, cleanup: () => store.close() };
});
