/** POST /v1/aes/encrypt: AES-256-GCM under the key derived from a shared_key. */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { defineRoute } from '../route.ts';
import { examples } from '../examples.ts';
import { aesKeyField, aadField, encodingField, messageText, withMessage } from '../schemas.ts';
import { z } from '../zod.ts';

export function aesEncryptRoute(maxMessageBytes: number) {
  const ex = examples();
  const body = z
    .strictObject({
      unencrypted: messageText(`The plaintext, in \`encoding\` (at most ${maxMessageBytes} bytes once decoded).`, ex.message),
      encoding: encodingField('How `unencrypted` is encoded: utf8 (default), base64 or hex.'),
      key: aesKeyField(ex.sharedKey),
      aad: aadField(ex.aad),
    })
    .openapi('AesEncryptRequest');
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
    async handle(input, { services }) {
      const { aead } = services.crypto;
      services.metrics.cryptoOp('AES-256-GCM', aead.implementation, 'aes.encrypt');
      return { ciphertext: encodeBase64(await aead.seal(await aead.deriveAesKey(input.key), input.unencrypted, input.aad)) };
    },
  });
}
