/**
 * Registered clients below HTTP (src/clients/service.ts) on the memory store and on a real
 * Redis: registering with every narrowing rule, reading, listing, deleting; and signed requests
 * (RFC 9421, ml-dsa) authenticated to the client's principal, with each refusal (replayed,
 * re-signed outside the window, changed body, path or method, deleted, expired or orphaned
 * client) answering alike. The request is the one every RFC 9421 example signs (appendix B.2,
 * also the httpsig-mldsa examples' test-request.http).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ml_dsa44, ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import type { Principal } from '../../src/auth/scopes.ts';
import { ClientNotFoundError, ClientQuotaExceededError } from '../../src/clients/errors.ts';
import { createCryptoBackend } from '../../src/crypto/select.ts';
import { authenticateSignedRequest, backendVerifier, ClientService, type SignedRequestDeps, type SignedRequestFailure } from '../../src/clients/service.ts';
import type { HttpRequestLike } from '../../src/httpsig/base.ts';
import { signRequest } from '../../src/httpsig/sign.ts';
import { clientSignaturePolicy } from '../../src/httpsig/verify.ts';
import { KeyNotFoundError } from '../../src/keys/errors.ts';
import { InvalidInputError, NotAllowedError } from '../../src/operations/errors.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { RedisStore } from '../../src/stores/redis.ts';
import type { Store } from '../../src/stores/store.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

const KEM_KEY = 'kem_' + 'k'.repeat(22);
const OTHER_KEY = 'kem_' + 'o'.repeat(22);
const apiKey = (tenant: string): Principal => ({ tenant, scopes: ['dsa:sign', 'dsa:verify', 'kem:encapsulate', 'tokens:create'], keyIds: null, apiKeyId: 'ak_live' });

/** RFC 9421 appendix B.2's request (test-request.http of the httpsig-mldsa examples). */
const rfcRequest = (): HttpRequestLike => ({
  method: 'POST',
  url: 'https://example.com/foo?param=Value&Pet=dog',
  headers: { host: 'example.com', date: 'Tue, 20 Apr 2021 02:07:55 GMT', 'content-type': 'application/json', 'content-length': '18' },
  body: new TextEncoder().encode('{"hello": "world"}'),
});

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.dispose();
});

const backends: readonly [string, () => Store][] = [
  ['memory', () => new MemoryStore()],
  ['redis', () => new RedisStore({ url: redis.url, keyPrefix: `test-${randomBytes(8).toString('hex')}:` })],
];

