/**
 * /v1/kem/*: keypair, encapsulate, decapsulate over real HTTP with real crypto, the whole key
 * exchange flow into AES, and interoperability with @noble/post-quantum and node:crypto used
 * directly by the test as an independent client.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem512, ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import {
  assert422,
  assertOk,
  assertProblem,
  b64,
  b64url,
  flipBit,
  keypair,
  localDecrypt,
  random,
  startApi,
  unb64,
  utf8,
  type TestServer,
} from './support.ts';

const SETS = [
  { algorithm: 'ML-KEM-512', pk: 800, cipher: 768, noble: ml_kem512 },
  { algorithm: 'ML-KEM-768', pk: 1184, cipher: 1088, noble: ml_kem768 },
  { algorithm: 'ML-KEM-1024', pk: 1568, cipher: 1568, noble: ml_kem1024 },
] as const;

const KEYPAIR_FIELDS = ['algorithm', 'expires_at', 'key_id', 'pk', 'signature', 'verification_key'];

let api: TestServer;
before(async () => {
  api = await startApi();
});
after(() => api.close());

const encapsulate = (body: Record<string, unknown>) => api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body });
const decapsulate = (body: Record<string, unknown>) => api.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body });

describe('POST /v1/kem/keypair', () => {
  test('with an empty body makes an ML-KEM-768 key: 201 with exactly key_id, algorithm, pk, verification_key, signature, expires_at', async () => {
    const res = await api.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} });
    assertOk(res, 201);
    assert.deepEqual(Object.keys(res.body).sort(), KEYPAIR_FIELDS);
    assert.equal(res.body.algorithm, 'ML-KEM-768');
    assert.match(res.body.key_id, /^kem_[A-Za-z0-9_-]{22}$/);
    assert.equal(unb64(res.body.pk).length, 1184);
    assert.equal(unb64(res.body.verification_key).length, 1952, 'an ML-DSA-65 public key');
    assert.equal(unb64(res.body.signature).length, 3309, 'an ML-DSA-65 signature');
  });

  test('with no body at all also defaults to ML-KEM-768', async () => {
    const res = await api.call('POST', '/v1/kem/keypair', { auth: 'alice' });
    assertOk(res, 201);
    assert.equal(res.body.algorithm, 'ML-KEM-768');
    assert.equal(unb64(res.body.pk).length, 1184);
  });

  for (const set of SETS) {
    test(`${set.algorithm} gives a ${set.pk}-byte pk and says so in algorithm`, async () => {
      const kp = await keypair(api, 'alice', set.algorithm);
      assert.equal(kp.algorithm, set.algorithm);
      assert.equal(unb64(kp.pk).length, set.pk);
    });
  }

  test('the signature is pure ML-DSA-65 over the raw pk bytes with an empty context (checked with noble directly)', async () => {
    const kp = await keypair(api, 'alice');
    const pk = unb64(kp.pk);
    const sig = unb64(kp.signature);
    const vk = unb64(kp.verification_key);
    assert.equal(ml_dsa65.verify(sig, pk, vk), true);
    assert.equal(ml_dsa65.verify(sig, pk, vk, { context: utf8('x') }), false, 'signed with an empty context, not another');
    assert.equal(ml_dsa65.verify(sig, utf8(kp.pk), vk), false, 'signed over the raw bytes, not the base64 text');
    assert.equal(ml_dsa65.verify(sig, flipBit(pk, 0), vk), false);
  });

  test("verification_key is the tenant's attestation key, not the signing key /v1/dsa/sign uses", async () => {
    const kp = await keypair(api, 'alice');
    const signed = await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x' } });
    assertOk(signed);
    assert.notEqual(kp.verification_key, signed.body.pk);
  });

  test('every call makes a new key: different key_id and pk, same verification_key', async () => {
    const [a, b] = await Promise.all([keypair(api, 'alice'), keypair(api, 'alice')]);
    assert.notEqual(a.key_id, b.key_id);
    assert.notEqual(a.pk, b.pk);
    assert.equal(a.verification_key, b.verification_key);
  });

  test('an unknown algorithm is 422 naming /algorithm', async () => {
    for (const algorithm of ['ML-KEM-256', 'ml-kem-768', 768]) {
      assert422(await api.call('POST', '/v1/kem/keypair', { auth: 'alice', body: { algorithm } }), '/algorithm');
    }
  });
});

describe('the key exchange flow', () => {
  for (const set of SETS) {
    test(`${set.algorithm}: encapsulate to the signed pk, then decapsulate by key_id and by pk: one shared key`, async () => {
      const kp = await keypair(api, 'alice', set.algorithm);
      const enc = await encapsulate({ pk: kp.pk, signature: kp.signature, verif_key: kp.verification_key });
      assertOk(enc);
      assert.deepEqual(Object.keys(enc.body).sort(), ['cipher', 'confirmation', 'shared_key']);
      assert.equal(unb64(enc.body.cipher).length, set.cipher);
      assert.equal(unb64(enc.body.shared_key).length, 32);

      const byId = await decapsulate({ cipher: enc.body.cipher, key_id: kp.key_id });
      assertOk(byId);
      assert.deepEqual(Object.keys(byId.body), ['shared_key']);
      assert.equal(byId.body.shared_key, enc.body.shared_key);

      const byPk = await decapsulate({ cipher: enc.body.cipher, pk: kp.pk });
      assertOk(byPk);
      assert.equal(byPk.body.shared_key, enc.body.shared_key);

      const both = await decapsulate({ cipher: enc.body.cipher, pk: kp.pk, key_id: kp.key_id });
      assertOk(both);
      assert.equal(both.body.shared_key, enc.body.shared_key);
    });
  }

  test('encapsulate accepts verification_key (the name keypair answers) as an alias of verif_key', async () => {
    const kp = await keypair(api, 'alice');
    const enc = await encapsulate({ pk: kp.pk, signature: kp.signature, verification_key: kp.verification_key });
    assertOk(enc);
    const dec = await decapsulate({ cipher: enc.body.cipher, key_id: kp.key_id });
    assert.equal(dec.body.shared_key, enc.body.shared_key);
  });

  test('encapsulate accepts verif_key and verification_key together when they are the same key', async () => {
    const kp = await keypair(api, 'alice');
    assertOk(await encapsulate({ pk: kp.pk, signature: kp.signature, verif_key: kp.verification_key, verification_key: kp.verification_key }));
  });

  test('encapsulate without a signature skips the check; two encapsulations give different secrets', async () => {
    const kp = await keypair(api, 'alice');
    const [a, b] = await Promise.all([encapsulate({ pk: kp.pk }), encapsulate({ pk: kp.pk })]);
    assertOk(a);
    assertOk(b);
    assert.notEqual(a.body.shared_key, b.body.shared_key);
    assert.notEqual(a.body.cipher, b.body.cipher);
    for (const enc of [a, b]) {
      assert.equal((await decapsulate({ cipher: enc.body.cipher, key_id: kp.key_id })).body.shared_key, enc.body.shared_key);
    }
  });

  test('the shared key then encrypts via /v1/aes/encrypt, decrypts via /v1/aes/decrypt and locally with node:crypto', async () => {
    const kp = await keypair(api, 'alice');
    const enc = await encapsulate({ pk: kp.pk, signature: kp.signature, verif_key: kp.verification_key });
    const dec = await decapsulate({ cipher: enc.body.cipher, key_id: kp.key_id });
    const message = 'meet at the usual place, 10:00';
    const sealed = await api.call('POST', '/v1/aes/encrypt', { auth: 'alice', body: { unencrypted: message, key: enc.body.shared_key, aad: 'flow' } });
    assertOk(sealed);
    // The peer decrypts with the key it got from decapsulation.
    const opened = await api.call('POST', '/v1/aes/decrypt', { auth: 'alice', body: { ciphertext: sealed.body.ciphertext, key: dec.body.shared_key, aad: 'flow' } });
    assertOk(opened);
    assert.equal(opened.body.decrypted, message);
    assert.equal(localDecrypt(unb64(dec.body.shared_key), sealed.body.ciphertext, 'flow').toString('utf8'), message);
  });
});

describe('interoperability with a client doing its own ML-KEM (noble)', () => {
  for (const set of SETS) {
    test(`${set.algorithm}: a client-side encapsulation to the API's pk decapsulates via the API to the same secret`, async () => {
      const kp = await keypair(api, 'alice', set.algorithm);
      const { cipherText, sharedSecret } = set.noble.encapsulate(unb64(kp.pk));
      const dec = await decapsulate({ cipher: b64(cipherText), key_id: kp.key_id });
      assertOk(dec);
      assert.equal(dec.body.shared_key, b64(sharedSecret));
    });

    test(`${set.algorithm}: the API's encapsulation to a client-made pk decapsulates locally to the same secret`, async () => {
      const local = set.noble.keygen();
      const enc = await encapsulate({ pk: b64(local.publicKey) });
      assertOk(enc);
      assert.equal(unb64(enc.body.cipher).length, set.cipher);
      assert.equal(b64(set.noble.decapsulate(unb64(enc.body.cipher), local.secretKey)), enc.body.shared_key);
    });
  }
});

describe('POST /v1/kem/encapsulate: refusals', () => {
  test('a signature without verif_key is 422 naming /verif_key', async () => {
    const kp = await keypair(api, 'alice');
    assert422(await encapsulate({ pk: kp.pk, signature: kp.signature }), '/verif_key');
  });

  test("a signature over another pk is 422 naming /signature (the pk is not encapsulated to)", async () => {
    const [a, b] = await Promise.all([keypair(api, 'alice'), keypair(api, 'alice')]);
    const res = await encapsulate({ pk: a.pk, signature: b.signature, verif_key: a.verification_key });
    assert422(res, '/signature');
    assert.equal(res.body.cipher, undefined);
    assert.equal(res.body.shared_key, undefined);
  });

  test('a bad signature is also refused when the key comes as verification_key (the alias is checked, not ignored)', async () => {
    const [a, b] = await Promise.all([keypair(api, 'alice'), keypair(api, 'alice')]);
    assert422(await encapsulate({ pk: a.pk, signature: b.signature, verification_key: a.verification_key }), '/signature');
  });

  test("a genuine signature checked against someone else's verification key is 422 naming /signature", async () => {
    const [a, b] = await Promise.all([keypair(api, 'alice'), keypair(api, 'bob')]);
    assert422(await encapsulate({ pk: a.pk, signature: a.signature, verif_key: b.verification_key }), '/signature');
  });

  test('verif_key and verification_key that differ are 422 naming /verification_key', async () => {
    const [a, b] = await Promise.all([keypair(api, 'alice'), keypair(api, 'bob')]);
    assert422(await encapsulate({ pk: a.pk, signature: a.signature, verif_key: a.verification_key, verification_key: b.verification_key }), '/verification_key');
  });

  test('a pk of a length matching no ML-KEM set is 422 naming /pk', async () => {
    const kp = await keypair(api, 'alice');
    const pk = unb64(kp.pk);
    for (const bytes of [pk.subarray(0, 1183), new Uint8Array([...pk, 0]), new Uint8Array(0), random(32)]) {
      const res = await encapsulate({ pk: b64(bytes) });
      assert422(res, '/pk');
      assert.match(res.body.errors[0].detail, new RegExp(`got ${bytes.length}`));
    }
  });

  test('a pk failing the FIPS 203 modulus check (a coefficient of 0xFFF) is 422 naming /pk', async () => {
    const kp = await keypair(api, 'alice');
    const pk = unb64(kp.pk);
    pk[0] = 0xff;
    pk[1]! |= 0x0f;
    const res = await encapsulate({ pk: b64(pk) });
    assert422(res, '/pk');
    assert.match(res.body.errors[0].detail, /modulus/);
  });

  test('pk, signature and verif_key that are not base64 are 422 naming each of them', async () => {
    const kp = await keypair(api, 'alice');
    assert422(await encapsulate({ pk: `${kp.pk.slice(0, -4)}!!!!` }), '/pk');
    assert422(await encapsulate({ pk: kp.pk, signature: 'not base64 at all', verif_key: kp.verification_key }), '/signature');
    assert422(await encapsulate({ pk: kp.pk, signature: kp.signature, verif_key: '%%%' }), '/verif_key');
    // Mixed alphabets and non-canonical trailing bits are not base64 either.
    assert422(await encapsulate({ pk: kp.pk.replace(/^(.)(.)/, '+_') }), '/pk');
  });

  test('pk of the wrong JSON type or missing is 422 naming /pk', async () => {
    assert422(await encapsulate({}), '/pk');
    assert422(await encapsulate({ pk: 1184 }), '/pk');
    assert422(await encapsulate({ pk: null }), '/pk');
  });

  test('a signature of a length matching no ML-DSA set is 422 naming /signature', async () => {
    const kp = await keypair(api, 'alice');
    assert422(await encapsulate({ pk: kp.pk, signature: b64(random(100)), verif_key: kp.verification_key }), '/signature');
  });

  test('base64url without padding is accepted for pk, signature and verif_key, and names the same key', async () => {
    const kp = await keypair(api, 'alice');
    const pk = b64url(unb64(kp.pk));
    assert.ok(kp.pk.endsWith('=') && !pk.endsWith('='), 'the test needs a padded pk');
    const enc = await encapsulate({ pk, signature: b64url(unb64(kp.signature)), verif_key: b64url(unb64(kp.verification_key)) });
    assertOk(enc);
    const dec = await decapsulate({ cipher: b64url(unb64(enc.body.cipher)), key_id: kp.key_id });
    assertOk(dec);
    assert.equal(dec.body.shared_key, enc.body.shared_key);
    // Standard base64 out, whatever came in.
    assert.match(enc.body.cipher, /^[A-Za-z0-9+/]+=*$/);
  });
});

describe('POST /v1/kem/decapsulate: refusals and implicit rejection', () => {
  test("a ciphertext of another set's length (768 bytes for an ML-KEM-768 key) is 422 naming /cipher", async () => {
    const kp = await keypair(api, 'alice');
    const res = await decapsulate({ cipher: b64(random(768)), key_id: kp.key_id });
    assert422(res, '/cipher');
    assert.match(res.body.errors[0].detail, /1088/);
    assert422(await decapsulate({ cipher: b64(random(1568)), pk: kp.pk }), '/cipher');
  });

  test('a ciphertext of a length matching no set is 422 naming /cipher', async () => {
    const kp = await keypair(api, 'alice');
    assert422(await decapsulate({ cipher: b64(random(1087)), key_id: kp.key_id }), '/cipher');
    assert422(await decapsulate({ cipher: 'not base64!', key_id: kp.key_id }), '/cipher');
  });

  test('a ciphertext with one bit flipped is 200 with a different shared key (implicit rejection), the same one each time', async () => {
    const kp = await keypair(api, 'alice');
    const enc = await encapsulate({ pk: kp.pk });
    const tampered = b64(flipBit(unb64(enc.body.cipher), 100, 3));
    const first = await decapsulate({ cipher: tampered, key_id: kp.key_id });
    assertOk(first);
    assert.equal(unb64(first.body.shared_key).length, 32);
    assert.notEqual(first.body.shared_key, enc.body.shared_key);
    const again = await decapsulate({ cipher: tampered, pk: kp.pk });
    assert.equal(again.body.shared_key, first.body.shared_key, 'K-bar = J(z || c) is deterministic');
  });

  test('neither key_id nor pk is 422', async () => {
    const res = await decapsulate({ cipher: b64(random(1088)) });
    assert.equal(res.status, 422);
    assert.ok(res.body.errors.some((e: { pointer: string }) => e.pointer === '/key_id' || e.pointer === '/pk'));
  });

  test('an unknown key_id is 404 not-found', async () => {
    assertProblem(await decapsulate({ cipher: b64(random(1088)), key_id: 'kem_AAAAAAAAAAAAAAAAAAAAAA' }), 404, 'not-found');
  });

  test('a pk the service never made is 404 not-found', async () => {
    assertProblem(await decapsulate({ cipher: b64(random(1088)), pk: b64(ml_kem768.keygen().publicKey) }), 404, 'not-found');
  });

  test('the key is looked up before the rest is validated: an unknown key_id with a malformed cipher is 404', async () => {
    assertProblem(await decapsulate({ cipher: '!!', key_id: 'kem_BBBBBBBBBBBBBBBBBBBBBB' }), 404, 'not-found');
  });

  test('a pk that cannot be an ML-KEM public key is 422 naming /pk, not 404', async () => {
    assert422(await decapsulate({ cipher: b64(random(1088)), pk: b64(random(100)) }), '/pk');
  });

  test('a key_id that is not of the key_id form is 422 naming /key_id', async () => {
    assert422(await decapsulate({ cipher: b64(random(1088)), key_id: 'my-key' }), '/key_id');
  });

  test('key_id and pk naming two different keys is 422 naming /pk', async () => {
    const [a, b] = await Promise.all([keypair(api, 'alice'), keypair(api, 'alice')]);
    assert422(await decapsulate({ cipher: b64(random(1088)), key_id: a.key_id, pk: b.pk }), '/pk');
  });
});
