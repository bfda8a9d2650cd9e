/**
 * Content-Digest (RFC 9530 section 2): a Dictionary of algorithm -> Byte Sequence, the digest of
 * the message content (the bytes after any content coding, before transfer coding). Algorithms
 * from the IANA "Hash Algorithms for HTTP Digest Fields" registry that are not deprecated and that
 * this service checks: `sha-256` and `sha-512` (section 5). Others in the field are ignored
 * (section 2: a recipient MAY ignore algorithms it does not support), but at least one it knows
 * must be there, and every one it knows must match: a field cannot pass on one good digest while
 * carrying a wrong one.
 *
 * Browser-safe (@noble/hashes).
 * @module
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { parseDictionary, serializeDictionary, type Dictionary } from 'structured-headers';

export type DigestAlgorithm = 'sha-256' | 'sha-512';

const HASHES: Readonly<Record<DigestAlgorithm, (bytes: Uint8Array) => Uint8Array>> = Object.freeze({ 'sha-256': sha256, 'sha-512': sha512 });

/** Body bytes: a string is its UTF-8 encoding. */
export function bodyBytes(body: Uint8Array | string | undefined): Uint8Array {
  if (body === undefined) return new Uint8Array(0);
  return typeof body === 'string' ? new TextEncoder().encode(body) : body;
}

/** The Content-Digest field value for these bytes, e.g. `sha-256=:X48E9q...=:`. */
export function contentDigest(body: Uint8Array | string | undefined, algorithm: DigestAlgorithm = 'sha-256'): string {
  return serializeDictionary(new Map([[algorithm, [HASHES[algorithm](bodyBytes(body)), new Map()]]]) as Dictionary);
}

/** What checking a Content-Digest field found. */
export type DigestCheck = 'match' | 'mismatch' | 'unsupported' | 'malformed';

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * Checks a Content-Digest field value against the content bytes: 'match' when it holds at least
 * one sha-256 or sha-512 digest and all such digests match; 'unsupported' when it holds neither;
 * 'malformed' when it is no Dictionary or a known algorithm's value is no Byte Sequence.
 */
export function checkContentDigest(field: string, body: Uint8Array | string | undefined): DigestCheck {
  let dictionary: Dictionary;
  try {
    dictionary = parseDictionary(field);
  } catch {
    return 'malformed';
  }
  const bytes = bodyBytes(body);
  let checked = 0;
  for (const [algorithm, member] of dictionary) {
    if (!Object.hasOwn(HASHES, algorithm)) continue;
    const value = member[0];
    if (!(value instanceof ArrayBuffer)) return 'malformed';
    if (!equalBytes(new Uint8Array(value), HASHES[algorithm as DigestAlgorithm](bytes))) return 'mismatch';
    checked++;
  }
  return checked > 0 ? 'match' : 'unsupported';
}
