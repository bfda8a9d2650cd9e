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
import { answerChallenge, verifyReceipt } from '../challenges.ts';
import { checkKeyConfirmation, decryptBlob, encapsulateLocally, encryptBlob, keyConfirmation, LocalCryptoError, verifyAttestation } from '../local.ts';
import type { FieldSpec } from './spec.ts';

export interface LocalCommand {
  /** `local`, or `challenge` for the client's side of challenges (beside the API's challenge create and validate). */
  readonly group: 'local' | 'challenge';
  readonly name: string;
  readonly summary: string;
  readonly description: string;
  readonly fields: readonly FieldSpec[];
  /** The answer, printed like an API answer; throws LocalCryptoError (exit 5) when the check fails. */
  run(values: Readonly<Record<string, unknown>>): unknown | Promise<unknown>;
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

const bytesToText = (b: Uint8Array): string => Buffer.from(b).toString('base64');

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

/** A text field (an id, a timestamp) that is not free text: trimmed when read from a file. */
const idField = (name: string, required: boolean, description: string): FieldSpec => ({ name, flag: name.replace(/_/g, '-'), in: 'body', type: 'string', required, description });

export const LOCAL_COMMANDS: readonly LocalCommand[] = Object.freeze([
  {
    group: 'challenge',
    name: 'answer',
    summary: 'Answer a challenge with the client\'s own key, on this machine',
    description:
      'Method `signature`: signs the raw challenge bytes with the client\'s ML-DSA secret key (pure FIPS 204, context "pq-crypto-api/v1/challenge"). Method `kem`: opens `encrypted_challenge` (HPKE base mode to the client\'s KEM key, info "pq-crypto-api/v1/challenge") with its seed. Give the answer of `pqc challenge create` as --body; prints { challenge_id, response } for `pqc challenge validate`. Exits 5 when the challenge does not open with the key.',
    fields: [
      idField('challenge_id', false, 'The challenge_id, echoed in the answer.'),
      { name: 'method', flag: 'method', in: 'body', type: 'string', required: false, enum: ['signature', 'kem'], description: 'The challenge\'s method (default: kem when --encrypted-challenge is given, else signature).' },
      base64Field('challenge', false, 'Method signature: the challenge bytes, base64 (`challenge` of challenge create).'),
      base64Field('encrypted_challenge', false, 'Method kem: base64(enc || ciphertext) (`encrypted_challenge` of challenge create).'),
      base64Field('signing_secret_key', false, 'The client\'s ML-DSA secret key (FIPS 204 encoding), base64: for signature challenges.'),
      base64Field('kem_seed', false, 'The client\'s KEM private key (ML-KEM: the 64-byte seed; X-Wing: 32 bytes), base64: for kem challenges.'),
    ],
    async run(values) {
      const method = (values.method ?? (values.encrypted_challenge !== undefined ? 'kem' : 'signature')) as 'signature' | 'kem';
      if (method !== 'signature' && method !== 'kem') throw new LocalCryptoError('--method must be signature or kem');
      const keyName = method === 'kem' ? 'kem_seed' : 'signing_secret_key';
      const challengeName = method === 'kem' ? 'encrypted_challenge' : 'challenge';
      const response = await answerChallenge(
        { challenge_id: String(values.challenge_id ?? ''), method, [challengeName]: String(bytesToText(bytes(values, challengeName))) },
        method === 'kem' ? { kemSeed: bytes(values, keyName) } : { signingSecretKey: bytes(values, keyName) },
      );
      return { ...(values.challenge_id !== undefined ? { challenge_id: values.challenge_id } : {}), response };
    },
  },
  {
    group: 'challenge',
    name: 'verify-receipt',
    summary: "Check a validation's receipt offline against the tenant's pinned attestation key",
    description:
      'ML-DSA-65 (pure FIPS 204) by the attestation key, context "pq-crypto-api/v1/challenge-receipt", over the UTF-8 of `challenge_id|client_id|valid|validated_at`. Give the answer of `pqc challenge validate` as --body and the pinned key as --verification-key; prints { verified: true, valid }, or exits 5 when the receipt does not verify.',
    fields: [
      idField('challenge_id', true, 'The challenge_id of the validation.'),
      idField('client_id', false, 'The client_id of the validation (absent or null: none).'),
      { name: 'valid', flag: 'valid', in: 'body', type: 'boolean', required: true, description: 'The verdict of the validation.' },
      idField('validated_at', true, 'validated_at exactly as the validation answered it.'),
      base64Field('receipt_signature', true, 'The receipt_signature of the validation.'),
      base64Field('verification_key', true, "The tenant's attestation key (ML-DSA-65), base64, pinned once through a channel you trust."),
    ],
    run(values) {
      const receipt = {
        challenge_id: String(values.challenge_id),
        client_id: values.client_id === undefined || values.client_id === null ? null : String(values.client_id),
        valid: values.valid === true || values.valid === 'true',
        validated_at: String(values.validated_at),
        receipt_signature: bytesToText(bytes(values, 'receipt_signature')),
      };
      if (!verifyReceipt(receipt, bytes(values, 'verification_key'))) throw new LocalCryptoError('the receipt does not verify under this attestation key');
      return { verified: true, valid: receipt.valid };
    },
  },
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
