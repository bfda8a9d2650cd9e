/**
 * Temporary tokens: JWTs whose life is held in the store, signed as TOKEN_SIGNING says:
 * - `HS256` (the default): HMAC under TOKEN_SECRET (jsonwebtoken); only the service can check them.
 * - `ML-DSA-44/65/87`: compact JWS per RFC 9964 (header `alg`, `kid` = the RFC 7638 thumbprint of
 *   the signing key's AKP JWK, `typ` JWT), under a key derived from MASTER_KEY (token-keys.ts),
 *   by jose or the crypto backend (jws.ts); anyone holding GET /.well-known/jwks.json can check
 *   that a token is genuine and unexpired, never whether it has attempts left or was revoked.
 *   A verified signature is remembered (a bounded cache keyed by the token's SHA-256, entries
 *   expiring with the token), so each token's signature is checked once per instance.
 * The algorithm is pinned on verification: `none` and every algorithm but the configured one are
 * refused, whatever the header says.
 *
 * - The JWT carries tenant (`sub`), id (`jti`), scopes, key restriction, lineage and `exp`.
 * - The store holds the token's record under its id until the exact expiry: remaining attempts
 *   (or none, for a token limited only by time). A token is alive only while its record and
 *   those of all its ancestors exist, so revocation and exhaustion take effect at once on every
 *   instance sharing the store.
 * - Each use takes one attempt atomically, before the handler runs, whatever the outcome.
 * @module
 */
