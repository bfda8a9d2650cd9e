/**
 * The audit trail port: what was done with a tenant's keys and tokens, one entry per request,
 * kept per tenant in the store (`store.audit`). Two implementations pass one contract suite
 * (test/stores/audit-contract.ts): ring buffers in this process (audit-memory.ts) and Redis
 * streams (audit-redis.ts).
 *
 * An entry holds who did what to which keys or token, when, with which outcome, and the server's
 * own request id (with the id the client sent kept beside it, as such: a client may call its
 * request `admin-maintenance`). It never holds a secret: no credential, no key material, no
 * shared key, no message; the types below have no field that could carry one.
 *
 * The trail must survive the party it records (issue "Fair under hostile load", item 3):
 * - Two lanes per tenant, each capped on its own, the oldest dropped first: **security** events
 *   (keys made, rotated, deleted; tokens minted, revoked: SECURITY_EVENTS, when they changed
 *   something) capped by `maxSecurityEntries`, and **use** entries (decapsulate, sign, verify,
 *   encrypt, ... and every refused request) capped by `maxEntries`. A flood of uses cannot push a
 *   security event out.
 * - A budget per token: at most `entriesPerTokenPerMinute` use entries per token and fixed minute
 *   window. Past it, the token's further use entries are folded into ONE `audit.suppressed`
 *   summary entry per token and window (how many entries, how many items, which keys): never
 *   lost, and never more than budget + 1 entries per token and minute in the use lane. Security
 *   events are never folded. API keys (the tenant's own credential) have no budget.
 *
 * Entry ids (also the paging cursors) have the form `<ms>-<seq>`, as Redis stream ids do, and
 * increase strictly within a tenant across both lanes: a page is "the `limit` newest entries of
 * both lanes older than the cursor", so cursors of the one-lane trail stay valid.
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
  'hpke.seal',
  'hpke.open',
  'keys.rotate',
  'keys.delete',
  'tokens.mint',
  'tokens.revoke',
  'clients.register',
  'clients.delete',
  'sessions.open',
  'sessions.end',
  'challenges.create',
  'challenges.validate',
  /** Written by the audit log itself: a token's use entries past its budget, counted. */
  'audit.suppressed',
] as const);
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

/**
 * Events that change what a tenant has (a stored key made, rotated or deleted; a token minted or
 * revoked). kem.encapsulate is recorded only when it stores the shared key it made. They go to
 * the security lane when they changed something (outcome `ok` or, for a batch, `partial`); a
 * refused attempt is a use entry like any other (so refusals cannot flood the security lane).
 */
export const SECURITY_EVENTS: ReadonlySet<AuditEvent> = new Set(['kem.keypair', 'kem.encapsulate', 'dsa.keypair', 'keys.rotate', 'keys.delete', 'tokens.mint', 'tokens.revoke', 'clients.register', 'clients.delete', 'sessions.open', 'sessions.end']);

/** At most this many distinct key ids are kept per entry (a batch may name up to MAX_BATCH). */
export const AUDIT_MAX_KEY_IDS = 100;
/** The budget window: fixed minutes of the clock. */
export const AUDIT_BUDGET_WINDOW_MS = 60_000;

export type AuditLane = 'security' | 'use';

export interface AuditRecord {
  /** Milliseconds since the epoch. */
  readonly timeMs: number;
  readonly tenant: string;
  readonly operation: AuditEvent;
  /**
   * 'ok', or the problem type the request was answered with ('not-found', 'forbidden', ...). A
   * batch answered 200 records 'ok' when every item succeeded, 'partial' when some did, else the
   * first item's problem type.
   */
  readonly outcome: string;
  /** The server's own id of the request (never one the client chose). */
  readonly requestId: string;
  /** The X-Request-Id the client sent, when it sent a sane one; null otherwise. */
  readonly clientRequestId: string | null;
  /** The token that made the request; null when it was an API key. */
  readonly tokenId: string | null;
  /** That token's ancestors, root first ([] for a root token or an API key): its lineage. */
  readonly tokenAncestors: readonly string[];
  /** The first (or only) stored key used or made; null when none was (or the tenant's default signing key). */
  readonly keyId: string | null;
  /** Every stored key the request named, distinct, in order, at most AUDIT_MAX_KEY_IDS (keyId first). */
  readonly keyIds: readonly string[];
  /** How many operations the request asked for: 1, or a batch's number of items. */
  readonly itemCount: number;
  /** The token minted or revoked; null for key use. */
  readonly targetTokenId: string | null;
  /** The registered client that made the request (signed, or with a token issued to it); absent otherwise. */
  readonly clientId?: string;
  /** The client registered or deleted (clients.register, clients.delete); absent otherwise. */
  readonly targetClientId?: string;
  /** The session opened or ended (sessions.open, sessions.end); absent otherwise. */
  readonly targetSessionId?: string;
}

