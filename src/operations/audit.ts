/**
 * The audit trail below HTTP: a page of the caller tenant's entries, newest first. A token
 * restricted to some keys (key_ids) reads only entries about its keys and its own lineage, never
 * another key's id (the filter is the port's: stores/audit.ts, AuditViewer).
 * @module
 */
import type { AuditPage } from '../stores/audit.ts';
import type { OperationContext } from './context.ts';

export function listAudit({ principal, services }: OperationContext, page: { readonly cursor?: string | undefined; readonly limit: number }): Promise<AuditPage> {
  const viewer = { tokenId: principal.token?.id ?? null, keyIds: principal.keyIds };
  return services.audit.list(principal.tenant, { cursor: page.cursor, limit: page.limit, viewer });
}
