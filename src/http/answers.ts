/**
 * How operations' answers become JSON fields, for every route that answers them: binary values
 * as standard base64 (the /v1 routes) or hex (the seed vendor's shared keys), secrets wiped once
 * encoded.
 * @module
 */
import { encodeBase64, encodeHex } from '../crypto/encoding.ts';

/** Encodes a secret and wipes it. */
export function encodeSecret(secret: Uint8Array, encoding: 'base64' | 'hex' = 'base64'): string {
  try {
    return encoding === 'hex' ? encodeHex(secret) : encodeBase64(secret);
  } finally {
    secret.fill(0);
  }
}

/** A shared key as an answer carries it: `shared_key` in base64 (then wiped), or `shared_key_id`. */
export function sharedKeyFields(made: { readonly sharedKey?: Uint8Array; readonly sharedKeyId?: string }): { shared_key?: string; shared_key_id?: string } {
  if (made.sharedKeyId !== undefined) return { shared_key_id: made.sharedKeyId };
  return { shared_key: encodeSecret(made.sharedKey!) };
}
