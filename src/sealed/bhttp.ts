/**
 * Binary HTTP messages (RFC 9292, `message/bhttp`): what a sealed request (RFC 9458) carries.
 *
 * - Encoding: known-length only (section 3.1, framing indicator 0 for a request, 1 for a
 *   response), every section written out (no truncation, no padding): the smallest code that any
 *   RFC 9292 reader accepts.
 * - Decoding: known-length and indeterminate-length (section 3.2, indicators 2 and 3), with the
 *   truncation section 3.1/3.2 allows (a message may end before any section's length prefix or
 *   after any section's terminator; an absent section is empty), informational (1xx) responses
 *   (section 3.5.1), and zero-valued padding (section 3.8; non-zero padding is invalid).
 * - Strict (section 4, "Invalid Messages"; "in doubt, choose the strict behaviour"): a length past
 *   the end, a field name that is empty, not a lowercase token (RFC 9110 section 5.1, as HTTP/2
 *   requires, RFC 9113 section 8.2.1) or a pseudo-field (section 3.4: `:method` and the like are
 *   invalid; others are refused here too), a field value with NUL, CR, LF or surrounding
 *   whitespace (RFC 9113 section 8.2.1), a method that is not a token, a path that does not start
 *   with "/" (or is "*"), a status out of range: each a BhttpFormatError.
 *
 * All lengths and numbers are QUIC variable-length integers (RFC 9000 section 16). Field names and
 * values are kept as byte-preserving latin1 strings (HTTP field values are octets).
 * @module
 */

export type FieldLines = readonly (readonly [name: string, value: string])[];

export interface BhttpRequest {
  readonly method: string;
  readonly scheme: string;
  /** Empty when the request has none (section 3.3: a zero-length value stands for an absent :authority). */
  readonly authority: string;
  readonly path: string;
  readonly headers: FieldLines;
  readonly content: Uint8Array;
  readonly trailers: FieldLines;
}

export interface BhttpInformationalResponse {
  readonly status: number;
  readonly headers: FieldLines;
}

export interface BhttpResponse {
  readonly informational: readonly BhttpInformationalResponse[];
  readonly status: number;
  readonly headers: FieldLines;
  readonly content: Uint8Array;
  readonly trailers: FieldLines;
}

/** Input forms: everything past the control data is optional (empty). */
export type BhttpRequestInit = Pick<BhttpRequest, 'method' | 'scheme' | 'path'> & Partial<Omit<BhttpRequest, 'method' | 'scheme' | 'path'>>;
export type BhttpResponseInit = Pick<BhttpResponse, 'status'> & Partial<Omit<BhttpResponse, 'status'>>;

/** The message is not valid Binary HTTP (RFC 9292 section 4). */
export class BhttpFormatError extends Error {
  constructor(message: string) {
    super(`Binary HTTP: ${message}`);
    this.name = 'BhttpFormatError';
  }
}

const enum Framing {
  KnownLengthRequest = 0,
  KnownLengthResponse = 1,
  IndeterminateLengthRequest = 2,
  IndeterminateLengthResponse = 3,
}

