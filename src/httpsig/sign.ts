/**
 * Signing a request (RFC 9421 section 3.1) with an ML-DSA secret key, as a registered client does:
 * `Content-Digest` (RFC 9530) for the body, then `Signature-Input` and `Signature` with `created`,
 * `nonce`, `keyid` and `alg`. Pure ML-DSA with an empty context (algorithms.ts), hedged (fresh
 * randomness, FIPS 204 section 3.4) unless the caller passes `randomness`.
 *
 * Browser-safe (@noble/post-quantum, @noble/hashes, structured-headers; randomness from
 * `crypto.getRandomValues` via noble), so the TypeScript client signs with this very code.
 * @module
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { serializeDictionary, type Dictionary, type Parameters } from 'structured-headers';
import { HTTPSIG_ALGS, httpSigAlgOf, type MlDsaAlgorithm } from './algorithms.ts';
import { signatureBase, signatureInput, type HttpRequestLike } from './base.ts';
import { bodyBytes, contentDigest, type DigestAlgorithm } from './digest.ts';

/** The key to sign with: the 32-byte seed (FIPS 204 xi, what `AKP` JWKs carry as `priv`) or the expanded secret key. */
export type MlDsaSigningKey = { readonly algorithm: MlDsaAlgorithm } & ({ readonly seed: Uint8Array } | { readonly secretKey: Uint8Array });

export interface SignRequestOptions {
  /** The `keyid` parameter: a registered client's id. */
  readonly keyid: string;
  readonly key: MlDsaSigningKey;
  /**
   * Covered components, in order. Default: `@method`, `@target-uri`, then `content-digest` and
   * `content-type` when there is a body (the Content-Digest field is added when missing).
   */
  readonly components?: readonly string[];
  /** Seconds since the epoch; default now. */
  readonly created?: number;
  readonly expires?: number;
  /** Default: 16 random bytes, base64url (22 characters). */
  readonly nonce?: string;
  readonly tag?: string;
  /** The signature's label in both fields; default `sig`. */
  readonly label?: string;
  readonly digest?: DigestAlgorithm;
  /** 32 bytes of ML-DSA signing randomness (FIPS 204 rnd), for reproducible tests only. */
  readonly randomness?: Uint8Array;
}

export interface SignedFields {
  /** The fields to add to the request (lower-case names). */
  readonly headers: { readonly 'signature-input': string; readonly signature: string; readonly 'content-digest'?: string };
  /** The exact base that was signed (for debugging; never needed to send). */
  readonly signatureBase: string;
}

const base64url = (bytes: Uint8Array) => {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/** Signs a request: the fields to add to it. */
export async function signRequest(request: HttpRequestLike, options: SignRequestOptions): Promise<SignedFields> {
  const alg = httpSigAlgOf(options.key.algorithm);
  const { impl } = HTTPSIG_ALGS[alg];
  const hasBody = bodyBytes(request.body).length > 0;
  const hasField = (name: string) => Object.keys(request.headers).some((k) => k.toLowerCase() === name && request.headers[k] !== undefined);
  const components = options.components ?? ['@method', '@target-uri', ...(hasBody ? ['content-digest', ...(hasField('content-type') ? ['content-type'] : [])] : [])];

  const added: Record<string, string> = {};
  if (components.includes('content-digest') && !hasField('content-digest')) added['content-digest'] = contentDigest(request.body, options.digest);
  const signed: HttpRequestLike = { ...request, headers: { ...request.headers, ...added } };

  const params: Parameters = new Map<string, string | number>([['created', options.created ?? Math.floor(Date.now() / 1000)]]);
  if (options.expires !== undefined) params.set('expires', options.expires);
  params.set('nonce', options.nonce ?? base64url(randomBytes(16)));
  params.set('alg', alg);
  params.set('keyid', options.keyid);
  if (options.tag !== undefined) params.set('tag', options.tag);

  const input = signatureInput(components, params);
  const base = signatureBase(signed, input);
  const secretKey = 'seed' in options.key ? impl.keygen(options.key.seed).secretKey : options.key.secretKey;
  const signature = impl.sign(new TextEncoder().encode(base), secretKey, options.randomness ? { extraEntropy: options.randomness } : {});
  const label = options.label ?? 'sig';
  return {
    headers: {
      ...added,
      'signature-input': serializeDictionary(new Map([[label, input]]) as Dictionary),
      signature: serializeDictionary(new Map([[label, [signature, new Map()]]]) as Dictionary),
    },
    signatureBase: base,
  };
}
