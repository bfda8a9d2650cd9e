/**
 * Keys as resources over real HTTP (issue 9): signing keys by id with versions and rotation,
 * listing, describing and deleting keys, expiry, key confirmation (checked against an
 * independent computation with node:crypto), stored shared keys with their encryption bound,
 * token key restrictions and scopes on every operation that names a key, and batch forms.
 */
import assert from 'node:assert/strict';
import { createHmac, hkdfSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ml_dsa44, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { slh_dsa_sha2_128f } from '@noble/post-quantum/slh-dsa.js';
import { after, before, describe, test } from 'node:test';
import { assert422, assertOk, assertProblem, b64, flipBit, keypair, localDecrypt, localEncrypt, random, startApi, unb64, utf8, type TestServer } from './support.ts';

let api: TestServer;
before(async () => {
  api = await startApi({ env: { MAX_ENCRYPTIONS_PER_KEY: '3', MAX_BATCH: '5' } });
});
after(() => api.close());

const post = (path: string, body: unknown, auth = 'alice') => api.call('POST', path, { auth, body });

async function dsaKey(auth = 'alice', body: Record<string, unknown> = {}) {
  const res = await post('/v1/dsa/keypair', body, auth);
  assertOk(res, 201);
  return res.body as { key_id: string; algorithm: string; pk: string; version: number; expires_at: string | null };
}

async function token(body: Record<string, unknown>, auth = 'alice'): Promise<string> {
  const res = await post('/v1/tokens', body, auth);
  assertOk(res, 201);
  return res.body.new_token;
}

/** The confirmation as the brief defines it, computed with node:crypto alone. */
const independentConfirmation = (sharedKey: Uint8Array, cipher: Uint8Array) =>
  createHmac('sha256', Buffer.from(hkdfSync('sha256', sharedKey, Buffer.alloc(0), 'pq-crypto-api/v1/key-confirmation', 32))).update(cipher).digest('base64');

describe('signing keys: POST /v1/dsa/keypair, sign and verify by key_id, rotation', () => {
  test('an ML-DSA-44 key signs by key_id; noble verifies under its pk; verify by key_id and by pk agree', async () => {
    const key = await dsaKey('alice', { algorithm: 'ML-DSA-44' });
    assert.match(key.key_id, /^dsa_[A-Za-z0-9_-]{22}$/);
    assert.deepEqual([key.algorithm, key.version, key.expires_at, unb64(key.pk).length], ['ML-DSA-44', 1, null, 1312]);
    const signed = await post('/v1/dsa/sign', { data: 'hello', key_id: key.key_id, context: 'ctx' });
    assertOk(signed);
    assert.deepEqual([signed.body.key_id, signed.body.version, signed.body.algorithm, signed.body.pk], [key.key_id, 1, 'ML-DSA-44', key.pk]);
    assert.equal(ml_dsa44.verify(unb64(signed.body.signature), utf8('hello'), unb64(key.pk), { context: utf8('ctx') }), true);
    for (const by of [{ key_id: key.key_id }, { pk: key.pk }]) {
      assert.equal((await post('/v1/dsa/verify', { data: 'hello', signature: signed.body.signature, context: 'ctx', ...by })).body.verified, true);
      assert.equal((await post('/v1/dsa/verify', { data: 'hellO', signature: signed.body.signature, context: 'ctx', ...by })).body.verified, false);
    }
  });

  test('the default key has an id too, and sign without key_id keeps using it', async () => {
    const a = await post('/v1/dsa/sign', { data: 'x' }, 'bob');
    const b = await post('/v1/dsa/sign', { data: 'y' }, 'bob');
    assertOk(a);
    assert.match(a.body.key_id, /^dsa_/);
    assert.deepEqual([b.body.key_id, b.body.pk, b.body.algorithm], [a.body.key_id, a.body.pk, 'ML-DSA-65']);
    assert.equal((await post('/v1/dsa/verify', { data: 'x', key_id: a.body.key_id, signature: a.body.signature }, 'bob')).body.verified, true);
  });

  test('rotate: the new version signs, every version still verifies, `version` narrows, KEM keys cannot rotate', async () => {
    const key = await dsaKey('alice', { algorithm: 'ML-DSA-87' });
    const v1 = await post('/v1/dsa/sign', { data: 'm', key_id: key.key_id });
    const rotated = await api.call('POST', `/v1/keys/${key.key_id}/rotate`, { auth: 'alice' });
    assertOk(rotated);
    assert.equal(rotated.body.version, 2);
    assert.notEqual(rotated.body.pk, key.pk);
    const v2 = await post('/v1/dsa/sign', { data: 'm', key_id: key.key_id });
    assert.deepEqual([v2.body.version, v2.body.pk], [2, rotated.body.pk]);
    assert.equal(ml_dsa87.verify(unb64(v2.body.signature), utf8('m'), unb64(rotated.body.pk)), true);
    const verify = (signature: string, extra: Record<string, unknown> = {}) => post('/v1/dsa/verify', { data: 'm', key_id: key.key_id, signature, ...extra });
    assert.equal((await verify(v1.body.signature)).body.verified, true, 'the old version still verifies');
    assert.equal((await verify(v2.body.signature)).body.verified, true);
    assert.equal((await verify(v1.body.signature, { version: 1 })).body.verified, true);
    assert.equal((await verify(v1.body.signature, { version: 2 })).body.verified, false, 'only the named version');
    assertProblem(await verify(v1.body.signature, { version: 3 }), 422, 'validation-failed', ['/version']);
    const described = await api.call('GET', `/v1/keys/${key.key_id}`, { auth: 'alice' });
    assert.deepEqual(described.body.versions.map((v: { version: number; pk: string }) => [v.version, v.pk]), [[1, key.pk], [2, rotated.body.pk]]);
    const kem = await keypair(api, 'alice');
    assertProblem(await api.call('POST', `/v1/keys/${kem.key_id}/rotate`, { auth: 'alice' }), 422, 'validation-failed');
  });

  test('a signing key has at most 100 versions: the 101st rotation is 409 key-conflict', async () => {
    const key = await dsaKey('alice', { algorithm: 'ML-DSA-44' });
    for (let v = 2; v <= 100; v++) assertOk(await api.call('POST', `/v1/keys/${key.key_id}/rotate`, { auth: 'alice' }));
    assertProblem(await api.call('POST', `/v1/keys/${key.key_id}/rotate`, { auth: 'alice' }), 409, 'key-conflict');
    assert.equal((await api.call('GET', `/v1/keys/${key.key_id}`, { auth: 'alice' })).body.versions.length, 100);
  });

  test("another tenant's key is 404 for sign, verify, rotate, get and delete, and is untouched", async () => {
    const key = await dsaKey('alice');
    assertProblem(await post('/v1/dsa/sign', { data: 'x', key_id: key.key_id }, 'bob'), 404, 'not-found');
    assertProblem(await post('/v1/dsa/verify', { data: 'x', key_id: key.key_id, signature: b64(random(3309)) }, 'bob'), 404, 'not-found');
    for (const [method, path] of [['POST', `/v1/keys/${key.key_id}/rotate`], ['GET', `/v1/keys/${key.key_id}`], ['DELETE', `/v1/keys/${key.key_id}`]] as const) {
      assertProblem(await api.call(method, path, { auth: 'bob' }), 404, 'not-found');
    }
    assert.equal((await api.call('GET', `/v1/keys/${key.key_id}`, { auth: 'alice' })).body.versions.length, 1);
  });

  test('verify: the body /v1/dsa/sign answers verifies as it is (pk and key_id agree); wrong lengths and a foreign pk are 422', async () => {
    const key = await dsaKey('alice');
    const signed = await post('/v1/dsa/sign', { data: 'x', key_id: key.key_id });
    const { signature, pk, key_id, version, algorithm } = signed.body;
    assert.equal((await post('/v1/dsa/verify', { data: 'x', signature, pk, key_id, version, algorithm })).body.verified, true);
    const other = await dsaKey('alice');
    assert422(await post('/v1/dsa/verify', { data: 'x', key_id: key.key_id, pk: other.pk, signature: b64(random(3309)) }), '/pk');
    assert422(await post('/v1/dsa/verify', { data: 'x', signature: b64(random(3309)) }), '/pk');
    assert422(await post('/v1/dsa/verify', { data: 'x', pk: key.pk, signature: b64(random(2420)) }), '/signature');
    assert422(await post('/v1/dsa/verify', { data: 'x', pk: key.pk, algorithm: 'ML-DSA-44', signature: b64(random(3309)) }), '/pk');
    assert422(await post('/v1/dsa/verify', { data: 'x', key_id: key.key_id, signature: b64(random(2420)) }), '/signature');
    assert422(await post('/v1/dsa/verify', { data: 'x', pk: key.pk, version: 1, signature: b64(random(3309)) }), '/version');
    assert422(await post('/v1/dsa/verify', { data: 'x', key_id: key.key_id, algorithm: 'ML-DSA-44', signature: b64(random(3309)) }), '/algorithm');
    assert422(await post('/v1/dsa/keypair', { algorithm: 'RSA-2048' }), '/algorithm');
  });
});

describe('X-Wing and SLH-DSA over HTTP', () => {
  test('X-Wing: key pair (1216-byte pk), server and local (noble) encapsulation, confirmed decapsulation', async () => {
    const kp = await keypair(api, 'alice', 'X-Wing');
    assert.equal(unb64(kp.pk).length, 1216);
    const enc = await post('/v1/kem/encapsulate', { pk: kp.pk, signature: kp.signature, verification_key: kp.verification_key });
    assertOk(enc);
    assert.equal(unb64(enc.body.cipher).length, 1120);
    const dec = await post('/v1/kem/decapsulate', { key_id: kp.key_id, cipher: enc.body.cipher, confirmation: enc.body.confirmation });
    assert.equal(dec.body.shared_key, enc.body.shared_key);
    const local = ml_kem768_x25519.encapsulate(unb64(kp.pk));
    const byPk = await post('/v1/kem/decapsulate', { pk: kp.pk, cipher: b64(local.cipherText), confirmation: independentConfirmation(local.sharedSecret, local.cipherText) });
    assertOk(byPk);
    assert.equal(byPk.body.shared_key, b64(local.sharedSecret));
    // An ML-KEM-768 ciphertext (1088 bytes) does not fit an X-Wing key.
    assert422(await post('/v1/kem/decapsulate', { key_id: kp.key_id, cipher: b64(random(1088)) }), '/cipher');
  });

  test('SLH-DSA-SHA2-128f: signs by key_id; noble verifies; verify by pk needs algorithm (SHA2 and SHAKE sizes are equal)', async () => {
    const key = await dsaKey('alice', { algorithm: 'SLH-DSA-SHA2-128f' });
    assert.equal(unb64(key.pk).length, 32);
    const signed = await post('/v1/dsa/sign', { data: 'hash-based', key_id: key.key_id, context: 'c' });
    assertOk(signed);
    assert.equal(unb64(signed.body.signature).length, 17088);
    assert.equal(slh_dsa_sha2_128f.verify(unb64(signed.body.signature), utf8('hash-based'), unb64(key.pk), { context: utf8('c') }), true);
    const body = { data: 'hash-based', pk: key.pk, signature: signed.body.signature, context: 'c' };
    assertProblem(await post('/v1/dsa/verify', body), 422, 'validation-failed', ['/algorithm']);
    assert.equal((await post('/v1/dsa/verify', { ...body, algorithm: 'SLH-DSA-SHA2-128f' })).body.verified, true);
    assert.equal((await post('/v1/dsa/verify', { ...body, algorithm: 'SLH-DSA-SHAKE-128f' })).body.verified, false, 'the same sizes, another algorithm');
    assert422(await post('/v1/dsa/verify', { ...body, algorithm: 'SLH-DSA-SHA2-128s' }), '/signature');
    assert.equal((await post('/v1/dsa/verify', { data: 'hash-based', key_id: key.key_id, signature: signed.body.signature, context: 'c' })).body.verified, true);
  });
});

describe('GET /v1/keys, GET and DELETE /v1/keys/{key_id}, expires_in', () => {
  test('lists only the caller tenant\'s keys, paged without repeats, filtered by type, never a secret', async () => {
    const server = await startApi();
    try {
      const mine = [];
      for (let i = 0; i < 3; i++) mine.push((await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body.key_id);
      mine.push((await server.call('POST', '/v1/dsa/keypair', { auth: 'alice', body: {} })).body.key_id);
      const stored = await server.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: (await keypair(server, 'bob')).pk, store: true } });
      mine.push(stored.body.shared_key_id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<TestServer['call']>> = await server.call('GET', `/v1/keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { auth: 'alice' });
        assertOk(page);
        assert.ok(page.body.keys.length <= 2);
        for (const k of page.body.keys) {
          assert.deepEqual(Object.keys(k).filter((f) => /seed|secret|sealed|shared_key$/.test(f)), []);
          assert.equal(JSON.stringify(k).includes('sealed'), false);
        }
        seen.push(...page.body.keys.map((k: { key_id: string }) => k.key_id));
        cursor = page.body.next_cursor;
      } while (cursor);
      assert.deepEqual(seen, mine, 'in creation order, each once');
      const kem = await server.call('GET', '/v1/keys?type=kem', { auth: 'alice' });
      assert.deepEqual(kem.body.keys.map((k: { key_id: string }) => k.key_id), mine.slice(0, 3));
      const shared = await server.call('GET', '/v1/keys?type=shared', { auth: 'alice' });
      assert.deepEqual(shared.body.keys.map((k: { type: string; algorithm: string }) => [k.type, k.algorithm]), [['shared', 'AES-256-GCM']]);
      assert.equal(shared.body.keys[0].pk, undefined);
      assert.deepEqual((await server.call('GET', '/v1/keys?type=kem', { auth: 'bob' })).body.keys.length, 1, "bob sees only bob's");
      assert422(await server.call('GET', '/v1/keys?limit=0', { auth: 'alice' }), '/limit');
      assert422(await server.call('GET', '/v1/keys?cursor=not-a-cursor!', { auth: 'alice' }), '/cursor');
      assert422(await server.call('GET', '/v1/keys?type=rsa', { auth: 'alice' }), '/type');
    } finally {
      await server.close();
    }
  });

  test('DELETE: the key is gone at once for every use; a second delete is 404', async () => {
    const kem = await keypair(api, 'alice');
    const enc = await post('/v1/kem/encapsulate', { pk: kem.pk });
    assertOk(await post('/v1/kem/decapsulate', { key_id: kem.key_id, cipher: enc.body.cipher }));
    assert.equal((await api.call('DELETE', `/v1/keys/${kem.key_id}`, { auth: 'alice' })).status, 204);
    assertProblem(await post('/v1/kem/decapsulate', { key_id: kem.key_id, cipher: enc.body.cipher }), 404, 'not-found');
    assertProblem(await post('/v1/kem/decapsulate', { pk: kem.pk, cipher: enc.body.cipher }), 404, 'not-found');
    assertProblem(await api.call('GET', `/v1/keys/${kem.key_id}`, { auth: 'alice' }), 404, 'not-found');
    assertProblem(await api.call('DELETE', `/v1/keys/${kem.key_id}`, { auth: 'alice' }), 404, 'not-found');
  });

  test('expires_in: expires_at is answered, and afterwards the key is 404 everywhere', async () => {
    const before = Date.now();
    const res = await post('/v1/kem/keypair', { expires_in: 1 });
    assertOk(res, 201);
    const expiresAt = Date.parse(res.body.expires_at);
    assert.ok(expiresAt >= before + 1000 && expiresAt <= Date.now() + 1000, res.body.expires_at);
    const described = await api.call('GET', `/v1/keys/${res.body.key_id}`, { auth: 'alice' });
    assert.equal(described.body.expires_at, res.body.expires_at);
    const signing = await dsaKey('alice', { expires_in: 1 });
    // Past both expiries: on a loaded machine the signing key may be made well after the first.
    await sleep(Math.max(expiresAt, Date.parse(signing.expires_at!)) + 150 - Date.now());
    assertProblem(await api.call('GET', `/v1/keys/${res.body.key_id}`, { auth: 'alice' }), 404, 'not-found');
    assertProblem(await post('/v1/kem/decapsulate', { key_id: res.body.key_id, cipher: b64(random(1088)) }), 404, 'not-found');
    assertProblem(await post('/v1/dsa/sign', { data: 'x', key_id: signing.key_id }), 404, 'not-found');
    assert.equal((await api.call('GET', '/v1/keys?type=kem&limit=500', { auth: 'alice' })).body.keys.some((k: { key_id: string }) => k.key_id === res.body.key_id), false);
    assert422(await post('/v1/kem/keypair', { expires_in: 0 }), '/expires_in');
    assert422(await post('/v1/dsa/keypair', { expires_in: 1.5 }), '/expires_in');
  });
});

describe('key confirmation and stored shared keys', () => {
  test('encapsulate answers the confirmation the brief defines; decapsulate accepts it and refuses a tampered cipher', async () => {
    const kem = await keypair(api, 'alice');
    const enc = await post('/v1/kem/encapsulate', { pk: kem.pk });
    assertOk(enc);
    assert.equal(enc.body.confirmation, independentConfirmation(unb64(enc.body.shared_key), unb64(enc.body.cipher)));
    const ok = await post('/v1/kem/decapsulate', { key_id: kem.key_id, cipher: enc.body.cipher, confirmation: enc.body.confirmation });
    assertOk(ok);
    assert.equal(ok.body.shared_key, enc.body.shared_key);
    const tampered = b64(flipBit(unb64(enc.body.cipher), 10));
    // Without confirmation, implicit rejection: 200 and another key.
    const silent = await post('/v1/kem/decapsulate', { key_id: kem.key_id, cipher: tampered });
    assertOk(silent);
    assert.notEqual(silent.body.shared_key, enc.body.shared_key);
    assertProblem(await post('/v1/kem/decapsulate', { key_id: kem.key_id, cipher: tampered, confirmation: enc.body.confirmation }), 400, 'key-confirmation-failed');
    assertProblem(await post('/v1/kem/decapsulate', { key_id: kem.key_id, cipher: tampered, confirmation: enc.body.confirmation, store: true }), 400, 'key-confirmation-failed');
    assert422(await post('/v1/kem/decapsulate', { key_id: kem.key_id, cipher: enc.body.cipher, confirmation: b64(random(31)) }), '/confirmation');
  });

  test('a client that encapsulates locally (noble) computes the confirmation the same way', async () => {
    const kem = await keypair(api, 'alice');
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(unb64(kem.pk));
    const res = await post('/v1/kem/decapsulate', { key_id: kem.key_id, cipher: b64(cipherText), confirmation: independentConfirmation(sharedSecret, cipherText) });
    assertOk(res);
    assert.equal(res.body.shared_key, b64(sharedSecret));
  });

  test('store: true on both sides: the key never leaves, both ids decrypt what the other encrypts, and a local client agrees', async () => {
    const kem = await keypair(api, 'alice');
    const enc = await post('/v1/kem/encapsulate', { pk: kem.pk, store: true });
    assertOk(enc);
    assert.equal(enc.body.shared_key, undefined);
    assert.match(enc.body.shared_key_id, /^sk_[A-Za-z0-9_-]{22}$/);
    const dec = await post('/v1/kem/decapsulate', { key_id: kem.key_id, cipher: enc.body.cipher, confirmation: enc.body.confirmation, store: true });
    assertOk(dec);
    assert.equal(dec.body.shared_key, undefined);
    const sealed = await post('/v1/aes/encrypt', { unencrypted: 'secret message', key_id: enc.body.shared_key_id, aad: 'a' });
    assertOk(sealed);
    const opened = await post('/v1/aes/decrypt', { ciphertext: sealed.body.ciphertext, key_id: dec.body.shared_key_id, aad: 'a' });
    assert.equal(opened.body.decrypted, 'secret message');
    // The same shared key, decapsulated plainly, decrypts locally: the stored key is the shared key.
    const plain = await post('/v1/kem/decapsulate', { key_id: kem.key_id, cipher: enc.body.cipher });
    assert.equal(localDecrypt(unb64(plain.body.shared_key), sealed.body.ciphertext, 'a').toString(), 'secret message');
    const fromClient = localEncrypt(unb64(plain.body.shared_key), utf8('from a client'));
    assert.equal((await post('/v1/aes/decrypt', { ciphertext: fromClient, key_id: enc.body.shared_key_id })).body.decrypted, 'from a client');
    const described = await api.call('GET', `/v1/keys/${dec.body.shared_key_id}`, { auth: 'alice' });
    assert.deepEqual([described.body.type, described.body.origin_key_id], ['shared', kem.key_id]);
    assert422(await post('/v1/aes/encrypt', { unencrypted: 'x', key_id: enc.body.shared_key_id, key: b64(random(32)) }), '/key_id');
    assert422(await post('/v1/aes/encrypt', { unencrypted: 'x' }), '/key');
    assertProblem(await post('/v1/aes/encrypt', { unencrypted: 'x', key_id: enc.body.shared_key_id }, 'bob'), 404, 'not-found');
  });

  test('MAX_ENCRYPTIONS_PER_KEY: past the bound, encryption is 409 key-conflict (also under concurrency); decryption goes on', async () => {
    const kem = await keypair(api, 'alice');
    const enc = await post('/v1/kem/encapsulate', { pk: kem.pk, store: true });
    const results = await Promise.all(Array.from({ length: 6 }, () => post('/v1/aes/encrypt', { unencrypted: 'x', key_id: enc.body.shared_key_id })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 409, 409, 409]);
    assertProblem(results.find((r) => r.status === 409)!, 409, 'key-conflict');
    const first = results.find((r) => r.status === 200)!;
    assert.equal((await post('/v1/aes/decrypt', { ciphertext: first.body.ciphertext, key_id: enc.body.shared_key_id })).body.decrypted, 'x');
  });
});

describe('token key_ids and scopes on every operation that names a key', () => {
  test('a token restricted to one signing key signs with it, and is 403 for every other named key', async () => {
    const allowed = await dsaKey('alice');
    const other = await dsaKey('alice');
    const kem = await keypair(api, 'alice');
    const shared = (await post('/v1/kem/encapsulate', { pk: kem.pk, store: true })).body.shared_key_id;
    const t = await token({ key_ids: [allowed.key_id] });
    assertOk(await post('/v1/dsa/sign', { data: 'x', key_id: allowed.key_id }, t));
    assertProblem(await post('/v1/dsa/sign', { data: 'x', key_id: other.key_id }, t), 403, 'forbidden');
    assertProblem(await post('/v1/dsa/verify', { data: 'x', key_id: other.key_id, signature: b64(random(3309)) }, t), 403, 'forbidden');
    assertProblem(await post('/v1/aes/encrypt', { unencrypted: 'x', key_id: shared }, t), 403, 'forbidden');
    assertProblem(await post('/v1/kem/decapsulate', { key_id: kem.key_id, cipher: b64(random(1088)) }, t), 403, 'forbidden');
    assertProblem(await api.call('POST', `/v1/keys/${other.key_id}/rotate`, { auth: t }), 403, 'forbidden');
    assertProblem(await api.call('DELETE', `/v1/keys/${other.key_id}`, { auth: t }), 403, 'forbidden');
    assertProblem(await api.call('GET', `/v1/keys/${other.key_id}`, { auth: t }), 403, 'forbidden');
    const listed = await api.call('GET', '/v1/keys?limit=500', { auth: t });
    assert.deepEqual(listed.body.keys.map((k: { key_id: string }) => k.key_id), [allowed.key_id], 'a restricted token lists only its keys');
    assert.equal((await api.call('GET', `/v1/keys/${other.key_id}`, { auth: 'alice' })).body.versions.length, 1, 'nothing was rotated');
  });

  test("the default signing key is a stored key: a restricted token signs with it only when it is in key_ids", async () => {
    const server = await startApi();
    try {
      const own = (await server.call('POST', '/v1/dsa/keypair', { auth: 'alice', body: {} })).body;
      // Scope first: a token without dsa:sign is refused for its scope, and no default key is made.
      const noScope = (await server.call('POST', '/v1/tokens', { auth: 'alice', body: { scopes: ['dsa:verify'], key_ids: [own.key_id] } })).body.new_token;
      const byScope = await server.call('POST', '/v1/dsa/sign', { auth: noScope, body: { data: 'x' } });
      assertProblem(byScope, 403, 'forbidden');
      assert.match(byScope.body.detail, /scope dsa:sign/);
      assert.deepEqual((await server.call('GET', '/v1/keys?type=dsa', { auth: 'alice' })).body.keys.map((k: { key_id: string }) => k.key_id), [own.key_id]);
      const mint = async (key_ids: string[]) => (await server.call('POST', '/v1/tokens', { auth: 'alice', body: { key_ids } })).body.new_token as string;
      const restricted = await mint([own.key_id]);
      const refused = await server.call('POST', '/v1/dsa/sign', { auth: restricted, body: { data: 'x' } });
      assertProblem(refused, 403, 'forbidden');
      assert.match(refused.body.detail, /default signing key/);
      // The refused request made nothing: the tenant still has no default key.
      assert.deepEqual((await server.call('GET', '/v1/keys?type=dsa', { auth: 'alice' })).body.keys.map((k: { key_id: string }) => k.key_id), [own.key_id]);
      const signed = await server.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x' } });
      assertOk(await server.call('POST', '/v1/dsa/sign', { auth: await mint([signed.body.key_id]), body: { data: 'x' } }));
      // Once the default key exists, a token not listing it is refused naming it.
      assert.match((await server.call('POST', '/v1/dsa/sign', { auth: restricted, body: { data: 'x' } })).body.detail, new RegExp(signed.body.key_id));
      assertOk(await server.call('POST', '/v1/dsa/sign', { auth: await server.call('POST', '/v1/tokens', { auth: 'alice', body: {} }).then((r) => r.body.new_token), body: { data: 'x' } }));
      // The refusal names the key in the audit trail; a batch's entry names its items' keys.
      const trail = (await server.call('GET', '/v1/audit?limit=10', { auth: 'alice' })).body.entries as { operation: string; outcome: string; key_id: string | null }[];
      assert.ok(trail.some((e) => e.operation === 'dsa.sign' && e.outcome === 'forbidden' && e.key_id === signed.body.key_id));
      const kp = (await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body;
      const batch = await server.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { batch_input: [{ pk: kp.pk, store: true }, { pk: kp.pk, store: true }] } });
      const made = batch.body.batch_results.map((r: { shared_key_id: string }) => r.shared_key_id).sort();
      // One entry for the whole batch (a batch cannot flood the trail), naming every key it made.
      const [entry] = (await server.call('GET', '/v1/audit?limit=1', { auth: 'alice' })).body.entries;
      assert.equal(entry.operation, 'kem.encapsulate');
      assert.equal(entry.item_count, 2);
      assert.equal(entry.outcome, 'ok');
      assert.deepEqual([...entry.key_ids].sort(), made);
    } finally {
      await server.close();
    }
  });

  test('token key_ids may name any stored key of the tenant, and none of another tenant', async () => {
    const sign = await dsaKey('alice');
    assertOk(await post('/v1/tokens', { key_ids: [sign.key_id] }), 201);
    assertProblem(await post('/v1/tokens', { key_ids: [sign.key_id] }, 'bob'), 404, 'not-found');
  });

  test('the new scopes: dsa:keypair, keys:read, keys:manage', async () => {
    const key = await dsaKey('alice');
    const reader = await token({ scopes: ['keys:read'] });
    assertOk(await api.call('GET', '/v1/keys', { auth: reader }));
    assertOk(await api.call('GET', `/v1/keys/${key.key_id}`, { auth: reader }));
    assertProblem(await api.call('DELETE', `/v1/keys/${key.key_id}`, { auth: reader }), 403, 'forbidden');
    assertProblem(await api.call('POST', `/v1/keys/${key.key_id}/rotate`, { auth: reader }), 403, 'forbidden');
    assertProblem(await post('/v1/dsa/keypair', {}, reader), 403, 'forbidden');
    const manager = await token({ scopes: ['keys:manage', 'dsa:keypair'] });
    assertProblem(await api.call('GET', '/v1/keys', { auth: manager }), 403, 'forbidden');
    assertOk(await post('/v1/dsa/keypair', {}, manager), 201);
    assertOk(await api.call('POST', `/v1/keys/${key.key_id}/rotate`, { auth: manager }));
    assert.equal((await api.call('DELETE', `/v1/keys/${key.key_id}`, { auth: manager })).status, 204);
  });
});

describe('batch forms', () => {
  test('sign: results in input order, a bad item is its own problem, one attempt for the whole request', async () => {
    const key = await dsaKey('alice');
    const t = await token({ expire_after_attempts: 2 });
    const res = await post('/v1/dsa/sign', {
      batch_input: [{ data: 'a' }, { data: 'b', key_id: key.key_id }, { data: 'c', key_id: 'dsa_AAAAAAAAAAAAAAAAAAAAAA' }, { data: 5 }],
    }, t);
    assertOk(res);
    const [a, b, missing, invalid] = res.body.batch_results;
    assert.match(a.key_id, /^dsa_/);
    assert.equal(b.key_id, key.key_id);
    assert.equal((await post('/v1/dsa/verify', { data: 'b', key_id: key.key_id, signature: b.signature })).body.verified, true);
    assert.equal(missing.error.status, 404);
    assert.equal(missing.error.type, 'urn:pq-crypto-api:problem:not-found');
    assert.equal(invalid.error.status, 422);
    assert.deepEqual(invalid.error.errors.map((e: { pointer: string }) => e.pointer), ['/data']);
    const current = await api.call('GET', '/v1/tokens/current', { auth: t });
    assert.equal(current.body.attempts_left, 1, 'the batch used one attempt');
  });

  test('verify, encrypt, decrypt and encapsulate take batches too', async () => {
    const key = await dsaKey('alice');
    const s = await post('/v1/dsa/sign', { data: 'm', key_id: key.key_id });
    const v = await post('/v1/dsa/verify', { batch_input: [{ data: 'm', key_id: key.key_id, signature: s.body.signature }, { data: 'n', pk: key.pk, signature: s.body.signature }] });
    assert.deepEqual(v.body.batch_results, [{ verified: true }, { verified: false }]);
    const k = b64(random(32));
    const e = await post('/v1/aes/encrypt', { batch_input: [{ unencrypted: 'one', key: k }, { unencrypted: 'two', key: k }] });
    assertOk(e);
    const d = await post('/v1/aes/decrypt', { batch_input: [...e.body.batch_results.map((r: { ciphertext: string }) => ({ ciphertext: r.ciphertext, key: k })), { ciphertext: e.body.batch_results[0].ciphertext, key: b64(random(32)) }] });
    assert.deepEqual(d.body.batch_results.slice(0, 2), [{ decrypted: 'one' }, { decrypted: 'two' }]);
    assert.equal(d.body.batch_results[2].error.status, 400);
    const kem = await keypair(api, 'bob');
    const enc = await post('/v1/kem/encapsulate', { batch_input: [{ pk: kem.pk }, { pk: kem.pk, store: true }] });
    assertOk(enc);
    assert.ok(enc.body.batch_results[0].shared_key && enc.body.batch_results[1].shared_key_id);
  });

  test('a malformed batch is one 422: not an array, empty, over MAX_BATCH, non-object items, fields beside batch_input', async () => {
    assert422(await post('/v1/dsa/sign', { batch_input: 'x' }), '/batch_input');
    assert422(await post('/v1/dsa/sign', { batch_input: [] }), '/batch_input');
    assert422(await post('/v1/dsa/sign', { batch_input: Array.from({ length: 6 }, () => ({ data: 'x' })) }), '/batch_input');
    assert422(await post('/v1/dsa/sign', { batch_input: [{ data: 'x' }, 7] }), '/batch_input/1');
    assert422(await post('/v1/dsa/sign', { batch_input: [{ data: 'x' }], data: 'y' }), '/data');
    // Not batchable: keypair takes no batch_input.
    assert422(await post('/v1/kem/keypair', { batch_input: [{}] }), '/batch_input');
  });

  test('a scope is checked once for the whole batch', async () => {
    const t = await token({ scopes: ['dsa:verify'] });
    assertProblem(await post('/v1/dsa/sign', { batch_input: [{ data: 'x' }] }, t), 403, 'forbidden');
  });
});
