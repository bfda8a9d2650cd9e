/**
 * The attacks of 2026-11-23 (issue 6), replayed over real HTTP as the hostile third party ran them.
 * Each test failed on the code of that day. Exported as one suite run against each store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import type { Store } from '../../src/stores/store.ts';
import type { StoreFactory } from '../tokens/scenarios.ts';
import { startServer, TENANTS, type TestServer } from '../helpers/server.ts';

export type { StoreFactory };

const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const enc = (b: Uint8Array) => Buffer.from(b).toString('base64');

export function runAttackReplay(name: string, factory: StoreFactory): void {
  describe(`attacks of 2026-11-23, replayed (${name} store)`, () => {
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
      return res.body as { new_token: string; token_id: string };
    };

    describe('1. key-pair attestations cannot be forged through /v1/dsa/sign', () => {
      test('a dsa:sign token signing its own ML-KEM key gets a signature that does not verify under verification_key', async () => {
        const { verification_key: pinned } = (await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body;
        const attacker = ml_kem768.keygen();
        const signer = await mint({ scopes: ['dsa:sign'] });
        const forged = await server.call('POST', '/v1/dsa/sign', {
          auth: signer.new_token,
          body: { data: enc(attacker.publicKey), encoding: 'base64' },
        });
        assert.equal(forged.status, 200);
        assert.notEqual(forged.body.pk, pinned, '/v1/dsa/sign must not use the attestation key');
        assert.equal(ml_dsa65.verify(b64(forged.body.signature), attacker.publicKey, b64(pinned)), false);
        // And the service's own check refuses it, however the verification key is named.
        for (const field of ['verif_key', 'verification_key']) {
          const res = await server.call('POST', '/v1/kem/encapsulate', {
            auth: 'alice',
            body: { pk: enc(attacker.publicKey), signature: forged.body.signature, [field]: pinned },
          });
          assert.equal(res.status, 422, JSON.stringify(res.body));
          assert.deepEqual(res.body.errors.map((e: { pointer: string }) => e.pointer), ['/signature']);
        }
      });

      test('genuine attestations stay plain FIPS 204 (empty context) under one pinned key per tenant', async () => {
        const a = (await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body;
        const b = (await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: { algorithm: 'ML-KEM-1024' } })).body;
        assert.equal(a.verification_key, b.verification_key, 'one attestation key per tenant');
        for (const kp of [a, b]) assert.equal(ml_dsa65.verify(b64(kp.signature), b64(kp.pk), b64(kp.verification_key)), true);
        const bob = (await server.call('POST', '/v1/kem/keypair', { auth: 'bob', body: {} })).body;
        assert.notEqual(bob.verification_key, a.verification_key, 'tenants have their own attestation keys');
        const ok = await server.call('POST', '/v1/kem/encapsulate', {
          auth: 'bob',
          body: { pk: a.pk, signature: a.signature, verif_key: a.verification_key },
        });
        assert.equal(ok.status, 200);
      });
    });

    describe('3. tokens die with the credential that minted their lineage', () => {
      test('rotating the API key out kills its tokens and their children; a kept key keeps its tokens', async () => {
        const parent = await mint({ scopes: ['tokens:create', 'kem:keypair'] });
        const child = await mint({ scopes: ['kem:keypair'] }, parent.new_token);
        const bobToken = await mint({}, 'bob');
        const rotated = `alice-rotated-${'r'.repeat(32)}`;
        const next = await startServer({ store, env: { API_KEYS: `alice:${rotated},bob:${TENANTS.bob}` } });
        try {
          for (const t of [parent, child]) {
            const res = await next.call('POST', '/v1/kem/keypair', { auth: t.new_token, body: {} });
            assert.equal(res.status, 401, JSON.stringify(res.body));
            assert.equal((await next.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 401);
          }
          assert.equal((await next.call('GET', '/v1/tokens/current', { auth: bobToken.new_token })).status, 200);
          // The new key's own tokens work.
          const fresh = await next.call('POST', '/v1/tokens', { auth: rotated, body: {} });
          assert.equal(fresh.status, 201);
          assert.equal((await next.call('GET', '/v1/tokens/current', { auth: fresh.body.new_token })).status, 200);
        } finally {
          await next.close();
        }
        // Under the old configuration the tokens still live: nothing was deleted, the key decides.
        assert.equal((await server.call('GET', '/v1/tokens/current', { auth: parent.new_token })).status, 200);
      });

      test('removing the tenant kills its tokens, with the uniform 401', async () => {
        const t = await mint({}, 'bob');
        const next = await startServer({ store, env: { API_KEYS: `alice:${TENANTS.alice}` } });
        try {
          const res = await next.call('GET', '/v1/tokens/current', { auth: t.new_token });
          assert.equal(res.status, 401);
          assert.equal(res.body.detail, 'Missing or invalid credentials.');
        } finally {
          await next.close();
        }
      });
    });

    describe('4. small holes', () => {
      test('a child token with tokens:create revokes itself and its own children, never its parent or a sibling', async () => {
        const parent = await mint({ scopes: ['tokens:create', 'kem:keypair'] });
        const a = await mint({ scopes: ['tokens:create'] }, parent.new_token);
        const sibling = await mint({ scopes: ['kem:keypair'] }, parent.new_token);
        const unrelated = await mint({});
        const grandchild = await mint({ scopes: [] }, a.new_token);
        for (const target of [parent, sibling, unrelated]) {
          const res = await server.call('DELETE', `/v1/tokens/${target.token_id}`, { auth: a.new_token });
          assert.equal(res.status, 404, `a child must not revoke ${target.token_id}: ${JSON.stringify(res.body)}`);
          assert.equal((await server.call('GET', '/v1/tokens/current', { auth: target.new_token })).status, 200);
        }
        assert.equal((await server.call('DELETE', `/v1/tokens/${grandchild.token_id}`, { auth: a.new_token })).status, 204);
        assert.equal((await server.call('GET', '/v1/tokens/current', { auth: grandchild.new_token })).status, 401);
        assert.equal((await server.call('DELETE', `/v1/tokens/${a.token_id}`, { auth: a.new_token })).status, 204);
        assert.equal((await server.call('GET', '/v1/tokens/current', { auth: a.new_token })).status, 401);
        // The API key revokes any token of its tenant.
        assert.equal((await server.call('DELETE', `/v1/tokens/${sibling.token_id}`, { auth: 'alice' })).status, 204);
        assert.equal((await server.call('GET', '/v1/tokens/current', { auth: parent.new_token })).status, 200);
      });

      test('answers carrying secrets are never cacheable, however the path is spelt', async () => {
        const { pk } = (await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body;
        for (const path of ['/v1/kem/encapsulate', '/V1/kem/encapsulate', '/v1/KEM/Encapsulate', '/v1//kem/encapsulate']) {
          const res = await server.call('POST', path, { auth: 'alice', body: { pk } });
          assert.equal(res.headers.get('cache-control'), 'no-store', `${path} -> ${res.status}`);
        }
        for (const path of ['/V1/nope', '/v1', '/V1', '/healthz', '/openapi.json']) {
          const res = await server.call('GET', path, { auth: 'alice' });
          assert.equal(res.headers.get('cache-control'), 'no-store', `${path} -> ${res.status}`);
        }
      });

      test('8,000 copies of a key id are refused before any store read', async () => {
        const { key_id } = (await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body;
        const reads = countKeyReads(store);
        try {
          const started = performance.now();
          const res = await server.call('POST', '/v1/tokens', { auth: 'alice', body: { key_ids: Array(8000).fill(key_id) } });
          const ms = performance.now() - started;
          assert.equal(res.status, 422);
          assert.deepEqual(res.body.errors.map((e: { pointer: string }) => e.pointer), ['/key_ids']);
          assert.equal(reads.count, 0, 'no key read for an oversized list');
          assert.ok(ms < 500, `took ${ms} ms`);
          // 64 distinct-or-not ids are looked up once each at most.
          const ok = await server.call('POST', '/v1/tokens', { auth: 'alice', body: { key_ids: Array(64).fill(key_id) } });
          assert.equal(ok.status, 201);
          assert.equal(reads.count, 1, 'a repeated id is read once');
        } finally {
          reads.restore();
        }
      });
    });
  });
}

/** Counts getKey calls on a store (the key lookups a route makes), until restored. */
function countKeyReads(store: Store): { count: number; restore(): void } {
  const keys = store.keys;
  const original = keys.get;
  const counter = {
    count: 0,
    restore: () => {
      keys.get = original;
    },
  };
  keys.get = function (this: typeof keys, ...args: Parameters<typeof keys.get>) {
    counter.count++;
    return original.apply(this, args);
  };
  return counter;
}

