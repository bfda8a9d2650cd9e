/** GET /v1/sessions: open login sessions (a client's own, or with clients:manage the tenant's). */
import { listSessions } from '../../operations/sessions.ts';
import { clientIdField, describeSession, SessionDescriptionSchema, sessionIdField } from '../client-view.ts';
import { DEMO } from '../examples.ts';
import { defineRoute } from '../route.ts';
import { pageLimitField } from '../schemas.ts';
import { z } from '../zod.ts';

export const SESSIONS_PAGE_DEFAULT = 50;
export const SESSIONS_PAGE_MAX = 500;

export function sessionsListRoute() {
  const query = z.strictObject({
    client_id: clientIdField().optional().openapi({ description: "Only this client's sessions (a client sees only its own anyway).", example: DEMO.clientId }),
    cursor: sessionIdField().optional().openapi({ description: 'The `next_cursor` of the previous page; omit for the first page.' }),
    limit: pageLimitField(SESSIONS_PAGE_DEFAULT, SESSIONS_PAGE_MAX, 'Sessions'),
  });
  const response = z
    .object({
      sessions: z.array(SessionDescriptionSchema).openapi({ description: 'Open sessions, in session_id order.' }),
      next_cursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last.', example: null }),
    })
    .openapi('SessionsListResponse');
  return defineRoute({
    method: 'get',
    path: '/v1/sessions',
    operationId: 'sessionsList',
    tag: 'Clients',
    summary: 'List open sessions',
    description:
      "The open-sessions overview: device, creation, last use (exact to a minute) and expiry of each open session. A client (a request signed with its key, or a session's token) sees its own sessions; a credential with `clients:manage` sees the tenant's, optionally of one `client_id`; anyone else 403.",
    scope: null,
    rateClass: 'read',
    request: { query },
    input: z.strictObject({ client_id: z.string().optional(), cursor: z.string().optional(), limit: z.number().int().optional() }),
    status: 200,
    response,
    responseDescription: 'A page of open sessions.',
    extraProblems: ['forbidden'],
    async handle(input, ctx) {
      const page = await listSessions(ctx, { clientId: input.client_id, cursor: input.cursor, limit: input.limit ?? SESSIONS_PAGE_DEFAULT });
      return { sessions: page.sessions.map(describeSession), next_cursor: page.nextCursor };
    },
  });
}
