/**
 * The embedded audit trail: per tenant, two lanes (security, use) each holding exactly its cap of
 * newest entries, in this process; nothing survives a restart (like the embedded store it belongs
 * to). Ids are made the way Redis makes stream ids, `<ms>-<seq>`, from one sequence per tenant
 * for both lanes: strictly increasing even when the clock stands still or steps back.
 *
 * A lane is an array in id order with a moving head; a token's summary entry moves to the front
 * each time an entry is folded into it (as on Redis: XDEL, then XADD), which leaves a hole that
 * does not count against the cap and is compacted away.
 * @module
 */
import {
  AUDIT_BUDGET_WINDOW_MS,
  auditSettings,
  compareAuditIds,
  foldInto,
  laneOf,
  listLanes,
  normalized,
  parseAuditId,
  type AuditEntry,
  type AuditId,
  type AuditLane,
  type AuditLog,
  type AuditLogOptions,
  type AuditPage,
  type AuditQuery,
  type AuditRecord,
} from './audit.ts';
import { systemClock, type Clock } from './store.ts';

interface Slot {
  readonly id: AuditId;
  /** undefined: taken back (a summary that moved to the front). */
  entry: AuditEntry | undefined;
}

class Lane {
  #slots: Slot[] = [];
  #head = 0;
  #live = 0;

  constructor(private readonly capacity: number) {}

  push(slot: Slot): void {
    this.#slots.push(slot);
    this.#live++;
    while (this.#live > this.capacity) {
      const oldest = this.#slots[this.#head++]!;
      if (oldest.entry) this.#live--;
    }
    const holes = this.#slots.length - this.#head - this.#live;
    if (this.#head > 1024 || holes > this.#live + 64) this.#compact();
  }

  /** Takes back the entry with this id, if the lane still holds it. */
  remove(id: AuditId): void {
    const i = this.#indexAfter(id) - 1;
    const slot = i >= this.#head ? this.#slots[i] : undefined;
    if (slot?.entry && compareAuditIds(slot.id, id) === 0) {
      slot.entry = undefined;
      this.#live--;
    }
  }

  /** Entries older than `before` (all when undefined), newest first, at most `count`. */
  read(before: AuditId | undefined, count: number): AuditEntry[] {
    const out: AuditEntry[] = [];
    const end = before ? this.#indexAfter(before, true) : this.#slots.length;
    for (let i = end - 1; i >= this.#head && out.length < count; i--) {
      const entry = this.#slots[i]!.entry;
      if (entry) out.push(entry);
    }
    return out;
  }

  /** The first index at or after head whose id is greater than `id` (or >= it when `inclusive`). */
  #indexAfter(id: AuditId, inclusive = false): number {
    let lo = this.#head;
    let hi = this.#slots.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareAuditIds(this.#slots[mid]!.id, id);
      if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #compact(): void {
    this.#slots = this.#slots.slice(this.#head).filter((s) => s.entry);
    this.#head = 0;
  }
}

interface Tenant {
  readonly lanes: Record<AuditLane, Lane>;
  last: AuditId;
}

interface Budget {
  window: number;
  written: number;
  summary: AuditEntry | undefined;
}

export class MemoryAuditLog implements AuditLog {
  readonly kind = 'memory' as const;
  readonly #tenants = new Map<string, Tenant>();
  /** Per tenant and token: the current window's count and summary. */
  readonly #budgets = new Map<string, Budget>();
  #sweptWindow = 0;
  readonly #settings: ReturnType<typeof auditSettings>;
  readonly #clock: Clock;

  constructor(options: AuditLogOptions) {
    this.#settings = auditSettings(options);
    this.#clock = options.clock ?? systemClock;
  }

  async append(input: AuditRecord): Promise<AuditEntry> {
    const record = normalized(input);
    const lane = laneOf(record);
    const tenant = this.#tenant(record.tenant);
    const budget = this.#settings.entriesPerTokenPerMinute;
    if (lane === 'use' && budget > 0 && record.tokenId !== null) {
      const state = this.#budget(record.tenant, record.tokenId, Math.floor(record.timeMs / AUDIT_BUDGET_WINDOW_MS));
      if (++state.written > budget) {
        if (state.summary) tenant.lanes.use.remove(parseAuditId(state.summary.id));
        state.summary = this.#add(tenant, 'use', foldInto(state.summary, record));
        return state.summary;
      }
    }
    return this.#add(tenant, lane, { ...record, suppressed: 0 });
  }

  async list(tenant: string, query: AuditQuery): Promise<AuditPage> {
    const t = this.#tenants.get(tenant);
    return listLanes(async (lane, before, count) => (t ? t.lanes[lane].read(before === undefined ? undefined : parseAuditId(before), count) : []), query);
  }

  #add(tenant: Tenant, lane: AuditLane, fields: Omit<AuditEntry, 'id'>): AuditEntry {
    const now = Math.floor(this.#clock());
    const id: AuditId = now > tenant.last[0] ? [now, 0] : [tenant.last[0], tenant.last[1] + 1];
    tenant.last = id;
    const entry: AuditEntry = Object.freeze({ ...fields, id: `${id[0]}-${id[1]}` });
    tenant.lanes[lane].push({ id, entry });
    return entry;
  }

  #tenant(name: string): Tenant {
    let tenant = this.#tenants.get(name);
    if (!tenant) {
      const { maxEntries, maxSecurityEntries } = this.#settings;
      tenant = { lanes: { security: new Lane(maxSecurityEntries), use: new Lane(maxEntries) }, last: [0, -1] };
      this.#tenants.set(name, tenant);
    }
    return tenant;
  }

  #budget(tenant: string, token: string, window: number): Budget {
    // Windows before the previous one are forgotten, once per window: the map holds the tokens
    // active in about the last two minutes.
    if (window > this.#sweptWindow) {
      for (const [key, b] of this.#budgets) if (b.window < window - 1) this.#budgets.delete(key);
      this.#sweptWindow = window;
    }
    const key = `${tenant}\n${token}`;
    let state = this.#budgets.get(key);
    if (!state || state.window !== window) this.#budgets.set(key, (state = { window, written: 0, summary: undefined }));
    return state;
  }
}
