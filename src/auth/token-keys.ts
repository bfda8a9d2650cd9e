/**
 * The keys that sign temporary tokens when TOKEN_SIGNING names an ML-DSA set (RFC 9964 JWS).
 *
 * - Derived, not stored: seed = HKDF-SHA256(ikm = MASTER_KEY, salt = empty, info =
 *   "pq-crypto-api/v1/token-signing/" + version, L = 32) (RFC 5869), used as xi of FIPS 204
 *   ML-DSA.KeyGen_internal (algorithm 6). Every instance holding MASTER_KEY has the key without a
 *   store, and rotation is a configuration change: a new TOKEN_KEY_VERSION gives an unrelated key.
 * - Each key's `kid` is the RFC 7638 thumbprint of its AKP JWK (crypto/jwk.ts); a token's header
 *   names it, and GET /.well-known/jwks.json publishes the public halves.
 * - Rotation: TOKEN_PREVIOUS_KEY_VERSION names the version that signed before, and
 *   TOKEN_KEY_ROTATED_AT the instant the current one took over (set it to when the last instance
 *   will have switched). The previous key verifies only tokens issued (`iat`) at or before that
 *   instant, and only until TOKEN_MAX_TTL_SECONDS after it, by when every token it signed has
 *   expired; then it is inert and leaves the JWKS. A forged `iat` gains nothing past the window.
 * @module
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ML_DSA_ALGORITHMS, type MlDsaAlgorithm } from '../crypto/algorithms.ts';
import { dsaKeygen } from '../crypto/dsa.ts';
import { akpPublicJwk, type AkpPublicJwk } from '../crypto/jwk.ts';

/** TOKEN_SIGNING: the JWS `alg` of every token (pinned on verification). */
export const TOKEN_SIGNING_ALGORITHMS = Object.freeze(['HS256', ...ML_DSA_ALGORITHMS] as const);
export type TokenSigningAlgorithm = (typeof TOKEN_SIGNING_ALGORITHMS)[number];

export const TOKEN_SIGNING_INFO_PREFIX = 'pq-crypto-api/v1/token-signing/';

/** The 32-byte ML-DSA seed of a token-signing key version. Secret. */
export function tokenSigningSeed(masterKey: Uint8Array, version: number): Uint8Array {
  return hkdf(sha256, masterKey, new Uint8Array(0), new TextEncoder().encode(`${TOKEN_SIGNING_INFO_PREFIX}${version}`), 32);
}

export interface TokenSigningKey {
  readonly version: number;
  readonly alg: MlDsaAlgorithm;
  readonly kid: string;
  readonly publicKey: Uint8Array;
  /** xi (FIPS 204 algorithm 6). Secret: never logged, never leaves the process. */
  readonly seed: Uint8Array;
  /** The public key as the JWKS publishes it (`use: "sig"`). */
  readonly jwk: AkpPublicJwk;
}

/**
 * The key of one version, made from its seed: with noble's keygen on this thread, unless its
 * public key is given (TokenKeyRing.derive has the crypto backend make it).
 */
export function tokenSigningKey(alg: MlDsaAlgorithm, masterKey: Uint8Array, version: number, given?: Uint8Array): TokenSigningKey {
  const seed = tokenSigningSeed(masterKey, version);
  const publicKey = given ?? dsaKeygen(alg, seed).publicKey;
  const jwk = akpPublicJwk(alg, publicKey, 'sig');
  return Object.freeze({ version, alg, kid: jwk.kid, publicKey, seed, jwk });
}

export interface TokenKeyRingOptions {
  readonly alg: MlDsaAlgorithm;
  readonly masterKey: Uint8Array;
  readonly version: number;
  /** The version that signed before `version`, with the instant `version` took over. */
  readonly previous?: { readonly version: number; readonly rotatedAtMs: number } | undefined;
  /** How long after the switch the previous key still verifies: the longest token lifetime. */
  readonly windowMs: number;
}

/** The current token-signing key and, for one token lifetime after a rotation, the previous one. */
export class TokenKeyRing {
  readonly alg: MlDsaAlgorithm;
  readonly current: TokenSigningKey;
  readonly previous: TokenSigningKey | undefined;
  readonly #rotatedAtMs: number;
  readonly #windowMs: number;

  /**
   * The ring, its key pairs made on this thread (noble, for tests and tools). A server uses
   * derive(), which has the crypto backend make them.
   */
  constructor({ alg, masterKey, version, previous, windowMs }: TokenKeyRingOptions, publicKeys?: { readonly current: Uint8Array; readonly previous?: Uint8Array | undefined }) {
    if (previous && previous.version === version) throw new RangeError('the previous token key version must differ from the current one');
    this.alg = alg;
    this.current = tokenSigningKey(alg, masterKey, version, publicKeys?.current);
    this.previous = previous && tokenSigningKey(alg, masterKey, previous.version, publicKeys?.previous);
    this.#rotatedAtMs = previous?.rotatedAtMs ?? Number.NEGATIVE_INFINITY;
    this.#windowMs = windowMs;
  }

  /**
   * The ring, its public keys made by `keygen` from the seeds (the server's crypto backend: on
   * Node 20 its noble worker pool). Not on the event loop: once ML-DSA has run in a process, noble's
   * ML-KEM there costs more CPU for the process's life (bench/noble-jit.ts), and a Node 20 server
   * runs ML-KEM on the loop (crypto/costs.ts): a key pair made at start-up here measured +8% CPU
   * on every encapsulation.
   */
  static async derive(opts: TokenKeyRingOptions, keygen: (alg: MlDsaAlgorithm, seed: Uint8Array) => Promise<Uint8Array>): Promise<TokenKeyRing> {
    const [current, previous] = await Promise.all([
      keygen(opts.alg, tokenSigningSeed(opts.masterKey, opts.version)),
      opts.previous ? keygen(opts.alg, tokenSigningSeed(opts.masterKey, opts.previous.version)) : undefined,
    ]);
    return new TokenKeyRing(opts, { current, previous });
  }

  /** Whether the previous key still verifies at `nowMs` (the window after the switch). */
  #previousLive(nowMs: number): boolean {
    return this.previous !== undefined && nowMs < this.#rotatedAtMs + this.#windowMs;
  }

  /** The key a token's `kid` names, if it may verify tokens at `nowMs`. */
  keyFor(kid: unknown, nowMs: number): TokenSigningKey | undefined {
    if (kid === this.current.kid) return this.current;
    if (kid === this.previous?.kid && this.#previousLive(nowMs)) return this.previous;
    return undefined;
  }

  /** Whether a token with this `iat` (seconds) may have been signed by `key`: the previous key signed only until the switch. */
  issuedInTime(key: TokenSigningKey, iatSeconds: number): boolean {
    return key === this.current || iatSeconds * 1000 <= this.#rotatedAtMs;
  }

  /** RFC 7517 section 5: the keys that verify tokens at `nowMs`, current first. */
  jwks(nowMs: number): { keys: AkpPublicJwk[] } {
    return { keys: [this.current.jwk, ...(this.#previousLive(nowMs) ? [this.previous!.jwk] : [])] };
  }
}
