/**
 * Byte encodings used on the wire: standard base64 out; base64 or base64url in, padding optional;
 * hex; strict UTF-8. Every decoder rejects what it cannot decode exactly instead of guessing
 * (Node's Buffer.from(s, 'base64') silently skips bad characters, so it is not used alone).
 * @module
 */

export const MESSAGE_ENCODINGS = Object.freeze(['utf8', 'base64', 'hex'] as const);
export type MessageEncoding = (typeof MESSAGE_ENCODINGS)[number];

const BASE64_ANY = /^[A-Za-z0-9+/_-]*={0,2}$/;
const STANDARD_ONLY = /[+/]/;
const URL_SAFE_ONLY = /[-_]/;
/** The value of each base64 character (both alphabets), for the canonical check of the last one. */
const SEXTET = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'].entries()) SEXTET[c.charCodeAt(0)] = i;
SEXTET['+'.charCodeAt(0)] = SEXTET['-'.charCodeAt(0)] = 62;
SEXTET['/'.charCodeAt(0)] = SEXTET['_'.charCodeAt(0)] = 63;
const EQUALS = '='.charCodeAt(0);

/**
 * Decodes standard base64 or base64url, with or without padding; undefined when malformed.
 *
 * One regular expression checks the characters; the rest looks at the end of the text only (a
 * trailing-`=+$` pattern, or re-encoding to compare, scans the whole text again: on a 1,184-byte
 * public key that was measurable per request). Node's base64 decoder reads both alphabets.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64_ANY.test(text)) return undefined;
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === EQUALS) end--;
  const rest = end % 4;
  if (rest === 1) return undefined; // no byte count gives this length
  if (end !== text.length && text.length % 4 !== 0) return undefined; // wrong padding
  const body = end === text.length ? text : text.slice(0, end);
  if (STANDARD_ONLY.test(body) && URL_SAFE_ONLY.test(body)) return undefined; // mixed alphabets
  // Canonical: the unused low bits of the last character must be zero (4 of them after 2
  // characters of a group, 2 after 3), so no two texts decode to the same bytes.
  if (rest !== 0 && (SEXTET[body.charCodeAt(end - 1)]! & (rest === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  // Decoded straight into memory of its own: a small Buffer.from() result is a view into Node's
  // shared 8 KiB pool, and a view of it would expose (and let callers overwrite or wipe) other
  // data through .buffer.
  const bytes = new Uint8Array(Math.floor((end * 3) / 4));
  const written = Buffer.from(bytes.buffer, 0, bytes.length).write(body, 'base64');
  return written === bytes.length ? bytes : undefined;
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function decodeHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export function encodeHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8, refusing invalid sequences (instead of inserting U+FFFD). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return undefined;
  }
}

export function encodeUtf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

const LONE_SURROGATE = /\p{Cs}/u;

/** Text to bytes in the named encoding; undefined when the text is not valid in it. */
export function decodeMessage(text: string, encoding: MessageEncoding): Uint8Array | undefined {
  switch (encoding) {
    case 'utf8':
      // A lone UTF-16 surrogate (legal in JSON) has no UTF-8 encoding: refuse it, do not replace it.
      // (String.prototype.isWellFormed is ES2024, beyond this project's ES2022 lib; in a /u regex a
      // surrogate pair is one code point, so \p{Cs} matches only an unpaired surrogate.)
      return LONE_SURROGATE.test(text) ? undefined : encodeUtf8(text);
    case 'base64':
      return decodeBase64(text);
    case 'hex':
      return decodeHex(text);
  }
}

/** Bytes to text in the named encoding; undefined when the bytes are not valid UTF-8 for 'utf8'. */
export function encodeMessage(bytes: Uint8Array, encoding: MessageEncoding): string | undefined {
  switch (encoding) {
    case 'utf8':
      return decodeUtf8(bytes);
    case 'base64':
      return encodeBase64(bytes);
    case 'hex':
      return encodeHex(bytes);
  }
}