for (const [backend, makeStore] of backends) {
  describe(`registered clients (${backend} store)`, () => {
    let store: Store;
    const tenant = `acme-${backend}`;
    const stored = new Set([`${tenant}/${KEM_KEY}`, `${tenant}/${OTHER_KEY}`]);
    let service: ClientService;
    before(() => {
      store = makeStore();
      service = new ClientService(store.clients, Date.now, { quota: 50, keyExists: async (t, id) => stored.has(`${t}/${id}`) });
    });
    after(() => store.close());

    const seed = new Uint8Array(randomBytes(32));
    const keys = ml_dsa65.keygen(seed);
    const register = (maker: Principal = apiKey(tenant), extra: Partial<Parameters<ClientService['register']>[1]> = {}) =>
      service.register(maker, { name: 'laptop', signingKey: { algorithm: 'ML-DSA-65', pk: keys.publicKey }, ...extra });

    describe('register, get, list, delete', () => {
      test("a client gets the maker's scopes and key ids by default, and the maker's lineage", async () => {
        const client = await register();
        assert.match(client.id, /^cl_[A-Za-z0-9_-]{22}$/);
        assert.deepEqual(client.scopes, apiKey(tenant).scopes);
        assert.equal(client.keyIds, null);
        assert.equal(client.apiKeyId, 'ak_live');
        assert.equal(client.expiresAtMs, null);
        assert.equal(client.signingKey.pk, Buffer.from(keys.publicKey).toString('base64'));
        assert.deepEqual(await service.get(apiKey(tenant), client.id), client);
      });

      test('public keys are checked: the ML-DSA length for its set, the KEM key for its algorithm', async () => {
        await assert.rejects(service.register(apiKey(tenant), { name: 'x', signingKey: { algorithm: 'ML-DSA-44', pk: keys.publicKey } }), (e) => e instanceof InvalidInputError && e.field === '/signing_key/pk');
        const kem1024 = ml_kem1024.keygen().publicKey;
        await assert.rejects(register(apiKey(tenant), { kemKey: { algorithm: 'ML-KEM-768', pk: kem1024 } }), (e) => e instanceof InvalidInputError && e.field === '/kem_key/pk');
        const bad = ml_kem768.keygen().publicKey.slice();
        bad[0] = 0xff;
        bad[1] = 0xff; // first coefficient 0xfff > q - 1
        await assert.rejects(register(apiKey(tenant), { kemKey: { algorithm: 'ML-KEM-768', pk: bad } }), (e) => e instanceof InvalidInputError && /modulus/.test(e.message));
        const good = await register(apiKey(tenant), { kemKey: { algorithm: 'ML-KEM-1024', pk: kem1024 } });
        assert.equal(good.kemKey?.algorithm, 'ML-KEM-1024');
      });

      test("scopes and key ids within the maker's (403), key ids of the tenant's keys (404); expiry within a token maker's", async () => {
        const token: Principal = { ...apiKey(tenant), scopes: ['dsa:sign'], keyIds: [KEM_KEY], token: { id: 't', family: 't', ancestors: [], expiresAtMs: Date.now() + 60_000, attemptsLeft: null } };
        await assert.rejects(register(token, { scopes: ['dsa:sign', 'dsa:verify'] }), NotAllowedError);
        await assert.rejects(register(token, { keyIds: [OTHER_KEY] }), NotAllowedError);
        await assert.rejects(register(token, { keyIds: ['kem_' + 'n'.repeat(22)] }), KeyNotFoundError);
        const narrowed = await register(token, { expiresInSeconds: 3600 });
        assert.deepEqual([narrowed.scopes, narrowed.keyIds, narrowed.expiresAtMs], [['dsa:sign'], [KEM_KEY], token.token!.expiresAtMs]);
        const fromKey = await register(apiKey(tenant), { scopes: ['dsa:verify'], keyIds: [OTHER_KEY, OTHER_KEY] });
        assert.deepEqual([fromKey.scopes, fromKey.keyIds], [['dsa:verify'], [OTHER_KEY]]);
      });

      test("another tenant's client is not found, listed or deleted; a deleted one is gone", async () => {
        const client = await register();
        const globex = apiKey(`globex-${backend}`);
        await assert.rejects(service.get(globex, client.id), ClientNotFoundError);
        await assert.rejects(service.delete(globex, client.id), ClientNotFoundError);
        assert.deepEqual((await service.list(globex, { limit: 100 })).clients, []);
        assert.ok((await service.list(apiKey(tenant), { limit: 100 })).clients.some((c) => c.id === client.id));
        await service.delete(apiKey(tenant), client.id);
        await assert.rejects(service.get(apiKey(tenant), client.id), ClientNotFoundError);
        await assert.rejects(service.delete(apiKey(tenant), client.id), ClientNotFoundError);
      });

      test('QUOTA_CLIENTS: past it, 429 and nothing written', async () => {
        const small = new ClientService(store.clients, Date.now, { quota: 1, keyExists: async () => true });
        const maker = apiKey(`quota-${backend}`);
        await small.register(maker, { name: 'a', signingKey: { algorithm: 'ML-DSA-65', pk: keys.publicKey } });
        await assert.rejects(small.register(maker, { name: 'b', signingKey: { algorithm: 'ML-DSA-65', pk: keys.publicKey } }), ClientQuotaExceededError);
        assert.equal((await small.list(maker, { limit: 10 })).clients.length, 1);
      });
    });

    describe('signed requests', () => {
      const refusals: SignedRequestFailure[] = [];
      let live = true;
      const deps = (): SignedRequestDeps => ({
        clients: store.clients,
        replay: store.replay,
        policy: clientSignaturePolicy({ windowSeconds: 60 }),
        isLive: () => live,
        onRefused: (reason) => refusals.push(reason),
      });
      const sign = async (clientId: string, request = rfcRequest(), created = Math.floor(Date.now() / 1000), secret = seed, algorithm: 'ML-DSA-65' | 'ML-DSA-44' = 'ML-DSA-65') => {
        const { headers } = await signRequest(request, { keyid: clientId, key: { algorithm, seed: secret }, created, components: ['@method', '@target-uri', '@authority', '@path', '@query', 'content-digest', 'content-type', 'content-length', 'date'] });
        return { ...request, headers: { ...request.headers, ...headers } };
      };
      const lastRefusal = () => refusals[refusals.length - 1];

      test("the RFC 9421 test request signed by a registered client acts as the client: its tenant, scopes, key ids", async () => {
        const client = await register(apiKey(tenant), { scopes: ['dsa:sign'], keyIds: [KEM_KEY] });
        const principal = await authenticateSignedRequest(await sign(client.id), deps());
        assert.deepEqual(principal, { tenant, scopes: ['dsa:sign'], keyIds: [KEM_KEY], apiKeyId: 'ak_live', client: { id: client.id, expiresAtMs: null } });
      });

      test('replayed, re-signed outside the window, changed body, path or method: refused, each for its reason', async () => {
        const client = await register();
        const request = await sign(client.id);
        assert.ok(await authenticateSignedRequest(request, deps()));
        const cases: [HttpRequestLike, SignedRequestFailure][] = [
          [request, 'replayed'],
          [await sign(client.id, rfcRequest(), Math.floor(Date.now() / 1000) - 120), 'created'],
          [{ ...(await sign(client.id)), body: new TextEncoder().encode('{"hello": "World"}') }, 'digest'],
          [{ ...(await sign(client.id)), url: 'https://example.com/bar?param=Value&Pet=dog' }, 'signature'],
          [{ ...(await sign(client.id)), method: 'PUT' }, 'signature'],
          [await sign(client.id, rfcRequest(), undefined, new Uint8Array(randomBytes(32))), 'signature'],
          [await sign(client.id, rfcRequest(), undefined, seed, 'ML-DSA-44'), 'alg-mismatch'],
          [await sign('cl_' + 'u'.repeat(22)), 'unknown-key'],
        ];
        for (const [req, reason] of cases) {
          assert.equal(await authenticateSignedRequest(req, deps()), undefined, reason);
          assert.equal(lastRefusal(), reason);
        }
        // A fresh nonce on the same request is fine.
        assert.ok(await authenticateSignedRequest(await sign(client.id), deps()));
      });

      test('a replay is refused on every instance sharing the store', async () => {
        const client = await register();
        const request = await sign(client.id);
        const results = await Promise.all(Array.from({ length: 20 }, () => authenticateSignedRequest(request, deps())));
        assert.equal(results.filter(Boolean).length, 1);
      });

      test("a deleted or expired client, or one whose maker's API key is gone, is refused", async () => {
        const deleted = await register();
        await service.delete(apiKey(tenant), deleted.id);
        assert.equal(await authenticateSignedRequest(await sign(deleted.id), deps()), undefined);
        assert.equal(lastRefusal(), 'unknown-key');

        const expiring = await register(apiKey(tenant), { expiresInSeconds: 0.3 });
        assert.ok(await authenticateSignedRequest(await sign(expiring.id), deps()));
        await sleep(600);
        assert.equal(await authenticateSignedRequest(await sign(expiring.id), deps()), undefined);

        const orphan = await register();
        live = false;
        try {
          assert.equal(await authenticateSignedRequest(await sign(orphan.id), deps()), undefined);
          assert.equal(lastRefusal(), 'unknown-key');
        } finally {
          live = true;
        }
      });
    });
  });
}

