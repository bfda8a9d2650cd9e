/**
 * Registered clients below HTTP (BRIEF, "Clients with their own keys"): register, read, list and
 * delete the tenant's clients (clients/service.ts holds the narrowing rules and the store), and
 * the one rule that spans two services: deleting a client ends its sessions, whose tokens die on
 * every instance at once (sessions/service.ts).
 * @module
 */
import type { RegisterClientInput } from '../clients/service.ts';
import type { ClientPage, ClientRecord } from '../stores/clients.ts';
import type { OperationContext } from './context.ts';

/** @throws InvalidInputError (422), NotAllowedError (403), KeyNotFoundError (404), ClientQuotaExceededError (429) */
export async function registerClient({ principal, services }: OperationContext, input: RegisterClientInput): Promise<ClientRecord> {
  return services.clients.register(principal, input);
}

export async function listClients({ principal, services }: OperationContext, options: { readonly cursor?: string | undefined; readonly limit: number }): Promise<ClientPage> {
  return services.clients.list(principal, { limit: options.limit, ...(options.cursor !== undefined ? { cursor: options.cursor } : {}) });
}

/** @throws ClientNotFoundError (404: also another tenant's, an expired or deleted one) */
export async function getClient({ principal, services }: OperationContext, clientId: string): Promise<ClientRecord> {
  return services.clients.get(principal, clientId);
}

/**
 * Deletes a client: its next signed request is refused on every instance; then its sessions end
 * and their tokens (and the tokens those minted) are revoked in the token store. A login racing
 * this cannot leave a session behind (sessions/service.ts says why).
 * @throws ClientNotFoundError
 */
export async function deleteClient({ principal, services }: OperationContext, clientId: string): Promise<{ readonly sessionsEnded: number }> {
  await services.clients.delete(principal, clientId);
  return { sessionsEnded: await services.sessions.endAllOf(principal.tenant, clientId) };
}
