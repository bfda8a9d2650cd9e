/**
 * GET|POST /api/kem/generate_keys: the seed vendor's key-pair call (docs/compatibility.md).
 *
 * The /v1/kem/keypair handler makes the key and its attestation (so both routes sign public keys
 * the same way, whatever key that is); this route only renames the answer: `sk` is the key's
 * key_id, a handle to the stored secret key, which never leaves the service.
 * @module
 */
import { DEFAULT_KEM_ALGORITHM, ML_KEM_ALGORITHMS } from '../../crypto/algorithms.ts';
import { defineRoute, type RouteContext } from '../route.ts';
import { examples } from '../examples.ts';
import { z } from '../zod.ts';
import { kemKeypairRoute } from './kem-keypair.ts';

export function compatKemGenerateKeysRoutes() {
  const v1 = kemKeypairRoute();
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
    ...v1,
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
      const made = await v1.handle(input, ctx, undefined);
      return { pk: made.pk, sk: made.key_id, signature: made.signature, verification_key: made.verification_key };
    },
  };
  return [
    defineRoute({ ...common, method: 'get', operationId: 'compatKemGenerateKeysGet', request: {} }),
    defineRoute({ ...common, method: 'post', operationId: 'compatKemGenerateKeys', request: { body } }),
  ];
}
