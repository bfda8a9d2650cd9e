/**
 * The hostile-input attack of hostile.test.ts, shorter (HOSTILE_REDIS_RUNS, 1,500 by default), on
 * the Redis store, with one more check after every answer: Redis itself holds no new key record
 * (a key, its versions or its use counter), fingerprint index, role key or token record after a
 * refused request (counted in Redis, not through the store).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/stores/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { attack } from './hostile/attack.ts';

const RUNS = Number(process.env.HOSTILE_REDIS_RUNS ?? 1_500);
const PREFIX = 'hostile:';
/** The records a request can add (key layout: src/stores/redis-keys.ts, redis-tokens.ts). */
const RECORD = /:(key|fp|tok):|:(signing|signing-id|attestation)$/;

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis.dispose());

test(`hostile input on the Redis store: ${RUNS} requests, no 5xx, nothing written by a refused request`, { timeout: 300_000 }, async (t) => {
  const admin = new Redis(redis.url);
  const store = new RedisStore({ url: redis.url, keyPrefix: PREFIX });
  const records = async () => (await admin.keys(`${PREFIX}*`)).filter((k) => RECORD.test(k)).length;
  let known = 0;
  try {
    const tally = await attack({
      label: 'redis',
      store,
      runs: RUNS,
      // 8,000 key ids are 8,000 round trips until sizes are checked before store reads (issue 6).
      hugeLists: false,
      log: (line) => (console.log(line), t.diagnostic(line.split('\n')[0]!)),
      async after(c, res) {
        const [before, now] = [known, await records()];
        known = now; // first: a failed check must not leave the next (shrinking) run a stale count
        // Records only disappear by themselves (expiry, revocation, deletion); a refusal adds none.
        if (res.status >= 300) assert.ok(now <= before, `${now - before} record(s) added in Redis by a refused request: ${c.kind} ${c.request.method} ${c.request.target.slice(0, 100)} -> ${res.status}`);
      },
      async before() {
        known = await records();
      },
    });
    assert.equal(tally.fivexx, 0);
    assert.ok(tally.requests >= RUNS);
  } finally {
    admin.disconnect();
    await store.close();
  }
});
