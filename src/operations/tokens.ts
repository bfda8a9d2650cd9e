/**
 * Temporary tokens below HTTP: minting with every narrowing rule (scopes, key_ids, attempts,
 * lineage depth; expiry is clamped by the token service), describing the presented credential,
 * and revoking. The token service (auth/tokens.ts) holds the JWT and the store; the rules of who
 * may hand what to whom live here.
 * @module
 */
import type { Principal, Scope } from '../auth/scopes.ts';
import { MAX_TOKEN_DEPTH } from '../auth/tokens.ts';
import { KeyNotFoundError } from '../keys/errors.ts';
import type { OperationContext, Resolved } from './context.ts';
import { NotAllowedError, TokenNotFoundError } from './errors.ts';

export interface MintInput {
  /** Lifetime in seconds; the caller applies the default. Clamped to the parent token's expiry. */
  readonly expirySeconds: number;
  readonly attempts?: number | undefined;
  readonly scopes?: readonly Scope[] | undefined;
  readonly keyIds?: readonly string[] | undefined;
}

export interface Minted {
  readonly token: string;
  readonly tokenId: string;
  readonly expiresAtMs: number;
  readonly attemptsLeft: number | null;
  readonly scopes: readonly Scope[];
}

/**
 * The stored keys a token is to be restricted to, each checked to belong to the caller's tenant
 * (404); a repeated id is read once. Whether the caller may hand them on is mint's to decide (403).
 */
export async function resolveKeyIds({ principal, services }: OperationContext, keyIds: readonly string[] = []): Promise<Resolved<undefined>> {
  const ids = [...new Set(keyIds)];
  for (const id of ids) {
    if (!(await services.keys.find(principal.tenant, id))) throw new KeyNotFoundError('key_ids', `No key of yours has key_id ${id}.`);
  }
  return { keyIds: ids, found: undefined };
}

/** Mints a token for the caller's tenant that never outlives, out-scopes or out-keys its parent. */
export async function mint({ principal, services }: OperationContext, input: MintInput): Promise<Minted> {
  // A registered client's tokens are its sessions' (POST /v1/sessions), and their children: so
  // deleting the client ends every token it holds. A bare signed request mints none.
  if (principal.client && !principal.token) {
    throw new NotAllowedError('A registered client gets tokens by logging in (POST /v1/sessions), not from POST /v1/tokens: so every token it holds ends with its session or with the client.');
  }
  const scopes = input.scopes ?? principal.scopes;
  const extraScopes = scopes.filter((s) => !principal.scopes.includes(s));
  if (extraScopes.length > 0) throw new NotAllowedError(`A token cannot have scopes its creator lacks: ${extraScopes.join(', ')}.`);
  const keyIds = narrowKeyIds(principal, input.keyIds);
  if (principal.token && principal.token.ancestors.length >= MAX_TOKEN_DEPTH) {
    throw new NotAllowedError(`Tokens nest at most ${MAX_TOKEN_DEPTH + 1} deep: this token cannot mint another.`);
  }
  const minted = await services.tokens.mint(principal, {
    expirySeconds: input.expirySeconds,
    attempts: narrowAttempts(principal, input.attempts),
    scopes: [...new Set(scopes)],
    keyIds,
  });
  return { token: minted.token, tokenId: minted.info.id, expiresAtMs: minted.info.expiresAtMs, attemptsLeft: minted.info.attemptsLeft, scopes: minted.scopes };
}

/**
 * A child's attempts: every request of a child also uses one of its limited parent's attempts
 * (the store enforces that), so a child of a limited parent is shown at most what is left to the
 * parent after this request, and that by default.
 */
function narrowAttempts(parent: Principal, requested: number | undefined): number | null {
  const left = parent.token?.attemptsLeft ?? null;
  if (left === null) return requested ?? null;
  if (left === 0) throw new NotAllowedError('This token has no attempts left to give: this request used its last one.');
  return Math.min(requested ?? left, left);
}

/** A child's key list: its parent's when it names none; never a key outside the parent's list. */
function narrowKeyIds(parent: Principal, requested: readonly string[] | undefined): readonly string[] | null {
  if (requested === undefined || requested.length === 0) return parent.keyIds;
  const unique = [...new Set(requested)];
  if (parent.keyIds) {
    const extra = unique.filter((id) => !parent.keyIds!.includes(id));
    if (extra.length > 0) throw new NotAllowedError(`A token cannot use keys its creator may not: ${extra.join(', ')}.`);
  }
  return unique;
}

/** Revokes a token (and every token it minted) for the caller. @throws TokenNotFoundError when there is none it may revoke. */
export async function revoke({ principal, services }: OperationContext, tokenId: string): Promise<void> {
  if (!(await services.tokens.revoke(principal, tokenId))) throw new TokenNotFoundError();
}

/**
 * Gives the caller's token back the attempt this request used, when the request was refused
 * before anything was done (its cryptography could not start: crypto-busy). Best effort: a store
 * that cannot take it back costs the caller one attempt, never a wrong answer.
 */
export async function refundAttempt({ principal, services }: OperationContext): Promise<void> {
  const token = principal.token;
  if (!token) return;
  await services.store.tokens.refundAttempt(token.family, token.id, token.ancestors).catch(() => {});
}
