import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { aeadOpen, aeadSeal, GCM_MIN_BLOB_BYTES, GCM_NONCE_BYTES, GCM_TAG_BYTES } from '../../src/crypto/aead.ts';
import { DecryptionError } from '../../src/crypto/errors.ts';
import { deriveAesKey } from '../../src/crypto/kdf.ts';
import { kemDecapsulate, kemEncapsulate, kemKeygen } from '../../src/crypto/kem.ts';
import { concat, describeVectors, hex, type WycheproofAeadFile } from '../helpers/vectors.ts';
import { isInputError, bytes, utf8 } from '../helpers/crypto.ts';



describeVectors<WycheproofAeadFile>('AES-256-GCM, Wycheproof', 'aes-256-gcm-wycheproof.json', ({ testGroups }) => {
  const cases = testGroups.flatMap((g) => g.tests);
  test('the file holds only 256-bit key / 96-bit IV / 128-bit tag groups: 39 valid and 27 invalid cases', () => {
    for (const g of testGroups) assert.deepEqual([g.keySize, g.ivSize, g.tagSize], [256, 96, 128]);
    assert.equal(cases.filter((t) => t.result === 'valid').length, 39);
    assert.equal(cases.filter((t) => t.result === 'invalid').length, 27);
    assert.equal(cases.length, 66);
  });
  for (const t of cases) {
    const label = `tcId ${t.tcId} [${t.flags.join(',')}]${t.comment ? ` ${t.comment}` : ''}`;
    const blob = concat(hex(t.iv), hex(t.ct), hex(t.tag));
    if (t.result === 'valid') {
      test(`${label}: sealing with the given nonce gives iv||ct||tag, and opening gives the message back`, () => {
        assert.deepEqual(aeadSeal(hex(t.key), hex(t.msg), hex(t.aad), hex(t.iv)), blob);
        assert.deepEqual(aeadOpen(hex(t.key), blob, hex(t.aad)), hex(t.msg));
      });
    } else {
      test(`${label}: opening is refused with DecryptionError (${t.result})`, () => {
        assert.throws(() => aeadOpen(hex(t.key), blob, hex(t.aad)), DecryptionError);
      });
    }
  }
});

describe('AES-256-GCM behaviour', () => {
  const key = bytes(32, 0x42);
  const message = utf8('the quick brown fox');

  test('a sealed blob is nonce (12) || ciphertext || tag (16) and opens to the message', () => {
    const blob = aeadSeal(key, message);
    assert.equal(blob.length, GCM_NONCE_BYTES + message.length + GCM_TAG_BYTES);
    assert.deepEqual(aeadOpen(key, blob), message);
  });

  test('an empty message seals to the 28-byte minimum and opens to empty bytes', () => {
    const blob = aeadSeal(key, new Uint8Array(0));
    assert.equal(blob.length, GCM_MIN_BLOB_BYTES);
    assert.deepEqual(aeadOpen(key, blob), new Uint8Array(0));
  });

  test('two seals of the same message differ (fresh random nonce each time)', () => {
    const a = aeadSeal(key, message);
    const b = aeadSeal(key, message);
    assert.notDeepEqual(a.subarray(0, GCM_NONCE_BYTES), b.subarray(0, GCM_NONCE_BYTES));
    assert.notDeepEqual(a, b);
  });

  test("a blob shorter than 28 bytes is refused with CryptoInputError('ciphertext')", () => {
    for (const len of [0, 12, GCM_MIN_BLOB_BYTES - 1]) {
      assert.throws(() => aeadOpen(key, bytes(len)), isInputError('ciphertext'), `length ${len}`);
    }
  });

  test("a key that is not 32 bytes is refused with CryptoInputError('key') on seal and open", () => {
    const blob = aeadSeal(key, message);
    for (const len of [0, 16, 24, 31, 33]) {
      assert.throws(() => aeadSeal(bytes(len), message), isInputError('key'), `length ${len}`);
      assert.throws(() => aeadOpen(bytes(len), blob), isInputError('key'), `length ${len}`);
    }
  });

  test("an explicit nonce that is not 12 bytes is refused with CryptoInputError('nonce')", () => {
    for (const len of [0, 8, 11, 13, 16]) assert.throws(() => aeadSeal(key, message, undefined, bytes(len)), isInputError('nonce'));
  });

  test('a wrong key, wrong aad, or any flipped bit (nonce, ciphertext, tag) gives DecryptionError', () => {
    const aad = utf8('header');
    const blob = aeadSeal(key, message, aad);
    assert.deepEqual(aeadOpen(key, blob, aad), message);
    assert.throws(() => aeadOpen(bytes(32, 0x43), blob, aad), DecryptionError);
    assert.throws(() => aeadOpen(key, blob, utf8('headex')), DecryptionError);
    assert.throws(() => aeadOpen(key, blob), DecryptionError);
    for (const i of [0, GCM_NONCE_BYTES, blob.length - 1]) {
      const bad = Uint8Array.from(blob);
      bad[i]! ^= 0x80;
      assert.throws(() => aeadOpen(key, bad, aad), DecryptionError, `byte ${i}`);
    }
  });

  test('a blob made by aeadSeal with a deriveAesKey() key decrypts with node:crypto aes-256-gcm (interop)', () => {
    const pair = kemKeygen('ML-KEM-768');
    const { cipherText, sharedSecret } = kemEncapsulate('ML-KEM-768', pair.publicKey);
    const senderKey = deriveAesKey(sharedSecret);
    const aad = utf8('tenant-1');
    const blob = aeadSeal(senderKey, message, aad);

    // The receiver recovers the same key from its seed, then decrypts with OpenSSL via node:crypto.
    const receiverKey = deriveAesKey(kemDecapsulate('ML-KEM-768', pair.seed, cipherText));
    assert.deepEqual(receiverKey, senderKey);
    const decipher = createDecipheriv('aes-256-gcm', receiverKey, blob.subarray(0, GCM_NONCE_BYTES));
    decipher.setAAD(aad);
    decipher.setAuthTag(blob.subarray(blob.length - GCM_TAG_BYTES));
    const plain = Buffer.concat([decipher.update(blob.subarray(GCM_NONCE_BYTES, blob.length - GCM_TAG_BYTES)), decipher.final()]);
    assert.deepEqual(new Uint8Array(plain), message);
  });

  test('a blob made by node:crypto aes-256-gcm in the nonce||ciphertext||tag layout opens with aeadOpen (interop)', () => {
    const k = deriveAesKey(randomBytes(32));
    const iv = randomBytes(GCM_NONCE_BYTES);
    const aad = utf8('tenant-2');
    const cipher = createCipheriv('aes-256-gcm', k, iv);
    cipher.setAAD(aad);
    const ct = Buffer.concat([cipher.update(message), cipher.final()]);
    const blob = concat(iv, ct, cipher.getAuthTag());
    assert.deepEqual(aeadOpen(k, blob, aad), message);
  });
});
