/** GET /v1/tokens/current: what the presented credential is and has left. Uses no attempt. */
import { SCOPES } from '../../auth/scopes.ts';
import { defineRoute } from '../route.ts';
import { z } from '../zod.ts';

export function tokensCurrentRoute() {
  const response = z
    .object({
      token_id: z.string().nullable().openapi({ description: 'The token id; null for an API key.', example: 'mC2sX0b5t4vXkq9Yw3m0Qg' }),
      expires_at: z.string().nullable().openapi({ description: 'RFC 3339 UTC expiry; null for an API key.', example: '2026-11-23T14:10:00.000Z' }),
      attempts_left: z.number().int().nullable().openapi({ description: 'Requests left; null when not limited by attempts.', example: 2 }),
      scopes: z.array(z.enum(SCOPES)).openapi({ example: ['kem:decapsulate'] }),
    })
    .openapi('TokenCurrentResponse');
  return defineRoute({
    method: 'get',
    path: '/v1/tokens/current',
    operationId: 'tokensCurrent',
    tag: 'Tokens',
    summary: 'Describe the presented credential',
    description:
      'Describes the token in the Authorization header (or the API key: no expiry, no attempt limit). Does not use an attempt, so a third party can check what it was given without spending it.',
    scope: null,
    // A third party may check what it was given without spending it.
    usesAttempt: false,
    rateClass: 'read',
    request: {},
    input: z.object({}),
    status: 200,
    response,
    responseDescription: 'The credential.',
    async handle(_input, { principal }) {
      const token = principal.token;
      return {
        token_id: token?.id ?? null,
        expires_at: token ? new Date(token.expiresAtMs).toISOString() : null,
        attempts_left: token?.attemptsLeft ?? null,
        scopes: [...principal.scopes],
      };
    },
  });
}
