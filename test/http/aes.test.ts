/**
 * /v1/aes/encrypt and /v1/aes/decrypt over real HTTP: round trips in every encoding, the wire
 * format checked with node:crypto in both directions, authentication failures (400) and
 * validation refusals (422).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assert422,
  assertOk,
  assertProblem,
  b64,
  b64url,
  flipBit,
  localDecrypt,
  localEncrypt,
  random,
  startApi,
  unb64,
  utf8,
  type TestServer,
} from './support.ts';

let api: TestServer;
before(async () => {
  api = await startApi();
});
after(() => api.close());

const encrypt = (body: Record<string, unknown>) => api.call('POST', '/v1/aes/encrypt', { auth: 'alice', body });
const decrypt = (body: Record<string, unknown>) => api.call('POST', '/v1/aes/decrypt', { auth: 'alice', body });

async function sealed(body: Record<string, unknown>): Promise<string> {
  const res = await encrypt(body);
  assertOk(res);
  assert.deepEqual(Object.keys(res.body), ['ciphertext']);
  return res.body.ciphertext;
}

describe('round trips', () => {
  test('utf8 text with aad: encrypt then decrypt gives the text back, and the blob is nonce(12) || ct || tag(16)', async () => {
    const key = b64(random(32));
    const text = 'attack at dawn: 🌅 héllo';
    const ciphertext = await sealed({ unencrypted: text, key, aad: 'order-42' });
    assert.equal(unb64(ciphertext).length, 12 + utf8(text).length + 16);
    const res = await decrypt({ ciphertext, key, aad: 'order-42' });
    assertOk(res);
    assert.deepEqual(res.body, { decrypted: text });
  });

  test('hex in, hex out and base64 out: the same bytes', async () => {
    const key = b64(random(32));
    const ciphertext = await sealed({ unencrypted: 'DEADbeef00ff', encoding: 'hex', key });
    assert.equal(unb64(ciphertext).length, 12 + 6 + 16);
    assert.equal((await decrypt({ ciphertext, key, encoding: 'hex' })).body.decrypted, 'deadbeef00ff');
    assert.equal((await decrypt({ ciphertext, key, encoding: 'base64' })).body.decrypted, '3q2+7wD/');
  });

  test('base64 in (base64url without padding too), base64 out', async () => {
    const key = b64(random(32));
    const bytes = random(50);
    for (const unencrypted of [b64(bytes), b64url(bytes)]) {
      const ciphertext = await sealed({ unencrypted, encoding: 'base64', key });
      assert.equal((await decrypt({ ciphertext, key, encoding: 'base64' })).body.decrypted, b64(bytes));
    }
  });

  test('the empty message: a 28-byte ciphertext that decrypts to ""', async () => {
    const key = b64(random(32));
    const ciphertext = await sealed({ unencrypted: '', key });
    assert.equal(unb64(ciphertext).length, 28);
    assert.equal((await decrypt({ ciphertext, key })).body.decrypted, '');
  });

  test('two encryptions of the same plaintext differ (fresh nonce each time) and both decrypt', async () => {
    const key = b64(random(32));
    const [a, b] = await Promise.all([sealed({ unencrypted: 'same', key }), sealed({ unencrypted: 'same', key })]);
    assert.notEqual(a, b);
    assert.notDeepEqual(unb64(a).subarray(0, 12), unb64(b).subarray(0, 12), 'the nonces differ');
    for (const ciphertext of [a, b]) assert.equal((await decrypt({ ciphertext, key })).body.decrypted, 'same');
  });

  test('the key accepts base64url without padding', async () => {
    const raw = random(32);
    const ciphertext = await sealed({ unencrypted: 'x', key: b64url(raw) });
    assert.equal((await decrypt({ ciphertext, key: b64(raw) })).body.decrypted, 'x');
  });
});

describe('interoperability with node:crypto (HKDF-SHA256 then AES-256-GCM)', () => {
  test('a ciphertext from the API decrypts locally with node:crypto', async () => {
    const shared = random(32);
    const ciphertext = await sealed({ unencrypted: 'for a local client', key: b64(shared), aad: 'ctx' });
    assert.equal(localDecrypt(shared, ciphertext, 'ctx').toString('utf8'), 'for a local client');
    assert.throws(() => localDecrypt(shared, ciphertext, 'other'), 'the aad is authenticated');
    assert.throws(() => localDecrypt(random(32), ciphertext, 'ctx'));
  });

  test('the AES key is derived from the shared key, not the shared key itself', async () => {
    const shared = random(32);
    const ciphertext = unb64(await sealed({ unencrypted: 'x', key: b64(shared) }));
    const { createDecipheriv } = await import('node:crypto');
    const direct = createDecipheriv('aes-256-gcm', shared, ciphertext.subarray(0, 12));
    direct.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    direct.update(ciphertext.subarray(12, ciphertext.length - 16));
    assert.throws(() => direct.final());
  });

  test('a ciphertext made locally with node:crypto decrypts via the API, with and without aad', async () => {
    const shared = random(32);
    const withAad = localEncrypt(shared, utf8('made locally'), 'meta');
    assert.equal((await decrypt({ ciphertext: withAad, key: b64(shared), aad: 'meta' })).body.decrypted, 'made locally');
    const binary = new Uint8Array([0, 1, 2, 0xff]);
    const without = localEncrypt(shared, binary);
    assert.equal((await decrypt({ ciphertext: without, key: b64(shared), encoding: 'hex' })).body.decrypted, '000102ff');
  });
});

describe('decryption failures are 400 decryption-failed and reveal nothing', () => {
  const plaintext = 'secret';
  let key: string;
  let ciphertext: string;
  before(async () => {
    key = b64(random(32));
    ciphertext = await sealed({ unencrypted: plaintext, key, aad: 'right' });
  });

  test('a bit flipped in the nonce, the ciphertext or the tag', async () => {
    const blob = unb64(ciphertext);
    for (const index of [0, 12, blob.length - 1]) {
      const res = await decrypt({ ciphertext: b64(flipBit(blob, index, 7)), key, aad: 'right' });
      assertProblem(res, 400, 'decryption-failed');
      assert.equal(res.body.decrypted, undefined);
      assert.ok(!JSON.stringify(res.body).includes(plaintext));
    }
  });

  test('a wrong aad, a missing aad', async () => {
    assertProblem(await decrypt({ ciphertext, key, aad: 'wrong' }), 400, 'decryption-failed');
    assertProblem(await decrypt({ ciphertext, key }), 400, 'decryption-failed');
  });

  test('an aad when none was used', async () => {
    const noAad = await sealed({ unencrypted: plaintext, key });
    assertProblem(await decrypt({ ciphertext: noAad, key, aad: 'extra' }), 400, 'decryption-failed');
    assertOk(await decrypt({ ciphertext: noAad, key }));
  });

  test('a wrong key', async () => {
    assertProblem(await decrypt({ ciphertext, key: b64(random(32)), aad: 'right' }), 400, 'decryption-failed');
  });

  test('28 random bytes (a well-sized empty message that does not authenticate)', async () => {
    assertProblem(await decrypt({ ciphertext: b64(random(28)), key }), 400, 'decryption-failed');
  });
});

describe('validation refusals (422)', () => {
  test('a key that does not decode to exactly 32 bytes is 422 naming /key, on encrypt and decrypt', async () => {
    for (const length of [0, 16, 31, 33, 64]) {
      const key = b64(random(length));
      assert422(await encrypt({ unencrypted: 'x', key }), '/key');
      assert422(await decrypt({ ciphertext: b64(random(40)), key }), '/key');
    }
    assert422(await encrypt({ unencrypted: 'x', key: '!'.repeat(44) }), '/key');
    assert422(await encrypt({ unencrypted: 'x' }), '/key');
  });

  test('a ciphertext shorter than nonce + tag (27 bytes) is 422 naming /ciphertext, not 400', async () => {
    const res = await decrypt({ ciphertext: b64(random(27)), key: b64(random(32)) });
    assert422(res, '/ciphertext');
    assert422(await decrypt({ ciphertext: '', key: b64(random(32)) }), '/ciphertext');
    assert422(await decrypt({ ciphertext: 'not base64!', key: b64(random(32)) }), '/ciphertext');
  });

  test('plaintext that is not UTF-8, asked for as utf8 (the default), is 422; as base64 or hex it is 200', async () => {
    const key = b64(random(32));
    const bytes = new Uint8Array([0xff, 0xfe, 0xfd]);
    const ciphertext = await sealed({ unencrypted: b64(bytes), encoding: 'base64', key });
    const res = await decrypt({ ciphertext, key });
    assert422(res, '/encoding');
    assert.equal(res.body.decrypted, undefined);
    assert422(await decrypt({ ciphertext, key, encoding: 'utf8' }), '/encoding');
    const asB64 = await decrypt({ ciphertext, key, encoding: 'base64' });
    assertOk(asB64);
    assert.equal(asB64.body.decrypted, '//79');
    assert.equal((await decrypt({ ciphertext, key, encoding: 'hex' })).body.decrypted, 'fffefd');
  });

  test('unencrypted that does not decode in its encoding is 422 naming /unencrypted', async () => {
    const key = b64(random(32));
    assert422(await encrypt({ unencrypted: 'xyz', encoding: 'hex', key }), '/unencrypted');
    assert422(await encrypt({ unencrypted: '@@@@', encoding: 'base64', key }), '/unencrypted');
    assert422(await encrypt({ unencrypted: '\udc00', key }), '/unencrypted');
    assert422(await encrypt({ key }), '/unencrypted');
  });

  test('aad that is not a well-formed string is 422 naming /aad', async () => {
    const key = b64(random(32));
    assert422(await encrypt({ unencrypted: 'x', key, aad: '\ud800' }), '/aad');
    assert422(await encrypt({ unencrypted: 'x', key, aad: 7 }), '/aad');
    assert422(await decrypt({ ciphertext: b64(random(40)), key, aad: '\ud800' }), '/aad');
  });

  test('an unknown output encoding is 422 naming /encoding', async () => {
    assert422(await decrypt({ ciphertext: b64(random(40)), key: b64(random(32)), encoding: 'binary' }), '/encoding');
  });
});

describe('MAX_MESSAGE_BYTES=100', () => {
  let small: TestServer;
  before(async () => {
    small = await startApi({ env: { MAX_MESSAGE_BYTES: '100' } });
  });
  after(() => small.close());

  test('a plaintext of 100 bytes is encrypted; of 101 bytes is 422 naming /unencrypted', async () => {
    const key = b64(random(32));
    assertOk(await small.call('POST', '/v1/aes/encrypt', { auth: 'alice', body: { unencrypted: 'x'.repeat(100), key } }));
    assert422(await small.call('POST', '/v1/aes/encrypt', { auth: 'alice', body: { unencrypted: 'x'.repeat(101), key } }), '/unencrypted');
    assert422(
      await small.call('POST', '/v1/aes/encrypt', { auth: 'alice', body: { unencrypted: b64(random(101)), encoding: 'base64', key } }),
      '/unencrypted',
    );
  });

  test('a ciphertext longer than the largest message plus nonce and tag is 422 naming /ciphertext', async () => {
    const shared = random(32);
    const tooLong = localEncrypt(shared, random(101));
    assert422(await small.call('POST', '/v1/aes/decrypt', { auth: 'alice', body: { ciphertext: tooLong, key: b64(shared), encoding: 'hex' } }), '/ciphertext');
    const justFits = localEncrypt(shared, random(100));
    assertOk(await small.call('POST', '/v1/aes/decrypt', { auth: 'alice', body: { ciphertext: justFits, key: b64(shared), encoding: 'hex' } }));
  });
});
