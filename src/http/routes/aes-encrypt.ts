/** POST /v1/aes/encrypt: AES-256-GCM under the key derived from a shared_key. */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { encrypt, resolveSharedKey } from '../../operations/aes.ts';
import { defineRoute, keyRefs } from '../route.ts';
import { DEMO, examples } from '../examples.ts';
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
        .openapi({ description: 'Alternatively, a stored shared key: the `shared_key_id` that encapsulate or decapsulate answered with `store: true`. Give this or `key`.', example: DEMO.sharedKeyId }),
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
    keys: keyRefs(z.object({ key_id: sharedKeyId().optional() }), ({ key_id }, ctx) => resolveSharedKey(ctx, key_id)),
    // With a stored shared key it is a use of that key; with a key given here, of none.
    audit: { event: 'aes.encrypt', onlyWhen: (_input, namedKey) => namedKey },
    async handle(input, ctx, stored) {
      return { ciphertext: encodeBase64(await encrypt(ctx, stored, { key: input.key, aad: input.aad, plaintext: input.unencrypted })) };
    },
  });
}
