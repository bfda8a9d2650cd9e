/**
 * The audit trail below HTTP: a page of the caller tenant's entries, newest first.
 * @module
 */
import type { AuditPage } from '../stores/audit.ts';
import type { OperationContext } from './context.ts';

export function listAudit({ principal, services }: OperationContext, page: { readonly cursor?: string | undefined; readonly limit: number }): Promise<AuditPage> {
  return services.audit.list(principal.tenant, { cursor: page.cursor, limit: page.limit });
}
