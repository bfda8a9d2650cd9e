/**
 * Compact JWS (RFC 7515 section 7.1) signed with ML-DSA (RFC 9964 section 3: `alg` is the set's
 * name, the signature is ML-DSA.Sign (FIPS 204 algorithm 2, pure, empty context) over the ASCII
 * signing input `BASE64URL(header) || '.' || BASE64URL(payload)`), by one of two engines that
 * produce the same signing input and verify each other's output:
 *
 * - `jose` (panva/jose 6, WebCrypto): where `crypto.subtle` has ML-DSA (Node >= 24.7). WebCrypto's
 *   ML-DSA signing is hedged (fresh randomness each call), so two of its signatures over the same
 *   input differ; the engines agree byte for byte on everything before the signature.
 * - `backend`: the service's crypto backend (crypto/backend.ts): on Node 20 the noble
 *   implementation on its worker pool, so neither signing (milliseconds in JavaScript) nor a
 *   first verification holds the event loop. Hedged too, unless `deterministic` (noble only: FIPS
 *   204 rnd = 0^32, for the RFC's examples and reproducible tests).
 *
 * Neither engine reads the header to choose anything: the caller has pinned `alg` and picked the
 * key by `kid` before asking (tokens.ts), so `none`, HS256 or another set never reaches them.
 * @module
 */
import type { CryptoKey } from 'jose';
import { CompactSign, compactVerify, importJWK } from 'jose';
import type { DsaBackend, PreparedDsaKey } from '../crypto/backend.ts';
import type { MlDsaAlgorithm } from '../crypto/algorithms.ts';
import type { TokenSigningKey } from './token-keys.ts';

/** The protected header of a token: these members only (RFC 9964 section 3; `typ` RFC 7519 section 5.1, absent from the RFC's examples). */
export interface TokenJwsHeader {
  readonly alg: MlDsaAlgorithm;
  readonly kid: string;
  readonly typ?: 'JWT';
}

export interface JwsEngine {
  readonly name: 'jose' | 'backend';
  /** The compact JWS of `payload` under `key`. */
  sign(header: TokenJwsHeader, payload: Uint8Array, key: TokenSigningKey): Promise<string>;
  /** Whether the compact JWS's signature verifies under `key` (its header already checked by the caller). */
  verify(jws: string, key: TokenSigningKey): Promise<boolean>;
}

const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/**
 * Whether WebCrypto here signs and verifies with this ML-DSA set (Node >= 24.7; the check itself
 * is `SubtleCrypto.supports`, experimental there and absent on Node 20).
 */
export function webCryptoHasMlDsa(alg: MlDsaAlgorithm): boolean {
  const subtle = (globalThis as { SubtleCrypto?: { supports?: (op: string, alg: string) => boolean } }).SubtleCrypto;
  try {
    return typeof subtle?.supports === 'function' && subtle.supports('sign', alg) && subtle.supports('verify', alg);
  } catch {
    return false;
  }
}

/** jose over WebCrypto. Keys are imported once per key and kept (non-extractable CryptoKeys). */
export function joseEngine(): JwsEngine {
  const privateKeys = new Map<TokenSigningKey, Promise<CryptoKey>>();
  const publicKeys = new Map<TokenSigningKey, Promise<CryptoKey>>();
  const once = (cache: Map<TokenSigningKey, Promise<CryptoKey>>, key: TokenSigningKey, make: () => Promise<CryptoKey>) => {
    let found = cache.get(key);
    if (!found) cache.set(key, (found = make()));
    return found;
  };
  const privateKey = (key: TokenSigningKey) =>
    // RFC 9964 section 4: an AKP private JWK carries the seed as `priv`.
    once(privateKeys, key, () => importJWK({ kty: 'AKP', alg: key.alg, pub: key.jwk.pub, priv: b64u(key.seed) }, key.alg, { extractable: false }) as Promise<CryptoKey>);
  const publicKey = (key: TokenSigningKey) => once(publicKeys, key, () => importJWK({ kty: 'AKP', alg: key.alg, pub: key.jwk.pub }, key.alg) as Promise<CryptoKey>);
  return Object.freeze({
    name: 'jose' as const,
    async sign(header: TokenJwsHeader, payload: Uint8Array, key: TokenSigningKey) {
      return new CompactSign(payload).setProtectedHeader({ ...header }).sign(await privateKey(key));
    },
    async verify(jws: string, key: TokenSigningKey) {
      try {
        await compactVerify(jws, await publicKey(key), { algorithms: [key.alg] });
        return true;
      } catch {
        return false;
      }
    },
  });
}

/** The service's crypto backend (the noble worker pool on Node 20). Prepared keys are kept for the process's life. */
export function backendEngine(dsa: DsaBackend, opts: { readonly deterministic?: boolean } = {}): JwsEngine {
  const prepared = new Map<TokenSigningKey, Promise<PreparedDsaKey>>();
  const secretKey = (key: TokenSigningKey) => {
    let found = prepared.get(key);
    if (!found) prepared.set(key, (found = dsa.prepareSecretKey(key.alg, key.seed)));
    return found;
  };
  const signOptions = opts.deterministic ? { deterministic: true } : {};
  return Object.freeze({
    name: 'backend' as const,
    async sign(header: TokenJwsHeader, payload: Uint8Array, key: TokenSigningKey) {
      // The same serialisation as jose's CompactSign: JSON.stringify of the header as given.
      const input = `${b64u(JSON.stringify(header))}.${b64u(payload)}`;
      const signature = await dsa.sign(await secretKey(key), new TextEncoder().encode(input), signOptions);
      return `${input}.${b64u(signature)}`;
    },
    async verify(jws: string, key: TokenSigningKey) {
      const dot = jws.lastIndexOf('.');
      const signature = jws.slice(dot + 1);
      if (dot < 0 || !/^[A-Za-z0-9_-]+$/.test(signature)) return false;
      return dsa.verify(key.alg, key.publicKey, new TextEncoder().encode(jws.slice(0, dot)), new Uint8Array(Buffer.from(signature, 'base64url')));
    },
  });
}
