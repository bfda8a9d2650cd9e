/**
 * POST /api/v1/pqc/sign/verify/: the verification call of the seed vendor's current client
 * (src/pqc.js; docs/compatibility.md), answered by the verification operation of /v1/dsa/verify
 * (operations/dsa.ts) under the given `public_key` and `algorithm`.
 * @module
 */
import { DEFAULT_DSA_ALGORITHM, DSA_SIZES, ML_DSA_ALGORITHMS } from '../../crypto/algorithms.ts';
import { verify } from '../../operations/dsa.ts';
import { cryptoCost } from '../cost.ts';
import { defineRoute } from '../route.ts';
import { examples } from '../examples.ts';
import { base64Bytes, dsaPublicKeyField, encodingField, messageText, withMessage } from '../schemas.ts';
import { z } from '../zod.ts';

export function compatPqcSignVerifyRoute(maxMessageBytes: number) {
  const ex = examples();
  const body = z
    .strictObject({
      algorithm: z
        .enum(ML_DSA_ALGORITHMS)
        .default(DEFAULT_DSA_ALGORITHM)
        .openapi({ description: 'ML-DSA parameter set of `public_key` (FIPS 204).', example: DEFAULT_DSA_ALGORITHM }),
      public_key: dsaPublicKeyField('The signer\'s ML-DSA public key, base64 (the `public_key` from `/api/v1/pqc/sign/generate-keys/`).', ex.dsaPublicKey),
      message: messageText('The signed message, in `encoding`.', ex.message),
      signature: base64Bytes({
        description: 'The signature, base64 (the `signature` from `/api/v1/pqc/sign/sign/`).',
        example: ex.messageSignature,
        lengths: ML_DSA_ALGORITHMS.map((a) => DSA_SIZES[a].signature),
        what: 'an ML-DSA-44, -65 or -87 signature',
      }),
      encoding: encodingField('How `message` is encoded: utf8 (default, what the client sends), base64 or hex.'),
    })
    .superRefine((o, ctx) => {
      const sizes = DSA_SIZES[o.algorithm];
      if (o.public_key.length !== sizes.publicKey) ctx.addIssue({ code: 'custom', path: ['public_key'], message: `must be ${sizes.publicKey} bytes for ${o.algorithm}, got ${o.public_key.length}` });
      if (o.signature.length !== sizes.signature) ctx.addIssue({ code: 'custom', path: ['signature'], message: `must be ${sizes.signature} bytes for ${o.algorithm}, got ${o.signature.length}` });
    })
    .openapi('CompatPqcVerifyRequest');
  const response = z
    .object({ valid: z.boolean().openapi({ description: 'true when the signature verifies; false otherwise.', example: true }) })
    .openapi('CompatPqcVerifyResponse');

  return defineRoute({
    method: 'post',
    path: '/api/v1/pqc/sign/verify/',
    operationId: 'compatPqcSignVerify',
    tag: 'Compatibility',
    summary: "Vendor's current client: verify a signature",
    description: 'What `POST /v1/dsa/verify` does (without a context string): 200 with `valid: true` or `false`; malformed input is 422. See docs/compatibility.md.',
    scope: 'dsa:verify',
    request: { body },
    input: withMessage(body, 'message', maxMessageBytes),
    status: 200,
    response,
    responseDescription: 'Whether the signature verifies.',
    rateClass: 'crypto',
    cost: (input, _key, ctx) => cryptoCost(ctx, input.algorithm, 'verify'),
    // A public key given here (no stored key): nothing to audit, as /v1/dsa/verify with pk.
    async handle(input, ctx) {
      return { valid: await verify(ctx, undefined, { data: input.message, pk: input.public_key, signature: input.signature, algorithm: input.algorithm }) };
    },
  });
}
