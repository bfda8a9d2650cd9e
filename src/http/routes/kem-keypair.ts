/** POST /v1/kem/keypair: a new ML-KEM key pair; the secret stays here, the public key is signed. */
import { DEFAULT_KEM_ALGORITHM, KEM_ALGORITHMS } from '../../crypto/algorithms.ts';
import { encodeBase64 } from '../../crypto/encoding.ts';
import { createKemKeyPair } from '../../operations/kem.ts';
import { defineRoute } from '../route.ts';
import { examples } from '../examples.ts';
import { expiresAtField, expiresInField, toExpiresAt } from '../schemas.ts';
import { z } from '../zod.ts';

export function kemKeypairRoute(maxExpiresInSeconds = 10 * 365 * 86_400) {
  const body = z
    .strictObject({
      algorithm: z
        .enum(KEM_ALGORITHMS)
        .default(DEFAULT_KEM_ALGORITHM)
        .openapi({ description: 'ML-KEM parameter set (FIPS 203), or `X-Wing` (ML-KEM-768 + X25519 hybrid, draft-connolly-cfrg-xwing-kem).', example: DEFAULT_KEM_ALGORITHM }),
      expires_in: expiresInField(maxExpiresInSeconds),
    })
    .openapi('KemKeypairRequest');
  const response = z
    .object({
      key_id: z.string().openapi({ description: 'Names the key for decapsulation and token restrictions.', example: 'kem_3q2-7wAAAAC6vr6-vr6-vg' }),
      algorithm: z.enum(KEM_ALGORITHMS).openapi({ example: DEFAULT_KEM_ALGORITHM }),
      pk: z.string().openapi({ description: 'The encapsulation key (FIPS 203 ek), base64. Hand it to the peer.', example: examples().kemPublicKey }),
      verification_key: z.string().openapi({ description: "The tenant's ML-DSA-65 attestation key, base64: verifies `signature`. The same for every key pair of the tenant and used for nothing else (not by `/v1/dsa/sign`): pin it once and check every key pair against it.", example: examples().attestationPublicKey }),
      signature: z.string().openapi({ description: 'Pure ML-DSA-65 signature (FIPS 204, empty context) over the raw bytes of `pk` by the attestation key, base64.', example: examples().kemPublicKeySignature }),
      expires_at: expiresAtField(),
    })
    .openapi('KemKeypairResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/kem/keypair',
    operationId: 'kemKeypair',
    tag: 'ML-KEM',
    summary: 'Generate an ML-KEM key pair (step 1 of a key exchange)',
    description:
      "Generates an ML-KEM key pair. The secret key never leaves the service: it is stored sealed under the master key and used by `/v1/kem/decapsulate`. The public key is signed with the tenant's ML-DSA-65 attestation key, which signs nothing else, so a peer that pins `verification_key` knows the service made this key pair for the tenant. Copy `pk`, `signature` and `verification_key` into `/v1/kem/encapsulate`, and `key_id` into `/v1/kem/decapsulate`.",
    scope: 'kem:keypair',
    request: { body },
    input: body,
    status: 201,
    response,
    responseDescription: 'The new key pair (public parts only).',
    extraProblems: ['quota-exceeded'],
    rateClass: 'crypto',
    // Makes a stored key and signs it with the tenant's stored signing key.
    audit: {
      event: 'kem.keypair',
      subject: (_input, result) => ({ keyId: result?.key_id ?? null }),
      undo: (result, { principal, services }) => services.keys.deleteKey(principal.tenant, result.key_id),
    },
    async handle(input, ctx) {
      const { key, signature, verificationKey } = await createKemKeyPair(ctx, { algorithm: input.algorithm, expiresIn: input.expires_in });
      return {
        key_id: key.id,
        algorithm: input.algorithm, // the set asked for, which key.algorithm is
        pk: encodeBase64(key.publicKey),
        verification_key: encodeBase64(verificationKey),
        signature: encodeBase64(signature),
        expires_at: toExpiresAt(key.expiresAtMs),
      };
    },
  });
}
