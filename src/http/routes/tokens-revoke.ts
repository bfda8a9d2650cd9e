/** DELETE /v1/tokens/{token_id}: kills a token (and every token it minted) on every instance. */
import { isTokenId } from '../../auth/tokens.ts';
import { notFound } from '../problems.ts';
import { defineRoute } from '../route.ts';
import { z } from '../zod.ts';

export function tokensRevokeRoute() {
  const params = z.object({
    token_id: z
      .string()
      .refine(isTokenId, 'must be a token_id returned by POST /v1/tokens')
      .openapi({ param: { name: 'token_id', in: 'path' }, description: 'The `token_id` from `POST /v1/tokens`.', example: 'mC2sX0b5t4vXkq9Yw3m0Qg' }),
  });
  return defineRoute({
    method: 'delete',
    path: '/v1/tokens/{token_id}',
    operationId: 'tokensRevoke',
    tag: 'Tokens',
    summary: 'Revoke a token',
    description:
      "Revokes a token of the caller's tenant, and with it every token it minted. Takes effect at once on every instance sharing the store. Another tenant's token, or an unknown or already dead one, is 404.",
    scope: 'tokens:create',
    request: { params },
    input: params,
    status: 204,
    responseDescription: 'Revoked.',
    rateClass: 'tokens',
    audit: { event: 'tokens.revoke', subject: (input) => ({ targetTokenId: input?.token_id }) },
    extraProblems: ['not-found'],
    async handle(input, { principal, services }) {
      const revoked = await services.tokens.revoke(principal.tenant, input.token_id);
      if (!revoked) throw notFound('No live token of yours has this token_id.');
      return undefined;
    },
  });
}
