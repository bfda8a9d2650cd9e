/**
 * An Oblivious HTTP client written from RFC 9458 and RFC 9292 alone, on an independent HPKE
 * implementation (@hpke/core, @hpke/hybridkem-x-wing, @hpke/ml-kem, @hpke/chacha20poly1305) and
 * node:crypto for the response's HKDF and AEAD: nothing of src/sealed/ or src/crypto/ is used, so
 * the server's gateway is checked against a second reading of the RFCs.
 */
import { createDecipheriv, createHmac } from 'node:crypto';
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { XWing } from '@hpke/hybridkem-x-wing';
import { MlKem768 } from '@hpke/ml-kem';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';

export const KEM = Object.freeze({ xwing: 0x647a, mlkem768: 0x0041 });
export const AEAD = Object.freeze({ aes256gcm: 0x0002, chacha20poly1305: 0x0003 });
const NPK: Record<number, number> = { [KEM.xwing]: 1216, [KEM.mlkem768]: 1184 };

// ---- QUIC variable-length integers (RFC 9000 section 16) ----

export function varint(n: number): number[] {
  if (n < 0x40) return [n];
  if (n < 0x4000) return [0x40 | (n >> 8), n & 0xff];
  if (n < 0x40000000) return [0x80 | (n >>> 24), (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  throw new RangeError('too long for this client');
}

function readVarint(b: Uint8Array, at: number): [value: number, next: number] {
  const first = b[at];
  if (first === undefined) throw new Error('truncated varint');
  const length = 1 << (first >> 6);
  if (at + length > b.length) throw new Error('truncated varint');
  let v = first & 0x3f;
  for (let i = 1; i < length; i++) v = v * 256 + b[at + i]!;
  return [v, at + length];
}

const bytes = (s: string | Uint8Array) => (typeof s === 'string' ? [...Buffer.from(s, 'latin1')] : [...s]);
const lengthPrefixed = (s: string | Uint8Array) => [...varint(bytes(s).length), ...bytes(s)];

// ---- Binary HTTP (RFC 9292) ----

export interface PlainRequest {
  readonly method: string;
  readonly path: string;
  readonly authority?: string;
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string | Uint8Array;
}

/** Section 3.1: a known-length request (framing indicator 0), every section present. */
export function encodeBhttpRequest(r: PlainRequest): Uint8Array {
  const fields = (r.headers ?? []).flatMap(([n, v]) => [...lengthPrefixed(n.toLowerCase()), ...lengthPrefixed(v)]);
  return Uint8Array.from([
    ...varint(0),
    ...lengthPrefixed(r.method),
    ...lengthPrefixed('https'),
    ...lengthPrefixed(r.authority ?? 'pq-crypto-api.example'),
    ...lengthPrefixed(r.path),
    ...varint(fields.length),
    ...fields,
    ...lengthPrefixed(r.body ?? ''),
    ...varint(0), // no trailers
  ]);
}

export interface PlainResponse {
  readonly status: number;
  readonly headers: [string, string][];
  readonly body: Buffer;
  /** The body parsed as JSON when it is. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

/** Section 3.1: a known-length response (framing indicator 1), informational responses skipped. */
export function decodeBhttpResponse(b: Uint8Array): PlainResponse {
  let [indicator, at] = readVarint(b, 0);
  if (indicator !== 1) throw new Error(`framing indicator ${indicator}, expected 1`);
  const fieldSection = (): [string, string][] => {
    let length: number;
    [length, at] = readVarint(b, at);
    const end = at + length;
    const out: [string, string][] = [];
    while (at < end) {
      let n: number, v: number;
      [n, at] = readVarint(b, at);
      const name = Buffer.from(b.subarray(at, (at += n))).toString('latin1');
      [v, at] = readVarint(b, at);
      out.push([name, Buffer.from(b.subarray(at, (at += v))).toString('latin1')]);
    }
    return out;
  };
  let status: number;
  for (;;) {
    [status, at] = readVarint(b, at);
    const headers = fieldSection();
    if (status >= 200) {
      let length: number;
      [length, at] = at < b.length ? readVarint(b, at) : [0, at];
      const body = Buffer.from(b.subarray(at, at + length));
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        json = undefined;
      }
      return { status, headers, body, json };
    }
  }
}

// ---- key configurations (RFC 9458 section 3) ----

export interface KeyConfig {
  readonly keyId: number;
  readonly kemId: number;
  readonly publicKey: Uint8Array;
  readonly algorithms: readonly (readonly [kdfId: number, aeadId: number])[];
}

/** Section 3.2: `application/ohttp-keys`, each configuration prefixed by its 2-byte length. */
export function parseKeyConfigs(list: Uint8Array): KeyConfig[] {
  const out: KeyConfig[] = [];
  for (let at = 0; at < list.length; ) {
    const length = (list[at]! << 8) | list[at + 1]!;
    const c = list.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    const kemId = (c[1]! << 8) | c[2]!;
    const npk = NPK[kemId];
    if (npk === undefined) continue; // a KEM this client does not know
    const algorithms: [number, number][] = [];
    const algLength = (c[3 + npk]! << 8) | c[4 + npk]!;
    for (let i = 5 + npk; i < 5 + npk + algLength; i += 4) algorithms.push([(c[i]! << 8) | c[i + 1]!, (c[i + 2]! << 8) | c[i + 3]!]);
    out.push({ keyId: c[0]!, kemId, publicKey: c.slice(3, 3 + npk), algorithms });
  }
  return out;
}

// ---- requests and responses (sections 4.3, 4.4) ----

export interface Sealed {
  /** hdr || enc || ct: the `message/ohttp-req` body. */
  readonly message: Uint8Array;
  readonly enc: Uint8Array;
  /** Opens a `message/ohttp-res` body. */
  open(encResponse: Uint8Array): PlainResponse;
}

const hmac = (key: Uint8Array, data: Uint8Array) => new Uint8Array(createHmac('sha256', key).update(data).digest());

/**
 * Seals `bhttp` (an encoded Binary HTTP request, or any bytes) to a configuration, with the
 * given AEAD (default AES-256-GCM). `header` overrides header bytes after the fact (for refusals):
 * the request is still sealed with the config's real suite.
 */
export async function sealBytes(config: KeyConfig, bhttp: Uint8Array, aeadId: number = AEAD.aes256gcm, opts: { headerOverride?: Partial<{ keyId: number; aeadId: number }> } = {}): Promise<Sealed> {
  const kem = config.kemId === KEM.xwing ? new XWing() : new MlKem768();
  const suite = new CipherSuite({ kem, kdf: new HkdfSha256(), aead: aeadId === AEAD.chacha20poly1305 ? new Chacha20Poly1305() : new Aes256Gcm() });
  const kdfId = 0x0001;
  const hdr = Uint8Array.from([config.keyId, config.kemId >> 8, config.kemId & 0xff, kdfId >> 8, kdfId & 0xff, aeadId >> 8, aeadId & 0xff]);
  const info = Uint8Array.from([...Buffer.from('message/bhttp request'), 0, ...hdr]);
  const sender = await suite.createSenderContext({ recipientPublicKey: await suite.kem.deserializePublicKey(config.publicKey.slice().buffer), info });
  const ct = new Uint8Array(await sender.seal(bhttp.slice().buffer));
  const enc = new Uint8Array(sender.enc);
  const sentHdr = hdr.slice();
  if (opts.headerOverride?.keyId !== undefined) sentHdr[0] = opts.headerOverride.keyId;
  if (opts.headerOverride?.aeadId !== undefined) [sentHdr[5], sentHdr[6]] = [opts.headerOverride.aeadId >> 8, opts.headerOverride.aeadId & 0xff];
  const message = Uint8Array.from([...sentHdr, ...enc, ...ct]);
  const secret = new Uint8Array(await sender.export(Buffer.from('message/bhttp response'), 32)); // max(Nn, Nk) = 32 for both AEADs
  return {
    message,
    enc,
    open(encResponse: Uint8Array) {
      const responseNonce = encResponse.subarray(0, 32);
      const prk = hmac(Uint8Array.from([...enc, ...responseNonce]), secret); // HKDF-Extract(salt = enc || response_nonce, ikm = secret)
      const key = hmac(prk, Uint8Array.from([...Buffer.from('key'), 1])); // HKDF-Expand to 32 bytes: one block
      const nonce = hmac(prk, Uint8Array.from([...Buffer.from('nonce'), 1])).subarray(0, 12);
      const algorithm = aeadId === AEAD.chacha20poly1305 ? 'chacha20-poly1305' : 'aes-256-gcm';
      const decipher = createDecipheriv(algorithm, key, nonce, { authTagLength: 16 } as never) as ReturnType<typeof createDecipheriv> & { setAuthTag(t: Uint8Array): void };
      decipher.setAuthTag(encResponse.subarray(encResponse.length - 16));
      const plain = Buffer.concat([decipher.update(encResponse.subarray(32, encResponse.length - 16)), decipher.final()]);
      return decodeBhttpResponse(plain);
    },
  };
}

export function sealRequest(config: KeyConfig, request: PlainRequest, aeadId: number = AEAD.aes256gcm): Promise<Sealed> {
  return sealBytes(config, encodeBhttpRequest(request), aeadId);
}

/** GET /ohttp-keys, parsed. */
export async function fetchKeyConfigs(baseUrl: string): Promise<KeyConfig[]> {
  const res = await fetch(`${baseUrl}/ohttp-keys`);
  if (res.status !== 200) throw new Error(`GET /ohttp-keys: ${res.status}`);
  return parseKeyConfigs(new Uint8Array(await res.arrayBuffer()));
}

/** POST /ohttp with a sealed body; the raw answer. */
export async function postSealed(baseUrl: string, message: Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
  const res = await fetch(`${baseUrl}/ohttp`, { method: 'POST', headers: { 'content-type': 'message/ohttp-req', ...headers }, body: message });
  return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}

/** An HTTP-date (RFC 9110 section 5.6.7, IMF-fixdate) `offsetSeconds` from now. */
export const httpDate = (offsetSeconds = 0) => new Date(Date.now() + offsetSeconds * 1000).toUTCString();
