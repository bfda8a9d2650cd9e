/**
 * Verifying an RFC 9421 signed request (section 3.2) with `ml-dsa-44|65|87` (algorithms.ts), under
 * a policy (section 3.2.1: what the application requires of a signature). Order: parse the two
 * fields (RFC 8941 Dictionaries), pick the signature, check the policy on its parameters (cheap,
 * no key), build the signature base (base.ts), check Content-Digest against the body (digest.ts),
 * look the key up by `keyid`, check `alg` against the key's algorithm, and only then run ML-DSA.
 *
 * The answer is a named result: `ok` with what the caller needs next (the keyid to act as, the
 * nonce to claim in the replay store, the creation time that bounds how long to keep it), or one
 * reason. The reasons are for logs and metrics only: the HTTP layer answers one uniform 401 for
 * all of them, so a caller learns nothing about which check failed.
 *
 * The nonce is NOT claimed here (this module is pure): the caller claims it after `ok`, in the
 * replay store, for `replayTtlMs(result, policy)`, so that only a request that verified can use up
 * a nonce.
 * @module
 */
import { parseDictionary, type BareItem, type Dictionary, type InnerList, type Item } from 'structured-headers';
import { HTTPSIG_ALGS, httpSigAlgOf, isHttpSigAlg, nobleMlDsaVerify, type MlDsaAlgorithm, type MlDsaVerifier } from './algorithms.ts';
import { fieldValue, signatureBase, SignatureBaseError, type BaseFailure, type HttpRequestLike } from './base.ts';
import { bodyBytes, checkContentDigest } from './digest.ts';

/** What the application requires of a signature (RFC 9421 section 3.2.1). */
export interface VerificationPolicy {
  /** Components every signature must cover (e.g. `@method`, `@target-uri`). */
  readonly requiredComponents: readonly string[];
  /** A request with a body must cover `content-digest` (and it must match, as it must whenever the field is present). */
  readonly digestForBody: boolean;
  /** `created` must be present and within this many seconds of now, either way (clock skew). */
  readonly windowSeconds: number;
  readonly requireNonce: boolean;
  readonly requireAlg: boolean;
  /** The `keyid` must match this (the shape of a client id); any string when absent. */
  readonly keyid?: RegExp;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
}

/** A client id: `cl_` and 22 base64url characters (128 random bits). */
export const CLIENT_ID_PATTERN = /^cl_[A-Za-z0-9_-]{22}$/;
/** Nonces are sf-strings (visible ASCII) of this many characters: long enough to be random, short enough to store. */
export const NONCE_LENGTH = Object.freeze({ min: 8, max: 256 });

/**
 * The policy of this service for requests signed by registered clients (BRIEF, "Clients with
 * their own keys"): covers `@method` and `@target-uri`, and `content-digest` when there is a body;
 * `created` within SIGNATURE_WINDOW_SECONDS; `nonce`, `alg` and a client-id `keyid` required.
 */
export function clientSignaturePolicy({ windowSeconds = 60, clock = Date.now }: { windowSeconds?: number; clock?: () => number } = {}): VerificationPolicy {
  return Object.freeze({
    requiredComponents: Object.freeze(['@method', '@target-uri']),
    digestForBody: true,
    windowSeconds,
    requireNonce: true,
    requireAlg: true,
    keyid: CLIENT_ID_PATTERN,
    clock,
  });
}

/** The key a `keyid` names. */
export interface VerificationKey {
  readonly algorithm: MlDsaAlgorithm;
  readonly publicKey: Uint8Array;
}

export type KeyLookup = (keyid: string) => Promise<VerificationKey | undefined>;

/** Why a signed request was refused (internal: logs and metrics; the client gets one 401). */
export type VerifyFailure =
  | 'no-signature' // Signature-Input or Signature absent
  | 'malformed' // a field is not the structured value RFC 9421 section 4 says, or a parameter has the wrong type
  | 'ambiguous' // several signatures and none named
  | 'no-label' // the chosen label is missing from one of the fields
  | 'alg' // missing when required, or not ml-dsa-44|65|87
  | 'keyid' // missing, or not the policy's shape
  | 'created' // missing, or outside the window
  | 'expired' // `expires` has passed
  | 'nonce' // missing when required, or of the wrong length
  | 'required-component' // a component the policy requires is not covered
  | BaseFailure // the base cannot be built (base.ts)
  | 'digest' // Content-Digest is missing for a body, does not match it, or names no known algorithm
  | 'unknown-key' // no key for the keyid
  | 'alg-mismatch' // `alg` names another parameter set than the key's
  | 'signature'; // ML-DSA says no

export type VerifyResult =
  | { readonly ok: true; readonly keyid: string; readonly nonce: string | undefined; readonly created: number; readonly expires: number | undefined; readonly label: string }
  | { readonly ok: false; readonly reason: VerifyFailure };

