/**
 * POST /api/v1/pqc/sign/generate-keys/: the signing-key call of the seed vendor's current client
 * (src/pqc.js; docs/compatibility.md). The key-pair operation of /v1/dsa/keypair
 * (operations/dsa.ts); `secret_key` is the key's key_id, a handle: the secret never leaves.
 * @module
 */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { DEFAULT_DSA_ALGORITHM, ML_DSA_ALGORITHMS } from '../../crypto/algorithms.ts';
import { createSigningKey } from '../../operations/dsa.ts';
import { cryptoCost } from '../cost.ts';
import { defineRoute } from '../route.ts';
import { examples } from '../examples.ts';
import { z } from '../zod.ts';

export function compatPqcSignGenerateKeysRoute() {
  const body = z
    .strictObject({
      algorithm: z
        .enum(ML_DSA_ALGORITHMS)
        .default(DEFAULT_DSA_ALGORITHM)
        .openapi({ description: 'ML-DSA parameter set (FIPS 204); the client sends ML-DSA-65 unless told otherwise.', example: DEFAULT_DSA_ALGORITHM }),
    })
    .openapi('CompatPqcSignGenerateKeysRequest');
  const response = z
    .object({
      public_key: z.string().openapi({ description: 'The ML-DSA public key, base64: give it to verifiers.', example: examples().dsaPublicKey }),
      secret_key: z.string().openapi({
        description:
          'A handle to the signing (secret) key, which stays in the service: it is the key_id. Send it back as `secret_key` to `/api/v1/pqc/sign/sign/` (or as `key_id` to `/v1/dsa/sign`).',
        example: 'dsa_3q2-7wAAAAC6vr6-vr6-vg',
      }),
    })
    .openapi('CompatPqcSignGenerateKeysResponse');

  return defineRoute({
    method: 'post',
    path: '/api/v1/pqc/sign/generate-keys/',
    operationId: 'compatPqcSignGenerateKeys',
    tag: 'Compatibility',
    summary: "Vendor's current client: generate an ML-DSA signing key",
    description:
      "What `POST /v1/dsa/keypair` does, in the shape of the seed vendor's current client: `secret_key` is not the secret key but its handle (the key_id). See docs/compatibility.md.",
    scope: 'dsa:keypair',
    request: { body },
    input: body,
    status: 200,
    response,
    responseDescription: 'The new signing key (the public key and the handle of the secret one).',
    extraProblems: ['quota-exceeded'],
    rateClass: 'crypto',
    cost: (input, _key, ctx) => cryptoCost(ctx, input.algorithm, 'keygen'),
    audit: {
      event: 'dsa.keypair',
      subject: (_input, result) => ({ keyId: result?.secret_key ?? null }),
      undo: (result, { principal, services }) => services.keys.deleteKey(principal.tenant, result.secret_key),
    },
    async handle(input, ctx) {
      const key = await createSigningKey(ctx, { algorithm: input.algorithm });
      return { public_key: encodeBase64(key.publicKey), secret_key: key.id };
    },
  });
}
