/** POST /v1/challenges: a challenge for one registered client to answer with its own key. */
import { CLIENT_ID_PATTERN } from '../../httpsig/verify.ts';
import { encodeBase64 } from '../../crypto/encoding.ts';
import { CHALLENGE_METHODS, CHALLENGE_TTL, createChallenge } from '../../operations/challenges.ts';
import { cryptoCost } from '../cost.ts';
import { challengeExamples } from '../examples.ts';
import { defineRoute } from '../route.ts';
import { z } from '../zod.ts';

export function challengesCreateRoute() {
  const ex = challengeExamples();
  const body = z
    .strictObject({
      client_id: z
        .string()
        .regex(CLIENT_ID_PATTERN, 'must be a client_id returned by POST /v1/clients (cl_ and 22 characters)')
        .openapi({ description: 'The registered client that must answer (required: the answer is checked with its public key).', example: ex.clientId }),
      method: z.enum(CHALLENGE_METHODS).default('signature').openapi({
        description: '`signature` (default): the client signs the challenge bytes with its ML-DSA signing key, FIPS 204 context "pq-crypto-api/v1/challenge". `kem`: the challenge is sealed with HPKE to the client\'s kem_key, and the client answers the opened bytes.',
        example: 'signature',
      }),
      ttl: z
        .number()
        .int('must be a whole number of seconds')
        .min(CHALLENGE_TTL.min, `must be at least ${CHALLENGE_TTL.min} second`)
        .max(CHALLENGE_TTL.max, `must be at most ${CHALLENGE_TTL.max} seconds`)
        .default(CHALLENGE_TTL.default)
        .openapi({ description: `Seconds the challenge can be answered: ${CHALLENGE_TTL.min} to ${CHALLENGE_TTL.max}, default ${CHALLENGE_TTL.default}.`, example: 30 }),
    })
    .openapi('ChallengeCreateRequest');
  const response = z
    .object({
      challenge_id: z.string().openapi({ description: 'Names the challenge in `/v1/challenges/{challenge_id}/validate`.', example: ex.challengeId }),
      client_id: z.string().openapi({ description: 'The client that must answer.', example: ex.clientId }),
      method: z.enum(CHALLENGE_METHODS).openapi({ example: 'signature' }),
      expires_at: z.string().openapi({ description: 'RFC 3339 UTC: a validation at or after this instant answers `expired`.', example: '2026-12-06T09:30:30.000Z' }),
      challenge: z.string().optional().openapi({ description: 'Method `signature`: the 32 random challenge bytes, base64. The client signs these raw bytes.', example: ex.challenge }),
      encrypted_challenge: z.string().optional().openapi({
        description: "Method `kem`: base64(enc || ciphertext), HPKE (RFC 9180) base mode to the client's kem_key: its KEM (ML-KEM-768, ML-KEM-1024 or X-Wing), HKDF-SHA256, AES-256-GCM, info \"pq-crypto-api/v1/challenge\", empty aad. `enc` is the KEM's ciphertext length (1088, 1568 or 1120 bytes); the rest (48 bytes) opens to the 32 challenge bytes.",
        example: ex.encryptedChallenge,
      }),
    })
    .openapi('ChallengeCreateResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/challenges',
    operationId: 'challengeCreate',
    tag: 'Challenges',
    summary: 'Make a challenge for a registered client',
    description:
      "Makes 32 random bytes for one of the tenant's registered clients to answer with its own key, before `expires_at`: by signing them (`signature`), or by opening them, sealed to its KEM key (`kem`). Check the answer with `/v1/challenges/{challenge_id}/validate`, which is valid at most once. An unknown, expired or deleted client is 404; `kem` for a client without a kem_key is 422 naming `method`.",
    scope: 'challenges:manage',
    request: { body },
    input: body,
    status: 201,
    response,
    responseDescription: 'The challenge: its bytes, or their sealed form.',
    extraProblems: ['not-found'],
    rateClass: 'crypto',
    // A `kem` challenge is one HPKE seal (an encapsulation, at most ML-KEM-1024's); a `signature` one, random bytes.
    cost: (input, _found, ctx) => (input.method === 'kem' ? cryptoCost(ctx, 'ML-KEM-1024', 'encapsulate') : 1),
    audit: { event: 'challenges.create', subject: () => ({ keyId: null }) },
    async handle(input, ctx) {
      const made = await createChallenge(ctx, { clientId: input.client_id, method: input.method, ttlSeconds: input.ttl });
      return {
        challenge_id: made.id,
        client_id: made.clientId,
        method: made.method,
        expires_at: new Date(made.expiresAtMs).toISOString(),
        ...(made.challenge ? { challenge: encodeBase64(made.challenge) } : {}),
        ...(made.encryptedChallenge ? { encrypted_challenge: encodeBase64(made.encryptedChallenge) } : {}),
      };
    },
  });
}
