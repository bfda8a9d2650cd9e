/**
 * Key-pair attestations: a new ML-KEM key pair comes signed (plain FIPS 204 ML-DSA-65, empty
 * context) under one pinned attestation key per tenant, and /v1/kem/encapsulate checks such a
 * signature when asked to. The forgery through /v1/dsa/sign is attack 1 of 2026-11-23 (issue 6),
 * replayed as the hostile third party ran it (it succeeded on the code of that day); the
 * undecodable verification_key is a defect the hostile-input suite found (a 500 until fixed).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { describeOnEachStore } from '../helpers/stores.ts';
import { assert422, random, startApi, type TestServer } from './support.ts';

const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const enc = (b: Uint8Array) => Buffer.from(b).toString('base64');

describeOnEachStore('key-pair attestations cannot be forged through /v1/dsa/sign', (on) => {
  const mint = async (body: Record<string, unknown>, auth = 'alice') => {
    const res = await on.server.call('POST', '/v1/tokens', { auth, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { new_token: string; token_id: string };
  };

  test('a dsa:sign token signing its own ML-KEM key gets a signature that does not verify under verification_key', async () => {
    const server = on.server;
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
    const server = on.server;
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

let api: TestServer;
before(async () => {
  api = await startApi();
});
after(() => api.close());

test('encapsulate: verif_key plus a verification_key that does not decode is a 422 naming it, not a 500', async () => {
  const kp = (await api.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body;
  // Refinements of the whole body run even when a field failed: the failed one is still a string.
  const notBase64 = `*${kp.verification_key.slice(1)}`;
  const res = await api.call('POST', '/v1/kem/encapsulate', {
    auth: 'alice',
    body: { pk: kp.pk, signature: kp.signature, verif_key: kp.verification_key, verification_key: notBase64 },
  });
  assert422(res, '/verification_key');
  const tooLong = await api.call('POST', '/v1/kem/encapsulate', {
    auth: 'alice',
    body: { pk: kp.pk, verif_key: enc(random(1952)), verification_key: 'A'.repeat(5000) },
  });
  assert422(tooLong, '/verification_key');
});
