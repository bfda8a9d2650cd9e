/**
 * The embedded audit trail: a fixed-size ring buffer per tenant, in this process. Holds exactly
 * the `maxEntries` newest entries of each tenant; nothing survives a restart (like the embedded
 * store it accompanies). Ids are made the way Redis makes stream ids: `<ms>-<seq>`, strictly
 * increasing per tenant even when the clock stands still or steps back.
 * @module
 */
import { AUDIT_CURSOR, type AuditEntry, type AuditLog, type AuditLogOptions, type AuditPage, type AuditRecord } from './audit.ts';
import { systemClock, type Clock } from './store.ts';

type Id = readonly [ms: number, seq: number];

class Ring {
  readonly #slots: { id: Id; entry: AuditEntry }[] = [];
  /** Where the next entry goes once the ring is full (the oldest slot). */
  #next = 0;
  last: Id = [0, -1];

  constructor(private readonly capacity: number) {}

  push(id: Id, entry: AuditEntry): void {
    this.last = id;
    if (this.#slots.length < this.capacity) {
      this.#slots.push({ id, entry });
      return;
    }
    this.#slots[this.#next] = { id, entry };
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** Newest first. */
  *newestFirst(): Generator<{ id: Id; entry: AuditEntry }> {
    const n = this.#slots.length;
    const newest = n < this.capacity ? n - 1 : (this.#next - 1 + n) % n;
    for (let i = 0; i < n; i++) yield this.#slots[(newest - i + n) % n]!;
  }
}

const before = (a: Id, b: Id) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

export class MemoryAuditLog implements AuditLog {
  readonly kind = 'memory' as const;
  readonly #rings = new Map<string, Ring>();
  readonly #maxEntries: number;
  readonly #clock: Clock;

  constructor({ maxEntries, clock = systemClock }: AuditLogOptions) {
    if (!(Number.isSafeInteger(maxEntries) && maxEntries >= 1)) throw new RangeError('maxEntries must be a whole number >= 1');
    this.#maxEntries = maxEntries;
    this.#clock = clock;
  }

  async append(record: AuditRecord): Promise<AuditEntry> {
    let ring = this.#rings.get(record.tenant);
    if (!ring) this.#rings.set(record.tenant, (ring = new Ring(this.#maxEntries)));
    const now = Math.floor(this.#clock());
    const id: Id = now > ring.last[0] ? [now, 0] : [ring.last[0], ring.last[1] + 1];
    const entry: AuditEntry = Object.freeze({ ...record, id: `${id[0]}-${id[1]}` });
    ring.push(id, entry);
    return entry;
  }

  async list(tenant: string, { cursor, limit }: { readonly cursor?: string; readonly limit: number }): Promise<AuditPage> {
    const ring = this.#rings.get(tenant);
    if (!ring) return { entries: [], nextCursor: null };
    const bound = cursor === undefined ? undefined : parseId(cursor);
    const entries: AuditEntry[] = [];
    let more = false;
    for (const { id, entry } of ring.newestFirst()) {
      if (bound && !before(id, bound)) continue;
      if (entries.length === limit) {
        more = true;
        break;
      }
      entries.push(entry);
    }
    return { entries, nextCursor: more ? entries[entries.length - 1]!.id : null };
  }
}

function parseId(cursor: string): Id {
  if (!AUDIT_CURSOR.test(cursor)) throw new RangeError('not an audit cursor');
  const [ms, seq] = cursor.split('-').map(Number) as [number, number];
  return [ms, seq];
}
