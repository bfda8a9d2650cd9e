/** POST /v1/aes/encrypt: AES-256-GCM under the key derived from a shared_key. */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { defineRoute, keyRefs, type RouteContext } from '../route.ts';
import type { StoredKey } from '../../stores/keys.ts';
import { examples } from '../examples.ts';
import { aesKeyField, aadField, refineAesKey, sharedKeyId, encodingField, messageText, withMessage } from '../schemas.ts';
import { z } from '../zod.ts';

export function aesEncryptRoute(maxMessageBytes: number) {
  const ex = examples();
  const body = z
    .strictObject({
      unencrypted: messageText(`The plaintext, in \`encoding\` (at most ${maxMessageBytes} bytes once decoded).`, ex.message),
      encoding: encodingField('How `unencrypted` is encoded: utf8 (default), base64 or hex.'),
      key: aesKeyField(ex.sharedKey).optional(),
      key_id: sharedKeyId()
        .optional()
        .openapi({ description: 'Alternatively, a stored shared key: the `shared_key_id` that encapsulate or decapsulate answered with `store: true`. Give this or `key`.', example: 'paste shared_key_id from encapsulate with store: true' }),
      aad: aadField(ex.aad),
    })
    .superRefine(refineAesKey, { when: (payload) => typeof payload.value === 'object' && payload.value !== null })
    .openapi('AesEncryptRequest', { example: { unencrypted: ex.message, encoding: 'utf8', key: ex.sharedKey, aad: ex.aad } });
  const response = z
    .object({
      ciphertext: z.string().openapi({ description: 'base64(nonce[12] || ciphertext || tag[16]), with a fresh random nonce.', example: ex.aesCiphertext }),
    })
    .openapi('AesEncryptResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/aes/encrypt',
    operationId: 'aesEncrypt',
    tag: 'AES-256-GCM',
    summary: 'Encrypt with AES-256-GCM under a shared key',
    description:
      'Encrypts with AES-256-GCM under `HKDF-SHA256(ikm = key, salt = empty, info = "pq-crypto-api/v1/aes-256-gcm", 32 bytes)`. Anyone holding the shared key can decrypt locally with a standard library (docs/api.md shows how).',
    scope: 'aes:encrypt',
    request: { body },
    input: withMessage(body, 'unencrypted', maxMessageBytes),
    status: 200,
    response,
    responseDescription: 'The ciphertext.',
    rateClass: 'crypto',
    batch: true,
    // A stored shared key past MAX_ENCRYPTIONS_PER_KEY.
    extraProblems: ['key-conflict'],
    keys: keyRefs(z.object({ key_id: sharedKeyId().optional() }), async ({ key_id }, { principal, services }) => {
      if (key_id === undefined) return undefined;
      const key = await services.keys.resolve(principal, ['shared'], { id: key_id, field: 'key_id' });
      return { keyIds: [key.id], found: key };
    }),
    // With a stored shared key it is a use of that key; with a key given here, of none.
    audit: { event: 'aes.encrypt', onlyWhen: (_input, namedKey) => namedKey },
    async handle(input, ctx, stored) {
      const { services } = ctx;
      const { aead } = services.crypto;
      services.metrics.cryptoOp('AES-256-GCM', aead.implementation, 'aes.encrypt');
      return { ciphertext: encodeBase64(await aead.seal(await aesKeyOf(input.key, stored, ctx, true), input.unencrypted, input.aad)) };
    },
  });
}

/** The AES key of a request: derived from the shared key given, or from the stored one (counting an encryption). */
export async function aesKeyOf(given: Uint8Array | undefined, stored: StoredKey | undefined, { services }: RouteContext, forEncryption: boolean): Promise<Uint8Array> {
  if (given) return services.crypto.aead.deriveAesKey(given);
  const shared = await services.keys.sharedKey(stored!, forEncryption);
  try {
    return await services.crypto.aead.deriveAesKey(shared);
  } finally {
    shared.fill(0);
  }
}
