/**
 * How far past `maxmemory` Redis goes while one tenant mints tokens through HTTP as fast as it can
 * until the store is full, then goes on hammering (attack 5 of 2026-12-06; the figure
 * docs/security.md quotes). Real Redis (noeviction), real HTTP, the default rate limits.
 *
 *   npx tsx bench/redis-full.ts [tokens|keys] [concurrency] [headroom MiB, ...]
 *   (defaults: tokens 40 1 4 16; `keys` stores ML-DSA-87 key pairs, the largest records)
 *
 * For each headroom it prints `used_memory_peak` past `maxmemory` (the attack's true peak, buffers
 * of commands in flight included) and the largest overshoot sampled between rounds: `used_memory` past `maxmemory` (what
 * Redis compares with its limit: it counts the clients' buffers too, and leaves out only
 * replication and AOF buffers), and the same less `mem_clients_normal` (the data alone), with the
 * key count where it happened.
 */
import { Redis } from 'ioredis';
import { RedisStore } from '../src/stores/redis.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { startServer } from '../test/helpers/server.ts';

const LIMITS = { RATE_LIMIT_PER_TENANT: '1000', RATE_LIMIT_PER_TOKEN: '50', AUTH_FAILURES_PER_MINUTE: '60' };
const [mode = 'tokens', concurrency = '40', ...headroomArgs] = process.argv.slice(2);
const CONCURRENCY = Number(concurrency);
const request =
  mode === 'keys'
    ? (server: Awaited<ReturnType<typeof startServer>>) => server.call('POST', '/v1/dsa/keypair', { auth: 'alice', body: { algorithm: 'ML-DSA-87' } })
    : (server: Awaited<ReturnType<typeof startServer>>) => server.call('POST', '/v1/tokens', { auth: 'alice', body: { expiry_time: 3600 } });

async function memory(admin: Redis) {
  const info = await admin.info('memory');
  const field = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)![1]);
  return { used: field('used_memory'), peak: field('used_memory_peak'), clients: field('mem_clients_normal'), keys: await admin.dbsize() };
}

async function run(headroomMiB: number): Promise<void> {
  const redis = await startRedis(['--maxmemory-policy', 'noeviction']);
  const admin = new Redis(redis.url);
  const store = new RedisStore({ url: redis.url });
  const server = await startServer({ store, env: LIMITS });
  try {
    // Every path once before the limit (Redis counts its script cache in used_memory).
    const warm = await server.call('POST', '/v1/tokens', { auth: 'bob', body: {} });
    await server.call('GET', '/v1/tokens/current', { auth: warm.body.new_token });
    await server.call('DELETE', `/v1/tokens/${warm.body.token_id}`, { auth: 'bob' });
    const before = await memory(admin);
    const limit = Math.round(Math.max(before.used, before.peak) + headroomMiB * 1024 * 1024);
    await admin.config('SET', 'maxmemory', String(limit));
    const statuses: Record<number, number> = {};
    let worst = { raw: -Infinity, data: -Infinity, keys: 0 };
    let fullRounds = 0;
    for (let round = 0; fullRounds < 20; round++) {
      const answers = await Promise.all(Array.from({ length: CONCURRENCY }, () => request(server)));
      for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
      if (answers.every((a) => a.status === 507)) fullRounds++;
      const m = await memory(admin);
      if (m.used - limit > worst.raw) worst = { raw: m.used - limit, data: Math.max(worst.data, m.used - m.clients - limit), keys: m.keys };
      else worst.data = Math.max(worst.data, m.used - m.clients - limit);
    }
    // The peak since start is below the limit before the attack: past it, the attack's own peak,
    // which sampling between rounds would miss (buffers of commands in flight are transient).
    const peak = (await memory(admin)).peak - limit;
    const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(
      `${mode}, ${CONCURRENCY} at once, headroom ${headroomMiB} MiB: ${JSON.stringify(statuses)}; peak ${kib(peak)} past maxmemory; ` +
        `sampled between rounds at most ${kib(worst.raw)} ` +
        `(used_memory, at ${worst.keys} keys; the data alone, without clients' buffers: ${kib(worst.data)})`,
    );
  } finally {
    await server.close();
    await store.close();
    admin.disconnect();
    await redis.dispose();
  }
}

const headrooms = headroomArgs.map(Number);
for (const headroom of headrooms.length ? headrooms : [1, 4, 16]) await run(headroom);