export interface VerifyOptions {
  /** Which signature to check when the request has several; without it there must be exactly one. */
  readonly label?: string;
  /** The ML-DSA verifier (default: @noble/post-quantum). */
  readonly verify?: MlDsaVerifier;
}

const fail = (reason: VerifyFailure): VerifyResult => ({ ok: false, reason });

/** The signature parameters RFC 9421 section 2.3 defines, read with their types checked. */
interface SignatureParams {
  readonly created?: number;
  readonly expires?: number;
  readonly nonce?: string;
  readonly alg?: string;
  readonly keyid?: string;
  readonly tag?: string;
}

function readParams(params: Map<string, BareItem>): SignatureParams | undefined {
  const out: Record<string, string | number> = {};
  for (const [name, value] of params) {
    if (name === 'created' || name === 'expires') {
      if (typeof value !== 'number' || !Number.isInteger(value)) return undefined;
      out[name] = value;
    } else if (name === 'nonce' || name === 'alg' || name === 'keyid' || name === 'tag') {
      if (typeof value !== 'string') return undefined;
      out[name] = value;
    }
    // Other parameters are kept in the base (they are in the serialized input) and otherwise ignored.
  }
  return out;
}

const isInnerList = (member: Item | InnerList): member is InnerList => Array.isArray(member[0]);

/**
 * Verifies the request's signature under the policy.
 * @param lookup finds the key a keyid names (undefined: unknown, answered 'unknown-key').
 */
export async function verifySignedRequest(request: HttpRequestLike, policy: VerificationPolicy, lookup: KeyLookup, options: VerifyOptions = {}): Promise<VerifyResult> {
  const inputField = fieldValue(request, 'signature-input');
  const signatureField = fieldValue(request, 'signature');
  if (inputField === undefined || signatureField === undefined) return fail('no-signature');
  let inputs: Dictionary;
  let signatures: Dictionary;
  try {
    inputs = parseDictionary(inputField);
    signatures = parseDictionary(signatureField);
  } catch {
    return fail('malformed');
  }

  let label = options.label;
  if (label === undefined) {
    if (inputs.size !== 1) return fail(inputs.size === 0 ? 'no-signature' : 'ambiguous');
    label = [...inputs.keys()][0]!;
  }
  const input = inputs.get(label);
  const signatureMember = signatures.get(label);
  if (!input || !signatureMember) return fail('no-label');
  if (!isInnerList(input) || isInnerList(signatureMember) || !(signatureMember[0] instanceof ArrayBuffer)) return fail('malformed');
  const signature = new Uint8Array(signatureMember[0]);
  const params = readParams(input[1]);
  if (!params) return fail('malformed');

  // The policy, on the parameters alone.
  if (params.alg === undefined ? policy.requireAlg : !isHttpSigAlg(params.alg)) return fail('alg');
  if (params.keyid === undefined || (policy.keyid && !policy.keyid.test(params.keyid))) return fail('keyid');
  const nowSeconds = Math.floor(policy.clock() / 1000);
  if (params.created === undefined || Math.abs(nowSeconds - params.created) > policy.windowSeconds) return fail('created');
  if (params.expires !== undefined && params.expires <= nowSeconds) return fail('expired');
  if (params.nonce === undefined ? policy.requireNonce : params.nonce.length < NONCE_LENGTH.min || params.nonce.length > NONCE_LENGTH.max) {
    return fail('nonce');
  }
  const covered = new Set(input[0].map((item) => item[0]));
  if (policy.requiredComponents.some((name) => !covered.has(name))) return fail('required-component');
  const body = bodyBytes(request.body);
  if (policy.digestForBody && body.length > 0 && !covered.has('content-digest')) return fail('required-component');

  let base: string;
  try {
    base = signatureBase(request, input);
  } catch (error) {
    if (error instanceof SignatureBaseError) return fail(error.reason);
    throw error;
  }
  const digestField = fieldValue(request, 'content-digest');
  if (digestField !== undefined && checkContentDigest(digestField, body) !== 'match') return fail('digest');

  const key = await lookup(params.keyid);
  if (!key) return fail('unknown-key');
  const alg = params.alg ?? httpSigAlgOf(key.algorithm);
  if (!isHttpSigAlg(alg) || HTTPSIG_ALGS[alg].algorithm !== key.algorithm) return fail('alg-mismatch');
  const verify = options.verify ?? nobleMlDsaVerify;
  if (!(await verify(key.algorithm, key.publicKey, new TextEncoder().encode(base), signature))) return fail('signature');
  return { ok: true, keyid: params.keyid, nonce: params.nonce, created: params.created, expires: params.expires, label };
}

/**
 * How long a verified nonce must be kept to refuse its replay: until the signature's `created`
 * leaves the window (no later request can pass the window check with it), plus a second for the
 * rounding of `created` to whole seconds. At least one second.
 */
export function replayTtlMs(created: number, policy: Pick<VerificationPolicy, 'windowSeconds' | 'clock'>): number {
  return Math.max(1_000, (created + policy.windowSeconds + 1) * 1000 - policy.clock());
}
