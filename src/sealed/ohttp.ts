/**
 * Oblivious HTTP message framing (RFC 9458), independent of which keys the service holds:
 * - key configurations (section 3.1) and the `application/ohttp-keys` list (section 3.2: each
 *   configuration prefixed by its 2-byte length; a list with any encoding error is refused whole,
 *   as clients MUST discard it; configurations of a KEM this code does not know are left out);
 * - the request header and HPKE `info` (section 4.3: "message/bhttp request", a zero byte, then
 *   key_id (8 bits), kem_id, kdf_id, aead_id (16 bits each)), and the parse of an Encapsulated
 *   Request hdr || enc || ct;
 * - the Encapsulated Response (section 4.4): secret = Export("message/bhttp response",
 *   max(Nn, Nk)), response_nonce (max(Nn, Nk) random bytes), prk = Extract(enc || response_nonce,
 *   secret), key = Expand(prk, "key", Nk), nonce = Expand(prk, "nonce", Nn), then
 *   response_nonce || AEAD.Seal(key, nonce, "", response).
 *
 * The HPKE context comes from the caller (anything with `seal` / `export`, as src/crypto/hpke.ts
 * gives), so the framing can be checked on RFC 9458 Appendix A's own suite (DHKEM(X25519),
 * HKDF-SHA256, AES-128-GCM) byte for byte. Response AEADs run in node:crypto (AES-GCM and
 * ChaCha20-Poly1305 are in OpenSSL on every supported Node); the KDF is HKDF-SHA256 (@noble/hashes).
 * AES-128-GCM is here for that example only: the service's key configurations never list it, so
 * a gateway never accepts it (ohttp-gateway.ts looks the suite up in its own configurations).
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { HPKE_SUITE_PARTS, HpkeOpenError } from '../crypto/hpke.ts';
import { withoutStackTraces } from '../crypto/quiet.ts';

export const REQUEST_LABEL = 'message/bhttp request';
export const RESPONSE_LABEL = 'message/bhttp response';
export const MEDIA_TYPES = Object.freeze({ keys: 'application/ohttp-keys', request: 'message/ohttp-req', response: 'message/ohttp-res', bhttp: 'message/bhttp' });

/** An RFC 9458 encoding is broken (not: it does not decrypt; that is HpkeOpenError). */
export class OhttpFormatError extends Error {
  constructor(message: string) {
    super(`Oblivious HTTP: ${message}`);
    this.name = 'OhttpFormatError';
  }
}

export interface SymmetricAlgorithm {
  readonly kdfId: number;
  readonly aeadId: number;
}

export interface KeyConfig {
  /** 0-255. */
  readonly keyId: number;
  readonly kemId: number;
  readonly publicKey: Uint8Array;
  readonly algorithms: readonly SymmetricAlgorithm[];
}

export interface RequestHeader extends SymmetricAlgorithm {
  readonly keyId: number;
  readonly kemId: number;
}

