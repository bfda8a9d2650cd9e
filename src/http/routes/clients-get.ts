/** GET /v1/clients/{client_id}, DELETE /v1/clients/{client_id}: one registered client. */
import { deleteClient, getClient } from '../../operations/clients.ts';
import { ClientDescriptionSchema, clientIdField, describeClient } from '../client-view.ts';
import { DEMO } from '../examples.ts';
import { defineRoute } from '../route.ts';
import { z } from '../zod.ts';

/** `example`: a demonstration client (a deletable one for the delete example, so the others stay). */
const params = (example: string) =>
  z.object({
    client_id: clientIdField().openapi({ param: { name: 'client_id', in: 'path' }, description: 'A `client_id` of yours.', example }),
  });

export function clientsGetRoute() {
  const p = params(DEMO.clientId);
  return defineRoute({
    method: 'get',
    path: '/v1/clients/{client_id}',
    operationId: 'clientsGet',
    tag: 'Clients',
    summary: 'Describe a registered client',
    description: "A registered client's public description. 404 when it is not the caller tenant's, or has expired or been deleted.",
    scope: 'clients:manage',
    rateClass: 'read',
    request: { params: p },
    input: p,
    status: 200,
    response: ClientDescriptionSchema,
    responseDescription: 'The client.',
    extraProblems: ['not-found'],
    async handle(input, ctx) {
      return describeClient(await getClient(ctx, input.client_id));
    },
  });
}

export function clientsDeleteRoute() {
  const p = params(DEMO.deletableClientId);
  return defineRoute({
    method: 'delete',
    path: '/v1/clients/{client_id}',
    operationId: 'clientsDelete',
    tag: 'Clients',
    summary: 'Delete a registered client',
    description:
      "Deletes a client: its signed requests are refused at once on every instance, its sessions end and their tokens (and the tokens those minted) are revoked everywhere before this answers. 404 when it is not the caller tenant's, or is already gone.",
    scope: 'clients:manage',
    rateClass: 'tokens',
    request: { params: p },
    input: p,
    status: 204,
    responseDescription: 'Deleted, with its sessions and their tokens.',
    extraProblems: ['not-found'],
    audit: { event: 'clients.delete', bestEffort: true, subject: (input) => ({ keyId: null, targetClientId: input?.client_id }) },
    async handle(input, ctx) {
      await deleteClient(ctx, input.client_id);
      return undefined;
    },
  });
}
