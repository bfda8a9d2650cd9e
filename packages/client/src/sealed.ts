/**
 * Sealed requests, the client's side (docs/sealed.md): Oblivious HTTP (RFC 9458) with the
 * service's post-quantum key configurations, Binary HTTP (RFC 9292) inside; no
 * Node-only API (browsers too). This file is the framing; the cryptography is hpke.ts.
 *
 * - Key configurations: RFC 9458 section 3 (`application/ohttp-keys`, from GET /ohttp-keys or
 *   pinned). The first configuration whose KEM (X-Wing 0x647a, ML-KEM-768 0x0041) and some
 *   KDF / AEAD pair (HKDF-SHA256 0x0001 with AES-256-GCM 0x0002 or ChaCha20-Poly1305 0x0003) this
 *   code has is used, unless a KEM or AEAD is asked for.
 * - HPKE (RFC 9180) base mode, sender side: hpke.ts (the `hpke` library on @panva/hpke-noble):
 *   SetupBaseS to the configuration's key, one Seal, and Export (section 5.3).
 * - Request: hdr || enc || Seal("", bhttp), info = "message/bhttp request" || 0x00 || hdr
 *   (section 4.3). Response (section 4.4): secret = Export("message/bhttp response", max(Nn, Nk)),
 *   prk = HKDF-Extract(enc || response_nonce, secret), key and nonce expanded from it, the
 *   Binary HTTP response opened with them (the suite's KDF and AEAD from hpke.ts).
 * - Binary HTTP: known-length messages (section 3.1) out; known-length responses in, with
 *   informational (1xx) responses skipped (what the service sends).
 *
 * Checked against the service's gateway over HTTP (test/client/sealed.test.ts).
 * @module
 */
import { concatBytes } from '@noble/hashes/utils.js';
import { hpkeSetupSender, hpkeSuitePrimitives, type HpkeSuite } from './hpke.ts';
import { utf8 } from './encoding.ts';

export const OHTTP_MEDIA_TYPES = Object.freeze({ keys: 'application/ohttp-keys', request: 'message/ohttp-req', response: 'message/ohttp-res' });

export type SealedKem = 'X-Wing' | 'ML-KEM-768';
export type SealedAead = 'AES-256-GCM' | 'ChaCha20-Poly1305';

// The suites of the service's key configurations this client uses (ids: RFC 9180 section 7, draft-ietf-hpke-pq).
const KEMS = Object.freeze({
  0x647a: { name: 'X-Wing', Npk: 1216 },
  0x0041: { name: 'ML-KEM-768', Npk: 1184 },
} as const);
const KDF_HKDF_SHA256 = 0x0001;
const AEADS = Object.freeze({
  0x0002: { name: 'AES-256-GCM' },
  0x0003: { name: 'ChaCha20-Poly1305' },
} as const);
type KemId = keyof typeof KEMS;
type AeadId = keyof typeof AEADS;

export interface OhttpKeyConfig {
  readonly keyId: number;
  readonly kemId: number;
  readonly publicKey: Uint8Array;
  readonly algorithms: readonly { readonly kdfId: number; readonly aeadId: number }[];
}

/** A malformed key configuration list, or none this client can use. */
export class SealedKeysError extends Error {
  override name = 'SealedKeysError';
}

const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const i2osp2 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);

/**
 * RFC 9458 section 3.2: the configurations of an `application/ohttp-keys` body. Configurations of
 * a KEM this client does not know are skipped (their public key length is unknown to it, but
 * each is length-prefixed). @throws SealedKeysError when malformed
 */
export function parseKeyConfigs(list: Uint8Array): OhttpKeyConfig[] {
  const out: OhttpKeyConfig[] = [];
  for (let at = 0; at < list.length; ) {
    if (at + 2 > list.length) throw new SealedKeysError('truncated key configuration length');
    const length = u16(list, at);
    const c = list.subarray(at + 2, at + 2 + length);
    if (c.length !== length || length < 3) throw new SealedKeysError('truncated key configuration');
    at += 2 + length;
    const kemId = u16(c, 1);
    const kem = KEMS[kemId as KemId];
    if (!kem) continue;
    const end = 3 + kem.Npk;
    if (c.length < end + 2) throw new SealedKeysError('truncated public key');
    const algLength = u16(c, end);
    if (algLength % 4 !== 0 || c.length !== end + 2 + algLength) throw new SealedKeysError('malformed symmetric algorithms');
    const algorithms: { kdfId: number; aeadId: number }[] = [];
    for (let i = end + 2; i < c.length; i += 4) algorithms.push({ kdfId: u16(c, i), aeadId: u16(c, i + 2) });
    out.push({ keyId: c[0]!, kemId, publicKey: c.slice(3, end), algorithms });
  }
  return out;
}

// ---- Binary HTTP (RFC 9292) ----

function varint(n: number): Uint8Array {
  if (n < 0x40) return Uint8Array.of(n);
  if (n < 0x4000) return Uint8Array.of(0x40 | (n >> 8), n & 0xff);
  if (n < 0x40000000) return Uint8Array.of(0x80 | (n >>> 24), (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  throw new RangeError('a Binary HTTP length past 2^30');
}
const prefixed = (bytes: Uint8Array) => concatBytes(varint(bytes.length), bytes);
const latin1 = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0) & 0xff);

