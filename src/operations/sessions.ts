/**
 * Login sessions below HTTP (sessions/service.ts): opening one (a request signed by a registered
 * client), listing and ending them. Who sees what: a client (its signed request, or a token issued
 * to it) sees and ends only its own sessions; a credential with `clients:manage` (an API key, a
 * token given that scope) sees and ends every session of the tenant, optionally of one client.
 * Anyone else: 403.
 * @module
 */
import type { Principal } from '../auth/scopes.ts';
import type { OpenedSession, OpenSessionInput } from '../sessions/service.ts';
import type { SessionPage } from '../stores/sessions.ts';
import { cryptoJob, type OperationContext } from './context.ts';
import { NotAllowedError } from './errors.ts';

/** @throws see SessionService.open */
export async function openSession(ctx: OperationContext, input: OpenSessionInput): Promise<OpenedSession> {
  return ctx.services.sessions.open(ctx.principal, input, cryptoJob(ctx));
}

/** Whose sessions the caller may see: its own client's, or (clients:manage) the tenant's. */
function visibleClient(principal: Principal, asked: string | undefined): string | undefined {
  if (principal.client) {
    if (asked !== undefined && asked !== principal.client.id) throw new NotAllowedError("A client sees only its own sessions: leave client_id out, or name your own.");
    return principal.client.id;
  }
  if (!principal.scopes.includes('clients:manage')) throw new NotAllowedError('Listing or ending sessions needs the clients:manage scope, or a request by the client itself.');
  return asked;
}

export async function listSessions({ principal, services }: OperationContext, options: { readonly clientId?: string | undefined; readonly cursor?: string | undefined; readonly limit: number }): Promise<SessionPage> {
  return services.sessions.list(principal.tenant, { clientId: visibleClient(principal, options.clientId), cursor: options.cursor, limit: options.limit });
}

/** Ends a session (its token dies everywhere at once). @throws SessionNotFoundError (404, also another client's) */
export async function endSession({ principal, services }: OperationContext, sessionId: string): Promise<void> {
  await services.sessions.end(principal.tenant, sessionId, visibleClient(principal, undefined));
}
