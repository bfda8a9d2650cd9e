/**
 * POST /api/v1/pqc/kem/generate-keys/: the key-pair call of the seed vendor's current client
 * (samuelnsam/js-api-example, src/pqc.js; docs/compatibility.md). Trailing slash as it sends it.
 *
 * The key-pair operation of /v1/kem/keypair (operations/kem.ts) makes the key; this route only
 * maps the answer to the client's names: `decapsulation_key` is the key's key_id, a handle to
 * the stored secret key, which never leaves the service.
 * @module
 */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { DEFAULT_KEM_ALGORITHM, ML_KEM_ALGORITHMS } from '../../crypto/algorithms.ts';
import { createKemKeyPair } from '../../operations/kem.ts';
import { defineRoute } from '../route.ts';
import { examples } from '../examples.ts';
import { z } from '../zod.ts';

export function compatPqcKemGenerateKeysRoute() {
  const ex = examples();
  const body = z
    .strictObject({
      algorithm: z
        .enum(ML_KEM_ALGORITHMS)
        .default(DEFAULT_KEM_ALGORITHM)
        .openapi({ description: 'ML-KEM parameter set (FIPS 203); the client sends ML-KEM-768 unless told otherwise.', example: DEFAULT_KEM_ALGORITHM }),
    })
    .openapi('CompatPqcKemGenerateKeysRequest');
  const response = z
    .object({
      encapsulation_key: z.string().openapi({ description: 'The ML-KEM encapsulation (public) key, base64.', example: ex.kemPublicKey }),
      decapsulation_key: z.string().openapi({
        description:
          'A handle to the decapsulation (secret) key, which stays in the service: it is the key_id. Send it back as `decapsulation_key` to `/api/v1/pqc/kem/decapsulate/` (or as `key_id` to `/v1/kem/decapsulate`).',
        example: 'kem_3q2-7wAAAAC6vr6-vr6-vg',
      }),
    })
    .openapi('CompatPqcKemGenerateKeysResponse');

  return defineRoute({
    method: 'post',
    path: '/api/v1/pqc/kem/generate-keys/',
    operationId: 'compatPqcKemGenerateKeys',
    tag: 'Compatibility',
    summary: "Vendor's current client: generate an ML-KEM key pair",
    description:
      "What `POST /v1/kem/keypair` does, in the shape of the seed vendor's current client: `decapsulation_key` is not the secret key but its handle (the key_id). See docs/compatibility.md.",
    scope: 'kem:keypair',
    request: { body },
    input: body,
    status: 200,
    response,
    responseDescription: 'The new key pair (the public key and the handle of the secret one).',
    extraProblems: ['quota-exceeded'],
    rateClass: 'crypto',
    audit: {
      event: 'kem.keypair',
      subject: (_input, result) => ({ keyId: result?.decapsulation_key ?? null }),
      undo: (result, { principal, services }) => services.keys.deleteKey(principal.tenant, result.decapsulation_key),
    },
    async handle(input, ctx) {
      const { key } = await createKemKeyPair(ctx, { algorithm: input.algorithm });
      return { encapsulation_key: encodeBase64(key.publicKey), decapsulation_key: key.id };
    },
  });
}
