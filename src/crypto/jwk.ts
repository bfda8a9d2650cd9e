/**
 * ML-DSA public keys as JSON Web Keys, RFC 9964 (ML-DSA for JOSE and COSE):
 * - key type `AKP` ("Algorithm Key Pair", section 4): `alg` names the parameter set (`ML-DSA-44`,
 *   `ML-DSA-65`, `ML-DSA-87`), `pub` is the base64url of the FIPS 204 public key encoding, and
 *   `priv` (never produced here) would be the 32-byte seed xi, not the expanded secret key;
 * - the key's `kid` is its RFC 7638 thumbprint: SHA-256 over the required members in
 *   lexicographic order with no whitespace, for AKP `{"alg":...,"kty":"AKP","pub":...}`
 *   (RFC 9964 section 4.1), base64url without padding.
 *
 * Pure: bytes in, JSON out. The RFC's examples (shared/vectors/jose-mldsa) check both rules.
 * @module
 */
import { createHash } from 'node:crypto';
import { ALGORITHMS, isMlDsaAlgorithm, type MlDsaAlgorithm } from './algorithms.ts';

/** A public AKP JWK as RFC 9964 section 4 defines it, with its thumbprint as `kid`. */
export interface AkpPublicJwk {
  readonly kty: 'AKP';
  readonly alg: MlDsaAlgorithm;
  readonly pub: string;
  readonly kid: string;
  /** RFC 7517 section 4.2; present where the key is published for one use (the JWKS: "sig"). */
  readonly use?: 'sig';
}

/** RFC 7638 thumbprint of an AKP key (RFC 9964 section 4.1: required members alg, kty, pub). */
export function akpThumbprint(alg: MlDsaAlgorithm, publicKey: Uint8Array): string {
  // Built by hand, not JSON.stringify of an object, so the member order is the RFC's by construction.
  const canonical = `{"alg":${JSON.stringify(alg)},"kty":"AKP","pub":${JSON.stringify(Buffer.from(publicKey).toString('base64url'))}}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

/** @throws RangeError when the key's length is not the set's (a programming error, never input). */
export function akpPublicJwk(alg: MlDsaAlgorithm, publicKey: Uint8Array, use?: 'sig'): AkpPublicJwk {
  const expected = ALGORITHMS[alg].sizes.publicKey;
  if (publicKey.length !== expected) throw new RangeError(`${alg} public key must be ${expected} bytes, got ${publicKey.length}`);
  const jwk = { kty: 'AKP' as const, alg, pub: Buffer.from(publicKey).toString('base64url'), kid: akpThumbprint(alg, publicKey) };
  return Object.freeze(use ? { ...jwk, use } : jwk);
}

/** The raw public key of an AKP JWK, or undefined when it is not one of an ML-DSA set with a well-sized `pub`. */
export function akpPublicKey(jwk: unknown): { alg: MlDsaAlgorithm; publicKey: Uint8Array } | undefined {
  if (!jwk || typeof jwk !== 'object') return undefined;
  const { kty, alg, pub } = jwk as Record<string, unknown>;
  if (kty !== 'AKP' || !isMlDsaAlgorithm(alg) || typeof pub !== 'string' || !/^[A-Za-z0-9_-]*$/.test(pub)) return undefined;
  const publicKey = new Uint8Array(Buffer.from(pub, 'base64url'));
  return publicKey.length === ALGORITHMS[alg].sizes.publicKey ? { alg, publicKey } : undefined;
}
