/**
 * packages/client against a real server (real HTTP on an ephemeral port, real crypto): every
 * method, the typed errors, and the local helpers checked both against the server and against
 * node:crypto used directly as an independent implementation of the brief's constructions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import {
  ApiError,
  checkKeyConfirmation,
  decryptBlob,
  decryptBlobText,
  encapsulateLocally,
  encryptBlob,
  ForbiddenError,
  HpkeOpenFailedError,
  keyConfirmation,
  LocalCryptoError,
  NotFoundError,
  PqcClient,
  TransportError,
  UnauthorizedError,
  ValidationError,
  verifyAttestation,
} from '../../packages/client/src/index.ts';
import { startServer, TENANTS, type TestServer } from '../helpers/server.ts';
import { freePort } from '../helpers/redis.ts';

let server: TestServer;
let alice: PqcClient;
let bob: PqcClient;
before(async () => {
  server = await startServer();
  alice = new PqcClient({ baseUrl: server.url, token: TENANTS.alice });
  bob = new PqcClient({ baseUrl: `${server.url}/`, token: () => Promise.resolve(TENANTS.bob) });
});
after(() => server.close());

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

/** The brief's AES construction with node:crypto only. */
function nodeDecrypt(sharedKey: string, ciphertext: string, aad?: string): string {
  const key = Buffer.from(hkdfSync('sha256', unb64(sharedKey), Buffer.alloc(0), 'pq-crypto-api/v1/aes-256-gcm', 32));
  const blob = Buffer.from(ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(blob.subarray(blob.length - 16));
  return Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]).toString('utf8');
}