/** RFC 9110 section 5.6.2 tchar, lowercase only for field names (RFC 9113 section 8.2.1). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
// RFC 9113 section 8.2.1: no NUL, CR or LF anywhere, no leading or trailing SP / HTAB.
const BAD_FIELD_VALUE = /[\0\r\n]|^[ \t]|[ \t]$/;

// ---- QUIC variable-length integers (RFC 9000 section 16) ----

const MAX_VARINT = 2 ** 53 - 1; // what a JavaScript number holds exactly; 2^62 - 1 is the format's bound

function varintLength(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a length: ${n}`);
  return n < 0x40 ? 1 : n < 0x4000 ? 2 : n < 0x4000_0000 ? 4 : 8;
}

class Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  varint(n: number): this {
    const len = varintLength(n);
    const out = new Uint8Array(len);
    let v = BigInt(n);
    for (let i = len - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
    out[0]! |= [0, 0x40, 0, 0x80, 0, 0, 0, 0xc0][len - 1]!;
    return this.bytes(out);
  }
  prefixed(b: Uint8Array): this {
    return this.varint(b.length).bytes(b);
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

class Reader {
  at = 0;
  constructor(private readonly buf: Uint8Array) {}
  get done(): boolean {
    return this.at >= this.buf.length;
  }
  varint(what: string): number {
    if (this.done) throw new BhttpFormatError(`the message ends before ${what}`);
    const first = this.buf[this.at]!;
    const len = 1 << (first >> 6);
    if (this.at + len > this.buf.length) throw new BhttpFormatError(`the message ends inside ${what}`);
    let v = BigInt(first & 0x3f);
    for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(this.buf[this.at + i]!);
    this.at += len;
    if (v > BigInt(MAX_VARINT)) throw new BhttpFormatError(`${what} is too large`);
    return Number(v);
  }
  bytes(n: number, what: string): Uint8Array {
    if (n > this.buf.length - this.at) throw new BhttpFormatError(`${what} runs past the end of the message`);
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  prefixed(what: string): Uint8Array {
    return this.bytes(this.varint(`the length of ${what}`), what);
  }
  /** Whether the next integer is 0 (a section terminator: a field line never starts with 0, names are non-empty). */
  peekZero(): boolean {
    return this.buf[this.at] === 0;
  }
  /** The rest must be padding: zero bytes only (section 3.8). */
  padding(): void {
    for (; this.at < this.buf.length; this.at++) if (this.buf[this.at] !== 0) throw new BhttpFormatError('non-zero bytes after the message (padding must be zeros)');
  }
}

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
const fromLatin1 = (s: string): Uint8Array => {
  if (/[^\x00-\xff]/.test(s)) throw new RangeError('field names and values are octets: only characters U+0000-U+00FF can be encoded');
  return new Uint8Array(Buffer.from(s, 'latin1'));
};

function checkField(name: string, value: string): void {
  if (name.startsWith(':')) throw new BhttpFormatError(`pseudo-field "${name}" is not allowed`);
  if (!FIELD_NAME.test(name)) throw new BhttpFormatError(`"${name}" is not a valid field name (lowercase token)`);
  if (BAD_FIELD_VALUE.test(value)) throw new BhttpFormatError(`the value of "${name}" has NUL, CR, LF or surrounding whitespace`);
}

// ---- encoding (known-length) ----

function writeFieldSection(w: Writer, fields: FieldLines): void {
  const inner = new Writer();
  for (const [name, value] of fields) {
    checkField(name, value);
    inner.prefixed(fromLatin1(name)).prefixed(fromLatin1(value));
  }
  w.prefixed(inner.finish());
}

function checkRequestControl(r: Pick<BhttpRequest, 'method' | 'scheme' | 'authority' | 'path'>): void {
  if (!TOKEN.test(r.method)) throw new BhttpFormatError(`"${r.method}" is not a method`);
  if (!/^[a-z][a-z0-9+.-]*$/i.test(r.scheme)) throw new BhttpFormatError(`"${r.scheme}" is not a scheme`);
  if (/[\0-\x20\x7f-\xff]/.test(r.authority)) throw new BhttpFormatError('the authority has control characters or spaces');
  if (!(r.path.startsWith('/') || r.path === '*') || /[\0-\x20\x7f-\xff]/.test(r.path)) throw new BhttpFormatError(`"${r.path}" is not a request path`);
}

/** A known-length request (RFC 9292 section 3.1, framing indicator 0). */
export function encodeRequest(init: BhttpRequestInit): Uint8Array {
  const r = { authority: '', headers: [], content: new Uint8Array(0), trailers: [], ...init };
  checkRequestControl(r);
  const w = new Writer().varint(Framing.KnownLengthRequest);
  for (const part of [r.method, r.scheme, r.authority, r.path]) w.prefixed(fromLatin1(part));
  writeFieldSection(w, r.headers);
  w.prefixed(r.content);
  writeFieldSection(w, r.trailers);
  return w.finish();
}

