/**
 * Rate limits and quotas over real HTTP, as a caller meets them: 429 problems with Retry-After and
 * the IETF RateLimit fields, no attempt used by a refused request, quotas that write nothing.
 * Exported as one suite run against each store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/stores/store.ts';
import type { StoreFactory } from '../tokens/scenarios.ts';
import { startServer, type CallResult, type TestServer } from '../helpers/server.ts';

export type { StoreFactory };

const PROBLEM = 'urn:pq-crypto-api:problem:';
const count = (results: CallResult[]) => {
  const by: Record<number, number> = {};
  for (const r of results) by[r.status] = (by[r.status] ?? 0) + 1;
  return by;
};

function assertRateLimited(res: CallResult, policy: string, limit: number, window: number): void {
  assert.equal(res.status, 429, JSON.stringify(res.body));
  assert.equal(res.body.type, `${PROBLEM}rate-limited`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const retry = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= window, `Retry-After ${retry}`);
  assert.equal(res.headers.get('ratelimit-policy'), `"${policy}";q=${limit};w=${window}`);
  assert.match(res.headers.get('ratelimit') ?? '', new RegExp(`^"${policy}";r=0;t=\\d+$`));
}

export function runLimitScenarios(name: string, factory: StoreFactory): void {
  describe(`rate limits and quotas over HTTP (${name} store)`, () => {
    let store: Store;
    const servers: TestServer[] = [];
    const stores: Store[] = [];
    /** A server on the suite's store, or on `on` (a test's own, when it leaves counts behind). */
    const start = async (env: Record<string, string>, on: Store = store) => {
      const server = await startServer({ store: on, env });
      servers.push(server);
      return server;
    };
    before(async () => {
      store = await factory.make();
    });
    after(async () => {
      for (const s of servers) await s.close();
      await store.close();
      for (const s of stores) await s.close();
      await factory.dispose?.();
    });

    test('a token past RATE_LIMIT_PER_TOKEN gets 429 with Retry-After and RateLimit fields, and uses no attempt', async () => {
      const server = await start({ RATE_LIMIT_PER_TOKEN: '3' });
      const minted = await server.call('POST', '/v1/tokens', { auth: 'alice', body: { expire_after_attempts: 20 } });
      const token = minted.body.new_token as string;
      const { pk } = (await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body as { pk: string };
      // An encapsulation uses an attempt and is cheap (no crypto queue to wait in on a busy machine).
      const sent = performance.now();
      const burst = await Promise.all(Array.from({ length: 10 }, () => server.call('POST', '/v1/kem/encapsulate', { auth: token, body: { pk } })));
      const took = performance.now() - sent;
      const by = count(burst);
      assert.equal((by[200] ?? 0) + (by[429] ?? 0), 10, JSON.stringify(by));
      // The window starts at the first request: a burst answered within it lets exactly 3 through.
      // On a machine so loaded that the burst outlasted the window, a second window may admit up to 3 more.
      if (took < 900) assert.equal(by[200], 3, JSON.stringify(by));
      else assert.ok(by[200]! >= 3 && by[200]! <= 6, `${JSON.stringify(by)} in ${Math.round(took)} ms`);
      for (const res of burst.filter((r) => r.status === 429)) assertRateLimited(res, 'token', 3, 1);
      // Successful answers carry the fields too.
      const ok = burst.find((r) => r.status === 200)!;
      assert.match(ok.headers.get('ratelimit') ?? '', /^"token";r=[0-2];t=[01]$/);
      await new Promise((r) => setTimeout(r, 1100));
      const current = await server.call('GET', '/v1/tokens/current', { auth: token });
      assert.equal(current.body.attempts_left, 20 - by[200]!, 'only the admitted requests used an attempt');
    });

    test('a tenant past RATE_LIMIT_PER_TENANT gets 429 whether it uses its API key or tokens, others do not', async () => {
      const server = await start({ RATE_LIMIT_PER_TENANT: '5' });
      const burst = await Promise.all(Array.from({ length: 12 }, () => server.call('GET', '/v1/tokens/current', { auth: 'bob' })));
      const by = count(burst);
      assert.equal(by[200], 5, JSON.stringify(by));
      assertRateLimited(burst.find((r) => r.status === 429)!, 'tenant', 5, 1);
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: 'alice' })).status, 200);
    });

    test("45 revoked and 10 used-up child tokens hammering at full rate cost the tenant's API key no 429; their failures count against the address and each token", async () => {
      // Minted where no limit counts, then used where they all do, on a store of this test's own
      // (the address's failures it leaves counted would refuse the next tests' failures).
      const own = await factory.make();
      stores.push(own);
      const minting = await start({}, own);
      const parent = (await minting.call('POST', '/v1/tokens', { auth: 'alice', body: {} })).body.new_token as string;
      const revoked: string[] = [];
      for (let i = 0; i < 45; i++) {
        const child = await minting.call('POST', '/v1/tokens', { auth: parent, body: {} });
        assert.equal(child.status, 201);
        assert.equal((await minting.call('DELETE', `/v1/tokens/${child.body.token_id}`, { auth: 'alice' })).status, 204);
        revoked.push(child.body.new_token);
      }
      const usedUp: string[] = [];
      for (let i = 0; i < 10; i++) {
        const child = await minting.call('POST', '/v1/tokens', { auth: parent, body: { expire_after_attempts: 1 } });
        assert.equal((await minting.call('POST', '/v1/dsa/verify', { auth: child.body.new_token, body: {} })).status, 422);
        usedUp.push(child.body.new_token);
      }
      const server = await start({ RATE_LIMIT_PER_TENANT: '10', RATE_LIMIT_PER_TOKEN: '5', AUTH_FAILURES_PER_MINUTE: '60' }, own);
      const dead: Record<string, number> = {};
      const tally = (res: CallResult) => {
        const key = res.status === 429 ? `429 ${res.headers.get('ratelimit-policy')?.split(';')[0]}` : String(res.status);
        dead[key] = (dead[key] ?? 0) + 1;
      };
      let hammering = true;
      const hammers = [...revoked, ...usedUp].map(async (token) => {
        while (hammering) tally(await server.call('POST', '/v1/kem/keypair', { auth: token, body: {} }));
      });
      // The tenant's own requests, well under its 10 a second, while the dead tokens hammer.
      const apiKey: number[] = [];
      for (let i = 0; i < 8; i++) {
        await new Promise((r) => setTimeout(r, 150));
        apiKey.push((await server.call('GET', '/v1/tokens/current', { auth: 'alice' })).status);
      }
      hammering = false;
      await Promise.all(hammers);
      // Failures count against each token itself: one dead token's burst meets its own limit.
      await Promise.all(Array.from({ length: 12 }, () => server.call('GET', '/v1/tokens/current', { auth: revoked[0] }).then(tally)));
      assert.deepEqual(apiKey, Array(8).fill(200), `the API key was refused while dead tokens hammered: ${JSON.stringify(dead)}`);
      assert.deepEqual(Object.keys(dead).sort(), ['401', '429 "auth-failures"', '429 "token"'], JSON.stringify(dead));
    });

    test('a token revoked right after use on the same instance: its requests racing the revocation give their tenant places back', async () => {
      const own = await factory.make();
      stores.push(own);
      // No token limit: every request of the dead token reaches the tenant's.
      const server = await start({ RATE_LIMIT_PER_TENANT: '10', RATE_LIMIT_PER_TOKEN: '0', AUTH_FAILURES_PER_MINUTE: '0' }, own);
      const minted = (await start({}, own).then((m) => m.call('POST', '/v1/tokens', { auth: 'alice', body: {} }))).body;
      assert.equal((await server.call('POST', '/v1/dsa/verify', { auth: minted.new_token, body: {} })).status, 422, 'used: seen live here');
      assert.equal((await server.call('DELETE', `/v1/tokens/${minted.token_id}`, { auth: 'alice' })).status, 204);
      const dead = await Promise.all(Array.from({ length: 30 }, () => server.call('POST', '/v1/dsa/verify', { auth: minted.new_token, body: {} })));
      assert.ok(dead.every((r) => r.status === 401 || r.status === 429), JSON.stringify(dead.map((r) => r.status)));
      // 2 of the window's 10 places are used (the use, the revocation); the dead requests gave theirs back.
      const own8 = await Promise.all(Array.from({ length: 8 }, () => server.call('GET', '/v1/tokens/current', { auth: 'alice' })));
      assert.deepEqual(own8.map((r) => r.status), Array(8).fill(200));
    });

    test('an address past AUTH_FAILURES_PER_MINUTE gets 429 for its failures; a valid credential still passes', async () => {
      const server = await start({ AUTH_FAILURES_PER_MINUTE: '4' });
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await server.call('GET', '/v1/tokens/current', { auth: `wrong-key-${i}` })).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
      assertRateLimited(await server.call('POST', '/v1/kem/keypair', { body: {} }), 'auth-failures', 4, 60);
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: 'alice' })).status, 200);
    });

    test('QUOTA_LIVE_TOKENS: past it, 429 quota-exceeded naming the quota and no token written; a revocation frees a place', async () => {
      const server = await start({ QUOTA_LIVE_TOKENS: '3' });
      const mints = await Promise.all(Array.from({ length: 6 }, () => server.call('POST', '/v1/tokens', { auth: 'bob', body: {} })));
      const by = count(mints);
      assert.equal(by[201], 3, JSON.stringify(by));
      const refused = mints.find((r) => r.status === 429)!;
      assert.equal(refused.body.type, `${PROBLEM}quota-exceeded`);
      assert.match(refused.body.detail, /QUOTA_LIVE_TOKENS/);
      assert.equal(refused.headers.get('retry-after'), null, 'waiting does not help: revoke or let tokens expire');
      assert.equal((await server.call('POST', '/v1/tokens', { auth: 'alice', body: {} })).status, 201, 'per tenant');
      const first = mints.find((r) => r.status === 201)!.body.token_id;
      assert.equal((await server.call('DELETE', `/v1/tokens/${first}`, { auth: 'bob' })).status, 204);
      assert.equal((await server.call('POST', '/v1/tokens', { auth: 'bob', body: {} })).status, 201);
      assert.equal((await server.call('POST', '/v1/tokens', { auth: 'bob', body: {} })).status, 429);
    });

    test('QUOTA_KEYS: past it, 429 quota-exceeded and no key stored', async () => {
      const server = await start({ QUOTA_KEYS: '2' });
      const before = await store.keys.count('bob');
      const made = [];
      for (let i = 0; i < 4; i++) made.push(await server.call('POST', '/v1/kem/keypair', { auth: 'bob', body: {} }));
      const allowed = Math.max(0, 2 - before);
      assert.deepEqual(made.map((r) => r.status), [...Array(allowed).fill(201), ...Array(4 - allowed).fill(429)]);
      assert.match(made[3]!.body.detail, /QUOTA_KEYS/);
      assert.equal(await store.keys.count('bob'), Math.max(before, 2));
    });
  });
}
