/**
 * AES-256-GCM below HTTP, keyed by HKDF-SHA256 of a shared key given by the caller or of a stored
 * shared key (whose encryptions are counted against MAX_ENCRYPTIONS_PER_KEY).
 * @module
 */
import type { MessageEncoding } from '../crypto/encoding.ts';
import { encodeMessage } from '../crypto/encoding.ts';
import type { StoredSharedKey } from '../stores/keys.ts';
import type { OperationContext, Resolved } from './context.ts';
import { InvalidInputError } from './errors.ts';

/** The stored shared key a request names by id (404 / 403); undefined for none. */
export async function resolveSharedKey({ principal, services }: OperationContext, keyId: string | undefined): Promise<Resolved<StoredSharedKey> | undefined> {
  if (keyId === undefined) return undefined;
  const key = await services.keys.resolve(principal, ['shared'], { id: keyId, field: 'key_id' });
  return { keyIds: [key.id], found: key };
}

/** The AES key: derived from the shared key given, or from the stored one (counting an encryption). */
async function aesKeyOf({ services }: OperationContext, given: Uint8Array | undefined, stored: StoredSharedKey | undefined, forEncryption: boolean): Promise<Uint8Array> {
  if (given) return services.crypto.aead.deriveAesKey(given);
  const shared = await services.keys.sharedKey(stored!, forEncryption);
  try {
    return await services.crypto.aead.deriveAesKey(shared);
  } finally {
    shared.fill(0);
  }
}

export interface AesInput {
  /** A shared key given by the caller; or `stored`. */
  readonly key?: Uint8Array | undefined;
  readonly aad?: Uint8Array | undefined;
}

/** Encrypts: the blob nonce[12] || ciphertext || tag[16], with a fresh random nonce. */
export async function encrypt(ctx: OperationContext, stored: StoredSharedKey | undefined, input: AesInput & { readonly plaintext: Uint8Array }): Promise<Uint8Array> {
  const { aead } = ctx.services.crypto;
  ctx.services.metrics.cryptoOp('AES-256-GCM', aead.implementation, 'aes.encrypt');
  return aead.seal(await aesKeyOf(ctx, input.key, stored, true), input.plaintext, input.aad);
}

/** The plaintext in `encoding`. @throws DecryptionError when authentication fails; InvalidInputError for utf8 output of bytes that are not UTF-8. */
export async function decrypt(ctx: OperationContext, stored: StoredSharedKey | undefined, input: AesInput & { readonly ciphertext: Uint8Array; readonly encoding: MessageEncoding }): Promise<string> {
  const { aead } = ctx.services.crypto;
  ctx.services.metrics.cryptoOp('AES-256-GCM', aead.implementation, 'aes.decrypt');
  const plaintext = await aead.open(await aesKeyOf(ctx, input.key, stored, false), input.ciphertext, input.aad);
  const decrypted = encodeMessage(plaintext, input.encoding);
  if (decrypted === undefined) throw new InvalidInputError('encoding', 'the plaintext is not valid UTF-8: ask for base64 or hex');
  return decrypted;
}
