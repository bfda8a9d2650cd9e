/**
 * A registered client's side (docs/clients.md), with keys that never leave this machine:
 *
 * - signing requests (RFC 9421 HTTP Message Signatures, `alg` ml-dsa-44|65|87 as
 *   draft-skokan-httpbis-message-signatures-ml-dsa defines it: pure ML-DSA, empty context):
 *   `@method`, `@target-uri` and, with a body, `content-digest` (RFC 9530, sha-256), with
 *   `created`, a fresh `nonce`, `alg` and `keyid` = the client id;
 * - logging in: a fresh session key (X-Wing, or ML-KEM-768), the login_info the service sealed to
 *   it opened with HPKE (RFC 9180 base mode, HKDF-SHA256, AES-256-GCM, info
 *   "pq-crypto-api/v1/login-info"; draft-ietf-hpke-pq: the KEM's shared secret used as is), and
 *   login_info_signature checked under the tenant's attestation key with the context
 *   "pq-crypto-api/v1/login-info" (so no other signature of that key passes for it).
 *
 * Browser-safe: @noble/* only.
 * @module
 */
import { gcm } from '@noble/ciphers/aes.js';
import { extract, expand } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { base64url } from '@scure/base';
import { bytesOf, fromUtf8, toBase64, utf8 } from './encoding.ts';
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

const KEM_IDS: Readonly<Record<SessionKem, number>> = Object.freeze({ 'X-Wing': 0x647a, 'ML-KEM-768': 0x0041 });
const ENC_BYTES: Readonly<Record<SessionKem, number>> = Object.freeze({ 'X-Wing': 1120, 'ML-KEM-768': 1088 });

/** A fresh session key: its public key for POST /v1/sessions, and what opens the answer (keep it only until then). */
export function sessionKey(kem: SessionKem = 'X-Wing'): { readonly kem: SessionKem; readonly publicKey: Uint8Array; readonly secretKey: Uint8Array } {
  const impl = kem === 'X-Wing' ? ml_kem768_x25519 : ml_kem768;
  const { publicKey, secretKey } = impl.keygen(randomBytes(kem === 'X-Wing' ? 32 : 64));
  return { kem, publicKey, secretKey };
}

const i2osp = (n: number, length: number) => {
  const out = new Uint8Array(length);
  for (let i = length - 1, v = n; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v & 0xff;
  return out;
};
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/**
 * RFC 9180 single-shot Open, base mode, for the suites of login_info: KEM (X-Wing 0x647a or
 * ML-KEM-768 0x0041), HKDF-SHA256 (0x0001), AES-256-GCM (0x0002). Throws LocalCryptoError when it
 * does not open (a wrong key, a modified message).
 */
export function hpkeOpen(kem: SessionKem, secretKey: Uint8Array, sealed: Uint8Array, info: Uint8Array): Uint8Array {
  const nenc = ENC_BYTES[kem];
  if (sealed.length < nenc + 16) throw new LocalCryptoError('login_info is too short');
  const impl = kem === 'X-Wing' ? ml_kem768_x25519 : ml_kem768;
  const sharedSecret = impl.decapsulate(sealed.subarray(0, nenc), secretKey);
  const suiteId = concat(utf8('HPKE'), i2osp(KEM_IDS[kem], 2), i2osp(0x0001, 2), i2osp(0x0002, 2));
  const labeledExtract = (salt: Uint8Array, label: string, ikm: Uint8Array) => extract(sha256, concat(utf8('HPKE-v1'), suiteId, utf8(label), ikm), salt);
  const labeledExpand = (prk: Uint8Array, label: string, context: Uint8Array, length: number) =>
    expand(sha256, prk, concat(i2osp(length, 2), utf8('HPKE-v1'), suiteId, utf8(label), context), length);
  const empty = new Uint8Array(0);
  const context = concat(new Uint8Array([0]), labeledExtract(empty, 'psk_id_hash', empty), labeledExtract(empty, 'info_hash', info));
  const secret = labeledExtract(sharedSecret, 'secret', empty);
  const key = labeledExpand(secret, 'key', context, 32);
  const nonce = labeledExpand(secret, 'base_nonce', context, 12);
  try {
    return gcm(key, nonce).decrypt(sealed.subarray(nenc));
  } catch {
    throw new LocalCryptoError('login_info does not open with this session key');
  }
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
export function openLoginInfo(answer: { readonly login_info: string; readonly login_info_signature: string }, attestationKey: Binary, key: { readonly kem: SessionKem; readonly secretKey: Uint8Array }): LoginInfo {
  const sealed = bytesOf(answer.login_info);
  if (!ml_dsa65.verify(bytesOf(answer.login_info_signature), sealed, bytesOf(attestationKey), { context: utf8(LOGIN_INFO_CONTEXT) })) {
    throw new LocalCryptoError('login_info_signature does not verify under the attestation key: not from your service');
  }
  const info = JSON.parse(fromUtf8(hpkeOpen(key.kem, key.secretKey, sealed, utf8(LOGIN_INFO_CONTEXT)))) as LoginInfo;
  if (typeof info.token !== 'string' || typeof info.session_id !== 'string') throw new LocalCryptoError('login_info holds no token');
  return info;
}