/** A known-length response (RFC 9292 section 3.1, framing indicator 1), informational responses first. */
export function encodeResponse(init: BhttpResponseInit): Uint8Array {
  const r = { informational: [], headers: [], content: new Uint8Array(0), trailers: [], ...init };
  const w = new Writer().varint(Framing.KnownLengthResponse);
  for (const info of r.informational) {
    if (!Number.isInteger(info.status) || info.status < 100 || info.status > 199) throw new BhttpFormatError(`${info.status} is not an informational status`);
    w.varint(info.status);
    writeFieldSection(w, info.headers);
  }
  if (!Number.isInteger(r.status) || r.status < 200 || r.status > 599) throw new BhttpFormatError(`${r.status} is not a final status`);
  w.varint(r.status);
  writeFieldSection(w, r.headers);
  w.prefixed(r.content);
  writeFieldSection(w, r.trailers);
  return w.finish();
}

// ---- decoding (both framings) ----

function readField(r: Reader, out: [string, string][]): void {
  const name = r.prefixed('a field name');
  if (name.length === 0) throw new BhttpFormatError('a field name is empty');
  const value = latin1(r.prefixed('a field value'));
  const n = latin1(name);
  checkField(n, value);
  out.push([n, value]);
}

/** A field section; an absent one (the message ended before it) is empty. */
function readFieldSection(r: Reader, indeterminate: boolean): FieldLines {
  const out: [string, string][] = [];
  if (r.done) return out;
  if (indeterminate) {
    // Field lines until a zero "Content Terminator" (a field line never starts with 0: names are non-empty).
    for (;;) {
      if (r.done) throw new BhttpFormatError('a field section has no terminator');
      if (r.peekZero()) {
        r.at += 1;
        return out;
      }
      readField(r, out);
    }
  }
  const section = new Reader(r.prefixed('a field section'));
  while (!section.done) readField(section, out);
  return out;
}

function readContent(r: Reader, indeterminate: boolean): Uint8Array {
  if (r.done) return new Uint8Array(0);
  if (!indeterminate) return new Uint8Array(r.prefixed('the content'));
  const chunks: Uint8Array[] = [];
  for (;;) {
    if (r.done) throw new BhttpFormatError('the content has no terminator');
    const length = r.varint('a chunk length');
    if (length === 0) break;
    chunks.push(r.bytes(length, 'a content chunk'));
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** A request in either framing (RFC 9292 sections 3.1, 3.2, 3.3). @throws BhttpFormatError */
export function decodeRequest(bytes: Uint8Array): BhttpRequest {
  const r = new Reader(bytes);
  const framing = r.varint('the framing indicator');
  if (framing !== Framing.KnownLengthRequest && framing !== Framing.IndeterminateLengthRequest) throw new BhttpFormatError(`framing indicator ${framing} is not a request`);
  const indeterminate = framing === Framing.IndeterminateLengthRequest;
  const [method, scheme, authority, path] = ['the method', 'the scheme', 'the authority', 'the path'].map((what) => latin1(r.prefixed(what))) as [string, string, string, string];
  checkRequestControl({ method, scheme, authority, path });
  const headers = readFieldSection(r, indeterminate);
  const content = readContent(r, indeterminate);
  const trailers = readFieldSection(r, indeterminate);
  r.padding();
  return Object.freeze({ method, scheme, authority, path, headers, content, trailers });
}

/** A response in either framing, with its informational responses (RFC 9292 sections 3.1, 3.2, 3.5). @throws BhttpFormatError */
export function decodeResponse(bytes: Uint8Array): BhttpResponse {
  const r = new Reader(bytes);
  const framing = r.varint('the framing indicator');
  if (framing !== Framing.KnownLengthResponse && framing !== Framing.IndeterminateLengthResponse) throw new BhttpFormatError(`framing indicator ${framing} is not a response`);
  const indeterminate = framing === Framing.IndeterminateLengthResponse;
  const informational: BhttpInformationalResponse[] = [];
  for (;;) {
    const status = r.varint('the status code');
    if (status >= 100 && status <= 199) {
      informational.push(Object.freeze({ status, headers: readFieldSection(r, indeterminate) }));
      continue;
    }
    if (status < 200 || status > 599) throw new BhttpFormatError(`${status} is not a status code`);
    const headers = readFieldSection(r, indeterminate);
    const content = readContent(r, indeterminate);
    const trailers = readFieldSection(r, indeterminate);
    r.padding();
    return Object.freeze({ informational: Object.freeze(informational), status, headers, content, trailers });
  }
}
