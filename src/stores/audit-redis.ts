/**
 * The shared audit trail: one Redis stream per tenant, `pqapi:{t:<tenant>}:audit`, under the
 * tenant's hash tag (Redis Cluster keeps it in the tenant's slot). Each entry is one `XADD ...
 * MAXLEN ~ <maxEntries>`: Redis trims whole stream nodes, so a stream holds at least the cap and
 * at most about one node (`stream-node-max-entries`, 100 by default) more; trimming costs nothing
 * per write. Entry ids are Redis's own (`<ms>-<seq>`, increasing per stream), which gives the
 * paging cursors: `XREVRANGE key (<cursor> - COUNT n`.
 *
 * It runs on the RedisStore's connection, with its deadline and fail-closed errors: when Redis
 * cannot take the entry (down, OOM under `maxmemory`, ...) append rejects with
 * StoreUnavailableError.
 * @module
 */
import type { RedisStore } from './redis.ts';
import { AUDIT_CURSOR, AUDIT_EVENTS, type AuditEntry, type AuditLog, type AuditLogOptions, type AuditPage, type AuditRecord } from './audit.ts';

/** What is stored in the stream entry's one field `e` (short names: the stream may hold millions). */
interface Stored {
  t: number;
  op: string;
  out: string;
  rid: string;
  tok: string | null;
  key: string | null;
  tgt: string | null;
}

export class RedisAuditLog implements AuditLog {
  readonly kind = 'redis' as const;
  readonly #store: RedisStore;
  readonly #maxEntries: number;

  constructor(store: RedisStore, { maxEntries }: Omit<AuditLogOptions, 'clock'>) {
    if (!(Number.isSafeInteger(maxEntries) && maxEntries >= 1)) throw new RangeError('maxEntries must be a whole number >= 1');
    this.#store = store;
    this.#maxEntries = maxEntries;
  }

  async append(record: AuditRecord): Promise<AuditEntry> {
    const stored: Stored = {
      t: record.timeMs,
      op: record.operation,
      out: record.outcome,
      rid: record.requestId,
      tok: record.tokenId,
      key: record.keyId,
      tgt: record.targetTokenId,
    };
    const key = this.#key(record.tenant);
    const id = await this.#store.withClient((client) => client.xadd(key, 'MAXLEN', '~', this.#maxEntries, '*', 'e', JSON.stringify(stored)));
    if (typeof id !== 'string') throw new Error('unexpected answer from redis to XADD');
    return { ...record, id };
  }

  async list(tenant: string, { cursor, limit }: { readonly cursor?: string; readonly limit: number }): Promise<AuditPage> {
    if (cursor !== undefined && !AUDIT_CURSOR.test(cursor)) throw new RangeError('not an audit cursor');
    // Nothing is older than 0-0 (and Redis refuses the exclusive bound "(0-0").
    if (cursor !== undefined && /^0+-0+$/.test(cursor)) return { entries: [], nextCursor: null };
    const key = this.#key(tenant);
    const end = cursor === undefined ? '+' : `(${cursor.split('-').map((n) => BigInt(n).toString()).join('-')}`;
    const rows = await this.#store.withClient((client) => client.xrevrange(key, end, '-', 'COUNT', limit + 1));
    const entries = rows.slice(0, limit).flatMap(([id, fields]) => {
      const entry = parse(tenant, id, fields);
      return entry ? [entry] : [];
    });
    return { entries, nextCursor: rows.length > limit ? rows[limit - 1]![0] : null };
  }

  #key(tenant: string): string {
    return this.#store.tenantKey(tenant, 'audit');
  }
}

/** An entry as this module wrote it; anything else in the stream is skipped. */
function parse(tenant: string, id: string, fields: string[]): AuditEntry | undefined {
  const json = fields[0] === 'e' ? fields[1] : undefined;
  if (json === undefined) return undefined;
  let s: Stored;
  try {
    s = JSON.parse(json) as Stored;
  } catch {
    return undefined;
  }
  const operation = AUDIT_EVENTS.find((e) => e === s.op);
  if (!operation) return undefined;
  return {
    id,
    timeMs: s.t,
    tenant,
    operation,
    outcome: s.out,
    requestId: s.rid,
    tokenId: s.tok,
    keyId: s.key,
    targetTokenId: s.tgt,
  };
}