describe('PqcClient against the server', () => {
  test('the whole key exchange: keypair, attestation against a pinned key, encapsulate, decapsulate', async () => {
    const first = await alice.kem.keypair();
    const pinned = first.verification_key; // pinned once (in real life: through a trusted channel)
    const pair = await alice.kem.keypair({ algorithm: 'ML-KEM-1024' });
    assert.equal(pair.algorithm, 'ML-KEM-1024');
    assert.equal(unb64(pair.pk).length, 1568);
    assert.equal(verifyAttestation(pair, pinned), true);
    // Another pk under the same signature, or another tenant's key, is not attested.
    assert.equal(verifyAttestation({ pk: first.pk, signature: pair.signature }, pinned), false);
    const bobs = await bob.kem.keypair();
    assert.equal(verifyAttestation(bobs, pinned), false);

    const enc = await bob.kem.encapsulate({ pk: pair.pk, signature: pair.signature, verif_key: pinned });
    const dec = await alice.kem.decapsulate({ key_id: pair.key_id, cipher: enc.cipher });
    assert.equal(dec.shared_key, enc.shared_key);
    assert.equal(unb64(dec.shared_key).length, 32);
  });

  test('encapsulateLocally to an X-Wing key: the server decapsulates to the same key and accepts the confirmation', async () => {
    const pair = await alice.kem.keypair({ algorithm: 'X-Wing' });
    const local = encapsulateLocally(pair.pk, { attestation: { signature: pair.signature, pinnedVerificationKey: pair.verification_key } });
    assert.equal(unb64(local.cipher).length, 1120);
    const dec = await alice.kem.decapsulate({ key_id: pair.key_id, cipher: local.cipher, confirmation: local.confirmation });
    assert.equal(dec.shared_key, local.shared_key);
  });

  test('encapsulateLocally: the server decapsulates to the same key, and key confirmation is the brief\'s HMAC', async () => {
    const pair = await alice.kem.keypair();
    const local = encapsulateLocally(pair.pk, { attestation: { signature: pair.signature, pinnedVerificationKey: pair.verification_key } });
    assert.equal(unb64(local.cipher).length, 1088);
    const dec = await alice.kem.decapsulate({ key_id: pair.key_id, cipher: local.cipher });
    assert.equal(dec.shared_key, local.shared_key);

    // Independently: HMAC-SHA256(HKDF-SHA256(shared_key, "", info, 32), cipher) with node:crypto.
    const macKey = Buffer.from(hkdfSync('sha256', unb64(local.shared_key), Buffer.alloc(0), 'pq-crypto-api/v1/key-confirmation', 32));
    const expected = createHmac('sha256', macKey).update(unb64(local.cipher)).digest('base64');
    assert.equal(local.confirmation, expected);
    assert.equal(keyConfirmation(dec.shared_key, local.cipher), expected);
    assert.equal(checkKeyConfirmation(dec.shared_key, local.cipher, local.confirmation), true);
    // A tampered ciphertext decapsulates (implicit rejection) to another key, which confirmation catches.
    const tampered = unb64(local.cipher);
    tampered[0]! ^= 1;
    const wrong = await alice.kem.decapsulate({ key_id: pair.key_id, cipher: b64(tampered) });
    assert.notEqual(wrong.shared_key, local.shared_key);
    assert.equal(checkKeyConfirmation(wrong.shared_key, local.cipher, local.confirmation), false);
  });

  test('encapsulateLocally refuses a key pair the pinned key did not attest, and a pk that is no ML-KEM key', async () => {
    const pair = await alice.kem.keypair();
    const other = await bob.kem.keypair();
    assert.throws(
      () => encapsulateLocally(pair.pk, { attestation: { signature: pair.signature, pinnedVerificationKey: other.verification_key } }),
      LocalCryptoError,
    );
    assert.throws(() => encapsulateLocally(new Uint8Array(1000)), LocalCryptoError);
    // FIPS 203 section 7.2 modulus check: a coefficient of 0xFFF (>= q) is refused.
    const bad = unb64(pair.pk);
    bad[0] = 0xff;
    bad[1] = 0xff;
    assert.throws(() => encapsulateLocally(bad), LocalCryptoError);
  });

  test('AES: a blob from the server decrypts locally (noble and node:crypto), and one made locally decrypts on the server', async () => {
    const pair = await alice.kem.keypair();
    const { shared_key } = await alice.kem.encapsulate({ pk: pair.pk });
    const { ciphertext } = await alice.aes.encrypt({ unencrypted: 'hello, post-quantum world', key: shared_key, aad: 'order-42' });
    assert.equal(decryptBlobText(shared_key, ciphertext, { aad: 'order-42' }), 'hello, post-quantum world');
    assert.equal(nodeDecrypt(shared_key, ciphertext, 'order-42'), 'hello, post-quantum world');
    assert.throws(() => decryptBlob(shared_key, ciphertext, { aad: 'order-43' }), LocalCryptoError);
    assert.throws(() => decryptBlob(shared_key, 'AAAA'), /at least 28 bytes/);

    const mine = encryptBlob(shared_key, 'from the client', { aad: 'x' });
    assert.notEqual(mine, encryptBlob(shared_key, 'from the client', { aad: 'x' }), 'a fresh nonce each time');
    assert.deepEqual(await alice.aes.decrypt({ ciphertext: mine, key: shared_key, aad: 'x' }), { decrypted: 'from the client' });
    assert.equal(nodeDecrypt(shared_key, mine, 'x'), 'from the client');
  });

  test('HPKE: seal to a stored X-Wing key and open it; batch forms; what does not open is an HpkeOpenFailedError', async () => {
    const pair = await alice.kem.keypair({ algorithm: 'X-Wing' });
    const info = b64(new TextEncoder().encode('client test'));
    const sealed = await alice.hpke.seal({ plaintext: 'hello, post-quantum world', key_id: pair.key_id, info, suite: { aead: 'ChaCha20-Poly1305' } });
    assert.deepEqual(sealed.suite, { kem: 'X-Wing', kdf: 'HKDF-SHA256', aead: 'ChaCha20-Poly1305' });
    const body = { key_id: pair.key_id, enc: sealed.enc, ciphertext: sealed.ciphertext, info, suite: sealed.suite };
    assert.deepEqual(await alice.hpke.open(body), { plaintext: 'hello, post-quantum world' });
    const [byPk] = await alice.hpke.sealBatch([{ plaintext: 'two', pk: pair.pk }]);
    assert.ok(byPk && 'enc' in byPk);
    const opened = await alice.hpke.openBatch([{ key_id: pair.key_id, enc: byPk.enc, ciphertext: byPk.ciphertext }, { ...body, info: undefined }]);
    assert.deepEqual(opened[0], { plaintext: 'two' });
    assert.equal((opened[1] as { error: { status: number } }).error.status, 400);
    await assert.rejects(alice.hpke.open({ ...body, info: undefined }), (e) => e instanceof HpkeOpenFailedError && e.status === 400 && e.problemType === 'hpke-open-failed');
  });

  test('DSA: sign, then verify true; other data false', async () => {
    const signed = await alice.dsa.sign({ data: 'hello' });
    assert.deepEqual(await alice.dsa.verify({ data: 'hello', pk: signed.pk, signature: signed.signature }), { verified: true });
    assert.deepEqual(await alice.dsa.verify({ data: 'hellO', pk: signed.pk, signature: signed.signature }), { verified: false });
  });

  test('tokens: create, use, current (no attempt used), revoke; then the token is refused with UnauthorizedError', async () => {
    const minted = await alice.tokens.create({ expiry_time: 60, expire_after_attempts: 5, scopes: ['kem:keypair', 'tokens:create'] });
    assert.equal(minted.attempts_left, 5);
    const third = new PqcClient({ baseUrl: server.url, token: minted.new_token });
    await third.kem.keypair();
    const current = await third.tokens.current();
    assert.equal(current.token_id, minted.token_id);
    assert.equal(current.attempts_left, 4);
    assert.equal(await alice.tokens.revoke(minted.token_id), undefined);
    await assert.rejects(third.kem.keypair(), UnauthorizedError);
  });

  test('the compat methods speak the seed shapes', async () => {
    const keys = await alice.compat.generateKeys();
    const enc = await alice.compat.encapsulateKey({ pk: keys.pk, verification_key: keys.verification_key, signature: keys.signature });
    assert.match(enc.shared_key, /^[0-9a-f]{64}$/);
    assert.equal((await alice.compat.decapsulateKey({ sk: keys.sk, cipher: enc.cipher })).shared_key, enc.shared_key);
  });

  test('audit pages by cursor, newest first; metrics come back as Prometheus text', async () => {
    const made = await alice.kem.keypair({});
    const first = await alice.audit.list({ limit: 1 });
    assert.equal(first.entries.length, 1);
    assert.equal(first.entries[0]!.operation, 'kem.keypair');
    assert.equal(first.entries[0]!.key_id, made.key_id);
    assert.ok(first.next_cursor, 'more entries than one');
    const second = await alice.audit.list({ limit: 1, cursor: first.next_cursor! });
    assert.notEqual(second.entries[0]!.request_id, first.entries[0]!.request_id);
    const text = await alice.metrics();
    assert.equal(typeof text, 'string');
    assert.match(text, /^# HELP pqapi_http_requests_total/m);
  });

  test('health and ready need no token', async () => {
    const anonymous = new PqcClient({ baseUrl: server.url });
    assert.deepEqual(await anonymous.health(), { status: 'ok' });
    assert.equal((await anonymous.ready()).status, 'ok');
  });

  test('call() reaches any operation by its operationId', async () => {
    const pair = await alice.call('kemKeypair', { body: { algorithm: 'ML-KEM-512' } });
    assert.equal(unb64(pair.pk).length, 800);
  });
});

describe('problems become typed errors', () => {
  test('422 is a ValidationError naming each bad field by pointer', async () => {
    const error = await alice.kem.encapsulate({ pk: 'not base64!', signature: 'AAAA' }).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError);
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 422);
    assert.equal(error.problemType, 'validation-failed');
    assert.deepEqual(error.errors.map((e) => e.pointer).sort(), ['/pk', '/signature']);
    assert.match(error.message, /^Validation failed: /);
  });

  test("404 for another tenant's key is a NotFoundError", async () => {
    const pair = await alice.kem.keypair();
    const { cipher } = await bob.kem.encapsulate({ pk: pair.pk });
    const error = await bob.kem.decapsulate({ key_id: pair.key_id, cipher }).catch((e: unknown) => e);
    assert.ok(error instanceof NotFoundError, String(error));
    assert.equal(error.status, 404);
  });

  test('401 without or with a wrong token is an UnauthorizedError; 403 for a missing scope a ForbiddenError', async () => {
    await assert.rejects(new PqcClient({ baseUrl: server.url }).kem.keypair(), UnauthorizedError);
    await assert.rejects(new PqcClient({ baseUrl: server.url, token: 'nope' }).dsa.sign({ data: 'x' }), UnauthorizedError);
    const { new_token } = await alice.tokens.create({ scopes: ['dsa:verify'] });
    const error = await new PqcClient({ baseUrl: server.url, token: new_token }).dsa.sign({ data: 'x' }).catch((e: unknown) => e);
    assert.ok(error instanceof ForbiddenError);
    assert.match(error.detail, /dsa:sign/);
  });

  test('an unreachable service is a TransportError', async () => {
    const port = await freePort();
    await assert.rejects(new PqcClient({ baseUrl: `http://127.0.0.1:${port}`, token: 'x' }).health(), TransportError);
  });

  test('a missing path parameter is refused before any request', async () => {
    await assert.rejects(alice.tokens.revoke(''), TypeError);
  });
});

describe('the types come from the server document', () => {
  test('wrong fields and wrong enum values do not type-check (checked by npm run build)', () => {
    const typeOnly = (client: PqcClient) => {
      // @ts-expect-error: no field pkk
      void client.kem.encapsulate({ pkk: 'x' });
      // @ts-expect-error: not an ML-KEM set
      void client.kem.keypair({ algorithm: 'RSA-2048' });
      // @ts-expect-error: scopes are the server's enum
      void client.tokens.create({ scopes: ['root'] });
      return client.kem.keypair().then((pair) => {
        const id: string = pair.key_id;
        // @ts-expect-error: the response has no sk (the secret key never leaves)
        void pair.sk;
        return id;
      });
    };
    assert.equal(typeof typeOnly, 'function');
  });
});

// A plain ML-KEM-768 key (no attestation) encapsulated locally still decapsulates with noble.
test('encapsulateLocally interoperates with @noble/post-quantum decapsulation', () => {
  const { publicKey, secretKey } = ml_kem768.keygen();
  const local = encapsulateLocally(publicKey);
  assert.equal(b64(ml_kem768.decapsulate(unb64(local.cipher), secretKey)), local.shared_key);
});