export interface AuditEntry extends AuditRecord {
  /** `<ms>-<seq>`: unique and increasing within the tenant; the cursor for the next page. */
  readonly id: string;
  /** For `audit.suppressed`: how many entries were folded into it; 0 for every other entry. */
  readonly suppressed: number;
}

export interface AuditPage {
  /** Newest first. */
  readonly entries: readonly AuditEntry[];
  /** The cursor of the next (older) page; null when there are no older entries. */
  readonly nextCursor: string | null;
}

/**
 * Who reads: a credential restricted to some keys (a token with key_ids) sees only entries
 * naming one of its keys and entries of its own lineage (made by itself or a descendant), with
 * every key outside its list left out. `keyIds: null` sees the tenant's whole trail.
 */
export interface AuditViewer {
  readonly tokenId: string | null;
  readonly keyIds: readonly string[] | null;
}

export interface AuditQuery {
  readonly cursor?: string;
  readonly limit: number;
  readonly viewer?: AuditViewer;
}

export interface AuditLog {
  readonly kind: 'memory' | 'redis';
  /**
   * Records an entry under its tenant, in its lane, dropping that lane's oldest past its cap;
   * a use entry past its token's budget is folded into the token's summary entry instead.
   * Answers the entry now holding the record (the summary when folded). Rejects with
   * StoreUnavailableError when it cannot.
   */
  append(record: AuditRecord): Promise<AuditEntry>;
  /**
   * The tenant's `limit` newest entries of both lanes older than `cursor` (from the newest when
   * absent) that the viewer may see. For a restricted viewer a page may hold fewer than `limit`
   * entries while `nextCursor` is not null (at most AUDIT_SCAN_MAX entries are read per page).
   */
  list(tenant: string, query: AuditQuery): Promise<AuditPage>;
}

/** The form of an entry id and cursor (unchanged since the one-lane trail: old cursors work). */
export const AUDIT_CURSOR = /^\d{1,15}-\d{1,15}$/;

export interface AuditLogOptions {
  /** Use entries kept per tenant (AUDIT_MAX_ENTRIES). The Redis stream trims approximately (`MAXLEN ~`). */
  readonly maxEntries: number;
  /** Security entries kept per tenant (AUDIT_MAX_SECURITY_ENTRIES); default maxEntries. */
  readonly maxSecurityEntries?: number;
  /** Use entries per token and minute written one by one (AUDIT_ENTRIES_PER_TOKEN_PER_MINUTE); 0: no budget. Default 0. */
  readonly entriesPerTokenPerMinute?: number;
  readonly clock?: Clock;
}

/** The options checked, with their defaults. */
export function auditSettings(options: AuditLogOptions): Required<Omit<AuditLogOptions, 'clock'>> {
  const { maxEntries, maxSecurityEntries = maxEntries, entriesPerTokenPerMinute = 0 } = options;
  for (const [name, value, min] of [['maxEntries', maxEntries, 1], ['maxSecurityEntries', maxSecurityEntries, 1], ['entriesPerTokenPerMinute', entriesPerTokenPerMinute, 0]] as const) {
    if (!(Number.isSafeInteger(value) && value >= min)) throw new RangeError(`${name} must be a whole number >= ${min}`);
  }
  return { maxEntries, maxSecurityEntries, entriesPerTokenPerMinute };
}

/** Which lane a record goes to. */
export function laneOf(record: Pick<AuditRecord, 'operation' | 'outcome'>): AuditLane {
  return SECURITY_EVENTS.has(record.operation) && (record.outcome === 'ok' || record.outcome === 'partial') ? 'security' : 'use';
}

/**
 * The outcome of a batch's one entry from its items' outcomes ('ok' or a problem type each):
 * 'ok' when every item succeeded, 'partial' when some did, else the first item's problem type.
 */
export function batchOutcome(items: readonly string[]): string {
  const ok = items.filter((o) => o === 'ok').length;
  if (ok === items.length) return 'ok';
  return ok > 0 ? 'partial' : items[0]!;
}

/** keyId first, then keyIds, each once, at most AUDIT_MAX_KEY_IDS. */
export function boundedKeyIds(keyId: string | null, keyIds: readonly string[]): string[] {
  const out = new Set<string>();
  if (keyId !== null) out.add(keyId);
  for (const id of keyIds) {
    if (out.size >= AUDIT_MAX_KEY_IDS) break;
    out.add(id);
  }
  return [...out];
}

/** The record as the adapters keep it: key ids bounded, counts whole. */
export function normalized(record: AuditRecord): AuditRecord {
  const keyIds = boundedKeyIds(record.keyId, record.keyIds ?? []);
  return {
    ...record,
    clientRequestId: record.clientRequestId ?? null,
    tokenAncestors: [...(record.tokenAncestors ?? [])],
    keyId: record.keyId ?? keyIds[0] ?? null,
    keyIds,
    itemCount: Number.isSafeInteger(record.itemCount) && record.itemCount >= 1 ? record.itemCount : 1,
  };
}

