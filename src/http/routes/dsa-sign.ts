/** POST /v1/dsa/sign: a signature by a stored signing key (by default the tenant's ML-DSA-65 key). */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { DSA_ALGORITHMS, MAX_DSA_CONTEXT_BYTES } from '../../crypto/algorithms.ts';
import { resolveSigningKey, sign } from '../../operations/dsa.ts';
import { cryptoCost } from '../cost.ts';
import { defineRoute, keyRefs } from '../route.ts';
import { DEMO, examples } from '../examples.ts';
import { checkContext, contextFields, dsaKeyId, encodingField, messageText, withContext, withMessage } from '../schemas.ts';
import { z } from '../zod.ts';

export function dsaSignRoute(maxMessageBytes: number) {
  const ex = examples();
  const body = z
    .strictObject({
      data: messageText(`The message to sign, in \`encoding\` (at most ${maxMessageBytes} bytes once decoded).`, ex.message),
      encoding: encodingField('How `data` is encoded: utf8 (default), base64 or hex.'),
      ...contextFields(`Optional FIPS 204 / 205 context string, at most ${MAX_DSA_CONTEXT_BYTES} bytes once decoded: UTF-8 text, or bytes in \`context_encoding\`. The verifier must give the same one.`, ex.context),
      key_id: dsaKeyId()
        .optional()
        .openapi({ description: "Optional: the signing key (`key_id` from `POST /v1/dsa/keypair`). Without it, the tenant's default ML-DSA-65 key, made on first use.", example: DEMO.dsaKeyId }),
    })
    .openapi('DsaSignRequest', { example: { data: ex.message, encoding: 'utf8' } });
  const response = z
    .object({
      signature: z.string().openapi({ description: 'The signature (pure ML-DSA or SLH-DSA, hedged), base64.', example: ex.messageSignature }),
      pk: z.string().openapi({ description: 'The public key of the version that signed, base64: give it to verifiers.', example: ex.dsaPublicKey }),
      key_id: z.string().openapi({ description: 'The key that signed (the default key has one too).', example: 'dsa_3q2-7wAAAAC6vr6-vr6-vg' }),
      version: z.number().int().openapi({ description: 'The version that signed: the newest.', example: 1 }),
      algorithm: z.enum(DSA_ALGORITHMS).openapi({ example: 'ML-DSA-65' }),
    })
    .openapi('DsaSignResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/dsa/sign',
    operationId: 'dsaSign',
    tag: 'ML-DSA',
    summary: 'Sign data with a stored signing key',
    description:
      "Pure ML-DSA (FIPS 204) or SLH-DSA (FIPS 205) signing, external interface, with the newest version of `key_id`, or without it the tenant's default ML-DSA-65 key (made on first use and kept). Signatures are hedged, so signing the same data twice gives different signatures; both verify.",
    scope: 'dsa:sign',
    request: { body },
    input: withContext(withMessage(checkContext(body), 'data', maxMessageBytes)),
    // Without key_id: the default key, found (or made) by the operation.
    keys: keyRefs(z.object({ key_id: dsaKeyId().optional() }), ({ key_id }, ctx) => resolveSigningKey(ctx, key_id)),
    status: 200,
    response,
    responseDescription: 'The signature and the public key that verifies it.',
    rateClass: 'crypto',
    // The named key's algorithm; the default key is ML-DSA-65.
    cost: (_input, named, ctx) => cryptoCost(ctx, named?.algorithm ?? 'ML-DSA-65', 'sign'),
    batch: true,
    // Signs with a stored key (the default one too): a use of a stored key.
    audit: { event: 'dsa.sign', subject: (_input, result) => (result ? { keyId: result.key_id } : {}) },
    async handle(input, ctx, named) {
      const { signature, signer } = await sign(ctx, named, input);
      return { signature: encodeBase64(signature), pk: encodeBase64(signer.publicKey), key_id: signer.id, version: signer.version, algorithm: signer.algorithm };
    },
  });
}
