/**
 * What the key service answers when a named key cannot be used, below HTTP (http/problems.ts
 * maps them): not found (also another tenant's key, an expired or deleted one), or not allowed
 * for this credential (a token's `key_ids`), or not usable this way (a signing key named for
 * decapsulation, a shared key past its encryption bound).
 * @module
 */

/** No key of the caller's tenant by this name: 404, indistinguishable from another tenant's key. */
export class KeyNotFoundError extends Error {
  constructor(readonly field: string, detail: string) {
    super(detail);
    this.name = 'KeyNotFoundError';
  }
}

/** The credential may not use this key (its token's key_ids): 403. */
export class KeyForbiddenError extends Error {
  constructor(readonly keyId: string, what?: string) {
    super(`This credential may not use key ${keyId}${what ? ` (${what})` : ''}: it is not in the token's key_ids.`);
    this.name = 'KeyForbiddenError';
  }
}

/** The key exists but cannot serve this request (wrong kind, exhausted): 422 naming the field, or 409. */
export class KeyUnusableError extends Error {
  constructor(readonly field: string, detail: string, readonly conflict = false) {
    super(detail);
    this.name = 'KeyUnusableError';
  }
}
