/**
 * The audit trail over real HTTP, with the embedded store and with Redis: what each operation
 * records, failures recorded with their problem type, GET /v1/audit paging and scope, tenant
 * isolation, no secret anywhere in the trail, and failing closed when an entry cannot be written.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.ts';
import { RedisStore } from '../../src/stores/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { SHARED_ENV, startServer, TENANTS, type TestServer } from '../helpers/server.ts';
import { assertOk, assertProblem, checkInvariants, keypair, unb64 } from './support.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.dispose();
});

interface Setup {
  readonly api: TestServer;
  /** Every raw byte the store keeps of the trail ('' for the embedded store: it has no outside). */
  rawTrail(): Promise<string>;
  /** Breaks the store of alice's trail so that writing it fails (Redis only). */
  breakTrail?(): Promise<void>;
  repairTrail?(): Promise<void>;
  close(): Promise<void>;
}

/** A server whose every answer is checked by checkInvariants, except where a 5xx is expected. */
function checked(server: TestServer): TestServer {
  return {
    ...server,
    async call(method, path, o) {
      const res = await server.call(method, path, o);
      if (res.status !== 503) checkInvariants(method, path, res);
      return res;
    },
  };
}

const setups: Record<string, () => Promise<Setup>> = {
  memory: async () => {
    const api = await startServer({ env: { AUDIT_MAX_ENTRIES: '1000' } });
    return { api: checked(api), rawTrail: async () => '', close: () => api.close() };
  },
  redis: async () => {
    const prefix = `test-${randomUUID()}:`;
    const store = new RedisStore({ url: redis.url, keyPrefix: prefix });
    const api = await startServer({ store, env: { AUDIT_MAX_ENTRIES: '1000' } });
    const admin = new Redis(redis.url);
    // Both lanes: use entries and security events (stores/audit.ts).
    const aliceTrails = [`${prefix}{t:alice}:audit`, `${prefix}{t:alice}:audit-sec`];
    return {
      api: checked(api),
      async rawTrail() {
        const keys = await admin.keys(`${prefix}*:audit`);
        const parts: string[] = [];
        for (const key of keys) parts.push(key, JSON.stringify(await admin.xrange(key, '-', '+')));
        return parts.join('\n');
      },
      async breakTrail() {
        for (const trail of aliceTrails) {
          if (await admin.exists(trail)) await admin.rename(trail, `${trail}:saved`);
          await admin.set(trail, 'not a stream');
        }
      },
      async repairTrail() {
        for (const trail of aliceTrails) {
          await admin.del(trail);
          if (await admin.exists(`${trail}:saved`)) await admin.rename(`${trail}:saved`, trail);
        }
      },
      async close() {
        await api.close();
        await store.close();
        await admin.quit();
      },
    };
  },
};

// Entries are JSON; tests read their fields freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Entry = any;

test('AUDIT_MAX_ENTRIES caps what a tenant keeps (the embedded ring buffer: exactly); 0 is a configuration error', async () => {
  assert.throws(() => loadConfig({ ...SHARED_ENV, AUDIT_MAX_ENTRIES: '0' }), /AUDIT_MAX_ENTRIES/);
  assert.throws(() => loadConfig({ ...SHARED_ENV, AUDIT_MAX_SECURITY_ENTRIES: '0' }), /AUDIT_MAX_SECURITY_ENTRIES/);
  assert.throws(() => loadConfig({ ...SHARED_ENV, AUDIT_ENTRIES_PER_TOKEN_PER_MINUTE: '-1' }), /AUDIT_ENTRIES_PER_TOKEN_PER_MINUTE/);
  const defaults = loadConfig({ ...SHARED_ENV });
  assert.deepEqual([defaults.auditMaxEntries, defaults.auditMaxSecurityEntries, defaults.auditEntriesPerTokenPerMinute], [10_000, 10_000, 600]);
  const api = await startServer({ env: { AUDIT_MAX_ENTRIES: '3' } });
  try {
    for (let i = 0; i < 5; i++) await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x' }, headers: { 'x-request-id': `cap-${i}` } });
    const res = await api.call('GET', '/v1/audit', { auth: 'alice' });
    assertOk(res);
    assert.deepEqual(res.body.entries.map((e: { client_request_id: string }) => e.client_request_id), ['cap-4', 'cap-3', 'cap-2']);
    assert.equal(res.body.next_cursor, null);
  } finally {
    await api.close();
  }
});

