/**
 * The noble backend's worker thread (run by piscina, see noble.ts): the expensive post-quantum
 * operations, off the event loop. Inputs arrive already checked by the main thread (lengths,
 * FIPS 203 section 7.2 / 7.3 checks, context length), so anything thrown here is an internal
 * error. Secret inputs are copies made for this call and are wiped after use; secret outputs are
 * transferred (moved, not copied) so no copy stays behind in this thread.
 * @module
 */
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem512, ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import { slh_dsa_sha2_128f, slh_dsa_sha2_128s, slh_dsa_shake_128f, slh_dsa_shake_128s } from '@noble/post-quantum/slh-dsa.js';
import { move } from 'piscina';
import type { DsaAlgorithm, KemAlgorithm, SlhDsaAlgorithm } from './algorithms.ts';

// X-Wing's "secret key" is its 32-byte seed: keygen returns a copy of it, decapsulate expands it.
const KEM = Object.freeze({ 'ML-KEM-512': ml_kem512, 'ML-KEM-768': ml_kem768, 'ML-KEM-1024': ml_kem1024, 'X-Wing': ml_kem768_x25519 });
const SLH_DSA = Object.freeze({
  'SLH-DSA-SHA2-128s': slh_dsa_sha2_128s,
  'SLH-DSA-SHA2-128f': slh_dsa_sha2_128f,
  'SLH-DSA-SHAKE-128s': slh_dsa_shake_128s,
  'SLH-DSA-SHAKE-128f': slh_dsa_shake_128f,
});
const DSA = Object.freeze({ 'ML-DSA-44': ml_dsa44, 'ML-DSA-65': ml_dsa65, 'ML-DSA-87': ml_dsa87, ...SLH_DSA });

/** One task: the name of an exported operation and its arguments. */
export type WorkerTask = { readonly op: keyof typeof OPERATIONS } & Record<string, unknown>;

/** piscina calls the default export with each task. */
export default function run(task: WorkerTask) {
  const operation = OPERATIONS[task.op] as ((task: never) => unknown) | undefined;
  if (!operation) throw new Error(`unknown crypto worker operation ${String(task.op)}`);
  return operation(task as never);
}

/** Moves the bytes to the caller; a view is first copied into a buffer of its own (move transfers whole buffers). */
function give(bytes: Uint8Array) {
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  return move(own);
}

/** As give(), for secrets: when a copy was needed, the whole buffer behind the view is wiped (noble returns K as a view of K || r, say). */
function giveSecret(bytes: Uint8Array) {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return move(bytes);
  const own = bytes.slice();
  wipe(bytes);
  return move(own);
}

function wipe(bytes: Uint8Array): void {
  new Uint8Array(bytes.buffer).fill(0);
}

/** ML-KEM.KeyGen_internal(d, z) (X-Wing: expandDecapsulationKey(sk)): the public key only (the expanded secret key is wiped here). */
export function kemPublicKey({ algorithm, seed }: { algorithm: KemAlgorithm; seed: Uint8Array }) {
  const { publicKey, secretKey } = KEM[algorithm].keygen(seed);
  wipe(secretKey);
  seed.fill(0);
  return give(publicKey);
}

/** ML-KEM.KeyGen_internal(d, z): the expanded decapsulation key only. */
export function kemSecretKey({ algorithm, seed }: { algorithm: KemAlgorithm; seed: Uint8Array }) {
  const { secretKey } = KEM[algorithm].keygen(seed);
  seed.fill(0);
  return giveSecret(secretKey);
}

/** ML-KEM.Encaps: ciphertext || shared secret (32 bytes). `message` is the randomness m, for vectors only. */
export function kemEncapsulate({ algorithm, publicKey, message }: { algorithm: KemAlgorithm; publicKey: Uint8Array; message?: Uint8Array }) {
  const { cipherText, sharedSecret } = KEM[algorithm].encapsulate(publicKey, message);
  const out = new Uint8Array(cipherText.length + sharedSecret.length);
  out.set(cipherText, 0);
  out.set(sharedSecret, cipherText.length);
  wipe(sharedSecret);
  return move(out);
}

export function kemDecapsulate({ algorithm, secretKey, cipherText }: { algorithm: KemAlgorithm; secretKey: Uint8Array; cipherText: Uint8Array }) {
  try {
    return giveSecret(KEM[algorithm].decapsulate(cipherText, secretKey));
  } finally {
    secretKey.fill(0);
  }
}

/** ML-DSA.KeyGen_internal(xi): the public key only. */
export function dsaPublicKey({ algorithm, seed }: { algorithm: DsaAlgorithm; seed: Uint8Array }) {
  const { publicKey, secretKey } = DSA[algorithm].keygen(seed);
  wipe(secretKey);
  seed.fill(0);
  return give(publicKey);
}

/** ML-DSA.KeyGen_internal(xi): the expanded secret key only. */
export function dsaSecretKey({ algorithm, seed }: { algorithm: DsaAlgorithm; seed: Uint8Array }) {
  const { secretKey } = DSA[algorithm].keygen(seed);
  seed.fill(0);
  return giveSecret(secretKey);
}

/** FIPS 205 slh_keygen_internal(SK.seed, SK.prf, PK.seed) from 48 bytes: the 64-byte secret key (it ends with pk). */
export function slhKeygen({ algorithm, seed }: { algorithm: SlhDsaAlgorithm; seed: Uint8Array }) {
  const { secretKey } = SLH_DSA[algorithm].keygen(seed);
  seed.fill(0);
  return giveSecret(secretKey);
}

/** ML-DSA.Sign / slh_sign (pure, external). */
export function dsaSign(task: { algorithm: DsaAlgorithm; secretKey: Uint8Array; message: Uint8Array; context: Uint8Array; deterministic: boolean; randomness?: Uint8Array }) {
  const { algorithm, secretKey, message, context, deterministic, randomness } = task;
  // extraEntropy: given bytes = rnd (ML-DSA) or opt_rand (SLH-DSA); false = deterministic (ML-DSA
  // rnd of zeros, SLH-DSA opt_rand = PK.seed); absent = fresh randomness (hedged).
  const extraEntropy = randomness ?? (deterministic ? false : undefined);
  try {
    return give(DSA[algorithm].sign(message, secretKey, { context, ...(extraEntropy === undefined ? {} : { extraEntropy }) }));
  } finally {
    secretKey.fill(0);
  }
}

export function dsaVerify({ algorithm, publicKey, message, signature, context }: { algorithm: DsaAlgorithm; publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array; context: Uint8Array }) {
  try {
    return DSA[algorithm].verify(signature, message, publicKey, { context });
  } catch {
    // noble throws on some malformed encodings inside a well-sized signature; FIPS 204's
    // sigDecode then returns "invalid", and Verify returns false (as dsa.ts does).
    return false;
  }
}

const OPERATIONS = Object.freeze({ kemPublicKey, kemSecretKey, kemEncapsulate, kemDecapsulate, dsaPublicKey, dsaSecretKey, slhKeygen, dsaSign, dsaVerify });
