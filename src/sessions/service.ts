/**
 * Login sessions (BRIEF, "Clients with their own keys"; Psono's API-key login is the model):
 * a registered client, in a request signed with its own ML-DSA key, sends a fresh session KEM
 * public key and a device description; it gets `login_info`, sealed with HPKE (RFC 9180, base
 * mode, the session's KEM, HKDF-SHA256, AES-256-GCM, info "pq-crypto-api/v1/login-info") to that
 * key, holding a temporary token bound to the client and the session, and `login_info_signature`,
 * ML-DSA-65 by the tenant's attestation key with context "pq-crypto-api/v1/login-info" over the
 * login_info bytes (keys/service.ts ATTESTATION_CONTEXTS).
 *
 * Forward secrecy: the token travels only inside the HPKE seal to a key the client made for this
 * login and can throw away once opened; a later leak of the client's long-term signing key does
 * not open past logins.
 *
 * Ending a session revokes its token through the token store (so every instance sees it at
 * once, and the tokens it minted die with it, sharing its lineage). Deleting a client ends all
 * of its sessions. A login racing the deletion of its client cannot leave a session behind: the
 * login stores its session and then looks the client up again (ending the session if the client
 * is gone); the deletion removes the client and then lists its sessions. One of the two sees the
 * other's write.
 *
 * Last use: a request with a session's token notes the session's use, written to the store at
 * most once per SESSION_TOUCH_INTERVAL_MS per session and instance (not a write per request), so
 * `last_used_at` is exact to that interval.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Principal, Scope } from '../auth/scopes.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { CryptoJob } from '../crypto/backend.ts';
import { CryptoInputError } from '../crypto/errors.ts';
import { hpkeSuite, type Hpke, type HpkeKem } from '../crypto/hpke.ts';
import { checkEncapsulationKey } from '../crypto/kem.ts';
import type { KeyService } from '../keys/service.ts';
import { LruCache } from '../lib/lru.ts';
import { CredentialEndedError, InvalidInputError, NotAllowedError } from '../operations/errors.ts';
import type { ClientStore } from '../stores/clients.ts';
import type { SessionPage, SessionRecord, SessionStore } from '../stores/sessions.ts';
import type { Clock } from '../stores/store.ts';
import { SessionNotFoundError } from './errors.ts';

/** The HPKE `info` login_info is sealed under. */
export const LOGIN_INFO_HPKE_INFO = 'pq-crypto-api/v1/login-info';
/** The KEMs a session key may be of (X-Wing, the default, or ML-KEM-768). */
export const SESSION_KEMS = Object.freeze(['X-Wing', 'ML-KEM-768'] as const satisfies readonly HpkeKem[]);
export type SessionKem = (typeof SESSION_KEMS)[number];
/** How often, at most, one instance writes a session's last use: last_used_at is exact to this. */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;

/** `ss_` and 16 random bytes in base64url (22 characters). */
export const newSessionId = (): string => `ss_${randomBytes(16).toString('base64url')}`;
export const SESSION_ID_PATTERN = /^ss_[A-Za-z0-9_-]{22}$/;

export { SessionNotFoundError };

export interface OpenSessionInput {
  readonly kem: SessionKem;
  readonly sessionPk: Uint8Array;
  readonly deviceDescription: string;
  /** Seconds; the caller applies the default. Clamped to the client's expiry. */
  readonly expirySeconds: number;
  readonly attempts?: number | undefined;
  readonly scopes?: readonly Scope[] | undefined;
}

export interface OpenedSession {
  readonly sessionId: string;
  readonly tokenId: string;
  /** base64(enc || ciphertext). */
  readonly loginInfo: string;
  /** base64 of the attestation key's ML-DSA-65 signature over the login_info bytes. */
  readonly loginInfoSignature: string;
}

/** What the login_info opens to (JSON, snake_case as the API's bodies). */
export interface LoginInfo {
  readonly session_id: string;
  readonly client_id: string;
  readonly token: string;
  readonly token_id: string;
  readonly expires_at: string;
  readonly attempts_left: number | null;
  readonly scopes: readonly Scope[];
}

export interface SessionServiceDeps {
  readonly sessions: SessionStore;
  readonly clients: Pick<ClientStore, 'find'>;
  readonly tokens: TokenService;
  readonly keys: Pick<KeyService, 'attestStatement'>;
  readonly hpke: Hpke;
  readonly clock: Clock;
  /** Told when noting a session's use failed (best effort: logged, never the caller's problem). */
  readonly onTouchFailed?: (error: unknown) => void;
}

/** A principal that may revoke any token of the tenant (the service's own hand, for ending sessions). */
const tenantHand = (tenant: string): Principal => ({ tenant, scopes: [], keyIds: null, apiKeyId: '' });

export class SessionService {
  readonly #deps: SessionServiceDeps;
  /** Session id -> when this instance last wrote its use. */
  readonly #touched: LruCache<number>;

  constructor(deps: SessionServiceDeps) {
    this.#deps = deps;
    this.#touched = new LruCache({ maxEntries: 10_000, ttlMs: SESSION_TOUCH_INTERVAL_MS, now: deps.clock });
  }

