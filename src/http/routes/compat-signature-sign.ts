/**
 * POST /api/signature/sign: the seed vendor's signing call (docs/compatibility.md). Signs `data`
 * with the tenant's default ML-DSA-65 key through the /v1/dsa/sign handler; same answer.
 * @module
 */
import { defineRoute } from '../route.ts';
import { examples } from '../examples.ts';
import { encodingField, messageText, withMessage } from '../schemas.ts';
import { z } from '../zod.ts';
import { dsaSignRoute } from './dsa-sign.ts';

export function compatSignatureSignRoute(maxMessageBytes: number) {
  const v1 = dsaSignRoute(maxMessageBytes);
  const ex = examples();
  const body = z
    .strictObject({
      data: messageText(`The message to sign, in \`encoding\` (at most ${maxMessageBytes} bytes once decoded).`, ex.message),
      encoding: encodingField('How `data` is encoded: utf8 (default, what the seed clients send), base64 or hex.'),
    })
    .openapi('CompatSignRequest');
  const response = z
    .object({
      signature: z.string().openapi({ description: 'Pure ML-DSA-65 signature (FIPS 204, hedged, empty context), base64.', example: ex.messageSignature }),
      pk: z.string().openapi({ description: "The tenant's ML-DSA-65 public key, base64: give it to verifiers.", example: ex.dsaPublicKey }),
    })
    .openapi('CompatSignResponse');

  return defineRoute({
    ...v1,
    path: '/api/signature/sign',
    operationId: 'compatSignatureSign',
    tag: 'Compatibility',
    summary: 'Seed-client compatibility: sign data',
    description: 'What `POST /v1/dsa/sign` does (without a context string). See docs/compatibility.md.',
    request: { body },
    input: withMessage(body, 'data', maxMessageBytes),
    response,
    // The seed's call: the default key only, no batch form.
    keys: undefined,
    batch: false,
    audit: { event: 'dsa.sign' },
    async handle(input, ctx) {
      const made = await v1.handle({ data: input.data, encoding: input.encoding }, ctx, undefined);
      return { signature: made.signature, pk: made.pk };
    },
  });
}
