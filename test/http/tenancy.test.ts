/**
 * Tenant isolation over real HTTP: alice and bob (two API keys, two tenants) on one server and
 * one store. Another tenant's key is indistinguishable from a key that does not exist, and each
 * tenant signs with its own, stable ML-DSA key.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { assertOk, assertProblem, b64, keypair, random, startApi, unb64, utf8, type Keypair, type TestServer } from './support.ts';

let api: TestServer;
let alices: Keypair;
let cipher: string;
let sharedKey: string;
before(async () => {
  api = await startApi();
  alices = await keypair(api, 'alice');
  const enc = await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: alices.pk } });
  assertOk(enc);
  cipher = enc.body.cipher;
  sharedKey = enc.body.shared_key;
});
after(() => api.close());

// One X-Request-Id for every request: problem bodies echo it, so two answers can be compared whole.
const decapsulate = (auth: string, body: Record<string, unknown>) =>
  api.call('POST', '/v1/kem/decapsulate', { auth, body, headers: { 'x-request-id': 'tenancy-test' } });

describe("another tenant's KEM key is not found", () => {
  test("bob decapsulating with alice's key_id is 404, with the very body of an unknown key_id", async () => {
    const res = await decapsulate('bob', { cipher, key_id: alices.key_id });
    assertProblem(res, 404, 'not-found');
    assert.equal(res.body.shared_key, undefined);
    const unknown = await decapsulate('bob', { cipher, key_id: 'kem_AAAAAAAAAAAAAAAAAAAAAA' });
    assert.deepEqual(res.body, unknown.body);
  });

  test("bob decapsulating with alice's pk is 404, with the very body of an unknown pk", async () => {
    const res = await decapsulate('bob', { cipher, pk: alices.pk });
    assertProblem(res, 404, 'not-found');
    assert.equal(res.body.shared_key, undefined);
    const unknown = await decapsulate('bob', { cipher, pk: b64(ml_kem768.keygen().publicKey) });
    assert.deepEqual(res.body, unknown.body);
  });

  test("bob naming alice's key by key_id and pk together is 404", async () => {
    assertProblem(await decapsulate('bob', { cipher, key_id: alices.key_id, pk: alices.pk }), 404, 'not-found');
  });

  test("the 404 comes before validation: alice's key_id with a malformed cipher is 404 for bob, 422 for alice", async () => {
    assertProblem(await decapsulate('bob', { cipher: '!!', key_id: alices.key_id }), 404, 'not-found');
    assertProblem(await decapsulate('alice', { cipher: '!!', key_id: alices.key_id }), 422, 'validation-failed');
  });

  test("bob's own key with the same ciphertext does not give alice's secret", async () => {
    const bobs = await keypair(api, 'bob');
    const res = await decapsulate('bob', { cipher, key_id: bobs.key_id });
    assertOk(res);
    assert.notEqual(res.body.shared_key, sharedKey);
    // ...and alice cannot use bob's key either.
    assertProblem(await decapsulate('alice', { cipher, key_id: bobs.key_id }), 404, 'not-found');
  });

  test("after bob's attempts alice's key still works and gives the original secret", async () => {
    const byId = await decapsulate('alice', { cipher, key_id: alices.key_id });
    assertOk(byId);
    assert.equal(byId.body.shared_key, sharedKey);
    const byPk = await decapsulate('alice', { cipher, pk: alices.pk });
    assert.equal(byPk.body.shared_key, sharedKey);
  });

  test('anyone may encapsulate to a public key: bob encapsulates to alice\'s pk and alice decapsulates it', async () => {
    const enc = await api.call('POST', '/v1/kem/encapsulate', {
      auth: 'bob',
      body: { pk: alices.pk, signature: alices.signature, verif_key: alices.verification_key },
    });
    assertOk(enc);
    const dec = await decapsulate('alice', { cipher: enc.body.cipher, key_id: alices.key_id });
    assert.equal(dec.body.shared_key, enc.body.shared_key);
  });
});

describe('each tenant has its own, stable signing key', () => {
  const signPk = async (auth: string) => {
    const res = await api.call('POST', '/v1/dsa/sign', { auth, body: { data: 'who am i' } });
    assertOk(res);
    return res.body as { pk: string; signature: string };
  };

  test("bob's signing pk differs from alice's, and each is the same on every call", async () => {
    const [a1, b1] = await Promise.all([signPk('alice'), signPk('bob')]);
    const [a2, b2] = await Promise.all([signPk('alice'), signPk('bob')]);
    assert.notEqual(a1.pk, b1.pk);
    assert.equal(a1.pk, a2.pk);
    assert.equal(b1.pk, b2.pk);
  });

  test("each tenant has its own attestation key, distinct from its signing pk", async () => {
    const bobs = await keypair(api, 'bob');
    assert.notEqual(alices.verification_key, (await signPk('alice')).pk);
    assert.notEqual(bobs.verification_key, (await signPk('bob')).pk);
    assert.notEqual(alices.verification_key, bobs.verification_key);
    assert.equal((await keypair(api, 'bob')).verification_key, bobs.verification_key);
  });

  test("alice's signature verifies under alice's pk (whoever asks), not under bob's", async () => {
    const a = await signPk('alice');
    const b = await signPk('bob');
    const verify = async (auth: string, pk: string) => {
      const res = await api.call('POST', '/v1/dsa/verify', { auth, body: { data: 'who am i', pk, signature: a.signature } });
      assertOk(res);
      return res.body.verified as boolean;
    };
    assert.equal(await verify('bob', a.pk), true);
    assert.equal(await verify('alice', b.pk), false);
    assert.equal(ml_dsa65.verify(unb64(a.signature), utf8('who am i'), unb64(b.pk)), false);
  });

  test("a new tenant's first signatures, made concurrently, agree on one key", async () => {
    // A fresh server: bob has never signed there.
    const fresh = await startApi();
    try {
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => fresh.call('POST', '/v1/dsa/sign', { auth: 'bob', body: { data: b64(random(8)), encoding: 'base64' } })),
      );
      for (const a of answers) assertOk(a);
      assert.equal(new Set(answers.map((a) => a.body.pk)).size, 1);
    } finally {
      await fresh.close();
    }
  });
});