for (const [name, setup] of Object.entries(setups)) {
  describe(`audit trail (${name} store)`, () => {
    let s: Setup;
    let api: TestServer;
    before(async () => {
      s = await setup();
      api = s.api;
    });
    after(() => s.close());

    const newest = async (auth = 'alice', n = 1): Promise<Entry[]> => {
      const res = await api.call('GET', `/v1/audit?limit=${n}`, { auth });
      assertOk(res);
      return res.body.entries;
    };
    const mint = async (body: Record<string, unknown>) => {
      const res = await api.call('POST', '/v1/tokens', { auth: 'alice', body });
      assertOk(res, 201);
      return res.body as { new_token: string; token_id: string };
    };

    test("a key pair made with the API key: kem.keypair, its key_id, ok, the server's and the client's request ids, no token", async () => {
      const res = await api.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {}, headers: { 'x-request-id': `kp-${name}` } });
      assertOk(res, 201);
      const [entry] = await newest();
      assert.deepEqual(Object.keys(entry).sort(), ['client_id', 'client_request_id', 'id', 'item_count', 'key_id', 'key_ids', 'operation', 'outcome', 'request_id', 'suppressed', 'target_client_id', 'target_session_id', 'target_token_id', 'tenant', 'time', 'token_id']);
      assert.equal(entry.operation, 'kem.keypair');
      assert.equal(entry.key_id, res.body.key_id);
      assert.equal(entry.outcome, 'ok');
      assert.equal(entry.client_request_id, `kp-${name}`, "the client's id, kept as such");
      assert.match(entry.request_id, /^[0-9a-f-]{36}$/, "the server's own id, not the client's");
      assert.deepEqual([entry.key_ids, entry.item_count, entry.suppressed], [[res.body.key_id], 1, 0]);
      assert.equal(entry.tenant, 'alice');
      assert.equal(entry.token_id, null);
      assert.equal(entry.target_token_id, null);
      assert.ok(Math.abs(Date.parse(entry.time) - Date.now()) < 5000);
    });

    test('a decapsulation by a token: kem.decapsulate, the key, the token, and the response X-Request-Id', async () => {
      const key = await keypair(api, 'alice');
      const enc = await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: key.pk } });
      const token = await mint({ scopes: ['kem:decapsulate'], key_ids: [key.key_id] });
      const [minted] = await newest();
      assert.deepEqual([minted.operation, minted.key_id, minted.target_token_id], ['tokens.mint', null, token.token_id], 'a key restriction is not key use');
      const res = await api.call('POST', '/v1/kem/decapsulate', { auth: token.new_token, body: { pk: key.pk, cipher: enc.body.cipher } });
      assertOk(res);
      const [entry] = await newest();
      assert.equal(entry.operation, 'kem.decapsulate');
      assert.equal(entry.key_id, key.key_id);
      assert.equal(entry.token_id, token.token_id);
      assert.equal(entry.outcome, 'ok');
      assert.equal(entry.request_id, res.headers.get('x-request-id'));
    });

    test('signing, minting and revoking are recorded; encapsulate, verify and AES without a stored key, and reads, are not', async () => {
      const sign = await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x' } });
      assertOk(sign);
      const child = await mint({ expiry_time: 60 });
      assert.equal((await api.call('DELETE', `/v1/tokens/${child.token_id}`, { auth: 'alice' })).status, 204);
      const before = await newest('alice', 3);
      const key = await keypair(api, 'bob');
      await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: key.pk } });
      await api.call('POST', '/v1/dsa/verify', { auth: 'alice', body: { data: 'x', pk: sign.body.pk, signature: sign.body.signature } });
      await api.call('POST', '/v1/aes/encrypt', { auth: 'alice', body: { unencrypted: 'x', key: Buffer.alloc(32).toString('base64') } });
      await api.call('GET', '/v1/tokens/current', { auth: 'alice' });
      await api.call('GET', '/v1/audit', { auth: 'alice' });
      assert.deepEqual(await newest('alice', 3), before, 'nothing new for alice');
      assert.deepEqual(before.map((e) => [e.operation, e.outcome, e.key_id, e.target_token_id]), [
        ['tokens.revoke', 'ok', null, child.token_id],
        ['tokens.mint', 'ok', null, child.token_id],
        ['dsa.sign', 'ok', sign.body.key_id, null],
      ]);
    });

    test('failures after authentication are recorded with their problem type; a 401 is not', async () => {
      const key = await keypair(api, 'alice');
      const signOnly = await mint({ scopes: ['dsa:sign'] });
      const cases: [string, string, Record<string, unknown>, string, string, unknown][] = [
        // method, path, body, auth, expected outcome, expected key_id
        ['POST', '/v1/kem/decapsulate', { key_id: 'kem_AAAAAAAAAAAAAAAAAAAAAA', cipher: 'AA' }, 'alice', 'not-found', null],
        ['POST', '/v1/kem/decapsulate', { key_id: key.key_id, cipher: 'AA' }, 'alice', 'validation-failed', key.key_id],
        ['POST', '/v1/kem/decapsulate', { key_id: key.key_id, cipher: 'AA' }, signOnly.new_token, 'forbidden', key.key_id],
        ['POST', '/v1/kem/keypair', { algorithm: 'RSA' }, 'alice', 'validation-failed', null],
      ];
      for (const [method, path, body, auth, outcome, keyId] of cases) {
        const res = await api.call(method, path, { auth, body });
        assert.ok(res.status >= 400);
        const [entry] = await newest();
        assert.equal(entry.outcome, outcome, `${path} ${JSON.stringify(body)}`);
        assert.equal(entry.key_id, keyId);
        assert.equal(entry.request_id, res.headers.get('x-request-id'));
      }
      // A malformed body is recorded too (after authentication, before the handler).
      const malformed = await api.call('POST', '/v1/dsa/sign', { auth: 'alice', raw: '{"data":', headers: { 'content-type': 'application/json' } });
      assertProblem(malformed, 400, 'malformed-request');
      assert.equal((await newest())[0].outcome, 'malformed-request');
      const revoke = await api.call('DELETE', '/v1/tokens/AAAAAAAAAAAAAAAAAAAAAA', { auth: 'alice' });
      assertProblem(revoke, 404, 'not-found');
      assert.deepEqual((await newest()).map((e: Entry) => [e.operation, e.outcome, e.target_token_id]), [['tokens.revoke', 'not-found', 'AAAAAAAAAAAAAAAAAAAAAA']]);

      const before = await newest('alice', 1);
      assert.equal((await api.call('POST', '/v1/kem/decapsulate', { auth: 'not-a-credential', body: {} })).status, 401);
      assert.deepEqual(await newest('alice', 1), before);
    });

    test('GET /v1/audit pages newest first with next_cursor, to the end', async () => {
      for (let i = 0; i < 5; i++) await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: `p${i}` }, headers: { 'x-request-id': `page-${name}-${i}` } });
      const seen: Entry[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await api.call('GET', `/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { auth: 'alice' });
        assertOk(res);
        assert.ok(res.body.entries.length <= 2);
        seen.push(...res.body.entries);
        cursor = res.body.next_cursor;
        pages++;
      } while (cursor !== null && pages < 1000);
      assert.equal(new Set(seen.map((e) => e.id)).size, seen.length, 'no entry twice');
      const mine = seen.filter((e) => String(e.client_request_id).startsWith(`page-${name}-`)).map((e) => e.client_request_id);
      assert.deepEqual(mine, [4, 3, 2, 1, 0].map((i) => `page-${name}-${i}`));
      const times = seen.map((e) => Date.parse(e.time));
      for (let i = 1; i < times.length; i++) assert.ok(times[i - 1]! >= times[i]!, 'newest first');
      // The default page is 50.
      const all = await api.call('GET', '/v1/audit', { auth: 'alice' });
      assert.equal(all.body.entries.length, Math.min(50, seen.length));
    });

    test('bad paging parameters are 422 naming them', async () => {
      for (const [query, pointer] of [['limit=0', '/limit'], ['limit=501', '/limit'], ['limit=x', '/limit'], ['cursor=abc', '/cursor'], ['cursor=1-2-3', '/cursor'], ['page=2', '/page']]) {
        const res = await api.call('GET', `/v1/audit?${query}`, { auth: 'alice' });
        assertProblem(res, 422, 'validation-failed', [pointer!]);
      }
    });

    test("audit:read is needed, and a tenant reads only its own trail", async () => {
      const without = await mint({ scopes: ['dsa:sign'] });
      assertProblem(await api.call('GET', '/v1/audit', { auth: without.new_token }), 403, 'forbidden');
      const reader = await mint({ scopes: ['audit:read'] });
      const res = await api.call('GET', '/v1/audit?limit=500', { auth: reader.new_token });
      assertOk(res);
      assert.ok(res.body.entries.length > 0);
      assert.ok(res.body.entries.every((e: Entry) => e.tenant === 'alice'));
      const bobs = await api.call('GET', '/v1/audit?limit=500', { auth: 'bob' });
      assertOk(bobs);
      assert.ok(bobs.body.entries.every((e: Entry) => e.tenant === 'bob'));
      const aliceIds = new Set(res.body.entries.map((e: Entry) => e.id + e.request_id));
      assert.ok(bobs.body.entries.every((e: Entry) => !aliceIds.has(e.id + e.request_id)));
    });

    test('a key-restricted token with audit:read sees only entries about its keys and its own lineage', async () => {
      const a = await keypair(api, 'alice');
      const b = await keypair(api, 'alice');
      const encA = await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: a.pk } });
      const encB = await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: b.pk } });
      assertOk(await api.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { key_id: a.key_id, cipher: encA.body.cipher } }));
      const other = await mint({ scopes: ['kem:decapsulate'] });
      assertOk(await api.call('POST', '/v1/kem/decapsulate', { auth: other.new_token, body: { key_id: b.key_id, cipher: encB.body.cipher } }));
      const reader = await mint({ scopes: ['audit:read', 'tokens:create', 'kem:decapsulate'], key_ids: [a.key_id] });
      const child = await api.call('POST', '/v1/tokens', { auth: reader.new_token, body: { scopes: ['kem:decapsulate'] } });
      assertOk(child, 201);
      assertOk(await api.call('POST', '/v1/kem/decapsulate', { auth: child.body.new_token, body: { key_id: a.key_id, cipher: encA.body.cipher } }));
      const seen: Entry[] = [];
      let cursor: string | null = null;
      do {
        const res = await api.call('GET', `/v1/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { auth: reader.new_token });
        assertOk(res);
        seen.push(...res.body.entries);
        cursor = res.body.next_cursor;
      } while (cursor !== null);
      const lineage = new Set([reader.token_id, child.body.token_id]);
      for (const e of seen) {
        assert.ok(lineage.has(e.token_id) || (e.key_ids.length > 0 && e.key_ids.every((k: string) => k === a.key_id)), `an entry not about its key nor its lineage: ${JSON.stringify(e)}`);
        assert.ok(!JSON.stringify(e).includes(b.key_id), 'no key outside its list');
        assert.notEqual(e.token_id, other.token_id, "another token's entries stay hidden");
      }
      const ops = seen.map((e) => `${e.operation}:${e.token_id === null ? 'api-key' : lineage.has(e.token_id) ? 'lineage' : 'other'}`);
      for (const expected of ['kem.keypair:api-key', 'kem.decapsulate:api-key', 'tokens.mint:lineage', 'kem.decapsulate:lineage']) assert.ok(ops.includes(expected), `${expected} in ${ops.join(', ')}`);
      // The tenant's API key still reads everything.
      const full = await api.call('GET', '/v1/audit?limit=500', { auth: 'alice' });
      assert.ok(full.body.entries.some((e: Entry) => e.token_id === other.token_id && e.key_id === b.key_id));
    });

    test('no secret of the requests is in the trail: not in the store, not in the API answer', async () => {
      const key = await keypair(api, 'alice');
      const enc = await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: key.pk } });
      const token = await mint({ scopes: ['kem:decapsulate', 'dsa:sign', 'tokens:create', 'audit:read'] });
      const dec = await api.call('POST', '/v1/kem/decapsulate', { auth: token.new_token, body: { key_id: key.key_id, cipher: enc.body.cipher } });
      assertOk(dec);
      const child = await api.call('POST', '/v1/tokens', { auth: token.new_token, body: {} });
      assertOk(child, 201);
      await api.call('DELETE', `/v1/tokens/${child.body.token_id}`, { auth: token.new_token });
      await api.call('POST', '/v1/dsa/sign', { auth: token.new_token, body: { data: 'the secret message 7f1e' } });
      await api.call('POST', '/v1/dsa/sign', { auth: 'alice', raw: `{"data":"${TENANTS.alice}"`, headers: { 'content-type': 'application/json' } });

      const shared = dec.body.shared_key as string;
      const secrets: Record<string, string> = {
        'API key': TENANTS.alice,
        token: token.new_token,
        "token's signature part": token.new_token.split('.')[2]!,
        'child token': child.body.new_token,
        'shared key (base64)': shared,
        'shared key (hex)': Buffer.from(unb64(shared)).toString('hex'),
        'shared key (base64url)': Buffer.from(unb64(shared)).toString('base64url'),
        'the ciphertext': enc.body.cipher.slice(0, 40),
        'a signed message': 'the secret message 7f1e',
        TOKEN_SECRET: SHARED_ENV.TOKEN_SECRET,
        MASTER_KEY: SHARED_ENV.MASTER_KEY,
      };
      const answer = await api.call('GET', '/v1/audit?limit=500', { auth: token.new_token });
      assertOk(answer);
      const operations = new Set(answer.body.entries.map((e: Entry) => e.operation));
      for (const op of ['kem.keypair', 'kem.decapsulate', 'tokens.mint', 'tokens.revoke', 'dsa.sign']) assert.ok(operations.has(op), op);
      const haystacks = { 'the API answer': JSON.stringify(answer.body), 'the store': await s.rawTrail() };
      if (name === 'redis') assert.ok(haystacks['the store'].includes(key.key_id), 'the raw trail was read');
      for (const [where, text] of Object.entries(haystacks)) {
        for (const [what, secret] of Object.entries(secrets)) assert.ok(!text.includes(secret), `${what} found in ${where}`);
      }
    });

    if (name === 'redis') {
      test('fails closed: when the entry cannot be written, key use and mints answer 503 and give nothing out', async () => {
        const key = await keypair(api, 'alice');
        const enc = await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: key.pk } });
        await s.breakTrail!();
        try {
          const dec = await api.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { key_id: key.key_id, cipher: enc.body.cipher } });
          assertProblem(dec, 503, 'store-unavailable');
          assert.equal(dec.body.shared_key, undefined);
          assert.equal(dec.headers.get('retry-after'), '1');
          const minted = await api.call('POST', '/v1/tokens', { auth: 'alice', body: {} });
          assertProblem(minted, 503, 'store-unavailable');
          assert.equal(minted.body.new_token, undefined);
          assertProblem(await api.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} }), 503, 'store-unavailable');
          // What records nothing still works, and so does another tenant.
          assertOk(await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: key.pk } }));
          assertOk(await api.call('POST', '/v1/dsa/sign', { auth: 'bob', body: { data: 'x' } }));
          // A failed request whose entry cannot be written keeps its own answer.
          assertProblem(await api.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { key_id: 'kem_AAAAAAAAAAAAAAAAAAAAAA', cipher: 'AA' } }), 404, 'not-found');
          const metrics = await (await fetch(`${api.url}/metrics`)).text();
          assert.match(metrics, /pqapi_audit_writes_total\{outcome="failed"\} [4-9]/);
        } finally {
          await s.repairTrail!();
        }
        assertOk(await api.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { key_id: key.key_id, cipher: enc.body.cipher } }));
        assert.equal((await newest())[0].operation, 'kem.decapsulate');
      });
    }
  });
}
