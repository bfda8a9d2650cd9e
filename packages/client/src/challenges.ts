/**
 * Answering the service's challenges with keys that never leave this machine, and checking their
 * receipts offline (docs/challenges.md):
 *
 * - `signature`: the client signs the raw challenge bytes with its ML-DSA secret key, pure FIPS
 *   204, context "pq-crypto-api/v1/challenge" (signChallenge);
 * - `kem`: the client opens `encrypted_challenge`, base64(enc || ciphertext) of HPKE base mode to
 *   its KEM key (info "pq-crypto-api/v1/challenge", empty aad; hpke.ts), and answers the 32 bytes
 *   (openChallenge, async);
 * - a validation's receipt is ML-DSA-65 by the tenant's attestation key, context
 *   "pq-crypto-api/v1/challenge-receipt", over the UTF-8 of `challenge_id|client_id|valid|validated_at`
 *   (receiptMessage), checked against the attestation key pinned once (verifyReceipt).
 * @module
 */
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { bytesOf, toBase64, utf8 } from './encoding.ts';
import { HPKE_KEMS, hpkeOpen, HpkeOpenError, type HpkeKemName } from './hpke.ts';
import { LocalCryptoError, type Binary } from './local.ts';
import type { ClientSigner } from './signer.ts';

export const CHALLENGE_CONTEXT = 'pq-crypto-api/v1/challenge';
export const RECEIPT_CONTEXT = 'pq-crypto-api/v1/challenge-receipt';

/** ML-DSA sets by name, for a signer's seed. */
const DSA_BY_NAME = Object.freeze({ 'ML-DSA-44': ml_dsa44, 'ML-DSA-65': ml_dsa65, 'ML-DSA-87': ml_dsa87 } as const);

/** ML-DSA sets by secret-key length (FIPS 204 table 2: the expanded key @noble/post-quantum uses). */
const DSA_BY_SECRET = Object.freeze({
  2560: { algorithm: 'ML-DSA-44', dsa: ml_dsa44 },
  4032: { algorithm: 'ML-DSA-65', dsa: ml_dsa65 },
  4896: { algorithm: 'ML-DSA-87', dsa: ml_dsa87 },
} as const);

/** A client's own key pairs, as it keeps them: the ML-DSA secret key, and its KEM seed if it registered a kem_key. */
export interface ChallengeKeys {
  /** The ML-DSA secret key (FIPS 204 encoding: 2560, 4032 or 4896 bytes), base64 or bytes. */
  readonly signingSecretKey?: Binary;
  /** Or the client's signer as it signs requests (`{ clientId, algorithm, seed }`, generateClientKey's seed). */
  readonly signer?: ClientSigner;
  /** The KEM private key as draft-ietf-hpke-pq serializes it: ML-KEM's 64-byte seed, X-Wing's 32 bytes. */
  readonly kemSeed?: Binary;
}

/** A challenge as POST /v1/challenges answered it (the fields answering needs). */
export interface IssuedChallenge {
  readonly challenge_id: string;
  readonly method: 'signature' | 'kem';
  readonly challenge?: string;
  readonly encrypted_challenge?: string;
}

/** The answer to a `signature` challenge: base64 of the ML-DSA signature over the raw challenge bytes. */
export function signChallenge(challenge: Binary, signingSecretKey: Binary): string {
  const secret = bytesOf(signingSecretKey);
  const set = DSA_BY_SECRET[secret.length as keyof typeof DSA_BY_SECRET];
  if (!set) throw new LocalCryptoError(`the signing secret key is ${secret.length} bytes: not an ML-DSA-44, -65 or -87 secret key`);
  return toBase64(set.dsa.sign(bytesOf(challenge), secret, { context: utf8(CHALLENGE_CONTEXT) }));
}

/**
 * The answer to a `kem` challenge: base64 of the 32 bytes `encrypted_challenge` opens to with the
 * client's KEM seed (the KEM told by the length: enc + 48 bytes).
 * @throws LocalCryptoError when it does not open (not sealed to this key, or modified).
 */
export async function openChallenge(encryptedChallenge: Binary, kemSeed: Binary): Promise<string> {
  const sealed = bytesOf(encryptedChallenge);
  const seed = bytesOf(kemSeed);
  const kem = (Object.keys(HPKE_KEMS) as HpkeKemName[]).find((k) => HPKE_KEMS[k].Nenc + 48 === sealed.length && HPKE_KEMS[k].Nsk === seed.length);
  if (!kem) throw new LocalCryptoError(`an encrypted challenge of ${sealed.length} bytes does not fit a ${seed.length}-byte KEM seed (ML-KEM-768 or -1024: 64, X-Wing: 32)`);
  const n = HPKE_KEMS[kem].Nenc;
  try {
    return toBase64(await hpkeOpen(kem, seed, sealed.subarray(0, n), sealed.subarray(n), { info: utf8(CHALLENGE_CONTEXT) }));
  } catch (e) {
    if (e instanceof HpkeOpenError) throw new LocalCryptoError(`the encrypted challenge does not open with this key: ${e.message}`);
    throw e;
  }
}

/** The `response` to a challenge as its method asks, with the client's own keys. */
export async function answerChallenge(issued: IssuedChallenge, keys: ChallengeKeys): Promise<string> {
  if (issued.method === 'kem') {
    if (issued.encrypted_challenge === undefined || keys.kemSeed === undefined) throw new LocalCryptoError('a kem challenge needs encrypted_challenge and the client\'s KEM seed');
    return await openChallenge(issued.encrypted_challenge, keys.kemSeed);
  }
  const secret = keys.signingSecretKey ?? (keys.signer ? DSA_BY_NAME[keys.signer.algorithm].keygen(bytesOf(keys.signer.seed)).secretKey : undefined);
  if (issued.challenge === undefined || secret === undefined) throw new LocalCryptoError('a signature challenge needs challenge and the client\'s ML-DSA secret key (or its signer)');
  return signChallenge(issued.challenge, secret);
}

/** A validation's answer (the fields of its receipt). */
export interface ChallengeReceipt {
  readonly challenge_id: string;
  readonly client_id: string | null;
  readonly valid: boolean;
  readonly validated_at: string;
  readonly receipt_signature: string;
}

/** The signed text of a receipt: `challenge_id|client_id|valid|validated_at` (client_id empty when null; valid `true`/`false`; validated_at as answered). */
export const receiptMessage = (r: Omit<ChallengeReceipt, 'receipt_signature'>): string => `${r.challenge_id}|${r.client_id ?? ''}|${r.valid ? 'true' : 'false'}|${r.validated_at}`;

/**
 * Whether the receipt is the tenant's: ML-DSA-65 by the pinned attestation key (the raw public key,
 * or the `pub` of GET /v1/keys/attestation decoded), context RECEIPT_CONTEXT, over receiptMessage.
 */
export function verifyReceipt(receipt: ChallengeReceipt, pinnedAttestationKey: Binary): boolean {
  const key = bytesOf(pinnedAttestationKey);
  if (key.length !== 1952) throw new LocalCryptoError(`the attestation key is ML-DSA-65 (1952 bytes), got ${key.length}`);
  try {
    return ml_dsa65.verify(bytesOf(receipt.receipt_signature), utf8(receiptMessage(receipt)), key, { context: utf8(RECEIPT_CONTEXT) });
  } catch {
    return false;
  }
}
