/**
 * The challenges port (BRIEF, "Clients with their own keys", Challenges): a random challenge that
 * a registered client answers with its own key, valid at most once, across every instance sharing
 * the store.
 *
 * `consume` is the one atomic step a validation takes, BEFORE the response is checked: of any
 * number of concurrent consumes of one challenge, on any number of instances, exactly one answers
 * 'fresh' (and from then on every consume answers 'used'). The caller checks the response only
 * when it got 'fresh'. So a challenge is single-shot: any validation, right or wrong, uses it up,
 * and nobody can guess at it online (a wrong answer is `mismatch`, and the next try is `used`).
 *
 * Time: a challenge expires at `expiresAtMs`; from then on a consume answers 'expired' and uses
 * nothing. The record is kept until `keepUntilMs` (after its expiry) so a late validation learns
 * "expired" (or "used") rather than "no such challenge"; after that it is gone (not-found). The
 * instant of each decision is the store's own clock (Redis TIME on Redis, so every instance
 * decides by one clock), and `consume` answers it (`atMs`): the receipt's validated_at.
 *
 * It fails closed: a store that cannot answer throws (StoreUnavailableError) and never answers
 * 'fresh'. Both implementations (memory-challenges.ts, redis-challenges.ts) pass one contract
 * suite (test/stores/challenges-contract.ts).
 * @module
 */

export type ChallengeMethod = 'signature' | 'kem';

export interface ChallengeRecord {
  /** `ch_` + 22 base64url characters (16 random bytes). */
  readonly id: string;
  readonly tenant: string;
  /** The registered client that must answer. */
  readonly clientId: string;
  readonly method: ChallengeMethod;
  /**
   * What the response is checked against, base64: for `signature`, the challenge bytes (public:
   * the creator was given them); for `kem`, SHA-256 of the challenge bytes, so the store never
   * holds a sealed challenge in the clear.
   */
  readonly expected: string;
  /** RFC 3339. */
  readonly createdAt: string;
  /** Ms since the epoch: valid strictly before this instant. */
  readonly expiresAtMs: number;
  /** Ms since the epoch: forgotten from this instant (at or after expiresAtMs). */
  readonly keepUntilMs: number;
}

export type CreateChallengeResult = 'stored' | 'taken';

export type ConsumeChallengeResult =
  /** This consume is the one: check the response now. */
  | { readonly outcome: 'fresh'; readonly challenge: ChallengeRecord; readonly atMs: number }
  /** An earlier consume took it (whatever that validation concluded). */
  | { readonly outcome: 'used'; readonly challenge: ChallengeRecord; readonly atMs: number }
  /** Its time passed before any consume took it. */
  | { readonly outcome: 'expired'; readonly challenge: ChallengeRecord; readonly atMs: number }
  /** No such challenge of this tenant (never made, another tenant's, or forgotten). */
  | { readonly outcome: 'not-found' };

export interface ChallengeStore {
  /** Stores a new, unused challenge until its keepUntilMs. Writes nothing when the id is taken. */
  create(challenge: ChallengeRecord): Promise<CreateChallengeResult>;
  /** Uses the tenant's challenge up, atomically: see the module comment. */
  consume(tenant: string, id: string): Promise<ConsumeChallengeResult>;
}

/** The checks both implementations make on a record before storing it. */
export function checkChallenge(challenge: ChallengeRecord): void {
  const { expiresAtMs, keepUntilMs } = challenge;
  if (!Number.isSafeInteger(expiresAtMs) || !Number.isSafeInteger(keepUntilMs) || keepUntilMs < expiresAtMs) {
    throw new RangeError(`a challenge's expiresAtMs and keepUntilMs must be whole milliseconds, keepUntilMs >= expiresAtMs; got ${expiresAtMs}, ${keepUntilMs}`);
  }
}
