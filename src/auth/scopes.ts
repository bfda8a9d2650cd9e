/**
 * Scopes: what a credential may do. An API key holds all of them; a temporary token holds a
 * subset, and optionally a list of key ids it may use (every operation that names a stored key:
 * decapsulate, sign and verify by key_id, AES by key_id, rotate, delete).
 * @module
 */
export const SCOPES = Object.freeze([
  'tokens:create',
  'kem:keypair',
  'kem:encapsulate',
  'kem:decapsulate',
  'dsa:keypair',
  'dsa:sign',
  'dsa:verify',
  'aes:encrypt',
  'aes:decrypt',
  'hpke:seal',
  'hpke:open',
  'keys:read',
  'keys:manage',
  'audit:read',
  /** Register, list and delete the tenant's clients (their own ML-DSA keys), see their sessions. */
  'clients:manage',
  'challenges:manage',
] as const);
export type Scope = (typeof SCOPES)[number];

export interface TokenInfo {
  readonly id: string;
  /** The root token's id: a token and all its descendants share it (and one store hash tag). */
  readonly family: string;
  /** Ids of the tokens that minted this one, root first. */
  readonly ancestors: readonly string[];
  readonly expiresAtMs: number;
  readonly attemptsLeft: number | null;
  /** The login session this token was issued for (POST /v1/sessions), inherited by the tokens it mints. */
  readonly sessionId?: string;
}

/** Who is calling, after authentication. */
export interface Principal {
  readonly tenant: string;
  readonly scopes: readonly Scope[];
  /** Key ids this credential may use; null when any key of the tenant. */
  readonly keyIds: readonly string[] | null;
  /**
   * The apiKeyId of the API key that is, or that minted the lineage of, this credential. A token
   * is alive only while that key is configured for the tenant.
   */
  readonly apiKeyId: string;
  /** Present when the credential is a temporary token; absent for an API key. */
  readonly token?: TokenInfo;
  /** Present when the request was signed by a registered client (RFC 9421; clients/service.ts). */
  readonly client?: ClientInfo;
}

/** The registered client a signed request came from. */
export interface ClientInfo {
  readonly id: string;
  /** When the client's registration ends (ms since the epoch), or null for never. */
  readonly expiresAtMs: number | null;
}
