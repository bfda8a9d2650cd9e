/**
 * The embedded session store (see sessions.ts): per tenant, id -> record. A method body that does
 * not await is atomic in one process. An expired session is dropped when next touched and by the
 * periodic sweep.
 * @module
 */
import type { ListSessionsOptions, SessionPage, SessionRecord, SessionStore } from './sessions.ts';
import { systemClock, type Clock } from './store.ts';

export class MemorySessionStore implements SessionStore {
  readonly #clock: Clock;
  /** tenant -> id -> record. */
  readonly #tenants = new Map<string, Map<string, SessionRecord>>();

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  async create(session: SessionRecord): Promise<boolean> {
    if (this.#live(session.tenant, session.id)) return false;
    let sessions = this.#tenants.get(session.tenant);
    if (!sessions) this.#tenants.set(session.tenant, (sessions = new Map()));
    sessions.set(session.id, { ...session });
    return true;
  }

  async get(tenant: string, id: string): Promise<SessionRecord | undefined> {
    const session = this.#live(tenant, id);
    return session && { ...session };
  }

  async list(tenant: string, { clientId, cursor, limit }: ListSessionsOptions): Promise<SessionPage> {
    this.#purge(tenant);
    const after = cursor ?? '';
    const ordered = [...(this.#tenants.get(tenant)?.values() ?? [])]
      .filter((s) => s.id > after && (clientId === undefined || s.clientId === clientId))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const page = ordered.slice(0, limit).map((s) => ({ ...s }));
    return { sessions: page, nextCursor: ordered.length > limit ? page[page.length - 1]!.id : null };
  }

  async delete(tenant: string, id: string): Promise<SessionRecord | undefined> {
    const session = this.#live(tenant, id);
    if (session) this.#remove(tenant, id);
    return session;
  }

  async touch(tenant: string, id: string, atMs: number): Promise<void> {
    const session = this.#live(tenant, id);
    if (session && (session.lastUsedAtMs === null || session.lastUsedAtMs < atMs)) {
      this.#tenants.get(tenant)!.set(id, { ...session, lastUsedAtMs: atMs });
    }
  }

  /** Drops every expired session. */
  sweep(): void {
    for (const tenant of [...this.#tenants.keys()]) this.#purge(tenant);
  }

  #purge(tenant: string): void {
    for (const id of [...(this.#tenants.get(tenant)?.keys() ?? [])]) this.#live(tenant, id);
  }

  /** The session, unless it has expired (then it is dropped, as Redis drops it). */
  #live(tenant: string, id: string): SessionRecord | undefined {
    const session = this.#tenants.get(tenant)?.get(id);
    if (session && session.expiresAtMs <= this.#clock()) {
      this.#remove(tenant, id);
      return undefined;
    }
    return session;
  }

  #remove(tenant: string, id: string): void {
    const sessions = this.#tenants.get(tenant);
    sessions?.delete(id);
    if (sessions?.size === 0) this.#tenants.delete(tenant);
  }
}
