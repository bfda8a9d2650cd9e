/**
 * Key exchange below HTTP: making a KEM key pair (its public key attested by the tenant's
 * attestation key), encapsulating to a public key (after checking a signature over it when one is
 * given), and decapsulating with a stored key (checking key confirmation when given). Every route
 * that does these, /v1 or the seed vendor's, calls these functions and only maps their answers.
 *
 * Secret results (shared keys) are fresh buffers the caller owns: it encodes them and wipes them.
 * @module
 */
import { checkKeyConfirmation, keyConfirmation } from '../crypto/confirmation.ts';
import { dsaAlgorithmForPublicKey, kemAlgorithmForPublicKey, KEM_SIZES, type KemAlgorithm } from '../crypto/algorithms.ts';
import type { KemKey } from '../keys/service.ts';
import type { StoredKemKey } from '../stores/keys.ts';
import { cryptoJob, type OperationContext, type Resolved } from './context.ts';
import { InvalidInputError, KeyConfirmationError } from './errors.ts';

export interface KeyPairMade {
  readonly key: KemKey;
  /** The attestation: pure ML-DSA-65 over the raw public key by the tenant's attestation key. */
  readonly signature: Uint8Array;
  readonly verificationKey: Uint8Array;
}

/** A new KEM key pair whose secret stays in the service, and its attestation. */
export async function createKemKeyPair(ctx: OperationContext, input: { readonly algorithm: KemAlgorithm; readonly expiresIn?: number | undefined }): Promise<KeyPairMade> {
  const { principal, services } = ctx;
  const key = await services.keys.createKemKey(principal.tenant, input.algorithm, input.expiresIn, cryptoJob(ctx));
  const { signature, key: signer } = await services.keys.attest(principal.tenant, key, cryptoJob(ctx));
  return { key, signature, verificationKey: signer.publicKey };
}

export interface EncapsulateInput {
  readonly pk: Uint8Array;
  /** With `verificationKey`: checked to be a signature over `pk` before anything else. */
  readonly signature?: Uint8Array | undefined;
  readonly verificationKey?: Uint8Array | undefined;
  /** Keep the shared key in the service and answer its id instead. */
  readonly store?: boolean | undefined;
}

export interface Encapsulated {
  readonly cipherText: Uint8Array;
  /** Absent with `store`; the caller wipes it once encoded. */
  readonly sharedKey?: Uint8Array;
  readonly sharedKeyId?: string;
  readonly confirmation: Uint8Array;
}

/** Encapsulation to `pk` (FIPS 203 section 7.2 checks in the crypto core), with key confirmation. */
export async function encapsulate(ctx: OperationContext, input: EncapsulateInput): Promise<Encapsulated> {
  const { principal, services } = ctx;
  const { kem, dsa } = services.crypto;
  if (input.signature && input.verificationKey) {
    const signer = dsaAlgorithmForPublicKey(input.verificationKey.length);
    // Validation admits ML-DSA key lengths only, and each names one set.
    if (!(await dsa.verify(signer!, input.verificationKey, input.pk, input.signature, undefined, cryptoJob(ctx)))) {
      throw new InvalidInputError('signature', 'does not verify: it is not a signature over pk by verif_key');
    }
  }
  // Validation admits KEM key lengths only, and each names one algorithm.
  const algorithm = kemAlgorithmForPublicKey(input.pk.length)!;
  const { cipherText, sharedSecret } = await kem.encapsulate(algorithm, input.pk, cryptoJob(ctx));
  const confirmation = keyConfirmation(sharedSecret, cipherText);
  if (!input.store) return { cipherText, sharedKey: sharedSecret, confirmation };
  try {
    const stored = await services.keys.storeSharedKey(principal.tenant, sharedSecret, null);
    return { cipherText, sharedKeyId: stored.id, confirmation };
  } finally {
    sharedSecret.fill(0);
  }
}

/** How a request names a KEM key: by id and/or public key (both given must name one key). */
export interface KemKeyRef {
  readonly keyId?: string | undefined;
  readonly publicKey?: Uint8Array | undefined;
}

/**
 * The KEM key a request names, only among the caller tenant's keys (404), and only if the
 * credential may use it (403); undefined when it names none (validation says what is missing).
 * `fields` are the request's names for the two references, for the 404's detail.
 */
export async function resolveKemKey({ principal, services }: OperationContext, named: KemKeyRef, fields = { id: 'key_id', pk: 'pk' }): Promise<Resolved<StoredKemKey> | undefined> {
  if (named.keyId === undefined && named.publicKey === undefined) return undefined;
  const key = await services.keys.resolve(principal, ['kem'], { id: named.keyId, field: fields.id }, { publicKey: named.publicKey, field: fields.pk });
  return { keyIds: [key.id], found: key };
}

export interface DecapsulateInput {
  readonly cipher: Uint8Array;
  /** From encapsulate: a cipher that does not match it is refused (nothing stored). */
  readonly confirmation?: Uint8Array | undefined;
  readonly store?: boolean | undefined;
  /** The set the caller believes the key is (the vendor's current client sends it): must be the key's. */
  readonly algorithm?: KemAlgorithm | undefined;
}

/** Decapsulation with a stored key; the shared key (the caller wipes it), or the id it is kept under. */
export async function decapsulate(ctx: OperationContext, key: StoredKemKey, input: DecapsulateInput): Promise<{ readonly sharedKey?: Uint8Array; readonly sharedKeyId?: string }> {
  const { principal, services } = ctx;
  const { algorithm } = key;
  if (input.algorithm && input.algorithm !== algorithm) throw new InvalidInputError('algorithm', `is ${algorithm} for ${key.id}, not ${input.algorithm}`);
  const expected = KEM_SIZES[algorithm].cipherText;
  if (input.cipher.length !== expected) throw new InvalidInputError('cipher', `must be ${expected} bytes for ${algorithm}, got ${input.cipher.length}`);
  const shared = await services.keys.decapsulate(key, input.cipher, cryptoJob(ctx, [key.id]));
  let handedOver = false;
  try {
    if (input.confirmation && !checkKeyConfirmation(shared, input.cipher, input.confirmation)) throw new KeyConfirmationError();
    if (input.store) return { sharedKeyId: (await services.keys.storeSharedKey(principal.tenant, shared, key.id)).id };
    handedOver = true;
    return { sharedKey: shared };
  } finally {
    if (!handedOver) shared.fill(0);
  }
}
