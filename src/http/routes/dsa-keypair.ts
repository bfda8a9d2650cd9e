/** POST /v1/dsa/keypair: a new signing key (ML-DSA or SLH-DSA); the secret stays here. */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { DEFAULT_DSA_ALGORITHM, DSA_ALGORITHMS } from '../../crypto/algorithms.ts';
import { createSigningKey } from '../../operations/dsa.ts';
import { cryptoCost } from '../cost.ts';
import { defineRoute } from '../route.ts';
import { examples } from '../examples.ts';
import { expiresAtField, expiresInField, toExpiresAt } from '../schemas.ts';
import { z } from '../zod.ts';

export function dsaKeypairRoute(maxExpiresInSeconds = 10 * 365 * 86_400) {
  const body = z
    .strictObject({
      algorithm: z
        .enum(DSA_ALGORITHMS)
        .default(DEFAULT_DSA_ALGORITHM)
        .openapi({ description: 'ML-DSA-44, -65 (default) or -87 (FIPS 204), or SLH-DSA-SHA2/SHAKE-128s/128f (FIPS 205: hash-based, slower, larger signatures).', example: DEFAULT_DSA_ALGORITHM }),
      expires_in: expiresInField(maxExpiresInSeconds),
    })
    .openapi('DsaKeypairRequest');
  const response = z
    .object({
      key_id: z.string().openapi({ description: 'Names the key for sign, verify, rotate, delete and token restrictions.', example: 'dsa_3q2-7wAAAAC6vr6-vr6-vg' }),
      algorithm: z.enum(DSA_ALGORITHMS).openapi({ example: DEFAULT_DSA_ALGORITHM }),
      pk: z.string().openapi({ description: 'The public key of version 1, base64: give it to verifiers.', example: examples().dsaPublicKey }),
      version: z.number().int().openapi({ description: 'Always 1 for a new key; `POST /v1/keys/{key_id}/rotate` adds versions.', example: 1 }),
      expires_at: expiresAtField(),
    })
    .openapi('DsaKeypairResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/dsa/keypair',
    operationId: 'dsaKeypair',
    tag: 'ML-DSA',
    summary: 'Generate a signing key (ML-DSA or SLH-DSA)',
    description:
      'Generates a signing key whose secret never leaves the service (stored sealed under the master key). Sign with it by passing `key_id` to `POST /v1/dsa/sign`; rotate it with `POST /v1/keys/{key_id}/rotate` (older versions still verify).',
    scope: 'dsa:keypair',
    request: { body },
    input: body,
    status: 201,
    response,
    responseDescription: 'The new signing key (public parts only).',
    extraProblems: ['quota-exceeded'],
    rateClass: 'crypto',
    cost: (input, _key, ctx) => cryptoCost(ctx, input.algorithm, 'keygen'),
    audit: {
      event: 'dsa.keypair',
      subject: (_input, result) => ({ keyId: result?.key_id ?? null }),
      undo: (result, { principal, services }) => services.keys.deleteKey(principal.tenant, result.key_id),
    },
    async handle(input, ctx) {
      const key = await createSigningKey(ctx, { algorithm: input.algorithm, expiresIn: input.expires_in });
      return { key_id: key.id, algorithm: key.algorithm, pk: encodeBase64(key.publicKey), version: 1, expires_at: toExpiresAt(key.expiresAtMs) };
    },
  });
}
