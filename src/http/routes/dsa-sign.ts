/** POST /v1/dsa/sign: an ML-DSA-65 signature with the tenant's default signing key. */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { MAX_DSA_CONTEXT_BYTES } from '../../crypto/params.ts';
import { defineRoute } from '../route.ts';
import { examples } from '../examples.ts';
import { encodingField, messageText, utf8Bytes, withMessage } from '../schemas.ts';
import { z } from '../zod.ts';

export function dsaSignRoute(maxMessageBytes: number) {
  const ex = examples();
  const body = z
    .strictObject({
      data: messageText(`The message to sign, in \`encoding\` (at most ${maxMessageBytes} bytes once decoded).`, ex.message),
      encoding: encodingField('How `data` is encoded: utf8 (default), base64 or hex.'),
      context: utf8Bytes({
        description: `Optional FIPS 204 context string, UTF-8, at most ${MAX_DSA_CONTEXT_BYTES} bytes. The verifier must give the same one.`,
        example: ex.context,
        maxBytes: MAX_DSA_CONTEXT_BYTES,
      }).optional(),
    })
    .openapi('DsaSignRequest');
  const response = z
    .object({
      signature: z.string().openapi({ description: 'Pure ML-DSA-65 signature (FIPS 204, hedged), base64.', example: ex.messageSignature }),
      pk: z.string().openapi({ description: "The tenant's ML-DSA-65 public key, base64: give it to verifiers.", example: ex.dsaPublicKey }),
    })
    .openapi('DsaSignResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/dsa/sign',
    operationId: 'dsaSign',
    tag: 'ML-DSA',
    summary: "Sign data with the tenant's ML-DSA-65 key",
    description:
      "FIPS 204 ML-DSA.Sign (pure, external interface) with the tenant's default ML-DSA-65 key, made on first use and kept. Signatures are hedged, so signing the same data twice gives different signatures; both verify.",
    scope: 'dsa:sign',
    request: { body },
    input: withMessage(body, 'data', maxMessageBytes),
    status: 200,
    response,
    responseDescription: 'The signature and the public key that verifies it.',
    rateClass: 'crypto',
    // Signs with the tenant's stored default key: a use of a stored key.
    audit: { event: 'dsa.sign' },
    async handle(input, { principal, services }) {
      const { signature, key } = await services.keys.sign(principal.tenant, input.data, input.context);
      services.metrics.cryptoOp(key.algorithm, services.crypto.dsa.implementation, 'dsa.sign');
      return { signature: encodeBase64(signature), pk: encodeBase64(key.publicKey) };
    },
  });
}
