/** POST /v1/aes/decrypt: opens what /v1/aes/encrypt (or any client following the format) sealed. */
import { GCM_MIN_BLOB_BYTES } from '../../crypto/aead.ts';
import { decrypt, resolveSharedKey } from '../../operations/aes.ts';
import { defineRoute, keyRefs } from '../route.ts';
import { DEMO, examples } from '../examples.ts';
import { aesKeyField, aadField, refineAesKey, sharedKeyId, base64Bytes, encodingField } from '../schemas.ts';
import { z } from '../zod.ts';

export function aesDecryptRoute(maxMessageBytes: number) {
  const ex = examples();
  const body = z
    .strictObject({
      ciphertext: base64Bytes({
        description: 'base64(nonce[12] || ciphertext || tag[16]): the `ciphertext` from `POST /v1/aes/encrypt`.',
        example: ex.aesCiphertext,
        minBytes: GCM_MIN_BLOB_BYTES,
        maxBytes: maxMessageBytes + GCM_MIN_BLOB_BYTES,
        what: 'nonce and tag',
      }),
      key: aesKeyField(ex.sharedKey).optional(),
      key_id: sharedKeyId()
        .optional()
        .openapi({ description: 'Alternatively, a stored shared key: the `shared_key_id` that encapsulate or decapsulate answered with `store: true`. Give this or `key`.', example: DEMO.sharedKeyId }),
      aad: aadField(ex.aad),
      encoding: encodingField('How to encode `decrypted`: utf8 (default; 422 if the plaintext is not UTF-8), base64 or hex.'),
    })
    .superRefine(refineAesKey, { when: (payload) => typeof payload.value === 'object' && payload.value !== null })
    .openapi('AesDecryptRequest', { example: { ciphertext: ex.aesCiphertext, key: ex.sharedKey, aad: ex.aad, encoding: 'utf8' } });
  const response = z
    .object({ decrypted: z.string().openapi({ description: 'The plaintext, in the requested `encoding`.', example: ex.message }) })
    .openapi('AesDecryptResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/aes/decrypt',
    operationId: 'aesDecrypt',
    tag: 'AES-256-GCM',
    summary: 'Decrypt AES-256-GCM under a shared key',
    description:
      'Decrypts and authenticates. A wrong key, wrong `aad` or a modified ciphertext fails authentication: 400 `decryption-failed`, and nothing of the plaintext is returned.',
    scope: 'aes:decrypt',
    request: { body },
    input: body,
    status: 200,
    response,
    responseDescription: 'The plaintext.',
    rateClass: 'crypto',
    batch: true,
    keys: keyRefs(z.object({ key_id: sharedKeyId().optional() }), ({ key_id }, ctx) => resolveSharedKey(ctx, key_id)),
    // With a stored shared key it is a use of that key; with a key given here, of none.
    audit: { event: 'aes.decrypt', onlyWhen: (_input, namedKey) => namedKey },
    extraProblems: ['decryption-failed'],
    async handle(input, ctx, stored) {
      return { decrypted: await decrypt(ctx, stored, input) };
    },
  });
}