export interface SealedHttpRequest {
  readonly method: string;
  /** Origin form: /v1/kem/keypair?x=1. */
  readonly path: string;
  readonly authority: string;
  /** Lower-case names. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
}

export interface SealedHttpResponse {
  readonly status: number;
  readonly headers: [string, string][];
  readonly body: Uint8Array;
}

/** Section 3.1: a known-length request. */
export function encodeBhttpRequest(r: SealedHttpRequest): Uint8Array {
  const fields = concatBytes(...r.headers.map(([n, v]) => concatBytes(prefixed(latin1(n.toLowerCase())), prefixed(latin1(v)))));
  return concatBytes(varint(0), prefixed(latin1(r.method)), prefixed(latin1('https')), prefixed(latin1(r.authority)), prefixed(latin1(r.path)), prefixed(fields), prefixed(r.body), varint(0));
}

/** Reads QUIC variable-length integers and length-prefixed fields from `b`. */
function reader(b: Uint8Array) {
  let at = 0;
  const r = {
    get done() {
      return at >= b.length;
    },
    varint(): number {
      const first = b[at];
      if (first === undefined) throw new SealedResponseError('truncated');
      const length = 1 << (first >> 6);
      if (at + length > b.length) throw new SealedResponseError('truncated');
      let v = first & 0x3f;
      for (let i = 1; i < length; i++) v = v * 256 + b[at + i]!;
      at += length;
      return v;
    },
    prefixed(): Uint8Array {
      const n = r.varint();
      if (at + n > b.length) throw new SealedResponseError('truncated');
      const out = b.subarray(at, at + n);
      at += n;
      return out;
    },
  };
  return r;
}

/** Section 3.1: a known-length response (informational responses skipped). @throws SealedResponseError */
export function decodeBhttpResponse(b: Uint8Array): SealedHttpResponse {
  const text = (bytes: Uint8Array) => String.fromCharCode(...bytes);
  const r = reader(b);
  if (r.varint() !== 1) throw new SealedResponseError('not a known-length Binary HTTP response');
  for (;;) {
    const status = r.varint();
    const fields = reader(r.prefixed());
    const headers: [string, string][] = [];
    while (!fields.done) headers.push([text(fields.prefixed()), text(fields.prefixed())]);
    if (status < 100 || status > 599) throw new SealedResponseError('status out of range');
    // Truncation (section 3.1): an absent content section is empty.
    if (status >= 200) return { status, headers, body: (r.done ? new Uint8Array(0) : r.prefixed()).slice() };
  }
}

/** A sealed response that does not open or is not Binary HTTP: nothing of it can be trusted. */
export class SealedResponseError extends Error {
  override name = 'SealedResponseError';
}

// ---- Oblivious HTTP (RFC 9458 section 4) ----

/** The configuration and suite to use: the first usable one, or the asked KEM / AEAD. */
export function chooseConfig(configs: readonly OhttpKeyConfig[], prefer: { kem?: SealedKem; aead?: SealedAead } = {}): { config: OhttpKeyConfig; kemId: KemId; aeadId: AeadId } {
  for (const config of configs) {
    const kem = KEMS[config.kemId as KemId];
    if (!kem || (prefer.kem && kem.name !== prefer.kem)) continue;
    const alg = config.algorithms.find((a) => a.kdfId === KDF_HKDF_SHA256 && AEADS[a.aeadId as AeadId] && (!prefer.aead || AEADS[a.aeadId as AeadId].name === prefer.aead));
    if (alg) return { config, kemId: config.kemId as KemId, aeadId: alg.aeadId as AeadId };
  }
  throw new SealedKeysError(`no key configuration this client can use${prefer.kem || prefer.aead ? ` with ${[prefer.kem, prefer.aead].filter(Boolean).join(' and ')}` : ''}`);
}

export interface SealedMessage {
  /** The `message/ohttp-req` body. */
  readonly message: Uint8Array;
  /** The response inside a `message/ohttp-res` body. @throws SealedResponseError */
  open(encResponse: Uint8Array): Promise<SealedHttpResponse>;
}

/** Seals a request to a configuration (section 4.3) and keeps what opens its response (section 4.4). */
export async function sealRequest(configs: readonly OhttpKeyConfig[], request: SealedHttpRequest, prefer: { kem?: SealedKem; aead?: SealedAead } = {}): Promise<SealedMessage> {
  const { config, kemId, aeadId } = chooseConfig(configs, prefer);
  const suite: HpkeSuite = { kem: KEMS[kemId].name, kdf: 'HKDF-SHA256', aead: AEADS[aeadId].name };
  const hdr = concatBytes(Uint8Array.of(config.keyId), i2osp2(kemId), i2osp2(KDF_HKDF_SHA256), i2osp2(aeadId));
  const sender = await hpkeSetupSender(suite, config.publicKey, { info: concatBytes(utf8('message/bhttp request'), Uint8Array.of(0), hdr) });
  const message = concatBytes(hdr, sender.enc, await sender.seal(encodeBhttpRequest(request)));
  const { kdf, aead } = hpkeSuitePrimitives(suite);
  const nonceLength = Math.max(aead.Nn, aead.Nk);
  const secret = await sender.export(utf8('message/bhttp response'), nonceLength);
  return {
    message,
    async open(encResponse) {
      if (encResponse.length < nonceLength + aead.Nt) throw new SealedResponseError('shorter than a response nonce and a tag');
      const responseNonce = encResponse.subarray(0, nonceLength);
      const prk = await kdf.Extract(concatBytes(sender.enc, responseNonce), secret);
      const key = await kdf.Expand(prk, utf8('key'), aead.Nk);
      const nonce = await kdf.Expand(prk, utf8('nonce'), aead.Nn);
      let plain: Uint8Array;
      try {
        plain = await aead.Open(key, nonce, new Uint8Array(0), encResponse.subarray(nonceLength));
      } catch (cause) {
        throw new SealedResponseError('the sealed response does not open', { cause });
      }
      return decodeBhttpResponse(plain);
    },
  };
}
