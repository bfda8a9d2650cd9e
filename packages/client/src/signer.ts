/**
 * A registered client's side (docs/clients.md), with keys that never leave this machine:
 *
 * - signing requests (RFC 9421 HTTP Message Signatures, `alg` ml-dsa-44|65|87 as
 *   draft-skokan-httpbis-message-signatures-ml-dsa defines it: pure ML-DSA, empty context):
 *   `@method`, `@target-uri` and, with a body, `content-digest` (RFC 9530, sha-256), with
 *   `created`, a fresh `nonce`, `alg` and `keyid` = the client id;
 * - logging in: a fresh session key (X-Wing, or ML-KEM-768), the login_info the service sealed to
 *   it opened with HPKE (hpke.ts: RFC 9180 base mode, HKDF-SHA256, AES-256-GCM, info
 *   "pq-crypto-api/v1/login-info"), and
 *   login_info_signature checked under the tenant's attestation key with the context
 *   "pq-crypto-api/v1/login-info" (so no other signature of that key passes for it).
 *
 * Browser-safe: @noble/* and the `hpke` library only.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { base64url } from '@scure/base';
import { bytesOf, fromUtf8, toBase64, utf8 } from './encoding.ts';
import { hpkeGenerateKeyPair, hpkeOpen, HPKE_KEMS, HpkeOpenError, type HpkeKeyPair } from './hpke.ts';
import { LocalCryptoError, type Binary } from './local.ts';

export type ClientSigningAlgorithm = 'ML-DSA-44' | 'ML-DSA-65' | 'ML-DSA-87';
const DSA = Object.freeze({ 'ML-DSA-44': ml_dsa44, 'ML-DSA-65': ml_dsa65, 'ML-DSA-87': ml_dsa87 } as const);

/** A registered client's key: its id and its ML-DSA key (the 32-byte seed, FIPS 204 xi), kept locally. */
export interface ClientSigner {
  readonly clientId: string;
  readonly algorithm: ClientSigningAlgorithm;
  /** The 32-byte ML-DSA seed (base64 or bytes). Secret: never sent. */
  readonly seed: Binary;
}

/** A new ML-DSA key pair for a client to register: send `publicKey` (POST /v1/clients), keep `seed`. */
export function generateClientKey(algorithm: ClientSigningAlgorithm = 'ML-DSA-65'): { readonly algorithm: ClientSigningAlgorithm; readonly seed: string; readonly publicKey: string } {
  const seed = randomBytes(32);
  return { algorithm, seed: toBase64(seed), publicKey: toBase64(DSA[algorithm].keygen(seed).publicKey) };
}

/** RFC 9530 section 2: `sha-256=:<base64>:`. */
export const contentDigest = (body: Uint8Array): string => `sha-256=:${toBase64(sha256(body))}:`;

/** An RFC 8941 String (the values used here are visible ASCII without `"` or `\`). */
const sfString = (value: string) => {
  if (!/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(value)) throw new TypeError(`cannot sign ${JSON.stringify(value)}: not a plain sf-string`);
  return `"${value}"`;
};

/**
 * The fields that sign a request (RFC 9421 section 3.1): Content-Digest (when there is a body),
 * Signature-Input and Signature, under the label `sig1`. `url` is absolute, exactly as sent.
 */
export function signatureHeaders(signer: ClientSigner, method: string, url: string, body?: Uint8Array, now: number = Date.now()): Record<string, string> {
  const components: [string, string][] = [
    ['@method', method.toUpperCase()],
    ['@target-uri', url],
  ];
  const headers: Record<string, string> = {};
  if (body !== undefined && body.length > 0) {
    headers['content-digest'] = contentDigest(body);
    components.push(['content-digest', headers['content-digest']]);
  }
  const alg = signer.algorithm.toLowerCase();
  const params =
    `(${components.map(([name]) => sfString(name)).join(' ')})` +
    `;created=${Math.floor(now / 1000)};nonce=${sfString(base64url.encode(randomBytes(16)).replace(/=+$/, ''))};alg=${sfString(alg)};keyid=${sfString(signer.clientId)}`;
  const base = [...components.map(([name, value]) => `${sfString(name)}: ${value}`), `"@signature-params": ${params}`].join('\n');
  const dsa = DSA[signer.algorithm];
  const signature = dsa.sign(utf8(base), dsa.keygen(bytesOf(signer.seed)).secretKey);
  headers['signature-input'] = `sig1=${params}`;
  headers.signature = `sig1=:${toBase64(signature)}:`;
  return headers;
}

/** The session KEMs a login may use (POST /v1/sessions `session_kem`). */
export type SessionKem = 'X-Wing' | 'ML-KEM-768';

/** The HPKE `info` and the FIPS 204 context of login_info (its seal and its signature). */
export const LOGIN_INFO_CONTEXT = 'pq-crypto-api/v1/login-info';

/** A session key: its public key for POST /v1/sessions, and the private key (inside the library, not extractable) that opens the answer. */
export type SessionKey = HpkeKeyPair & { readonly kem: SessionKem };

/** A fresh session key (HPKE GenerateKeyPair); keep it only until login_info is open. */
export async function sessionKey(kem: SessionKem = 'X-Wing'): Promise<SessionKey> {
  if (kem !== 'X-Wing' && kem !== 'ML-KEM-768') throw new RangeError(`not a session KEM: ${String(kem)}`);
  return (await hpkeGenerateKeyPair(kem)) as SessionKey;
}

/** What login_info opens to. */
export interface LoginInfo {
  readonly session_id: string;
  readonly client_id: string;
  readonly token: string;
  readonly token_id: string;
  readonly expires_at: string;
  readonly attempts_left: number | null;
  readonly scopes: readonly string[];
}

/**
 * Checks login_info_signature under the tenant's attestation key (ML-DSA-65, context
 * "pq-crypto-api/v1/login-info"), then opens login_info with the session key. Throws
 * LocalCryptoError when either fails.
 */
export async function openLoginInfo(answer: { readonly login_info: string; readonly login_info_signature: string }, attestationKey: Binary, key: SessionKey): Promise<LoginInfo> {
  const sealed = bytesOf(answer.login_info);
  if (!ml_dsa65.verify(bytesOf(answer.login_info_signature), sealed, bytesOf(attestationKey), { context: utf8(LOGIN_INFO_CONTEXT) })) {
    throw new LocalCryptoError('login_info_signature does not verify under the attestation key: not from your service');
  }
  // login_info is base64(enc || ciphertext), sealed single-shot with info LOGIN_INFO_CONTEXT and an empty aad.
  const nenc = HPKE_KEMS[key.kem].Nenc;
  if (sealed.length < nenc + 16) throw new LocalCryptoError('login_info is too short');
  let opened: Uint8Array;
  try {
    opened = await hpkeOpen(key.kem, key, sealed.subarray(0, nenc), sealed.subarray(nenc), { info: utf8(LOGIN_INFO_CONTEXT) });
  } catch (e) {
    if (e instanceof HpkeOpenError) throw new LocalCryptoError('login_info does not open with this session key');
    throw e;
  }
  const info = JSON.parse(fromUtf8(opened)) as LoginInfo;
  if (typeof info.token !== 'string' || typeof info.session_id !== 'string') throw new LocalCryptoError('login_info holds no token');
  return info;
}
