/**
 * POST /api/signature/sign: the seed vendor's signing call (docs/compatibility.md). Signs `data`
 * with the tenant's default ML-DSA-65 key through the signing operation of /v1/dsa/sign
 * (operations/dsa.ts); the same answer, without the key's id and version.
 * @module
 */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { sign } from '../../operations/dsa.ts';
import { defineRoute } from '../route.ts';
import { examples } from '../examples.ts';
import { encodingField, messageText, withMessage } from '../schemas.ts';
import { z } from '../zod.ts';

export function compatSignatureSignRoute(maxMessageBytes: number) {
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
    method: 'post',
    scope: 'dsa:sign',
    rateClass: 'crypto',
    status: 200,
    responseDescription: 'The signature and the public key that verifies it.',
    path: '/api/signature/sign',
    operationId: 'compatSignatureSign',
    tag: 'Compatibility',
    summary: 'Seed-client compatibility: sign data',
    description: 'What `POST /v1/dsa/sign` does (without a context string). See docs/compatibility.md.',
    request: { body },
    input: withMessage(body, 'data', maxMessageBytes),
    response,
    // The seed's call: the default key only, no batch form.
    audit: { event: 'dsa.sign' },
    async handle(input, ctx) {
      const { signature, signer } = await sign(ctx, undefined, { data: input.data });
      return { signature: encodeBase64(signature), pk: encodeBase64(signer.publicKey) };
    },
  });
}
