/** GET /v1/clients: the tenant's registered clients, a page at a time. */
import { listClients } from '../../operations/clients.ts';
import { ClientDescriptionSchema, clientIdField, describeClient } from '../client-view.ts';
import { defineRoute } from '../route.ts';
import { pageLimitField } from '../schemas.ts';
import { z } from '../zod.ts';

export const CLIENTS_PAGE_DEFAULT = 50;
export const CLIENTS_PAGE_MAX = 500;

export function clientsListRoute() {
  const query = z.strictObject({
    cursor: clientIdField().optional().openapi({ description: 'The `next_cursor` of the previous page; omit for the first page.' }),
    limit: pageLimitField(CLIENTS_PAGE_DEFAULT, CLIENTS_PAGE_MAX, 'Clients'),
  });
  const response = z
    .object({
      clients: z.array(ClientDescriptionSchema).openapi({ description: "The tenant's unexpired clients, in client_id order." }),
      next_cursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last.', example: null }),
    })
    .openapi('ClientsListResponse');
  return defineRoute({
    method: 'get',
    path: '/v1/clients',
    operationId: 'clientsList',
    tag: 'Clients',
    summary: "List the tenant's registered clients",
    description: "The caller tenant's registered clients (public keys, scopes, expiry), a page at a time. Expired and deleted clients are not listed.",
    scope: 'clients:manage',
    rateClass: 'read',
    request: { query },
    input: z.strictObject({ cursor: z.string().optional(), limit: z.number().int().optional() }),
    status: 200,
    response,
    responseDescription: 'A page of clients.',
    async handle(input, ctx) {
      const page = await listClients(ctx, { cursor: input.cursor, limit: input.limit ?? CLIENTS_PAGE_DEFAULT });
      return { clients: page.clients.map(describeClient), next_cursor: page.nextCursor };
    },
  });
}
