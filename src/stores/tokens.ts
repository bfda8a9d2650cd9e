/**
 * The token store port: the live state of temporary tokens (attempts left, expiry, lineage) and
 * the tenants' live-token counts. Each operation is atomic; both implementations
 * (memory-tokens.ts, redis-tokens.ts) pass one contract suite (test/stores/token-contract.ts)
 * run on the memory store, Redis, Redis Cluster and Sentinel.
 * @module
 */

/** The live state of a temporary token. Its presence in the store is what keeps the token alive. */
export interface TokenRecord {
  readonly tenant: string;
  /** Remaining attempts; null when only time limits the token. */
  readonly attemptsLeft: number | null;
  /** Absolute expiry, milliseconds since the epoch (the store also drops the record then). */
  readonly expiresAtMs: number;
  /** Ids of the tokens that minted this one, root first (who may revoke it besides its tenant's API keys). */
  readonly ancestors?: readonly string[];
}

export type ConsumeResult =
  /** One attempt used (or none needed): the request may proceed. */
  | { readonly ok: true; readonly attemptsLeft: number | null }
  /** Unknown, expired, revoked, exhausted, or an ancestor revoked: answered alike by the caller. */
  | { readonly ok: false };

/** The per-token rate limit, counted in the same step as the attempt (TokenStore.admit). */
export interface TokenCounter {
  /** The counter's name on the Counters port, kept with the token's family (Counters' `family`). */
  readonly key: string;
  readonly limit: number;
  readonly windowSeconds: number;
}

/** Where the per-token counter stands after an admission counted it (the RateLimit headers). */
export interface TokenCount {
  readonly remaining: number;
  readonly resetMs: number;
}

export type AdmitResult =
  /** Past its own limit: refused before anything else was looked at; no attempt used, nothing counted. */
  | { readonly outcome: 'limited'; readonly resetMs: number }
  /** Dead (as consumeAttempt says); the request was counted against the token's own limit. */
  | { readonly outcome: 'dead'; readonly count?: TokenCount }
  /**
   * Live: with `consume`, one attempt used, else only read; `attemptsLeft` as consumeAttempt and
   * peekToken give it (after the attempt; the least over the limited tokens of the lineage).
   */
  | { readonly outcome: 'alive'; readonly attemptsLeft: number | null; readonly count?: TokenCount };

export interface TokenStore {
  /**
   * Records a new token under `family` (the root token's id: children share their root's hash
   * tag so one script can check the whole lineage). The record expires at `record.expiresAtMs`.
   */
  createToken(family: string, tokenId: string, record: TokenRecord): Promise<void>;
  /**
   * Uses one attempt of `tokenId` and of each of its limited ancestors, atomically: succeeds only
   * when the token's record and every ancestor's record still exist and each limited one has an
   * attempt left; never goes below zero. So K attempts bound every request of a token's whole
   * lineage. `ancestors` are the ids of the parent chain, root first. `attemptsLeft` is the least
   * left over the limited tokens of the lineage (null when none is limited).
   */
  consumeAttempt(family: string, tokenId: string, ancestors: readonly string[]): Promise<ConsumeResult>;
  /**
   * Reads a token without using an attempt; undefined when it is dead (as consumeAttempt would
   * say). `attemptsLeft` is, as there, the least over the limited tokens of the lineage.
   */
  peekToken(family: string, tokenId: string, ancestors: readonly string[]): Promise<TokenRecord | undefined>;
  /**
   * Whether the token's record and every ancestor's still exist (unexpired, unrevoked), whatever
   * attempts are left: what work already admitted checks before it starts (a request that used a
   * token's last attempt has paid for itself; a revocation or an expiry stops it).
   */
  standing(family: string, tokenId: string, ancestors: readonly string[]): Promise<boolean>;
  /**
   * Gives back the attempt a request used, when the service refused the request before doing
   * anything (its cryptography could not start: 503 crypto-busy): one attempt to the token and to
   * each limited ancestor whose record still exists. A revoked or expired token stays dead.
   */
  refundAttempt(family: string, tokenId: string, ancestors: readonly string[]): Promise<void>;
  /**
   * Deletes the token's record if it belongs to `tenant` and, when `by` names a token, only if
   * the token is `by` itself or one `by` minted (directly or not); true when something was revoked.
   */
  revokeToken(family: string, tokenId: string, tenant: string, by?: string | null): Promise<boolean>;
  /**
   * Counts a new token against its tenant's live-token quota, before the token is created: false
   * (nothing written) when the tenant already has `quota` unexpired tokens counted. The entry
   * leaves the count at `expiresAtMs`, or at releaseToken. `nowMs` is the caller's clock.
   */
  reserveToken(tenant: string, tokenId: string, expiresAtMs: number, quota: number, nowMs: number): Promise<boolean>;
  /** Takes a token out of its tenant's live-token count (after revocation, or a failed create). */
  releaseToken(tenant: string, tokenId: string): Promise<void>;
  /**
   * A request presenting the token, with its own rate limit, in one atomic step (one Redis script,
   * on the family's hash tag): counts it against `counter` (refused: 'limited', and nothing else
   * happens), then judges the token and its lineage as consumeAttempt does, then with `consume`
   * uses one attempt (else reads it as peekToken). On a full Redis the whole step is refused
   * (the counter may need a new key). Without a per-token limit, consumeAttempt or peekToken is
   * the same step.
   */
  admit(family: string, tokenId: string, ancestors: readonly string[], consume: boolean, counter: TokenCounter): Promise<AdmitResult>;

}
