/** POST /v1/challenges/{challenge_id}/validate: is this the right answer? At most once, with a signed receipt. */
import { DSA_SIZES } from '../../crypto/algorithms.ts';
import { encodeBase64 } from '../../crypto/encoding.ts';
import { CHALLENGE_ID, validateChallenge } from '../../operations/challenges.ts';
import { cryptoCost } from '../cost.ts';
import { challengeExamples } from '../examples.ts';
import { defineRoute } from '../route.ts';
import { base64Bytes } from '../schemas.ts';
import { z } from '../zod.ts';

export function challengesValidateRoute() {
  const ex = challengeExamples();
  const params = z.object({
    challenge_id: z
      .string()
      .regex(CHALLENGE_ID, 'must be a challenge_id returned by POST /v1/challenges (ch_ and 22 characters)')
      .openapi({ param: { name: 'challenge_id', in: 'path' }, description: 'The `challenge_id` from `POST /v1/challenges`.', example: ex.challengeId }),
  });
  const body = z
    .strictObject({
      response: base64Bytes({
        description:
          'The answer, base64. Method `signature`: the client\'s ML-DSA signature over the raw challenge bytes, FIPS 204 context "pq-crypto-api/v1/challenge". Method `kem`: the 32 bytes the encrypted challenge opens to. Any well-formed response uses the challenge up, right or wrong.',
        example: ex.response,
        minBytes: 1,
        maxBytes: DSA_SIZES['ML-DSA-87'].signature,
      }),
    })
    .openapi('ChallengeValidateRequest');
  const input = body.extend(params.shape);
  const response = z
    .object({
      valid: z.boolean().openapi({ description: 'True for exactly one validation of a challenge: the first, if its response is right and the challenge had not expired.', example: true }),
      reason: z.enum(['expired', 'used', 'mismatch']).nullable().openapi({ description: 'Why not valid: `expired` (answered at or after expires_at), `used` (an earlier validation took it), `mismatch` (the response is wrong, or the client is gone; the challenge is now used). Null when valid. Not part of the receipt.', example: null }),
      challenge_id: z.string().openapi({ example: ex.challengeId }),
      client_id: z.string().nullable().openapi({ description: 'The client the challenge was for.', example: ex.clientId }),
      validated_at: z.string().openapi({ description: 'RFC 3339 UTC with milliseconds: when the store decided (its clock).', example: ex.validatedAt }),
      receipt_signature: z.string().openapi({
        description:
          "ML-DSA-65 (pure, FIPS 204) by the tenant's attestation key (GET /v1/keys/attestation; `verification_key` of /v1/kem/keypair), context \"pq-crypto-api/v1/challenge-receipt\", over the UTF-8 of `challenge_id|client_id|valid|validated_at` (valid `true` or `false`, validated_at exactly as answered, client_id empty when null), base64. Verifiable offline.",
        example: ex.receiptSignature,
      }),
    })
    .openapi('ChallengeValidateResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/challenges/{challenge_id}/validate',
    operationId: 'challengeValidate',
    tag: 'Challenges',
    summary: "Check a client's answer to a challenge (once)",
    description:
      'Uses the challenge up, atomically on every instance, then checks the response: of all validations of one challenge, at most one is `valid: true`, and a wrong answer spends the challenge too (no online guessing). Expired and used challenges answer `valid: false` with the reason for a minute after expiry; then, like an unknown id or another tenant\'s, 404. Every answer carries a receipt signed by the tenant\'s attestation key, verifiable offline.',
    scope: 'challenges:manage',
    request: { params, body },
    input,
    status: 200,
    response,
    responseDescription: 'The verdict and its signed receipt.',
    extraProblems: ['not-found'],
    rateClass: 'crypto',
    // At most an ML-DSA-87 verification, and the receipt's ML-DSA-65 signature.
    cost: (_input, _found, ctx) => cryptoCost(ctx, 'ML-DSA-87', 'verify') + cryptoCost(ctx, 'ML-DSA-65', 'sign'),
    // The verdict, so that guessing shows in the trail: `ok` when valid, else its reason.
    audit: { event: 'challenges.validate', subject: () => ({ keyId: null }), outcome: (result) => result.reason ?? 'ok' },
    async handle(input, ctx) {
      const v = await validateChallenge(ctx, { challengeId: input.challenge_id, response: input.response });
      return {
        valid: v.valid,
        reason: v.reason,
        challenge_id: v.challengeId,
        client_id: v.clientId,
        validated_at: v.validatedAt,
        receipt_signature: encodeBase64(v.receiptSignature),
      };
    },
  });
}
