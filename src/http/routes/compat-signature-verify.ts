/**
 * POST /api/signature/verify: the seed vendor's verification call (docs/compatibility.md),
 * answered by the verification operation of /v1/dsa/verify (operations/dsa.ts). The ML-DSA set
 * comes from the length of `pk`.
 * @module
 */
import { ML_DSA_ALGORITHMS, DSA_SIZES, dsaAlgorithmForPublicKey } from '../../crypto/algorithms.ts';
import { verify } from '../../operations/dsa.ts';
import { defineRoute } from '../route.ts';
import { examples } from '../examples.ts';
import { base64Bytes, dsaPublicKeyField, encodingField, messageText, withMessage } from '../schemas.ts';
import { z } from '../zod.ts';

export function compatSignatureVerifyRoute(maxMessageBytes: number) {
  const ex = examples();
  const body = z
    .strictObject({
      data: messageText('The signed message, in `encoding`.', ex.message),
      pk: dsaPublicKeyField(
        'The signer\'s ML-DSA public key, base64 (the `pk` from `/api/signature/sign`). Its length selects ML-DSA-44, -65 or -87.',
        ex.dsaPublicKey,
      ),
      signature: base64Bytes({
        description: 'The signature, base64 (the `signature` from `/api/signature/sign`).',
        example: ex.messageSignature,
        lengths: ML_DSA_ALGORITHMS.map((a) => DSA_SIZES[a].signature),
        what: 'an ML-DSA-44, -65 or -87 signature',
      }),
      encoding: encodingField('How `data` is encoded: utf8 (default, what the seed clients send), base64 or hex.'),
    })
    .superRefine((o, ctx) => {
      const algorithm = dsaAlgorithmForPublicKey(o.pk.length);
      if (algorithm && o.signature.length !== DSA_SIZES[algorithm].signature) {
        ctx.addIssue({ code: 'custom', path: ['signature'], message: `must be ${DSA_SIZES[algorithm].signature} bytes for ${algorithm} (the set of pk), got ${o.signature.length}` });
      }
    })
    .openapi('CompatVerifyRequest');
  const response = z
    .object({ verified: z.boolean().openapi({ description: 'true when the signature verifies; false otherwise.', example: true }) })
    .openapi('CompatVerifyResponse');

  return defineRoute({
    method: 'post',
    scope: 'dsa:verify',
    rateClass: 'crypto',
    status: 200,
    responseDescription: 'Whether the signature verifies.',
    path: '/api/signature/verify',
    operationId: 'compatSignatureVerify',
    tag: 'Compatibility',
    summary: 'Seed-client compatibility: verify a signature',
    description: 'What `POST /v1/dsa/verify` does (without a context string): 200 with `verified: true` or `false`; malformed input is 422. See docs/compatibility.md.',
    request: { body },
    input: withMessage(body, 'data', maxMessageBytes),
    response,
    // The seed's call: a public key given here (so no stored key, nothing to audit), no batch form.
    async handle(input, ctx) {
      return { verified: await verify(ctx, undefined, { data: input.data, pk: input.pk, signature: input.signature }) };
    },
  });
}
