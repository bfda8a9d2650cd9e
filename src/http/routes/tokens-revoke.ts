/** DELETE /v1/tokens/{token_id}: kills a token (and every token it minted) on every instance. */
import { isTokenId } from '../../auth/tokens.ts';
import { revoke } from '../../operations/tokens.ts';
import { defineRoute } from '../route.ts';
import { DEMO } from '../examples.ts';
import { z } from '../zod.ts';

export function tokensRevokeRoute() {
  const params = z.object({
    token_id: z
      .string()
      .refine(isTokenId, 'must be a token_id returned by POST /v1/tokens')
      .openapi({ param: { name: 'token_id', in: 'path' }, description: 'The `token_id` from `POST /v1/tokens`. (The example names a demonstration token that the development server makes to be revoked.)', example: DEMO.tokenId }),
  });
  return defineRoute({
    method: 'delete',
    path: '/v1/tokens/{token_id}',
    operationId: 'tokensRevoke',
    tag: 'Tokens',
    summary: 'Revoke a token',
    description:
      "Revokes a token, and with it every token it minted. An API key may revoke any token of its tenant; a token (with `tokens:create`) only itself and the tokens minted below it. Takes effect at once on every instance sharing the store. A token the caller may not revoke (another tenant's, its parent, a sibling), or an unknown or already dead one, is 404.",
    scope: 'tokens:create',
    request: { params },
    input: params,
    status: 204,
    responseDescription: 'Revoked.',
    rateClass: 'tokens',
    audit: { event: 'tokens.revoke', subject: (input) => ({ targetTokenId: input?.token_id }), bestEffort: true },
    extraProblems: ['not-found'],
    async handle(input, ctx) {
      await revoke(ctx, input.token_id);
      return undefined;
    },
  });
}