/** What the framing needs of an HPKE context. */
export interface ExportingContext {
  export(exporterContext: Uint8Array, length: number): Promise<Uint8Array>;
}
export interface SealingContext extends ExportingContext {
  readonly enc: Uint8Array;
  seal(plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
}

/** The response AEADs by HPKE id (RFC 9180 section 7.3). */
const RESPONSE_AEADS: Readonly<Record<number, { readonly cipher: CipherGCMTypes | 'chacha20-poly1305'; readonly Nk: number; readonly Nn: number; readonly Nt: number }>> = Object.freeze({
  0x0001: Object.freeze({ cipher: 'aes-128-gcm', Nk: 16, Nn: 12, Nt: 16 }),
  0x0002: Object.freeze({ cipher: 'aes-256-gcm', Nk: 32, Nn: 12, Nt: 16 }),
  0x0003: Object.freeze({ cipher: 'chacha20-poly1305', Nk: 32, Nn: 12, Nt: 16 }),
});
/** The response KDFs by HPKE id: HKDF-SHA256 only. */
const RESPONSE_KDFS: Readonly<Record<number, typeof sha256>> = Object.freeze({ 0x0001: sha256 });

/** Npk and Nenc of the KEMs this code can frame: the service's (hpke.ts) and DHKEM(X25519) for RFC 9458 Appendix A. */
const KEM_SIZES: Readonly<Record<number, { readonly Npk: number; readonly Nenc: number }>> = Object.freeze({
  ...Object.fromEntries(Object.values(HPKE_SUITE_PARTS.kem).map((k) => [k.id, Object.freeze({ Npk: k.Npk, Nenc: k.Nenc })])),
  0x0020: Object.freeze({ Npk: 32, Nenc: 32 }),
});

const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const readU16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const isU8 = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xff;
const isU16 = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffff;

// ---- key configurations (section 3) ----

/** One Key Config (section 3.1). */
export function encodeKeyConfig(config: KeyConfig): Uint8Array {
  if (!isU8(config.keyId) || !isU16(config.kemId)) throw new RangeError('key id is 8 bits, KEM id 16 bits');
  if (config.algorithms.length === 0 || config.algorithms.length > 16383) throw new RangeError('a key configuration lists 1 to 16383 symmetric algorithms');
  const size = KEM_SIZES[config.kemId];
  if (size && config.publicKey.length !== size.Npk) throw new RangeError(`KEM 0x${config.kemId.toString(16)} public keys are ${size.Npk} bytes`);
  const algorithms = config.algorithms.flatMap((a) => {
    if (!isU16(a.kdfId) || !isU16(a.aeadId)) throw new RangeError('KDF and AEAD ids are 16 bits');
    return [u16(a.kdfId), u16(a.aeadId)];
  });
  return concat(Uint8Array.of(config.keyId), u16(config.kemId), config.publicKey, u16(algorithms.length * 2), ...algorithms);
}

/** One Key Config whose KEM is known (its Npk is needed to find the end of the key). @throws OhttpFormatError */
export function decodeKeyConfig(bytes: Uint8Array): KeyConfig {
  if (bytes.length < 3) throw new OhttpFormatError('a key configuration is shorter than its header');
  const kemId = readU16(bytes, 1);
  const size = KEM_SIZES[kemId];
  if (!size) throw new OhttpFormatError(`unknown KEM 0x${kemId.toString(16)}`);
  let at = 3 + size.Npk;
  if (bytes.length < at + 2) throw new OhttpFormatError('a key configuration ends inside its public key');
  const length = readU16(bytes, at);
  at += 2;
  if (length < 4 || length % 4 !== 0) throw new OhttpFormatError('the symmetric algorithms length is not a positive multiple of 4');
  if (bytes.length !== at + length) throw new OhttpFormatError('the symmetric algorithms do not end where the configuration does');
  const algorithms: SymmetricAlgorithm[] = [];
  for (; at < bytes.length; at += 4) algorithms.push(Object.freeze({ kdfId: readU16(bytes, at), aeadId: readU16(bytes, at + 2) }));
  return Object.freeze({ keyId: bytes[0]!, kemId, publicKey: bytes.slice(3, 3 + size.Npk), algorithms: Object.freeze(algorithms) });
}

/** `application/ohttp-keys` (section 3.2): each configuration prefixed by its 2-byte length. */
export function encodeKeyConfigs(configs: readonly KeyConfig[]): Uint8Array {
  return concat(
    ...configs.flatMap((c) => {
      const one = encodeKeyConfig(c);
      if (one.length > 0xffff) throw new RangeError('a key configuration is longer than 65535 bytes');
      return [u16(one.length), one];
    }),
  );
}

/**
 * `application/ohttp-keys`: the configurations whose KEM is known, in order. Any encoding error
 * refuses the whole list (section 3.2: clients MUST discard it). @throws OhttpFormatError
 */
export function decodeKeyConfigs(bytes: Uint8Array): KeyConfig[] {
  if (bytes.length === 0) throw new OhttpFormatError('an empty key configuration list');
  const out: KeyConfig[] = [];
  for (let at = 0; at < bytes.length; ) {
    if (at + 2 > bytes.length) throw new OhttpFormatError('the list ends inside a length');
    const length = readU16(bytes, at);
    at += 2;
    if (at + length > bytes.length) throw new OhttpFormatError('a configuration runs past the end of the list');
    const one = bytes.subarray(at, at + length);
    at += length;
    if (one.length >= 3 && !KEM_SIZES[readU16(one, 1)]) continue; // a KEM this code cannot use: skipped, not an error
    out.push(decodeKeyConfig(one));
  }
  return out;
}

// ---- requests (section 4.3) ----

export const REQUEST_HEADER_BYTES = 7;

export function encodeRequestHeader(h: RequestHeader): Uint8Array {
  if (!isU8(h.keyId) || !isU16(h.kemId) || !isU16(h.kdfId) || !isU16(h.aeadId)) throw new RangeError('key id is 8 bits; KEM, KDF and AEAD ids 16 bits');
  return concat(Uint8Array.of(h.keyId), u16(h.kemId), u16(h.kdfId), u16(h.aeadId));
}

/** The HPKE info of a request: "message/bhttp request", 0x00, then the header. */
export function requestInfo(h: RequestHeader): Uint8Array {
  return concat(new TextEncoder().encode(REQUEST_LABEL), Uint8Array.of(0), encodeRequestHeader(h));
}

/** hdr || enc || ct, given a sending context made with requestInfo(header). */
export async function encapsulateRequest(header: RequestHeader, sender: SealingContext, request: Uint8Array): Promise<Uint8Array> {
  return concat(encodeRequestHeader(header), sender.enc, await sender.seal(request, new Uint8Array(0)));
}

export interface ParsedRequest {
  readonly header: RequestHeader;
  readonly enc: Uint8Array;
  readonly ciphertext: Uint8Array;
}

/** Splits an Encapsulated Request (its KEM must be known, for Nenc). @throws OhttpFormatError */
export function parseEncapsulatedRequest(bytes: Uint8Array): ParsedRequest {
  if (bytes.length < REQUEST_HEADER_BYTES) throw new OhttpFormatError('shorter than a request header');
  const header = Object.freeze({ keyId: bytes[0]!, kemId: readU16(bytes, 1), kdfId: readU16(bytes, 3), aeadId: readU16(bytes, 5) });
  const size = KEM_SIZES[header.kemId];
  if (!size) throw new OhttpFormatError(`unknown KEM 0x${header.kemId.toString(16)}`);
  const end = REQUEST_HEADER_BYTES + size.Nenc;
  const aead = RESPONSE_AEADS[header.aeadId];
  if (!aead) throw new OhttpFormatError(`unknown AEAD 0x${header.aeadId.toString(16)}`);
  if (bytes.length < end + aead.Nt) throw new OhttpFormatError('shorter than its header, enc and an AEAD tag');
  return Object.freeze({ header, enc: bytes.slice(REQUEST_HEADER_BYTES, end), ciphertext: bytes.subarray(end) });
}

// ---- responses (section 4.4) ----

/**
 * What a response is keyed from: the HPKE context's export for "message/bhttp response" (step 1),
 * with the request's enc and algorithms. Plain data, so the HPKE work (which may run on a worker)
 * can hand it back and the response can be sealed where the inner request ran. Secret.
 */
export interface ResponseKeying {
  readonly secret: Uint8Array;
  readonly enc: Uint8Array;
  readonly kdfId: number;
  readonly aeadId: number;
}

function responseAlgorithms(kdfId: number, aeadId: number) {
  const aead = RESPONSE_AEADS[aeadId];
  const hash = RESPONSE_KDFS[kdfId];
  if (!aead || !hash) throw new OhttpFormatError(`no response encapsulation for KDF 0x${kdfId.toString(16)} / AEAD 0x${aeadId.toString(16)}`);
  return { aead, hash, nonceLength: Math.max(aead.Nn, aead.Nk) };
}

/** Step 1: secret = context.Export("message/bhttp response", max(Nn, Nk)). */
export async function responseKeying(context: ExportingContext, header: SymmetricAlgorithm, enc: Uint8Array): Promise<ResponseKeying> {
  const { nonceLength } = responseAlgorithms(header.kdfId, header.aeadId);
  const secret = await context.export(new TextEncoder().encode(RESPONSE_LABEL), nonceLength);
  return Object.freeze({ secret, enc, kdfId: header.kdfId, aeadId: header.aeadId });
}

/** Steps 3-5: prk = Extract(enc || response_nonce, secret); key = Expand(prk, "key", Nk); nonce = Expand(prk, "nonce", Nn). */
function aeadKeyAndNonce(k: ResponseKeying, responseNonce: Uint8Array) {
  const { aead, hash } = responseAlgorithms(k.kdfId, k.aeadId);
  const prk = extract(hash, k.secret, concat(k.enc, responseNonce));
  return { aead, key: expand(hash, prk, new TextEncoder().encode('key'), aead.Nk), nonce: expand(hash, prk, new TextEncoder().encode('nonce'), aead.Nn) };
}

/**
 * response_nonce || ct (section 4.4). `responseNonce` is for the RFC's worked example only; by
 * default it is fresh randomness.
 */
export function encapsulateResponse(keying: ResponseKeying, response: Uint8Array, responseNonce?: Uint8Array): Uint8Array {
  const { nonceLength } = responseAlgorithms(keying.kdfId, keying.aeadId);
  const rn = responseNonce ?? new Uint8Array(randomBytes(nonceLength));
  if (rn.length !== nonceLength) throw new RangeError(`response_nonce is ${nonceLength} bytes`);
  const { aead, key, nonce } = aeadKeyAndNonce(keying, rn);
  const cipher = withoutStackTraces(() => createCipheriv(aead.cipher as CipherGCMTypes, key, nonce, { authTagLength: aead.Nt }));
  return concat(rn, cipher.update(response), cipher.final(), cipher.getAuthTag());
}

/** The response inside an Encapsulated Response (the client's side). @throws HpkeOpenError */
export function decapsulateResponse(keying: ResponseKeying, encResponse: Uint8Array): Uint8Array {
  const { aead, nonceLength } = responseAlgorithms(keying.kdfId, keying.aeadId);
  if (encResponse.length < nonceLength + aead.Nt) throw new HpkeOpenError();
  const { key, nonce } = aeadKeyAndNonce(keying, encResponse.subarray(0, nonceLength));
  const decipher = withoutStackTraces(() => createDecipheriv(aead.cipher as CipherGCMTypes, key, nonce, { authTagLength: aead.Nt }));
  decipher.setAuthTag(encResponse.subarray(encResponse.length - aead.Nt));
  try {
    return concat(decipher.update(encResponse.subarray(nonceLength, encResponse.length - aead.Nt)), decipher.final());
  } catch (cause) {
    throw new HpkeOpenError({ cause });
  }
}
