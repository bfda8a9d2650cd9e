/**
 * HPKE as an operation, below HTTP (RFC 9180 base mode, the post-quantum KEMs of
 * draft-ietf-hpke-pq): sealing to a peer's public key or to a stored KEM key's, and opening with
 * a stored KEM key, whose stored seed is its HPKE private key (draft-ietf-hpke-pq section 3:
 * ML-KEM d || z, X-Wing's 32-byte sk), so a `pk` from POST /v1/kem/keypair can be sealed to by
 * any standard HPKE implementation and opened here.
 *
 * The KEM step is the crypto backend's own encapsulation and decapsulation (for these KEMs HPKE's
 * Encap and Decap ARE the KEM's, nothing derived on top): scheduled fairly per tenant, refused 503
 * crypto-busy when it cannot start, checked against a deleted key or a revoked token just before
 * it starts, on worker threads or libuv, counted in the metrics by algorithm and backend, with the
 * stored key's prepared form cached as for /v1/kem/decapsulate. Only the key schedule and the AEAD
 * (microseconds) run in crypto/hpke.ts.
 *
 * Failures: anything that does not open (wrong key, a modified enc or ciphertext, another info,
 * aad, KDF or AEAD; an X-Wing enc whose X25519 part the KEM refuses) is one HpkeOpenError, which
 * HTTP answers with one uniform problem. Inputs wrong on their face (a KEM that is not offered, an
 * enc of the wrong length for the key, a public key that fails FIPS 203 section 7.2) are named
 * field errors (422), as everywhere else.
 * @module
 */
import { isHpkeKem, hpkeSuite, HPKE_KEMS, HPKE_SUITE_PARTS, HpkeOpenError, type HpkeAead, type HpkeKdf, type HpkeKem, type HpkeSuite } from '../crypto/hpke.ts';
import { CryptoInputError } from '../crypto/errors.ts';
import { encodeMessage, type MessageEncoding } from '../crypto/encoding.ts';
import { toKemKey } from '../keys/service.ts';
import type { StoredKemKey } from '../stores/keys.ts';
import { cryptoJob, type OperationContext, type Resolved } from './context.ts';
import { InvalidInputError } from './errors.ts';

/** The parts of a suite a request may name; the KEM defaults to the key's, the rest to HKDF-SHA256 and AES-256-GCM. */
export interface SuiteChoice {
  readonly kem?: HpkeKem | undefined;
  readonly kdf?: HpkeKdf | undefined;
  readonly aead?: HpkeAead | undefined;
}

export interface HpkeOptionsInput {
  readonly info?: Uint8Array | undefined;
  readonly aad?: Uint8Array | undefined;
  readonly suite?: SuiteChoice | undefined;
}

/** The KEM key a request names by id, of the caller's tenant (404) and allowed to it (403); undefined for none. */
export async function resolveHpkeKey({ principal, services }: OperationContext, keyId: string | undefined): Promise<Resolved<StoredKemKey> | undefined> {
  if (keyId === undefined) return undefined;
  const key = await services.keys.resolve(principal, ['kem'], { id: keyId, field: 'key_id' });
  return { keyIds: [key.id], found: key };
}

/** The HPKE KEM of a stored key. @throws InvalidInputError('key_id') for a KEM HPKE does not offer here (ML-KEM-512). */
export function hpkeKemOf(key: StoredKemKey): HpkeKem {
  if (!isHpkeKem(key.algorithm)) {
    throw new InvalidInputError('key_id', `${key.id} is ${key.algorithm}, which is not an HPKE KEM here: use a key of ${HPKE_KEMS.join(', ')}`);
  }
  return key.algorithm;
}

/** The KEM an encapsulation key of this length is, among the offered ones (their lengths all differ). */
export function hpkeKemForPublicKey(length: number): HpkeKem | undefined {
  return HPKE_KEMS.find((k) => HPKE_SUITE_PARTS.kem[k].Npk === length);
}

/** The suite of a request: the key's KEM (any KEM named must be it), and the KDF and AEAD named or the defaults. */
function suiteFor(kem: HpkeKem, named: { readonly kem?: HpkeKem | undefined; readonly field: string }[], choice: SuiteChoice | undefined, what: string): HpkeSuite {
  for (const n of named) {
    if (n.kem !== undefined && n.kem !== kem) throw new InvalidInputError(n.field, `${n.field === 'suite' ? 'names the KEM' : 'is'} ${n.kem}, but ${what} is ${kem}: leave it out, or name ${kem}`);
  }
  return hpkeSuite(kem, { kdf: choice?.kdf, aead: choice?.aead });
}

