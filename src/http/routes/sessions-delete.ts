/** DELETE /v1/sessions/{session_id}: ends a session; its token dies on every instance at once. */
import { endSession } from '../../operations/sessions.ts';
import { sessionIdField } from '../client-view.ts';
import { DEMO } from '../examples.ts';
import { defineRoute } from '../route.ts';
import { z } from '../zod.ts';

export function sessionsDeleteRoute() {
  const params = z.object({
    session_id: sessionIdField().openapi({ param: { name: 'session_id', in: 'path' }, description: 'A `session_id` from POST /v1/sessions or GET /v1/sessions.', example: DEMO.sessionId }),
  });
  return defineRoute({
    method: 'delete',
    path: '/v1/sessions/{session_id}',
    operationId: 'sessionsDelete',
    tag: 'Clients',
    summary: 'End a session (log out)',
    description:
      "Ends a session: its token (and every token it minted) is revoked on every instance at once. A client ends its own sessions (a session's token may end its own: log out); `clients:manage` ends any of the tenant's. 404 for a session the caller may not end, or that has ended.",
    scope: null,
    rateClass: 'tokens',
    request: { params },
    input: params,
    status: 204,
    responseDescription: 'Ended.',
    extraProblems: ['not-found', 'forbidden'],
    audit: { event: 'sessions.end', bestEffort: true, subject: (input) => ({ keyId: null, targetSessionId: input?.session_id }) },
    async handle(input, ctx) {
      await endSession(ctx, input.session_id);
      return undefined;
    },
  });
}
