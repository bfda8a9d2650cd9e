/**
 * The audit trail under a hostile holder of a token (issue 15, item 3), over real HTTP, on the
 * embedded store and on Redis: a `dsa:verify` token that floods the trail with batches naming
 * random key ids, under a request id it chose (`admin-maintenance`), must not push out the
 * tenant's earlier decapsulation nor a token mint, and every entry carries the server's own
 * request id with the client's kept beside it as `client_request_id`.
 *
 * The store-level version with 10,000 entries is in the audit contract suite
 * (test/stores/audit-contract.ts); this one is smaller so that it runs in seconds.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { RedisStore } from '../../src/stores/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { assertOk, keypair } from './support.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.dispose();
});

// Entries are JSON; tests read their fields freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Entry = any;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Small caps, so that the flood is many times the trail: 25 requests of 4 items, against 15 use entries.
const ENV = { AUDIT_MAX_ENTRIES: '15', AUDIT_MAX_SECURITY_ENTRIES: '15', AUDIT_ENTRIES_PER_TOKEN_PER_MINUTE: '5' };

const setups: Record<string, () => Promise<{ api: TestServer; close(): Promise<void> }>> = {
  memory: async () => {
    const api = await startServer({ env: ENV });
    return { api, close: () => api.close() };
  },
  redis: async () => {
    const store = new RedisStore({
      url: redis.url,
      keyPrefix: `test-${randomUUID()}:`,
      audit: { maxEntries: 15, maxSecurityEntries: 15, entriesPerTokenPerMinute: 5 },
    });
    const api = await startServer({ store, env: ENV });
    return {
      api,
      async close() {
        await api.close();
        await store.close();
      },
    };
  },
};

async function trail(api: TestServer, auth = 'alice'): Promise<Entry[]> {
  const entries: Entry[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const res = await api.call('GET', `/v1/audit?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { auth });
    assertOk(res);
    entries.push(...res.body.entries);
    cursor = res.body.next_cursor;
    if (cursor === null) return entries;
  }
  throw new Error('paging does not end');
}

for (const [name, setup] of Object.entries(setups)) {
  describe(`audit trail under a flood (${name} store)`, () => {
    let s: { api: TestServer; close(): Promise<void> };
    before(async () => {
      s = await setup();
    });
    after(() => s.close());

    test("a dsa:verify token's flood of batches keeps the earlier decapsulation and mint, each with the server's request id", async () => {
      const { api } = s;
      const key = await keypair(api, 'alice');
      const enc = await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: key.pk } });
      const dec = await api.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { key_id: key.key_id, cipher: enc.body.cipher } });
      assertOk(dec);
      const decapRequestId = dec.headers.get('x-request-id');
      const minted = await api.call('POST', '/v1/tokens', { auth: 'alice', body: { scopes: ['dsa:verify'] } });
      assertOk(minted, 201);
      const attacker = minted.body as { new_token: string; token_id: string };

      // 25 batches of 4 items naming random (unknown) key ids: 100 refused items. Whether the
      // pipeline writes one entry per item or one per request, that is more than the trail holds.
      for (let b = 0; b < 25; b++) {
        const batch_input = Array.from({ length: 4 }, () => ({ key_id: `dsa_${randomBytes(16).toString('base64url')}`, data: 'x', signature: 'AAAA' }));
        const res = await api.call('POST', '/v1/dsa/verify', { auth: attacker.new_token, body: { batch_input }, headers: { 'x-request-id': 'admin-maintenance' } });
        assertOk(res);
      }

      const entries = await trail(api);
      const decap = entries.find((e) => e.operation === 'kem.decapsulate');
      assert.ok(decap, `the decapsulation is still in the trail (${entries.length} entries kept)`);
      assert.equal(decap.request_id, decapRequestId);
      assert.equal(decap.key_id, key.key_id);
      const mint = entries.find((e) => e.operation === 'tokens.mint' && e.target_token_id === attacker.token_id);
      assert.ok(mint, 'the mint of the flooding token is still in the trail');

      const flood = entries.filter((e) => e.token_id === attacker.token_id);
      assert.ok(flood.length > 0);
      for (const e of flood) {
        assert.notEqual(e.request_id, 'admin-maintenance', "the entry carries the server's request id, not the client's");
        assert.match(e.request_id, UUID);
        assert.equal(e.client_request_id, 'admin-maintenance', "the client's id is kept beside it, as such");
      }
      // What the token did past its budget is counted in one summary entry per budget window (fixed
      // clock minutes: a flood that straddles a minute has two windows), not lost.
      const windowOf = (e: Entry) => Math.floor(Date.parse(e.time) / 60_000);
      const windows = new Set(flood.map(windowOf)).size;
      const summaries = flood.filter((e) => e.operation === 'audit.suppressed');
      assert.ok(summaries.length >= 1, 'a summary entry');
      assert.equal(new Set(summaries.map(windowOf)).size, summaries.length, 'one summary entry per window');
      const written = flood.filter((e) => e.operation === 'dsa.verify');
      const counted = written.reduce((n: number, e: Entry) => n + e.item_count, 0) + summaries.reduce((n: number, e: Entry) => n + e.item_count, 0);
      assert.equal(counted, 100, 'every refused item is counted, in an entry or in a summary');
      for (const summary of summaries) assert.ok(summary.suppressed >= 1);
      assert.ok(written.length <= 5 * windows, `at most the budget written one by one per window (${written.length} in ${windows})`);
    });
  });
}
