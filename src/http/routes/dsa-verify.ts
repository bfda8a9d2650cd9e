/** POST /v1/dsa/verify: does this ML-DSA signature verify? The set comes from the key's length. */
import { ML_DSA_ALGORITHMS, DSA_SIZES, MAX_DSA_CONTEXT_BYTES, dsaAlgorithmForPublicKey } from '../../crypto/params.ts';
import { defineRoute } from '../route.ts';
import { examples } from '../examples.ts';
import { base64Bytes, dsaPublicKeyField, encodingField, messageText, utf8Bytes, withMessage } from '../schemas.ts';
import { z } from '../zod.ts';

export function dsaVerifyRoute(maxMessageBytes: number) {
  const ex = examples();
  const body = z
    .strictObject({
      data: messageText('The signed message, in `encoding`.', ex.message),
      pk: dsaPublicKeyField(
        'The signer\'s ML-DSA public key, base64 (the `pk` from `POST /v1/dsa/sign`). Its length selects ML-DSA-44, -65 or -87.',
        ex.dsaPublicKey,
      ),
      signature: base64Bytes({
        description: 'The signature, base64 (the `signature` from `POST /v1/dsa/sign`).',
        example: ex.messageSignature,
        lengths: ML_DSA_ALGORITHMS.map((a) => DSA_SIZES[a].signature),
        what: 'an ML-DSA-44, -65 or -87 signature',
      }),
      encoding: encodingField('How `data` is encoded: utf8 (default), base64 or hex.'),
      context: utf8Bytes({
        description: `Optional FIPS 204 context string, UTF-8, at most ${MAX_DSA_CONTEXT_BYTES} bytes: the one the signer used.`,
        example: ex.context,
        maxBytes: MAX_DSA_CONTEXT_BYTES,
      }).optional(),
    })
    .superRefine((o, ctx) => {
      const algorithm = dsaAlgorithmForPublicKey(o.pk.length);
      if (algorithm && o.signature.length !== DSA_SIZES[algorithm].signature) {
        ctx.addIssue({ code: 'custom', path: ['signature'], message: `must be ${DSA_SIZES[algorithm].signature} bytes for ${algorithm} (the set of pk), got ${o.signature.length}` });
      }
    })
    .openapi('DsaVerifyRequest');
  const response = z
    .object({ verified: z.boolean().openapi({ description: 'true when the signature verifies; false otherwise.', example: true }) })
    .openapi('DsaVerifyResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/dsa/verify',
    operationId: 'dsaVerify',
    tag: 'ML-DSA',
    summary: 'Verify an ML-DSA signature',
    description:
      'FIPS 204 ML-DSA.Verify (pure, external interface). A well-formed signature that does not verify answers 200 with `verified: false`; malformed input (wrong lengths, bad base64) answers 422.',
    scope: 'dsa:verify',
    request: { body },
    input: withMessage(body, 'data', maxMessageBytes),
    status: 200,
    response,
    responseDescription: 'Whether the signature verifies.',
    rateClass: 'crypto',
    async handle(input, { services }) {
      services.metrics.cryptoOp(dsaAlgorithmForPublicKey(input.pk.length) ?? 'ML-DSA', services.crypto.dsa.implementation, 'dsa.verify');
      return { verified: await services.crypto.dsa.verify(input.pk, input.data, input.signature, input.context) };
    },
  });
}
