/**
 * GET|POST /api/kem/generate_keys: the seed vendor's key-pair call (docs/compatibility.md).
 *
 * The key-pair operation of /v1/kem/keypair (operations/kem.ts) makes the key and its attestation
 * (so both routes sign public keys the same way, whatever key that is); this route only maps the
 * answer to the vendor's names: `sk` is the key's key_id, a handle to the stored secret key,
 * which never leaves the service.
 * @module
 */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { DEFAULT_KEM_ALGORITHM, ML_KEM_ALGORITHMS } from '../../crypto/algorithms.ts';
import { createKemKeyPair } from '../../operations/kem.ts';
import { defineRoute, type RouteContext } from '../route.ts';
import { examples } from '../examples.ts';
import { z } from '../zod.ts';

export function compatKemGenerateKeysRoutes() {
  const ex = examples();
  // The vendor's call takes no input; `algorithm` is accepted on POST for callers that want another set.
  const body = z
    .strictObject({
      algorithm: z
        .enum(ML_KEM_ALGORITHMS)
        .default(DEFAULT_KEM_ALGORITHM)
        .openapi({ description: 'ML-KEM parameter set (FIPS 203). Optional; the seed clients send nothing.', example: DEFAULT_KEM_ALGORITHM }),
    })
    .openapi('CompatGenerateKeysRequest');
  const response = z
    .object({
      pk: z.string().openapi({ description: 'The ML-KEM encapsulation key, base64.', example: ex.kemPublicKey }),
      sk: z.string().openapi({
        description:
          'A handle to the secret key, which stays in the service: it is the key_id. Send it back as `sk` to `/api/kem/decapsulate_key` (or as `key_id` to `/v1/kem/decapsulate`).',
        example: 'kem_3q2-7wAAAAC6vr6-vr6-vg',
      }),
      signature: z.string().openapi({ description: 'The attestation signature over the raw bytes of `pk` (pure ML-DSA-65, empty context), base64.', example: ex.kemPublicKeySignature }),
      verification_key: z.string().openapi({ description: 'The ML-DSA-65 public key that verifies `signature`, base64.', example: ex.attestationPublicKey }),
    })
    .openapi('CompatGenerateKeysResponse');

  const common = {
    scope: 'kem:keypair' as const,
    rateClass: 'crypto' as const,
    responseDescription: 'The new key pair (public parts only).',
    extraProblems: ['quota-exceeded' as const],
    path: '/api/kem/generate_keys',
    tag: 'Compatibility',
    summary: 'Seed-client compatibility: generate an ML-KEM key pair',
    description:
      'What `POST /v1/kem/keypair` does, in the seed vendor\'s shape: 200 with `pk`, `sk`, `signature` and `verification_key`. `sk` is not the secret key but its handle (the key_id): the secret key never leaves the service. See docs/compatibility.md.',
    input: body,
    status: 200 as const,
    response,
    audit: {
      event: 'kem.keypair' as const,
      subject: (_input: unknown, result?: { sk: string }) => ({ keyId: result?.sk ?? null }),
      undo: (result: { sk: string }, { principal, services }: RouteContext) => services.keys.deleteKey(principal.tenant, result.sk),
    },
    async handle(input: z.output<typeof body>, ctx: RouteContext) {
      const { key, signature, verificationKey } = await createKemKeyPair(ctx, { algorithm: input.algorithm });
      return { pk: encodeBase64(key.publicKey), sk: key.id, signature: encodeBase64(signature), verification_key: encodeBase64(verificationKey) };
    },
  };
  return [
    defineRoute({ ...common, method: 'get', operationId: 'compatKemGenerateKeysGet', request: {} }),
    defineRoute({ ...common, method: 'post', operationId: 'compatKemGenerateKeys', request: { body } }),
  ];
}
