/**
 * The Redis store through Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME): a real redis-server
 * as primary and a real redis-server in sentinel mode watching it; the store is built by the same
 * createStore the service uses, so the configuration path is what is tested.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createStore } from '../../src/stores/index.ts';
import { freePort, startRedis, type TestRedis } from '../helpers/redis.ts';
import { runStoreContract } from './contract.ts';

let primary: TestRedis;
let sentinel: ChildProcess;
let sentinelPort: number;
let dir: string;

before(async () => {
  primary = await startRedis();
  sentinelPort = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'pq-api-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, `port ${sentinelPort}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor primary 127.0.0.1 ${primary.port} 1\n`);
  sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  const probe = new Redis({ port: sentinelPort, lazyConnect: true, retryStrategy: () => 50 });
  probe.on('error', () => {});
  for (let i = 0; ; i++) {
    try {
      await probe.connect().catch(() => {});
      const addr = (await probe.call('SENTINEL', 'get-master-addr-by-name', 'primary')) as string[] | null;
      if (addr?.[1] === String(primary.port)) break;
    } catch {
      // sentinel not up yet
    }
    if (i > 100) throw new Error('sentinel did not start');
    await sleep(50);
  }
  probe.disconnect();
});
after(async () => {
  sentinel?.kill('SIGKILL');
  await primary?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

runStoreContract('redis via sentinel', async () => {
  const store = createStore({
    redisUrl: undefined,
    redisClusterNodes: [],
    redisSentinels: [{ host: '127.0.0.1', port: sentinelPort }],
    redisSentinelName: 'primary',
  });
  // The contract's tests share this primary: flush between stores so each starts empty.
  await store.ping();
  const admin = new Redis(primary.url);
  await admin.flushdb();
  admin.disconnect();
  return { store, cleanup: () => store.close() };
});