test('two Redis instances: a signed request accepted by one is refused by the other', async () => {
  const keyPrefix = `test-${randomBytes(8).toString('hex')}:`;
  const a = new RedisStore({ url: redis.url, keyPrefix });
  const b = new RedisStore({ url: redis.url, keyPrefix });
  try {
    const seed = new Uint8Array(randomBytes(32));
    const service = new ClientService(a.clients, Date.now, { quota: 0, keyExists: async () => true });
    const client = await service.register(apiKey('acme'), { name: 'phone', signingKey: { algorithm: 'ML-DSA-44', pk: ml_dsa44.keygen(seed).publicKey } });
    const { headers } = await signRequest(rfcRequest(), { keyid: client.id, key: { algorithm: 'ML-DSA-44', seed } });
    const request = { ...rfcRequest(), headers: { ...rfcRequest().headers, ...headers } };
    const deps = (store: Store): SignedRequestDeps => ({ clients: store.clients, replay: store.replay, policy: clientSignaturePolicy(), isLive: () => true });
    assert.equal((await authenticateSignedRequest(request, deps(b)))?.client?.id, client.id);
    assert.equal(await authenticateSignedRequest(request, deps(a)), undefined);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test("with the service's crypto backend as verifier (native on Node >= 24.7, else noble workers), the same request verifies, and a changed one does not", async () => {
  const crypto = createCryptoBackend('auto');
  const store = new MemoryStore();
  try {
    const seed = new Uint8Array(randomBytes(32));
    const service = new ClientService(store.clients, Date.now, { quota: 0, keyExists: async () => true });
    const client = await service.register(apiKey('acme'), { name: 'phone', signingKey: { algorithm: 'ML-DSA-65', pk: ml_dsa65.keygen(seed).publicKey } });
    const sign = async () => {
      const { headers } = await signRequest(rfcRequest(), { keyid: client.id, key: { algorithm: 'ML-DSA-65', seed } });
      return { ...rfcRequest(), headers: { ...rfcRequest().headers, ...headers } };
    };
    const refusals: string[] = [];
    const deps: SignedRequestDeps = { clients: store.clients, replay: store.replay, policy: clientSignaturePolicy(), isLive: () => true, verify: backendVerifier(crypto.dsa), onRefused: (r) => refusals.push(r) };
    assert.equal((await authenticateSignedRequest(await sign(), deps))?.client?.id, client.id);
    assert.equal(await authenticateSignedRequest({ ...(await sign()), method: 'GET' }, deps), undefined);
    assert.deepEqual(refusals, ['signature']);
    console.log(`# crypto backend: ${JSON.stringify(crypto.info)}`);
  } finally {
    await store.close();
    await crypto.close();
  }
});