import { createHash, createSecretKey, hash, randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { MlDsaAlgorithm } from '../crypto/algorithms.ts';
import type { AkpPublicJwk } from '../crypto/jwk.ts';
import { LruCache } from '../lib/lru.ts';
import { QuotaExceededError } from '../limits/errors.ts';
import type { AdmitResult, TokenCount, TokenCounter, TokenStore } from '../stores/tokens.ts';
import type { JwsEngine, TokenJwsHeader } from './jws.ts';
import { SCOPES, type Principal, type Scope, type TokenInfo } from './scopes.ts';
import type { TokenKeyRing } from './token-keys.ts';

const ISSUER = 'pq-crypto-api';
const AUDIENCE = 'pq-crypto-api/v1';
/** Lineage depth limit: a token may have at most this many ancestors (the route refuses with 403 first). */
export const MAX_TOKEN_DEPTH = 8;
const TOKEN_ID = /^[A-Za-z0-9_-]{22}(\.[A-Za-z0-9_-]{22})?$/;

interface Claims {
  sub: string;
  jti: string;
  scp: Scope[];
  /**
   * The stored keys the token may use (null: any key of its tenant). Tokens minted before
   * 2026-12-06 carry it as `kid`, a name JOSE gives the signing key's id (RFC 7515 section 4.1.4,
   * and the tokens' JWKS needs it for that): such tokens are still read (parseClaims) until they
   * have all expired, at most TOKEN_MAX_TTL_SECONDS (30 days at most) after that release.
   */
  kys: string[] | null;
  anc: string[];
  /** apiKeyId of the API key at the root of the lineage: the token dies when that key is removed. */
  akf: string;
  /** The exact expiry in milliseconds (`exp` has whole seconds). */
  xms: number;
  exp: number;
  /** The registered client the token was issued to (a session's token, or one a client minted), if any. */
  cli?: string;
  /** The login session the token belongs to (POST /v1/sessions), if any. */
  ses?: string;
}

export interface MintRequest {
  readonly expirySeconds: number;
  readonly attempts: number | null;
  readonly scopes: readonly Scope[];
  readonly keyIds: readonly string[] | null;
  /** The login session the token is issued for (its `ses` claim); children inherit their parent's. */
  readonly sessionId?: string;
  /**
   * Development only: a fixed id for a token minted by an API key, for the demonstration token
   * Swagger UI's examples name (http/examples.ts); random otherwise.
   */
  readonly fixedId?: string;
}

export interface MintedToken {
  readonly token: string;
  readonly info: TokenInfo;
  readonly scopes: readonly Scope[];
  readonly keyIds: readonly string[] | null;
}

/** A token whose signature and claims check out, not yet checked against the store. */
export interface VerifiedToken {
  readonly tenant: string;
  readonly token: { readonly id: string; readonly family: string };
  /** @internal */
  readonly claims: Claims;
}

export const isTokenId = (id: string) => TOKEN_ID.test(id);
/** A token's family is its root's id: the part before the dot. */
export const familyOf = (tokenId: string) => tokenId.split('.')[0]!;

/** Looks like a JWT (three base64url parts), as opposed to an API key. */
export const looksLikeJwt = (credential: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(credential);

/** How tokens are signed (TOKEN_SIGNING): HMAC under a secret, or ML-DSA under a derived key ring. */
export type TokenSigning =
  | { readonly alg: 'HS256'; readonly secret: Uint8Array }
  | {
      readonly alg: MlDsaAlgorithm;
      /** The key ring, or its making (TokenKeyRing.derive, under way at start-up: ready() waits for it). */
      readonly keys: TokenKeyRing | Promise<TokenKeyRing>;
      readonly engine: JwsEngine;
      /** Verified signatures remembered at most (least recently used go first); default 10 000. */
      readonly cacheMaxEntries?: number;
    };

/** The members an ML-DSA token's header has, no more (a `crit` or anything unknown is refused). */
const MLDSA_HEADER_MEMBERS = Object.freeze(['alg', 'kid', 'typ']);

/** A token presented, as the store judged it in one step (TokenService.admit). */
export type Admission =
  /** Past its own rate limit: nothing else looked at, no attempt used. */
  | { readonly outcome: 'limited'; readonly resetMs: number }
  /** Unknown, expired, revoked, exhausted: answered alike (401). */
  | { readonly outcome: 'dead'; readonly count?: TokenCount }
  | { readonly outcome: 'alive'; readonly principal: Principal; readonly count?: TokenCount };

export class TokenService {
  /**
   * HS256: the secret as a KeyObject, made once: given raw bytes, jsonwebtoken builds a key on
   * every call, which measured ~500 us per verification against ~12 us with a KeyObject.
   */
  readonly #key: KeyObject | undefined;
  readonly #signing: TokenSigning;
  /**
   * SHA-256 of a token whose signature verified -> its payload (expiry, issuer and audience checked
   * on every use). ML-DSA: a verification is ~0.2 to 2 ms. HS256: jsonwebtoken's verify measured
   * ~18 us per call on Node 24 against ~3 us for the digest, on every request of a token.
   */
  readonly #verified: LruCache<Record<string, unknown>>;
  /** ML-DSA: the key ring's making (what ready() and every use wait for; resolved once made). */
  readonly #ringMade: Promise<TokenKeyRing> | undefined;

  constructor(
    private readonly store: TokenStore,
    signing: TokenSigning,
    private readonly now: () => number,
    /** Whether the tenant still has the API key with this id: checked on every use, in memory. */
    private readonly isKeyLive: (tenant: string, apiKeyId: string) => boolean,
    /** Live tokens a tenant may have at once (QUOTA_LIVE_TOKENS); 0: no quota. */
    private readonly liveTokenQuota = 0,
  ) {
    this.#signing = signing;
    this.#key = signing.alg === 'HS256' ? createSecretKey(signing.secret) : undefined;
    // An entry outlives no token: its own `exp` is checked on every hit, and no token lives longer
    // than 30 days (TOKEN_MAX_TTL_SECONDS' bound), which is the entries' fixed lifetime.
    this.#verified = new LruCache({ maxEntries: signing.alg === 'HS256' ? 10_000 : (signing.cacheMaxEntries ?? 10_000), ttlMs: 30 * 86_400_000, now });
    if (signing.alg !== 'HS256') {
      this.#ringMade = Promise.resolve(signing.keys);
      // A failure is answered by ready() and by every use; this only keeps it from going unhandled.
      this.#ringMade.catch(() => {});
    }
  }

  /** Resolves once the token-signing keys are made (at once with HS256); rejects if they cannot be. */
  async ready(): Promise<void> {
    await this.#ringMade;
  }

  /** The ML-DSA key ring, waiting for it only while it is being made. */
  #keys(): Promise<TokenKeyRing> {
    return this.#ringMade!;
  }

  /** The JWS `alg` every token has (TOKEN_SIGNING). */
  get algorithm(): TokenSigning['alg'] {
    return this.#signing.alg;
  }

  /** RFC 7517 section 5: the public keys that verify tokens now (none with HS256). */
  async jwks(): Promise<{ keys: AkpPublicJwk[] }> {
    return this.#signing.alg === 'HS256' ? { keys: [] } : (await this.#keys()).jwks(this.now());
  }

  /**
   * Mints a token for `parent`'s tenant. The caller has already checked that the request does not
   * widen the parent's scopes or keys; expiry is clamped here to the parent's own.
   */
  async mint(parent: Principal, req: MintRequest): Promise<MintedToken> {
    const now = this.now();
    let expiresAtMs = now + req.expirySeconds * 1000;
    if (parent.token) expiresAtMs = Math.min(expiresAtMs, parent.token.expiresAtMs);
    // A client's token never outlives the client's registration.
    if (typeof parent.client?.expiresAtMs === 'number') expiresAtMs = Math.min(expiresAtMs, parent.client.expiresAtMs);
    if (req.fixedId !== undefined && (parent.token || !isTokenId(req.fixedId))) throw new RangeError('a fixed token id is for a root token, in the form of a token id');
    const random = req.fixedId ?? randomBytes(16).toString('base64url');
    const family = parent.token ? parent.token.family : random;
    const id = parent.token ? `${family}.${random}` : random;
    const ancestors = parent.token ? [...parent.token.ancestors, parent.token.id] : [];
    if (ancestors.length > MAX_TOKEN_DEPTH) throw new RangeError(`tokens nest at most ${MAX_TOKEN_DEPTH + 1} deep`);

    // Counted first, in the tenant's quota: past it nothing is written. The count is the write that
    // grows the store, so a full store refuses it before the token exists.
    if (!(await this.store.reserveToken(parent.tenant, id, expiresAtMs, this.liveTokenQuota, now))) {
      throw new QuotaExceededError('QUOTA_LIVE_TOKENS', this.liveTokenQuota);
    }
    try {
      await this.store.createToken(family, id, { tenant: parent.tenant, attemptsLeft: req.attempts, expiresAtMs, ancestors });
    } catch (error) {
      await this.store.releaseToken(parent.tenant, id).catch(() => {});
      throw error;
    }
    const claims: Claims = {
      sub: parent.tenant,
      jti: id,
      scp: [...req.scopes],
      kys: req.keyIds ? [...req.keyIds] : null,
      anc: ancestors,
      akf: parent.apiKeyId,
      xms: expiresAtMs,
      // JWT exp has whole seconds: round up, the store's record governs the exact instant.
      exp: Math.ceil(expiresAtMs / 1000),
    };
    // Bound to the client (and session) it was issued to: audit entries name the client, and a
    // session's use is noted (sessions/service.ts). Children inherit the binding.
    const clientId = parent.client?.id;
    const sessionId = req.sessionId ?? parent.token?.sessionId;
    if (clientId !== undefined) claims.cli = clientId;
    if (sessionId !== undefined) claims.ses = sessionId;
    let token: string;
    try {
      token = await this.#sign(claims, now);
    } catch (error) {
      // Signing failed (a crypto worker died): nobody holds the token; its record expires unused.
      await this.store.releaseToken(parent.tenant, id).catch(() => {});
      throw error;
    }
    return {
      token,
      info: { id, family, ancestors, expiresAtMs, attemptsLeft: req.attempts, ...(sessionId !== undefined ? { sessionId } : {}) },
      scopes: claims.scp,
      keyIds: claims.kys,
    };
  }

  /**
   * Authenticates a token. With `consume`, one attempt is used first (atomically, in the store).
   * Returns undefined for every kind of failure alike: forged, altered, expired, unknown,
   * exhausted or revoked. Throws StoreUnavailableError when the store cannot answer.
   */
  async authenticate(credential: string, consume: boolean): Promise<Principal | undefined> {
    const verified = await this.verify(credential);
    return verified && this.activate(verified, consume);
  }

  /**
   * The first half of authenticate, without the store: the token's signature, claims and expiry,
   * and whether the API key of its lineage is still configured. What it returns is not yet a
   * credential (the token may be revoked or exhausted): pass it to activate.
   */
  async verify(credential: string): Promise<VerifiedToken | undefined> {
    const claims = this.#signing.alg === 'HS256' ? this.#verifyHs256(credential) : await this.#verifyMlDsa(credential, this.#signing);
    // A token dies with the API key of its lineage (rotated out after a leak) and with its tenant.
    if (!claims || !this.isKeyLive(claims.sub, claims.akf)) return undefined;
    const family = familyOf(claims.jti);
    return { tenant: claims.sub, token: { id: claims.jti, family }, claims };
  }

  /** The second half: uses an attempt (with `consume`) or reads the token, in the store. */
  async activate(verified: VerifiedToken, consume: boolean): Promise<Principal | undefined> {
    const admission = await this.admit(verified, consume);
    return admission.outcome === 'alive' ? admission.principal : undefined;
  }

  /**
   * The second half with the token's own rate limit counted in the same store step (one round
   * trip: TokenStore.admit): counted first ('limited': nothing else done), then the lineage
   * judged, then with `consume` one attempt used.
   */
  async admit({ claims, token: { family } }: VerifiedToken, consume: boolean, counter?: TokenCounter): Promise<Admission> {
    let result: AdmitResult;
    if (counter) result = await this.store.admit(family, claims.jti, claims.anc, consume, counter);
    else if (consume) {
      const used = await this.store.consumeAttempt(family, claims.jti, claims.anc);
      result = used.ok ? { outcome: 'alive', attemptsLeft: used.attemptsLeft } : { outcome: 'dead' };
    } else {
      const record = await this.store.peekToken(family, claims.jti, claims.anc);
      result = record ? { outcome: 'alive', attemptsLeft: record.attemptsLeft } : { outcome: 'dead' };
    }
    if (result.outcome !== 'alive') return result;
    const principal: Principal = {
      tenant: claims.sub,
      scopes: claims.scp,
      keyIds: claims.kys,
      apiKeyId: claims.akf,
      token: { id: claims.jti, family, ancestors: claims.anc, expiresAtMs: claims.xms, attemptsLeft: result.attemptsLeft, ...(claims.ses !== undefined ? { sessionId: claims.ses } : {}) },
      // The token ends no later than its client (mint clamped it): the token's expiry stands for the client's.
      ...(claims.cli !== undefined ? { client: { id: claims.cli, expiresAtMs: claims.xms } } : {}),
    };
    return { outcome: 'alive', principal, ...(result.count && { count: result.count }) };
  }

  /** Gives back the attempt `admit` used for a request then refused before anything was done. */
  async refundAttempt(principal: Principal): Promise<void> {
    const token = principal.token;
    if (token) await this.store.refundAttempt(token.family, token.id, token.ancestors);
  }

  /**
   * Revokes a token (and so every token it minted) for `by`: an API key may revoke any token of
   * its tenant; a token only itself and the tokens of its own lineage below it. False when there
   * was no such live token that `by` may revoke (answered alike: nothing to learn).
   */
  async revoke(by: Principal, tokenId: string): Promise<boolean> {
    const revoked = await this.store.revokeToken(familyOf(tokenId), tokenId, by.tenant, by.token?.id ?? null);
    // Its children stay counted until they expire: their records are dead, their count is conservative.
    if (revoked) await this.store.releaseToken(by.tenant, tokenId);
    return revoked;
  }

  /** The token for these claims, with `iss`, `aud` and `iat` (whole seconds) added (jsonwebtoken adds them for HS256). */
  async #sign(claims: Claims, now: number): Promise<string> {
    const signing = this.#signing;
    if (signing.alg === 'HS256') {
      return jwt.sign(claims, this.#key!, {
        algorithm: 'HS256',
        issuer: ISSUER,
        audience: AUDIENCE,
        header: { alg: 'HS256', typ: 'JWT' },
      });
    }
    const key = (await this.#keys()).current;
    const header: TokenJwsHeader = { alg: signing.alg, kid: key.kid, typ: 'JWT' };
    const payload = { ...claims, iat: Math.floor(now / 1000), iss: ISSUER, aud: AUDIENCE };
    return signing.engine.sign(header, new TextEncoder().encode(JSON.stringify(payload)), key);
  }

  /**
   * An ML-DSA token's claims, or undefined. The header is read first and must be exactly
   * {alg: the configured set, kid: a key that verifies now, typ: JWT}; the signature is checked
   * (or found in the cache of verified tokens), then iss, aud, exp against the service's clock,
   * and, for the previous key, that the token was issued before the switch.
   */
  async #verifyMlDsa(credential: string, signing: Extract<TokenSigning, { engine: JwsEngine }>): Promise<Claims | undefined> {
    const now = this.now();
    const header = decodeJsonPart(credential.slice(0, credential.indexOf('.')));
    if (!header || header.alg !== signing.alg || header.typ !== 'JWT' || !Object.keys(header).every((m) => MLDSA_HEADER_MEMBERS.includes(m))) return undefined;
    const keys = await this.#keys();
    const key = keys.keyFor(header.kid, now);
    if (!key) return undefined;
    const digest = createHash('sha256').update(credential).digest('base64url');
    let payload = this.#verified.get(digest);
    if (payload && !(typeof payload.exp === 'number' && Math.floor(now / 1000) < payload.exp)) {
      this.#verified.delete(digest); // expired: the entry goes with the token
      return undefined;
    }
    if (!payload) {
      if (!(await signing.engine.verify(credential, key))) return undefined;
      payload = decodeJsonPart(credential.split('.')[1]!);
      if (!payload) return undefined;
      this.#verified.set(digest, payload);
    }
    // RFC 7519 section 4.1.4: expired at or after exp (as jsonwebtoken has it).
    if (payload.iss !== ISSUER || payload.aud !== AUDIENCE || typeof payload.exp !== 'number' || Math.floor(now / 1000) >= payload.exp) return undefined;
    if (typeof payload.iat !== 'number' || !keys.issuedInTime(key, payload.iat)) return undefined;
    return parseClaims(payload);
  }

  #verifyHs256(credential: string): Claims | undefined {
    const now = Math.floor(this.now() / 1000);
    // The exact text verified before (the digest covers header, payload and signature): only its
    // claims are checked again, as jsonwebtoken checks them (expired at or after exp).
    const digest = hash('sha256', credential, 'base64url');
    const cached = this.#verified.get(digest);
    if (cached) {
      if (!(typeof cached.exp === 'number' && now < cached.exp)) {
        this.#verified.delete(digest);
        return undefined;
      }
      return cached.iss === ISSUER && cached.aud === AUDIENCE ? parseClaims(cached) : undefined;
    }
    let payload: unknown;
    try {
      payload = jwt.verify(credential, this.#key!, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, clockTimestamp: now });
    } catch {
      return undefined;
    }
    const claims = parseClaims(payload);
    if (claims) this.#verified.set(digest, payload as Record<string, unknown>);
    return claims;
  }
}

