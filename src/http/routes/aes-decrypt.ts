/** POST /v1/aes/decrypt: opens what /v1/aes/encrypt (or any client following the format) sealed. */
import { GCM_MIN_BLOB_BYTES } from '../../crypto/aead.ts';
import { encodeMessage } from '../../crypto/encoding.ts';
import { fieldError } from '../problems.ts';
import { defineRoute } from '../route.ts';
import { examples } from '../examples.ts';
import { aesKeyField, aadField, base64Bytes, encodingField } from '../schemas.ts';
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
      key: aesKeyField(ex.sharedKey),
      aad: aadField(ex.aad),
      encoding: encodingField('How to encode `decrypted`: utf8 (default; 422 if the plaintext is not UTF-8), base64 or hex.'),
    })
    .openapi('AesDecryptRequest');
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
    extraProblems: ['decryption-failed'],
    async handle(input, { services }) {
      const { aead } = services.crypto;
      services.metrics.cryptoOp('AES-256-GCM', aead.implementation, 'aes.decrypt');
      const plaintext = await aead.open(await aead.deriveAesKey(input.key), input.ciphertext, input.aad);
      const decrypted = encodeMessage(plaintext, input.encoding);
      if (decrypted === undefined) throw fieldError('encoding', 'the plaintext is not valid UTF-8: ask for base64 or hex');
      return { decrypted };
    },
  });
}