  /**
   * Opens a session for the client that signed the request.
   * @throws NotAllowedError (403) when the caller is not a client's signed request, or asks for
   *   scopes the client lacks; InvalidInputError('/session_pk') for a key the KEM refuses;
   *   QuotaExceededError (QUOTA_LIVE_TOKENS: each session holds a token); CredentialEndedError
   *   (401) when the client was deleted meanwhile.
   */
  async open(principal: Principal, input: OpenSessionInput, job?: CryptoJob): Promise<OpenedSession> {
    const client = principal.client;
    if (!client || principal.token) throw new NotAllowedError('A session is opened by a request signed with a registered client\'s key (RFC 9421), not with a bearer credential.');
    try {
      checkEncapsulationKey(input.kem, input.sessionPk);
    } catch (error) {
      if (error instanceof CryptoInputError) throw new InvalidInputError('/session_pk', error.message);
      throw error;
    }
    const scopes = [...new Set(input.scopes ?? principal.scopes)];
    const extra = scopes.filter((s) => !principal.scopes.includes(s));
    if (extra.length > 0) throw new NotAllowedError(`A session cannot have scopes its client lacks: ${extra.join(', ')}.`);

    const { sessions, tokens, clock } = this.#deps;
    const sessionId = newSessionId();
    const minted = await tokens.mint(principal, { expirySeconds: input.expirySeconds, attempts: input.attempts ?? null, scopes, keyIds: principal.keyIds, sessionId });
    const record: SessionRecord = {
      id: sessionId,
      tenant: principal.tenant,
      clientId: client.id,
      deviceDescription: input.deviceDescription,
      tokenId: minted.info.id,
      createdAt: new Date(clock()).toISOString(),
      expiresAtMs: minted.info.expiresAtMs,
      lastUsedAtMs: null,
    };
    try {
      if (!(await sessions.create(record))) throw new Error('a new session id was taken');
    } catch (error) {
      await tokens.revoke(tenantHand(principal.tenant), minted.info.id).catch(() => {});
      throw error;
    }
    try {
      // Deleted meanwhile? Then its deletion may have listed the sessions before this one was stored.
      const still = await this.#deps.clients.find(client.id);
      if (!still || still.tenant !== principal.tenant) throw new CredentialEndedError();
      const info: LoginInfo = {
        session_id: sessionId,
        client_id: client.id,
        token: minted.token,
        token_id: minted.info.id,
        expires_at: new Date(minted.info.expiresAtMs).toISOString(),
        attempts_left: minted.info.attemptsLeft,
        scopes: minted.scopes,
      };
      const sealed = await this.#deps.hpke.seal(hpkeSuite(input.kem), input.sessionPk, new TextEncoder().encode(JSON.stringify(info)), { info: new TextEncoder().encode(LOGIN_INFO_HPKE_INFO) });
      const loginInfo = new Uint8Array(sealed.enc.length + sealed.ciphertext.length);
      loginInfo.set(sealed.enc);
      loginInfo.set(sealed.ciphertext, sealed.enc.length);
      const { signature } = await this.#deps.keys.attestStatement(principal.tenant, 'login-info', loginInfo, job);
      return { sessionId, tokenId: minted.info.id, loginInfo: Buffer.from(loginInfo).toString('base64'), loginInfoSignature: Buffer.from(signature).toString('base64') };
    } catch (error) {
      // Nobody received the token: the session and its token go.
      await this.#end(record).catch(() => {});
      if (error instanceof CryptoInputError) throw new InvalidInputError('/session_pk', error.message);
      throw error;
    }
  }

  /** One page of the tenant's open sessions, or one client's. */
  async list(tenant: string, options: { readonly clientId?: string | undefined; readonly cursor?: string | undefined; readonly limit: number }): Promise<SessionPage> {
    return this.#deps.sessions.list(tenant, options);
  }

  /**
   * Ends a session of the tenant (only of `clientId` when given): its token dies on every
   * instance at once. @throws SessionNotFoundError
   */
  async end(tenant: string, sessionId: string, clientId?: string): Promise<void> {
    const session = await this.#deps.sessions.get(tenant, sessionId);
    if (!session || (clientId !== undefined && session.clientId !== clientId)) throw new SessionNotFoundError();
    if (!(await this.#end(session))) throw new SessionNotFoundError();
  }

  /** Ends every session of a client (after the client was deleted): how many it ended. */
  async endAllOf(tenant: string, clientId: string): Promise<number> {
    let ended = 0;
    let cursor: string | undefined;
    for (;;) {
      const page = await this.#deps.sessions.list(tenant, { clientId, cursor, limit: 100 });
      for (const session of page.sessions) if (await this.#end(session)) ended++;
      if (page.nextCursor === null) return ended;
      cursor = page.nextCursor;
    }
  }

  /**
   * Notes that a session's token was used now: written at most once per SESSION_TOUCH_INTERVAL_MS
   * per session on this instance, in the background (a failure is reported, never thrown).
   */
  noteUse(principal: Principal): void {
    const sessionId = principal.token?.sessionId;
    if (sessionId === undefined || this.#touched.get(sessionId) !== undefined) return;
    const now = this.#deps.clock();
    this.#touched.set(sessionId, now);
    this.#deps.sessions.touch(principal.tenant, sessionId, now).catch((error: unknown) => {
      this.#touched.delete(sessionId);
      this.#deps.onTouchFailed?.(error);
    });
  }

  /** Deletes the session, then revokes its token (and the tokens it minted): true when this call deleted it. */
  async #end(session: SessionRecord): Promise<boolean> {
    const deleted = await this.#deps.sessions.delete(session.tenant, session.id);
    // Revoked whether or not this call deleted the record: a session half-ended (the store
    // failed between the two steps) is finished by whoever tries again.
    await this.#deps.tokens.revoke(tenantHand(session.tenant), session.tokenId);
    return deleted !== undefined;
  }
}
