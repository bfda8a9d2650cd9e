/**
 * The sessions port: the open login sessions of each tenant's registered clients (BRIEF, "Clients
 * with their own keys": POST /v1/sessions). A session names the client that opened it, the
 * device it said it was, and the temporary token it was given; ending the session revokes that
 * token (through the token store, so every instance sees it at once).
 *
 * Atomic operations: create (refused when the id is taken), delete (answers what it deleted, so
 * the caller revokes that token), touch (moves `lastUsedAtMs` forward, never back), and expiry
 * (a session is gone everywhere at `expiresAtMs`, its token's expiry). Listing pages in id order,
 * over the tenant or over one client. Both implementations (memory-sessions.ts,
 * redis-sessions.ts) pass one contract suite (test/stores/session-contract.ts).
 * @module
 */

export interface SessionRecord {
  /** `ss_` + 22 base64url characters. */
  readonly id: string;
  readonly tenant: string;
  /** The registered client that opened it. */
  readonly clientId: string;
  /** What the client said of itself (at most 200 characters). */
  readonly deviceDescription: string;
  /** The temporary token the session was given (its store record is what keeps the token alive). */
  readonly tokenId: string;
  /** RFC 3339. */
  readonly createdAt: string;
  /** When the session ends (ms since the epoch): its token's expiry. */
  readonly expiresAtMs: number;
  /** When its token was last seen in use (ms; coarse: see sessions/service.ts), or null for never. */
  readonly lastUsedAtMs: number | null;
}

export interface SessionPage {
  readonly sessions: readonly SessionRecord[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export interface ListSessionsOptions {
  /** Only this client's sessions. */
  readonly clientId?: string | undefined;
  /** The `nextCursor` of the previous page (absent for the first). */
  readonly cursor?: string | undefined;
  readonly limit: number;
}

export interface SessionStore {
  /** Stores a new session (expiring at `expiresAtMs`); false, writing nothing, when the id is taken. */
  create(session: SessionRecord): Promise<boolean>;
  /** The tenant's unexpired session with this id, or undefined (also another tenant's). */
  get(tenant: string, id: string): Promise<SessionRecord | undefined>;
  /**
   * One page of the tenant's (or one client's) unexpired sessions in id order: a session created
   * or deleted meanwhile appears or not, but none is listed twice or skipped.
   */
  list(tenant: string, options: ListSessionsOptions): Promise<SessionPage>;
  /** Deletes the session; answers the record it deleted (for its token), or undefined when there was none. */
  delete(tenant: string, id: string): Promise<SessionRecord | undefined>;
  /** Records a use at `atMs` (kept only if later than the one recorded); nothing for a session that is gone. */
  touch(tenant: string, id: string, atMs: number): Promise<void>;
}
