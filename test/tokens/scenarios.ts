/**
 * Temporary tokens over real HTTP, as a third party would use them. Exported as one suite that
 * runs against each store (memory.test.ts, redis.test.ts), so both keep the same promises.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import jwt from 'jsonwebtoken';
import { SCOPES } from '../../src/auth/scopes.ts';
import type { Store } from '../../src/stores/store.ts';
import { SHARED_ENV, startServer, type CallResult, type TestServer } from '../helpers/server.ts';

export interface StoreFactory {
  make(): Promise<Store>;
  dispose?(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function runTokenScenarios(name: string, factory: StoreFactory): void {
  describe(`temporary tokens (${name} store)`, () => {
    let server: TestServer;
    let store: Store;
    before(async () => {
      store = await factory.make();
      server = await startServer({ store });
    });
    after(async () => {
      await server.close();
      await store.close();
      await factory.dispose?.();
    });

    const mint = async (body: Record<string, unknown>, auth = 'alice') => {
      const res = await server.call('POST', '/v1/tokens', { auth, body });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { new_token: string; token_id: string; expires_at: string; attempts_left: number | null; scopes: string[] };
    };
    const keypair = async (auth = 'alice') => (await server.call('POST', '/v1/kem/keypair', { auth, body: {} })).body;
    const encapsulate = (pk: string) => server.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk } });

    test('mints from a JSON body with the brief fields, an RFC 3339 expiry and the attempts given', async () => {
      const started = Date.now();
      const t = await mint({ expiry_time: 120, expire_after_attempts: 3, scopes: ['kem:encapsulate'] });
      assert.deepEqual(Object.keys(t).sort(), ['attempts_left', 'expires_at', 'new_token', 'scopes', 'token_id']);
      assert.match(t.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      // The server reads its clock between started and answered (a loaded machine can take seconds
      // to answer); the expiry is that reading + 120 s, at most a second less when rounded down.
      const answered = Date.now();
      const expires = Date.parse(t.expires_at);
      assert.ok(expires > started + 119_000 && expires <= answered + 120_000, `expires ${expires - started} ms after the request was sent, ${answered - started} ms to answer`);
      assert.equal(t.attempts_left, 3);
      assert.deepEqual(t.scopes, ['kem:encapsulate']);
    });

    test('mints from query parameters, as the seed API does', async () => {
      const res = await server.call('POST', '/v1/tokens?expiry_time=60&expire_after_attempts=2&scopes=dsa:sign,dsa:verify', { auth: 'alice' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.attempts_left, 2);
      assert.deepEqual(res.body.scopes, ['dsa:sign', 'dsa:verify']);
    });

    test('defaults: configured lifetime, limited by time only (attempts_left null), all of the parent scopes', async () => {
      const t = await mint({});
      assert.equal(t.attempts_left, null);
      const lifetime = Date.parse(t.expires_at) - Date.now();
      assert.ok(Math.abs(lifetime - server.config.tokenDefaultTtlSeconds * 1000) < 2000);
      assert.deepEqual(t.scopes, SCOPES);
      const current = await server.call('GET', '/v1/tokens/current', { auth: t.new_token });
      assert.equal(current.body.attempts_left, null);
    });

    test('exactly K requests pass with expire_after_attempts = K, whatever their outcome', async () => {
      const { pk } = await keypair();
      const t = await mint({ expire_after_attempts: 3 });
      // One success, one validation failure, one 403-free success: each uses an attempt.
      assert.equal((await server.call('POST', '/v1/kem/encapsulate', { auth: t.new_token, body: { pk } })).status, 200);
      assert.equal((await server.call('POST', '/v1/kem/encapsulate', { auth: t.new_token, body: { pk: 'bad' } })).status, 422);
      assert.equal((await server.call('POST', '/v1/kem/encapsulate', { auth: t.new_token, body: { pk } })).status, 200);
      assert.equal((await server.call('POST', '/v1/kem/encapsulate', { auth: t.new_token, body: { pk } })).status, 401);
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 401);
    });

    test('malformed JSON still uses an attempt (the attempt is used before the body is read)', async () => {
      const t = await mint({ expire_after_attempts: 1 });
      const bad = await server.call('POST', '/v1/kem/encapsulate', { auth: t.new_token, raw: '{"pk":', headers: { 'content-type': 'application/json' } });
      assert.equal(bad.status, 400);
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 401);
    });

    test('GET /v1/tokens/current describes the token without using an attempt', async () => {
      const t = await mint({ expire_after_attempts: 2, scopes: ['aes:encrypt'] });
      for (let i = 0; i < 5; i++) {
        const res = await server.call('GET', '/v1/tokens/current', { auth: t.new_token });
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, { token_id: t.token_id, expires_at: t.expires_at, attempts_left: 2, scopes: ['aes:encrypt'] });
      }
      await server.call('POST', '/v1/aes/encrypt', { auth: t.new_token, body: { unencrypted: 'x', key: Buffer.alloc(32).toString('base64') } });
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: t.new_token })).body.attempts_left, 1);
    });

    test('GET /v1/tokens/current with an API key describes the key: no expiry, no attempt limit, every scope', async () => {
      const res = await server.call('GET', '/v1/tokens/current', { auth: 'alice' });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        token_id: null,
        expires_at: null,
        attempts_left: null,
        scopes: SCOPES,
      });
    });

    test('200 concurrent requests on a token with 5 attempts: exactly 5 pass', async () => {
      const t = await mint({ expire_after_attempts: 5, scopes: ['dsa:verify'] });
      // An invalid body: any answer but 401 means the request got past authentication.
      const results = await Promise.all(Array.from({ length: 200 }, () => server.call('POST', '/v1/dsa/verify', { auth: t.new_token, body: {} })));
      assert.deepEqual(countBy(results), { 401: 195, 422: 5 });
    });

    test('expires to within a second of expiry_time', async () => {
      const t = await mint({ expiry_time: 1 });
      const deadline = Date.parse(t.expires_at);
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 200);
      await sleep(Math.max(0, deadline - Date.now() - 400));
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 200, 'alive shortly before expires_at');
      await sleep(Math.max(0, deadline - Date.now()) + 250);
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 401, 'dead shortly after expires_at');
      assert.equal((await server.call('POST', '/v1/dsa/sign', { auth: t.new_token, body: { data: 'x' } })).status, 401);
    });

    test('a token outside its scopes gets 403 (and the attempt is used)', async () => {
      const t = await mint({ expire_after_attempts: 2, scopes: ['dsa:verify'] });
      const res = await server.call('POST', '/v1/dsa/sign', { auth: t.new_token, body: { data: 'x' } });
      assert.equal(res.status, 403);
      assert.match(res.body.detail, /dsa:sign/);
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: t.new_token })).body.attempts_left, 1);
    });

    test('a token restricted to one key decapsulates with it, gets 403 for another own key, 404 for a foreign one', async () => {
      const mine = await keypair();
      const other = await keypair();
      const foreign = await keypair('bob');
      const t = await mint({ scopes: ['kem:decapsulate'], key_ids: [mine.key_id], expire_after_attempts: 10 });
      const cipher = (await encapsulate(mine.pk)).body.cipher;
      const ok = await server.call('POST', '/v1/kem/decapsulate', { auth: t.new_token, body: { cipher, key_id: mine.key_id } });
      assert.equal(ok.status, 200);
      const byPk = await server.call('POST', '/v1/kem/decapsulate', { auth: t.new_token, body: { cipher, pk: mine.pk } });
      assert.equal(byPk.status, 200);
      assert.equal(byPk.body.shared_key, ok.body.shared_key);
      const denied = await server.call('POST', '/v1/kem/decapsulate', { auth: t.new_token, body: { cipher, key_id: other.key_id } });
      assert.equal(denied.status, 403);
      const deniedByPk = await server.call('POST', '/v1/kem/decapsulate', { auth: t.new_token, body: { cipher, pk: other.pk } });
      assert.equal(deniedByPk.status, 403);
      const absent = await server.call('POST', '/v1/kem/decapsulate', { auth: t.new_token, body: { cipher, key_id: foreign.key_id } });
      assert.equal(absent.status, 404);
    });

    test('order of checks: 404 for an unknown key comes before 403 for a missing scope, 403 before 422', async () => {
      const t = await mint({ scopes: ['dsa:verify'] });
      const foreign = await keypair('bob');
      const unknown = await server.call('POST', '/v1/kem/decapsulate', { auth: t.new_token, body: { cipher: 'AA', key_id: foreign.key_id } });
      assert.equal(unknown.status, 404);
      const noScope = await server.call('POST', '/v1/kem/decapsulate', { auth: t.new_token, body: { cipher: 'not base64!' } });
      assert.equal(noScope.status, 403);
    });

    test('minting needs tokens:create; a child never out-scopes its parent', async () => {
      const noCreate = await mint({ scopes: ['dsa:sign'] });
      assert.equal((await server.call('POST', '/v1/tokens', { auth: noCreate.new_token, body: {} })).status, 403);
      const parent = await mint({ scopes: ['tokens:create', 'dsa:sign'] });
      const wider = await server.call('POST', '/v1/tokens', { auth: parent.new_token, body: { scopes: ['dsa:sign', 'kem:decapsulate'] } });
      assert.equal(wider.status, 403);
      assert.match(wider.body.detail, /kem:decapsulate/);
      const inherited = await server.call('POST', '/v1/tokens', { auth: parent.new_token, body: {} });
      assert.equal(inherited.status, 201);
      assert.deepEqual(inherited.body.scopes, ['tokens:create', 'dsa:sign']);
    });

    test('a child never outlives its parent: a longer expiry_time is cut to the parent expiry', async () => {
      const parent = await mint({ expiry_time: 30, scopes: ['tokens:create'] });
      const child = await server.call('POST', '/v1/tokens', { auth: parent.new_token, body: { expiry_time: 3600 } });
      assert.equal(child.status, 201);
      assert.equal(child.body.expires_at, parent.expires_at);
    });

    test('a child inherits its parent key restriction and cannot name other keys', async () => {
      const a = await keypair();
      const b = await keypair();
      const parent = await mint({ scopes: ['tokens:create', 'kem:decapsulate'], key_ids: [a.key_id] });
      const inherited = await server.call('POST', '/v1/tokens', { auth: parent.new_token, body: {} });
      assert.equal(inherited.status, 201);
      const cipher = (await encapsulate(b.pk)).body.cipher;
      const denied = await server.call('POST', '/v1/kem/decapsulate', { auth: inherited.body.new_token, body: { cipher, key_id: b.key_id } });
      assert.equal(denied.status, 403);
      const wider = await server.call('POST', '/v1/tokens', { auth: parent.new_token, body: { key_ids: [b.key_id] } });
      assert.equal(wider.status, 403);
      const unknown = await server.call('POST', '/v1/tokens', { auth: 'alice', body: { key_ids: [(await keypair('bob')).key_id] } });
      assert.equal(unknown.status, 404);
    });

    test("a child of a limited token cannot multiply its parent's attempts: children share the parent's budget", async () => {
      const parent = await mint({ expire_after_attempts: 4, scopes: ['tokens:create', 'dsa:verify'] });
      // Minting uses one of the parent's attempts (3 left); the child gets at most what is left.
      const child = await server.call('POST', '/v1/tokens', { auth: parent.new_token, body: { expire_after_attempts: 1000 } });
      assert.equal(child.status, 201);
      assert.equal(child.body.attempts_left, 3);
      const byDefault = await server.call('POST', '/v1/tokens', { auth: parent.new_token, body: {} });
      assert.equal(byDefault.body.attempts_left, 2);
      // Every request of either child also uses one of the parent's 2 remaining attempts.
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          server.call('POST', '/v1/dsa/verify', { auth: i % 2 ? child.body.new_token : byDefault.body.new_token, body: {} }),
        ),
      );
      assert.deepEqual(countBy(results), { 401: 18, 422: 2 });
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: parent.new_token })).status, 401);
    });

    test("minting with a token's last attempt is refused (403): nothing would be left to give", async () => {
      const parent = await mint({ expire_after_attempts: 1, scopes: ['tokens:create'] });
      const res = await server.call('POST', '/v1/tokens', { auth: parent.new_token, body: {} });
      assert.equal(res.status, 403);
    });

    test('tokens nest at most 9 deep: the 9th cannot mint a 10th (403, not a 500)', async () => {
      let token = (await mint({ scopes: ['tokens:create'] })).new_token;
      for (let depth = 2; depth <= 9; depth++) {
        const res = await server.call('POST', '/v1/tokens', { auth: token, body: {} });
        assert.equal(res.status, 201, `depth ${depth}`);
        token = res.body.new_token;
      }
      const tooDeep = await server.call('POST', '/v1/tokens', { auth: token, body: {} });
      assert.equal(tooDeep.status, 403);
      assert.match(tooDeep.body.detail, /nest/);
    });

    test('revocation kills the token at once; only the owning tenant may revoke', async () => {
      const t = await mint({});
      const byBob = await server.call('DELETE', `/v1/tokens/${t.token_id}`, { auth: 'bob' });
      assert.equal(byBob.status, 404);
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 200);
      const revoked = await server.call('DELETE', `/v1/tokens/${t.token_id}`, { auth: 'alice' });
      assert.equal(revoked.status, 204);
      assert.equal(revoked.body, undefined);
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 401);
      assert.equal((await server.call('DELETE', `/v1/tokens/${t.token_id}`, { auth: 'alice' })).status, 404);
      assert.equal((await server.call('DELETE', '/v1/tokens/not-a-token-id', { auth: 'alice' })).status, 422);
    });

    test('revoking a parent kills its children; revoking a child leaves the parent alive', async () => {
      const parent = await mint({ scopes: ['tokens:create', 'dsa:verify'] });
      const child = (await server.call('POST', '/v1/tokens', { auth: parent.new_token, body: {} })).body;
      const grandchild = (await server.call('POST', '/v1/tokens', { auth: child.new_token, body: {} })).body;
      assert.equal((await server.call('DELETE', `/v1/tokens/${grandchild.token_id}`, { auth: child.new_token })).status, 204);
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: child.new_token })).status, 200);
      assert.equal((await server.call('DELETE', `/v1/tokens/${parent.token_id}`, { auth: 'alice' })).status, 204);
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: child.new_token })).status, 401);
    });

    test('forged, altered, alg:none, other-algorithm and expired-JWT tokens all get the same 401', async () => {
      const t = await mint({});
      const [header, payload] = t.new_token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const hs = (alg: 'sha256' | 'sha512', secret: string | Buffer, h: string, p: string) => `${h}.${p}.${createHmac(alg, secret).update(`${h}.${p}`).digest('base64url')}`;
      const secret = Buffer.from(SHARED_ENV.TOKEN_SECRET);
      const forged = [
        hs('sha256', 'not-the-server-secret-not-the-server-secret', header, payload),
        `${header}.${b64({ ...claims, sub: 'bob' })}.${t.new_token.split('.')[2]}`,
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, sub: 'bob' })}.`,
        `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
        hs('sha512', secret, b64({ alg: 'HS512', typ: 'JWT' }), payload),
        jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10, xms: Date.now() - 10_000 }, secret, { algorithm: 'HS256' }),
        'not-a-token',
        '',
      ];
      // One X-Request-Id for all: the problem bodies echo it, and must then be identical.
      const headers = { 'x-request-id': 'forged-tokens' };
      const reference = await server.call('GET', '/v1/tokens/current', { auth: 'garbage-that-is-not-a-key-at-all', headers });
      assert.equal(reference.status, 401);
      for (const token of forged) {
        for (const [method, path] of [['GET', '/v1/tokens/current'], ['POST', '/v1/dsa/sign']] as const) {
          const res = await server.call(method, path, { auth: token, body: method === 'POST' ? { data: 'x' } : undefined, headers });
          assert.equal(res.status, 401, `${token.slice(0, 40)} on ${path}`);
          assert.deepEqual(res.body, reference.body);
          assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
        }
      }
      // The genuine token still works: the forgeries did not use its attempts or kill it.
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 200);
    });

    test('unknown, expired, exhausted and revoked tokens answer byte for byte alike', async () => {
      const exhausted = await mint({ expire_after_attempts: 1 });
      await server.call('POST', '/v1/dsa/sign', { auth: exhausted.new_token, body: { data: 'x' } });
      const revoked = await mint({});
      await server.call('DELETE', `/v1/tokens/${revoked.token_id}`, { auth: 'alice' });
      const expired = await mint({ expiry_time: 1 });
      await sleep(Math.max(0, Date.parse(expired.expires_at) - Date.now()) + 100);
      const bodies = new Set<string>();
      for (const token of [exhausted, revoked, expired]) {
        const res = await fetch(`${server.url}/v1/dsa/sign`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token.new_token}`, 'content-type': 'application/json', 'x-request-id': 'dead-tokens' },
          body: '{"data":"x"}',
        });
        assert.equal(res.status, 401);
        bodies.add(await res.text());
      }
      const unknownKey = await fetch(`${server.url}/v1/dsa/sign`, { method: 'POST', headers: { authorization: 'Bearer nope', 'x-request-id': 'dead-tokens' } });
      bodies.add(await unknownKey.text());
      assert.equal(bodies.size, 1, [...bodies].join('\n'));
    });

    test('bounds: expiry_time and expire_after_attempts outside their ranges or not integers are 422 naming each field', async () => {
      const res = await server.call('POST', '/v1/tokens', {
        auth: 'alice',
        body: { expiry_time: server.config.tokenMaxTtlSeconds + 1, expire_after_attempts: 0, scopes: ['kem:fly'] },
      });
      assert.equal(res.status, 422);
      assert.deepEqual(res.body.errors.map((e: { pointer: string }) => e.pointer).sort(), ['/expire_after_attempts', '/expiry_time', '/scopes/0']);
      for (const bad of [{ expire_after_attempts: 1.5 }, { expire_after_attempts: -1 }, { expiry_time: 'soon' }, { expiry_time: 0 }, { scopes: 'kem:keypair' }]) {
        const r = await server.call('POST', '/v1/tokens', { auth: 'alice', body: bad });
        assert.equal(r.status, 422, JSON.stringify(bad));
      }
    });
  });
}

export function countBy(results: readonly CallResult[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const r of results) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}
