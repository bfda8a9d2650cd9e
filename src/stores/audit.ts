/**
 * The audit trail port: every use of a stored key and every token mint or revocation, one entry
 * each, kept per tenant and capped at AUDIT_MAX_ENTRIES (the oldest go first). Two
 * implementations pass one contract suite (test/stores/audit-contract.ts): a ring buffer per
 * tenant in this process (audit-memory.ts) and a Redis stream per tenant (audit-redis.ts).
 *
 * An entry holds who did what to which key or token, when, with which outcome, and the request
 * id that ties it to the log lines of that request. It never holds a secret: no credential, no
 * key material, no shared key, no message; the types below have no field that could carry one.
 *
 * Entry ids (also the paging cursors) have the form `<ms>-<seq>`, as Redis stream ids do, and
 * increase strictly within a tenant: a page is "the `limit` newest entries older than the cursor".
 * @module
 */
import type { Clock } from './store.ts';

/** What is recorded, one name per kind of event (the routes declare theirs). */
export const AUDIT_EVENTS = Object.freeze([
  'kem.keypair',
  'kem.encapsulate',
  'kem.decapsulate',
  'dsa.keypair',
  'dsa.sign',
  'dsa.verify',
  'aes.encrypt',
  'aes.decrypt',
  'keys.rotate',
  'keys.delete',
  'tokens.mint',
  'tokens.revoke',
] as const);
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

export interface AuditRecord {
  /** Milliseconds since the epoch. */
  readonly timeMs: number;
  readonly tenant: string;
  readonly operation: AuditEvent;
  /** 'ok', or the problem type the request was answered with ('not-found', 'forbidden', ...). */
  readonly outcome: string;
  readonly requestId: string;
  /** The token that made the request; null when it was an API key. */
  readonly tokenId: string | null;
  /** The stored key used or made; null when none was (or the tenant's default signing key). */
  readonly keyId: string | null;
  /** The token minted or revoked; null for key use. */
  readonly targetTokenId: string | null;
}

export interface AuditEntry extends AuditRecord {
  /** `<ms>-<seq>`: unique and increasing within the tenant; the cursor for the next page. */
  readonly id: string;
}

export interface AuditPage {
  /** Newest first. */
  readonly entries: readonly AuditEntry[];
  /** The cursor of the next (older) page; null when there are no older entries. */
  readonly nextCursor: string | null;
}

export interface AuditLog {
  readonly kind: 'memory' | 'redis';
  /** Records an entry under its tenant, dropping the oldest past the cap. Rejects with StoreUnavailableError when it cannot. */
  append(record: AuditRecord): Promise<AuditEntry>;
  /** The tenant's `limit` newest entries older than `cursor` (from the newest when absent). */
  list(tenant: string, page: { readonly cursor?: string; readonly limit: number }): Promise<AuditPage>;
}

/** The form of an entry id and cursor. */
export const AUDIT_CURSOR = /^\d{1,15}-\d{1,15}$/;

export interface AuditLogOptions {
  /** Entries kept per tenant (AUDIT_MAX_ENTRIES). The Redis stream trims approximately (`MAXLEN ~`). */
  readonly maxEntries: number;
  readonly clock?: Clock;
}
