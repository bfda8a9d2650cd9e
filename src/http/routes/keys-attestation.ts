/**
 * GET /v1/keys/attestation: the caller tenant's attestation key (the ML-DSA-65 key that signs the
 * KEM public keys this service makes) as an RFC 9964 AKP JWK, `kid` its RFC 7638 thumbprint: the
 * key clients pin, in the form standard JOSE tooling imports.
 */
import { ML_DSA_ALGORITHMS } from '../../crypto/algorithms.ts';
import { akpThumbprint } from '../../crypto/jwk.ts';
import { attestationKeyJwk } from '../../operations/keys.ts';
import { examples } from '../examples.ts';
import { defineRoute } from '../route.ts';
import { z } from '../zod.ts';

export function keysAttestationRoute() {
  const example = Buffer.from(examples().attestationPublicKey, 'base64');
  const response = z
    .object({
      kty: z.literal('AKP').openapi({ description: 'Key type "Algorithm Key Pair" (RFC 9964 section 4).' }),
      alg: z.enum(ML_DSA_ALGORITHMS).openapi({ description: 'The ML-DSA parameter set: ML-DSA-65.', example: 'ML-DSA-65' }),
      pub: z.string().openapi({ description: 'The FIPS 204 public key, base64url without padding.', example: example.toString('base64url') }),
      kid: z.string().openapi({ description: 'The RFC 7638 JWK thumbprint (SHA-256) over alg, kty and pub.', example: akpThumbprint('ML-DSA-65', example) }),
      use: z.literal('sig').openapi({ description: 'The key signs (RFC 7517 section 4.2).' }),
    })
    .openapi('AttestationKeyJwk');

  return defineRoute({
    method: 'get',
    path: '/v1/keys/attestation',
    operationId: 'keysAttestation',
    tag: 'Keys',
    summary: "The tenant's attestation key, as a JWK",
    description:
      "The public key that signs the `attestation` of every KEM key this service makes for the caller's tenant (made on first use), as an RFC 9964 `AKP` JSON Web Key. Pin it (or its `kid`, the RFC 7638 thumbprint) once, then check attestations offline with any JOSE library that has ML-DSA. It never signs tokens: those keys are at /.well-known/jwks.json.",
    scope: 'keys:read',
    rateClass: 'read',
    request: {},
    input: z.object({}),
    status: 200,
    response,
    responseDescription: 'The attestation key.',
    async handle(_input, ctx) {
      return attestationKeyJwk(ctx);
    },
  });
}
