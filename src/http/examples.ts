/**
 * Working example values for Swagger UI, so a person can click "Execute" on every operation and
 * get a real answer. They are computed from fixed, public seeds (never used for anything else):
 * the example public key, its signature and the AES ciphertext are genuine.
 * @module
 */
import { dsaKeygen, dsaSign } from '../crypto/dsa.ts';
import { aeadSeal } from '../crypto/aead.ts';
import { keyConfirmation } from '../crypto/confirmation.ts';
import { encodeBase64, encodeUtf8 } from '../crypto/encoding.ts';
import { deriveAesKey } from '../crypto/kdf.ts';
import { kemEncapsulate, kemKeygen } from '../crypto/kem.ts';

const fixed = (length: number, byte: number) => new Uint8Array(length).fill(byte);

export interface Examples {
  readonly kemPublicKey: string;
  readonly kemCipherText: string;
  readonly sharedKey: string;
  /** The key confirmation of kemCipherText under sharedKey. */
  readonly confirmation: string;
  readonly dsaPublicKey: string;
  /** A stand-in for a tenant's attestation key: a different key from dsaPublicKey, as in the service. */
  readonly attestationPublicKey: string;
  readonly kemPublicKeySignature: string;
  readonly message: string;
  readonly messageSignature: string;
  readonly aad: string;
  readonly aesCiphertext: string;
  readonly context: string;
  /** HPKE `info` and `aad` (base64 of short text), and a ciphertext-shaped HPKE example (opens with nothing: it is pasted over). */
  readonly hpkeInfo: string;
  readonly hpkeAad: string;
  readonly hpkeCiphertext: string;
}

let cached: Examples | undefined;

export function examples(): Examples {
  if (cached) return cached;
  const kem = kemKeygen('ML-KEM-768', fixed(64, 7));
  const { cipherText, sharedSecret } = kemEncapsulate('ML-KEM-768', kem.publicKey, fixed(32, 9));
  const dsa = dsaKeygen('ML-DSA-65', fixed(32, 11));
  const attestation = dsaKeygen('ML-DSA-65', fixed(32, 13));
  const message = 'hello, post-quantum world';
  const aad = 'order-42';
  const aesKey = deriveAesKey(sharedSecret);
  cached = Object.freeze({
    kemPublicKey: encodeBase64(kem.publicKey),
    kemCipherText: encodeBase64(cipherText),
    sharedKey: encodeBase64(sharedSecret),
    confirmation: encodeBase64(keyConfirmation(sharedSecret, cipherText)),
    dsaPublicKey: encodeBase64(dsa.publicKey),
    attestationPublicKey: encodeBase64(attestation.publicKey),
    kemPublicKeySignature: encodeBase64(dsaSign('ML-DSA-65', attestation.seed, kem.publicKey, { deterministic: true })),
    message,
    messageSignature: encodeBase64(dsaSign('ML-DSA-65', dsa.seed, encodeUtf8(message), { deterministic: true })),
    aad,
    aesCiphertext: encodeBase64(aeadSeal(aesKey, encodeUtf8(message), encodeUtf8(aad), fixed(12, 5))),
    context: '',
    hpkeInfo: encodeBase64(encodeUtf8('pq-crypto-api example')),
    hpkeAad: encodeBase64(encodeUtf8(aad)),
    // The AES example's sealed bytes without the nonce: the length of an HPKE ciphertext of the example message.
    hpkeCiphertext: encodeBase64(aeadSeal(aesKey, encodeUtf8(message), encodeUtf8(aad), fixed(12, 5)).subarray(12)),
  });
  return cached;
}

/** The example shared key as the seed vendor's routes answer it: 64 lowercase hex characters. */
export const hexSharedKeyExample = (): string => Buffer.from(examples().sharedKey, 'base64').toString('hex');
