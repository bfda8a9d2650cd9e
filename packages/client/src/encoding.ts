/**
 * The wire encodings, with no Node-only API (the client runs in browsers): standard base64 out;
 * standard or URL-safe base64, padding optional, in (as the server accepts); UTF-8.
 * @module
 */
import { base64 } from '@scure/base';

/** Bytes to standard base64 (what the API sends and expects). */
export const toBase64 = (bytes: Uint8Array): string => base64.encode(bytes);

/** Standard or URL-safe base64, padding optional, to bytes; throws TypeError when malformed. */
export function fromBase64(text: string): Uint8Array {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  const padded = standard.padEnd(standard.length + ((4 - (standard.length % 4)) % 4), '=');
  try {
    return base64.decode(padded);
  } catch {
    throw new TypeError('not base64 (standard or URL-safe alphabet, padding optional)');
  }
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Bytes as UTF-8 text; throws TypeError on invalid UTF-8 rather than inserting U+FFFD. */
export const fromUtf8 = (bytes: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(bytes);

/** A binary input as bytes: base64 text (as the API returns it) or bytes as they are. */
export const bytesOf = (value: string | Uint8Array): Uint8Array => (typeof value === 'string' ? fromBase64(value) : value);
