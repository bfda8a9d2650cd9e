/**
 * `pqc local ...`: the client's local helpers (../local.ts) as commands that need no server and
 * no credential: encapsulate to a public key on this machine (after checking its attestation),
 * compute or check key confirmation, check an attestation, and encrypt or decrypt the service's
 * AES-256-GCM blobs with a shared key. Their fields use the API's names, so the answers of API
 * commands chain into them.
 * @module
 */
import { Buffer } from 'node:buffer';
import { fromBase64 } from '../encoding.ts';
import { checkKeyConfirmation, decryptBlob, encapsulateLocally, encryptBlob, keyConfirmation, LocalCryptoError, verifyAttestation } from '../local.ts';
import type { FieldSpec } from './spec.ts';

export interface LocalCommand {
  readonly group: 'local';
  readonly name: string;
  readonly summary: string;
  readonly description: string;
  readonly fields: readonly FieldSpec[];
  /** The answer, printed like an API answer; throws LocalCryptoError (exit 5) when the check fails. */
  run(values: Readonly<Record<string, unknown>>): unknown;
}

const ENCODINGS = ['utf8', 'base64', 'hex'] as const;

const base64Field = (name: string, required: boolean, description: string): FieldSpec => ({
  name,
  flag: name.replace(/_/g, '-'),
  in: 'body',
  type: 'string',
  required,
  format: 'byte',
  description,
});
const textField = (name: string, required: boolean, description: string): FieldSpec => ({ name, flag: name, in: 'body', type: 'string', required, text: true, description });
const encodingField = (description: string): FieldSpec => ({ name: 'encoding', flag: 'encoding', in: 'body', type: 'string', required: false, enum: ENCODINGS, default: 'utf8', description });

const SHARED_KEY = base64Field('shared_key', true, 'The 32-byte shared key, base64 (`shared_key` of encapsulate or decapsulate).');
const AAD = textField('aad', false, 'Optional associated data (UTF-8): authenticated but not encrypted; decryption must give the same.');

/** The bytes of a base64 field, or a LocalCryptoError naming it. */
function bytes(values: Readonly<Record<string, unknown>>, name: string): Uint8Array {
  const value = values[name];
  if (typeof value !== 'string') throw new LocalCryptoError(`--${name.replace(/_/g, '-')} is missing`);
  try {
    return fromBase64(value.trim());
  } catch {
    throw new LocalCryptoError(`--${name.replace(/_/g, '-')} is not base64`);
  }
}

function encoding(values: Readonly<Record<string, unknown>>): (typeof ENCODINGS)[number] {
  const value = values.encoding ?? 'utf8';
  if (!ENCODINGS.includes(value as never)) throw new LocalCryptoError(`--encoding must be one of ${ENCODINGS.join(', ')}`);
  return value as (typeof ENCODINGS)[number];
}

/** A message in an encoding (as the API's `unencrypted` and `encoding`) to bytes. */
function messageBytes(text: string, enc: (typeof ENCODINGS)[number]): Uint8Array {
  if (enc === 'utf8') return new TextEncoder().encode(text);
  if (enc === 'hex') {
    if (!/^([0-9a-fA-F]{2})*$/.test(text.trim())) throw new LocalCryptoError('--unencrypted is not hex (an even number of 0-9a-f)');
    return new Uint8Array(Buffer.from(text.trim(), 'hex'));
  }
  try {
    return fromBase64(text.trim());
  } catch {
    throw new LocalCryptoError('--unencrypted is not base64');
  }
}

function encodeMessage(message: Uint8Array, enc: (typeof ENCODINGS)[number]): string {
  if (enc === 'utf8') {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(message);
    } catch {
      throw new LocalCryptoError('the plaintext is not UTF-8 text: ask for --encoding base64 or hex');
    }
  }
  return Buffer.from(message).toString(enc);
}