export interface SealInput extends HpkeOptionsInput {
  /** The recipient's public key; or a stored key (`stored`). */
  readonly pk?: Uint8Array | undefined;
  /** The KEM of `pk` (only needed were two KEMs' keys the same length; must match otherwise). */
  readonly kem?: HpkeKem | undefined;
  readonly plaintext: Uint8Array;
}

export interface Sealed {
  readonly suite: HpkeSuite;
  readonly enc: Uint8Array;
  readonly ciphertext: Uint8Array;
}

/** Single-shot HPKE seal (RFC 9180 section 6.1) to `pk`, or to the public key of the stored key. */
export async function seal(ctx: OperationContext, stored: StoredKemKey | undefined, input: SealInput): Promise<Sealed> {
  const { services } = ctx;
  let kem: HpkeKem;
  let publicKey: Uint8Array;
  if (stored) {
    kem = hpkeKemOf(stored);
    publicKey = toKemKey(stored)!.publicKey;
  } else {
    // Validation admits only the offered KEMs' key lengths.
    const byLength = hpkeKemForPublicKey(input.pk!.length);
    if (!byLength) throw new InvalidInputError('pk', `is ${input.pk!.length} bytes, not the public key of an offered HPKE KEM`);
    kem = byLength;
    publicKey = input.pk!;
  }
  const what = stored ? `the KEM of ${stored.id}` : `a ${publicKey.length}-byte public key`;
  const suite = suiteFor(kem, [{ kem: input.kem, field: 'kem' }, { kem: input.suite?.kem, field: 'suite' }], input.suite, what);
  // Encap(pkR) of draft-ietf-hpke-pq is the KEM's encapsulation: scheduled on the backend, with the
  // FIPS 203 section 7.2 checks (X-Wing: and its X25519 part) there (CryptoInputError('pk'): 422).
  const { cipherText, sharedSecret } = await services.crypto.kem.encapsulate(kem, publicKey, cryptoJob(ctx, stored ? [stored.id] : []));
  try {
    const sealed = await services.hpke.sealWithEncapsulation(suite, { enc: cipherText, sharedSecret }, input.plaintext, { info: input.info, aad: input.aad });
    return { suite, enc: sealed.enc, ciphertext: sealed.ciphertext };
  } finally {
    sharedSecret.fill(0);
  }
}

export interface OpenInput extends HpkeOptionsInput {
  readonly enc: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly encoding: MessageEncoding;
}

/**
 * Single-shot HPKE open with a stored key; the plaintext in `encoding`.
 * @throws HpkeOpenError for anything that does not open; InvalidInputError for an enc of the
 *   wrong length for the key, a KEM named that is not the key's, or utf8 output of bytes that are
 *   not UTF-8.
 */
export async function open(ctx: OperationContext, key: StoredKemKey, input: OpenInput): Promise<string> {
  const { services } = ctx;
  const kem = hpkeKemOf(key);
  const suite = suiteFor(kem, [{ kem: input.suite?.kem, field: 'suite' }], input.suite, `the KEM of ${key.id}`);
  const Nenc = HPKE_SUITE_PARTS.kem[kem].Nenc;
  if (input.enc.length !== Nenc) throw new InvalidInputError('enc', `must be ${Nenc} bytes for ${kem} (the KEM of key_id), got ${input.enc.length}`);
  let sharedSecret: Uint8Array;
  try {
    // Decap(enc, skR) is the KEM's decapsulation with the stored seed: implicit rejection gives a
    // wrong secret for a modified enc, which then fails to open like any other wrong key.
    sharedSecret = await services.keys.decapsulate(key, input.enc, cryptoJob(ctx, [key.id]));
  } catch (e) {
    // X-Wing refuses an enc whose X25519 part is low-order: from outside, just another enc that does not open.
    if (e instanceof CryptoInputError) throw new HpkeOpenError({ cause: e });
    throw e;
  }
  let plaintext: Uint8Array;
  try {
    plaintext = await services.hpke.openWithSharedSecret(suite, sharedSecret, input.enc, input.ciphertext, { info: input.info, aad: input.aad });
  } finally {
    sharedSecret.fill(0);
  }
  const text = encodeMessage(plaintext, input.encoding);
  if (text === undefined) throw new InvalidInputError('encoding', 'the plaintext is not valid UTF-8: ask for base64 or hex');
  return text;
}