/**
 * The summary a use entry past its token's budget is folded into: the newest request's ids and
 * time, the items and keys of every folded entry added up.
 */
export function foldInto(summary: AuditEntry | undefined, record: AuditRecord): Omit<AuditEntry, 'id'> {
  const keyIds = boundedKeyIds(null, [...(summary?.keyIds ?? []), ...record.keyIds]);
  return {
    timeMs: record.timeMs,
    tenant: record.tenant,
    operation: 'audit.suppressed',
    outcome: 'ok',
    requestId: record.requestId,
    clientRequestId: record.clientRequestId,
    tokenId: record.tokenId,
    tokenAncestors: record.tokenAncestors,
    keyIds,
    keyId: keyIds[0] ?? null,
    itemCount: (summary?.itemCount ?? 0) + record.itemCount,
    targetTokenId: null,
    suppressed: (summary?.suppressed ?? 0) + 1,
  };
}

// --- ids and listing, shared by both adapters ---------------------------------------------------

export type AuditId = readonly [ms: number, seq: number];

export function parseAuditId(id: string): AuditId {
  if (!AUDIT_CURSOR.test(id)) throw new RangeError('not an audit cursor');
  const dash = id.indexOf('-');
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

/** Negative when a is older than b. */
export function compareAuditIds(a: AuditId, b: AuditId): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

/** Entries read per lane and round when a restricted viewer's page is gathered. */
const SCAN_CHUNK = 200;
/** Most entries read for one page of a restricted viewer. */
export const AUDIT_SCAN_MAX = 5_000;

/**
 * One lane's entries of a tenant older than `before` (all when undefined), newest first, at most
 * `count`: what each adapter provides.
 */
export type LaneReader = (lane: AuditLane, before: string | undefined, count: number) => Promise<AuditEntry[]>;

/** The newest `count` entries of both lanes older than `before`, newest first, and whether older ones remain. */
async function merged(read: LaneReader, before: string | undefined, count: number): Promise<{ entries: AuditEntry[]; more: boolean }> {
  const [security, use] = await Promise.all([read('security', before, count + 1), read('use', before, count + 1)]);
  const all = [...security, ...use].sort((a, b) => compareAuditIds(parseAuditId(b.id), parseAuditId(a.id)));
  return { entries: all.slice(0, count), more: all.length > count };
}

/** A page of both lanes for the viewer (see AuditLog.list). */
export async function listLanes(read: LaneReader, { cursor, limit, viewer }: AuditQuery): Promise<AuditPage> {
  if (cursor !== undefined) parseAuditId(cursor);
  const sees = viewer && viewer.keyIds !== null ? viewFor(viewer) : undefined;
  if (!sees) {
    const { entries, more } = await merged(read, cursor, limit);
    return { entries, nextCursor: more ? entries[entries.length - 1]!.id : null };
  }
  const entries: AuditEntry[] = [];
  let before = cursor;
  let scanned = 0;
  for (;;) {
    const chunk = await merged(read, before, SCAN_CHUNK);
    for (let i = 0; i < chunk.entries.length; i++) {
      const entry = chunk.entries[i]!;
      scanned++;
      const seen = sees(entry);
      if (seen) entries.push(seen);
      const last = i === chunk.entries.length - 1 && !chunk.more;
      if (entries.length === limit || (scanned >= AUDIT_SCAN_MAX && !last)) return { entries, nextCursor: last ? null : entry.id };
    }
    if (!chunk.more) return { entries, nextCursor: null };
    before = chunk.entries[chunk.entries.length - 1]!.id;
  }
}

/**
 * What a restricted viewer sees of an entry: undefined for nothing. Keys outside its list are
 * left out of every entry it sees, its own lineage's included (a descendant refused a key it
 * named would otherwise show that key's id to its ancestor).
 */
function viewFor(viewer: AuditViewer): (entry: AuditEntry) => AuditEntry | undefined {
  const allowed = new Set(viewer.keyIds);
  const me = viewer.tokenId;
  return (entry) => {
    // Its own lineage: made by itself or by a token it made (directly or further down).
    const mine = me !== null && (entry.tokenId === me || entry.tokenAncestors.includes(me));
    const keyIds = entry.keyIds.filter((id) => allowed.has(id));
    if (!mine && keyIds.length === 0) return undefined;
    if (keyIds.length === entry.keyIds.length && (entry.keyId === null || allowed.has(entry.keyId))) return entry;
    return { ...entry, keyIds, keyId: entry.keyId !== null && allowed.has(entry.keyId) ? entry.keyId : (keyIds[0] ?? null) };
  };
}