export const LOCAL_COMMANDS: readonly LocalCommand[] = Object.freeze([
  {
    group: 'local',
    name: 'confirm',
    summary: 'Key confirmation of a ciphertext under a shared key (or check one)',
    description:
      'confirmation = base64(HMAC-SHA256(HKDF-SHA256(shared_key, salt empty, info "pq-crypto-api/v1/key-confirmation", 32 bytes), cipher)). With --confirmation, checks it (in constant time) and exits 5 when it does not match.',
    fields: [SHARED_KEY, base64Field('cipher', true, 'The ML-KEM ciphertext, base64.'), base64Field('confirmation', false, 'A confirmation to check against.')],
    run(values) {
      const confirmation = keyConfirmation(bytes(values, 'shared_key'), bytes(values, 'cipher'));
      if (values.confirmation === undefined) return { confirmation };
      const matches = checkKeyConfirmation(bytes(values, 'shared_key'), bytes(values, 'cipher'), bytes(values, 'confirmation'));
      if (!matches) throw new LocalCryptoError('the confirmation does not match: the two sides hold different shared keys');
      return { confirmation, matches };
    },
  },
  {
    group: 'local',
    name: 'decrypt',
    summary: 'Decrypt an AES-256-GCM blob of POST /v1/aes/encrypt with a shared key',
    description:
      'AES-256-GCM under HKDF-SHA256(shared_key, salt empty, info "pq-crypto-api/v1/aes-256-gcm", 32 bytes); the blob is base64(nonce[12] || ciphertext || tag[16]). A wrong key, aad or ciphertext fails authentication (exit 5).',
    fields: [
      SHARED_KEY,
      base64Field('ciphertext', true, 'base64(nonce[12] || ciphertext || tag[16]): the `ciphertext` of aes encrypt.'),
      AAD,
      encodingField('How to print `decrypted`: utf8 (default; exit 5 when the plaintext is not UTF-8), base64 or hex.'),
    ],
    run(values) {
      const plaintext = decryptBlob(bytes(values, 'shared_key'), bytes(values, 'ciphertext'), values.aad === undefined ? {} : { aad: String(values.aad) });
      return { decrypted: encodeMessage(plaintext, encoding(values)) };
    },
  },
  {
    group: 'local',
    name: 'encapsulate',
    summary: 'ML-KEM encapsulation on this machine, after checking the key pair\'s attestation',
    description:
      'FIPS 203 ML-KEM.Encaps to `pk` (the parameter set from its length), so the service never sees the shared key. With --signature and --verification-key (the tenant\'s attestation key, pinned once through a channel you trust), the attestation over `pk` is checked first and a mismatch exits 5. Send `cipher` (and `confirmation`) to the key\'s owner, who decapsulates it.',
    fields: [
      base64Field('pk', true, 'The ML-KEM public key, base64 (`pk` of kem keypair).'),
      base64Field('signature', false, 'The attestation signature over `pk` (`signature` of kem keypair); needs --verification-key.'),
      base64Field('verification_key', false, "The tenant's pinned attestation key (ML-DSA), base64; needs --signature."),
    ],
    run(values) {
      if ((values.signature === undefined) !== (values.verification_key === undefined)) throw new LocalCryptoError('--signature and --verification-key go together');
      const attestation = values.signature === undefined ? {} : { attestation: { signature: bytes(values, 'signature'), pinnedVerificationKey: bytes(values, 'verification_key') } };
      return encapsulateLocally(bytes(values, 'pk'), attestation);
    },
  },
  {
    group: 'local',
    name: 'encrypt',
    summary: 'Encrypt as POST /v1/aes/encrypt does, with a shared key',
    description:
      'AES-256-GCM under HKDF-SHA256(shared_key, salt empty, info "pq-crypto-api/v1/aes-256-gcm", 32 bytes) with a fresh random nonce: base64(nonce[12] || ciphertext || tag[16]), which aes decrypt (and local decrypt) opens.',
    fields: [SHARED_KEY, textField('unencrypted', true, 'The plaintext, in `encoding`.'), encodingField('How `unencrypted` is encoded: utf8 (default), base64 or hex.'), AAD],
    run(values) {
      const plaintext = messageBytes(String(values.unencrypted), encoding(values));
      return { ciphertext: encryptBlob(bytes(values, 'shared_key'), plaintext, values.aad === undefined ? {} : { aad: String(values.aad) }) };
    },
  },
  {
    group: 'local',
    name: 'verify-attestation',
    summary: "Check a key pair's attestation against the tenant's pinned verification key",
    description:
      "Pure ML-DSA (FIPS 204; the set from the key's length) with an empty context over the raw bytes of `pk`. Prints { verified: true }, or exits 5 when it does not verify. Pin the verification key once through a channel you trust, never from the same answer as the key pair.",
    fields: [
      base64Field('pk', true, 'The public key, base64 (`pk` of kem keypair).'),
      base64Field('signature', true, 'The attestation signature (`signature` of kem keypair).'),
      base64Field('verification_key', true, "The tenant's pinned attestation key, base64."),
    ],
    run(values) {
      const verified = verifyAttestation({ pk: bytes(values, 'pk'), signature: bytes(values, 'signature') }, bytes(values, 'verification_key'));
      if (!verified) throw new LocalCryptoError('the key pair is not attested by this verification key');
      return { verified };
    },
  },
]);
