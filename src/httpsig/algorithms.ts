/**
 * The `alg` values of HTTP Message Signatures (RFC 9421 section 3.3) that this service knows:
 * `ml-dsa-44`, `ml-dsa-65`, `ml-dsa-87`, as draft-skokan-httpbis-message-signatures-ml-dsa and
 * C2SP httpsig-pq define them: pure ML-DSA (FIPS 204 algorithm 2 / 3, the external interface)
 * over the signature base bytes, with an EMPTY context string and no pre-hash (HashML-DSA is not
 * used). The signature value is the raw FIPS 204 signature encoding.
 *
 * Browser-safe: @noble/post-quantum only (no node: imports), so the TypeScript client can sign
 * with the same code. Sizes come from the one registry of src/crypto/algorithms.ts.
 * @module
 */
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { ALGORITHMS, type MlDsaAlgorithm } from '../crypto/algorithms.ts';

export type { MlDsaAlgorithm };

/** An RFC 9421 `alg` parameter value this service accepts. */
export type HttpSigAlg = 'ml-dsa-44' | 'ml-dsa-65' | 'ml-dsa-87';

interface AlgSpec {
  readonly algorithm: MlDsaAlgorithm;
  readonly publicKeyBytes: number;
  readonly signatureBytes: number;
  readonly impl: typeof ml_dsa44;
}

const spec = (algorithm: MlDsaAlgorithm, impl: typeof ml_dsa44): AlgSpec =>
  Object.freeze({ algorithm, publicKeyBytes: ALGORITHMS[algorithm].sizes.publicKey, signatureBytes: ALGORITHMS[algorithm].sizes.signature, impl });

/** `alg` -> the FIPS 204 parameter set, its sizes and the noble implementation. */
export const HTTPSIG_ALGS: Readonly<Record<HttpSigAlg, AlgSpec>> = Object.freeze({
  'ml-dsa-44': spec('ML-DSA-44', ml_dsa44),
  'ml-dsa-65': spec('ML-DSA-65', ml_dsa65),
  'ml-dsa-87': spec('ML-DSA-87', ml_dsa87),
});

export const isHttpSigAlg = (value: unknown): value is HttpSigAlg => typeof value === 'string' && Object.hasOwn(HTTPSIG_ALGS, value);

/** The `alg` value of a parameter set ('ML-DSA-65' -> 'ml-dsa-65'). */
export const httpSigAlgOf = (algorithm: MlDsaAlgorithm): HttpSigAlg => algorithm.toLowerCase() as HttpSigAlg;

/**
 * Checks an ML-DSA signature (pure, empty context). Async so a caller can pass a backend that
 * runs off the main thread (node:crypto on Node >= 24.7, a worker pool) in its place.
 */
export type MlDsaVerifier = (algorithm: MlDsaAlgorithm, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => Promise<boolean>;

/** The reference verifier: @noble/post-quantum. False, never a throw, for a key or signature of the wrong length. */
export const nobleMlDsaVerify: MlDsaVerifier = async (algorithm, publicKey, message, signature) => {
  const alg = HTTPSIG_ALGS[httpSigAlgOf(algorithm)];
  if (!alg || publicKey.length !== alg.publicKeyBytes || signature.length !== alg.signatureBytes) return false;
  try {
    return alg.impl.verify(signature, message, publicKey);
  } catch {
    return false;
  }
};