/** A base64url JSON object (a JWS header or payload), or undefined. */
function decodeJsonPart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// Defence in depth: a correctly signed token was made by us, but check its shape anyway.
function parseClaims(payload: unknown): Claims | undefined {
  if (!payload || typeof payload !== 'object') return undefined;
  const p = payload as Record<string, unknown>;
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (typeof p.sub !== 'string' || typeof p.jti !== 'string' || !isTokenId(p.jti)) return undefined;
  if (!strings(p.scp) || !p.scp.every((s) => (SCOPES as readonly string[]).includes(s))) return undefined;
  // The key restriction: `kys`, or `kid` in tokens minted before it was renamed (see Claims).
  const kys = 'kys' in p ? p.kys : p.kid;
  if (kys !== null && !strings(kys)) return undefined;
  if (!strings(p.anc) || typeof p.exp !== 'number' || typeof p.xms !== 'number' || typeof p.akf !== 'string') return undefined;
  if ((p.cli !== undefined && typeof p.cli !== 'string') || (p.ses !== undefined && typeof p.ses !== 'string')) return undefined;
  return {
    sub: p.sub,
    jti: p.jti,
    scp: p.scp as Scope[],
    kys,
    anc: p.anc,
    akf: p.akf,
    xms: p.xms,
    exp: p.exp,
    ...(typeof p.cli === 'string' ? { cli: p.cli } : {}),
    ...(typeof p.ses === 'string' ? { ses: p.ses } : {}),
  };
}
