/**
 * POST /api/v1/pqc/sign/sign/: the signing call of the seed vendor's current client (src/pqc.js;
 * docs/compatibility.md). `secret_key` is the handle `/api/v1/pqc/sign/generate-keys/` returned
 * (a key_id), found and checked exactly as `key_id` on /v1/dsa/sign (operations/dsa.ts): another
 * tenant's key, or one of another kind, is 404. `message` is text, signed as its UTF-8 bytes.
 * @module
 */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { DEFAULT_DSA_ALGORITHM, ML_DSA_ALGORITHMS } from '../../crypto/algorithms.ts';
import { resolveSigningKey, sign } from '../../operations/dsa.ts';
import { cryptoCost } from '../cost.ts';
import { defineRoute, keyRefs } from '../route.ts';
import { DEMO, examples } from '../examples.ts';
import { anyKeyId, encodingField, messageText, withMessage } from '../schemas.ts';
import { z } from '../zod.ts';

const FIELD = 'secret_key';

export function compatPqcSignSignRoute(maxMessageBytes: number) {
  const ex = examples();
  // Any key id is well-formed here: one of another kind is then not found (404), as on /v1.
  const handle = anyKeyId().openapi({
    description: 'The `secret_key` from `/api/v1/pqc/sign/generate-keys/`: a handle to the stored signing key (its key_id), not key material.',
    example: DEMO.dsaKeyId,
  });
  const body = z
    .strictObject({
      algorithm: z
        .enum(ML_DSA_ALGORITHMS)
        .default(DEFAULT_DSA_ALGORITHM)
        .openapi({ description: 'ML-DSA parameter set of the key; must be the one it was made with (422 otherwise).', example: DEFAULT_DSA_ALGORITHM }),
      secret_key: handle,
      message: messageText(`The message to sign, in \`encoding\` (at most ${maxMessageBytes} bytes once decoded).`, ex.message),
      encoding: encodingField('How `message` is encoded: utf8 (default, what the client sends), base64 or hex.'),
    })
    .openapi('CompatPqcSignRequest', {
      example: { algorithm: DEFAULT_DSA_ALGORITHM, secret_key: DEMO.dsaKeyId, message: ex.message },
    });
  const response = z
    .object({ signature: z.string().openapi({ description: 'Pure ML-DSA signature (FIPS 204, hedged, empty context), base64.', example: ex.messageSignature }) })
    .openapi('CompatPqcSignResponse');

  return defineRoute({
    method: 'post',
    path: '/api/v1/pqc/sign/sign/',
    operationId: 'compatPqcSignSign',
    tag: 'Compatibility',
    summary: "Vendor's current client: sign a message with a stored key",
    description:
      "What `POST /v1/dsa/sign` does (without a context string) with the key named by `secret_key` (a handle: 404 when it is not one of the caller tenant's signing keys). See docs/compatibility.md.",
    scope: 'dsa:sign',
    request: { body },
    input: withMessage(body, 'message', maxMessageBytes),
    keys: keyRefs(z.object({ secret_key: handle }), ({ secret_key }, ctx) => resolveSigningKey(ctx, secret_key, FIELD)),
    status: 200,
    response,
    responseDescription: 'The signature.',
    rateClass: 'crypto',
    cost: (_input, named, ctx) => cryptoCost(ctx, named?.algorithm ?? DEFAULT_DSA_ALGORITHM, 'sign'),
    audit: { event: 'dsa.sign' },
    async handle(input, ctx, named) {
      const { signature } = await sign(ctx, named!, { data: input.message, algorithm: input.algorithm });
      return { signature: encodeBase64(signature) };
    },
  });
}
