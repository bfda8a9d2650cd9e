/**
 * Challenges below HTTP (BRIEF, "Clients with their own keys", Challenges; KeyClaim's
 * challenge/response service, with post-quantum keys): the service makes 32 random bytes for one
 * registered client to answer, either by signing them with its ML-DSA key (`signature`) or by
 * opening them, sealed with HPKE to its KEM key (`kem`); a validation says whether the answer is
 * right, at most once, and signs a receipt of what it said with the tenant's attestation key.
 *
 * Decisions (docs/challenges.md explains them):
 * - Every challenge names its client (`client_id` is required): the answer is checked against
 *   that client's own public key, so without one there is nothing to check it with.
 * - Single-shot: a validation first uses the challenge up in the store, atomically across
 *   instances (stores/challenges.ts `consume`), THEN checks the response. Whatever the response,
 *   the challenge is spent: a wrong one is `mismatch` and the next try `used`, so nobody can guess
 *   online, and of any number of concurrent validations at most one can be `valid`. A client
 *   deleted or expired since the challenge was made cannot answer it any more (`mismatch`). A
 *   validation that fails after it used the challenge (the store or the crypto queue refusing:
 *   503) leaves it spent; the caller makes a new one.
 * - `expired` and `used` are answered for CHALLENGE_KEEP_MS after the challenge's expiry; after
 *   that the challenge is forgotten (404, as for an unknown id or another tenant's).
 * - The receipt is ML-DSA-65 by the tenant's attestation key, FIPS 204 context
 *   "pq-crypto-api/v1/challenge-receipt", over the UTF-8 of
 *   `challenge_id|client_id|valid|validated_at` (receiptMessage gives the exact forms), made for
 *   every answer, valid or not. `reason` is not in it: valid false is what a verifier acts on.
 * - A `kem` challenge is stored only as its SHA-256: the store never holds it in the clear. The
 *   response is compared by its hash, in constant time.
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ClientNotFoundError } from '../clients/errors.ts';
import { hpkeSuite, isHpkeKem, type HpkeKem } from '../crypto/hpke.ts';
import { CryptoInputError } from '../crypto/errors.ts';
import { runInline } from '../crypto/scheduler.ts';
import type { ChallengeMethod, ChallengeRecord } from '../stores/challenges.ts';
import type { ClientRecord } from '../stores/clients.ts';
import { cryptoJob, type OperationContext } from './context.ts';
import { ChallengeNotFoundError, InvalidInputError } from './errors.ts';

/** The FIPS 204 context of a client's signature over a challenge, and the HPKE `info` of a sealed one. */
export const CHALLENGE_CONTEXT = 'pq-crypto-api/v1/challenge';
/** How many random bytes a challenge is. */
export const CHALLENGE_BYTES = 32;
/** `ttl` in seconds: from 1 to 300, 30 when not given. */
export const CHALLENGE_TTL = Object.freeze({ min: 1, max: 300, default: 30 });
/** How long after its expiry a challenge still answers `expired` or `used` (then 404). */
export const CHALLENGE_KEEP_MS = 60_000;
export const CHALLENGE_METHODS = Object.freeze(['signature', 'kem'] as const satisfies readonly ChallengeMethod[]);
/** `ch_` and 16 random bytes in base64url (22 characters). */
export const CHALLENGE_ID = /^ch_[A-Za-z0-9_-]{22}$/;

const utf8 = (text: string) => new TextEncoder().encode(text);

export interface CreateChallengeInput {
  readonly clientId: string;
  readonly method: ChallengeMethod;
  readonly ttlSeconds: number;
}

export interface CreatedChallenge {
  readonly id: string;
  readonly clientId: string;
  readonly method: ChallengeMethod;
  readonly expiresAtMs: number;
  /** `signature`: the challenge bytes to sign. */
  readonly challenge?: Uint8Array;
  /** `kem`: enc || ciphertext of HPKE base mode to the client's kem_key (info CHALLENGE_CONTEXT, empty aad). */
  readonly encryptedChallenge?: Uint8Array;
}

/** The tenant's client with this id, while it lives (not expired, deleted, nor orphaned by its API key's removal). */
async function liveClient({ principal, services }: OperationContext, clientId: string): Promise<ClientRecord | undefined> {
  const client = await services.store.clients.get(principal.tenant, clientId);
  return client && services.apiKeys.isLive(client.tenant, client.apiKeyId) ? client : undefined;
}

/**
 * A new challenge for one of the tenant's registered clients.
 * @throws ClientNotFoundError (404) when the tenant has no such live client;
 *   InvalidInputError('method') (422) for `kem` to a client without a kem_key.
 */
export async function createChallenge(ctx: OperationContext, input: CreateChallengeInput): Promise<CreatedChallenge> {
  const { principal, services } = ctx;
  const client = await liveClient(ctx, input.clientId);
  if (!client) throw new ClientNotFoundError();
  const kemAlgorithm = client.kemKey?.algorithm;
  if (input.method === 'kem' && !isHpkeKem(kemAlgorithm)) throw new InvalidInputError('method', `client ${client.id} has no kem_key to seal a challenge to: register one, or use method signature`);

  const bytes = randomBytes(CHALLENGE_BYTES);
  let encryptedChallenge: Uint8Array | undefined;
  if (input.method === 'kem') {
    const pk = new Uint8Array(Buffer.from(client.kemKey!.pk, 'base64'));
    // HPKE is not a backend operation: it runs inline after the job's checks, as AES does.
    const sealed = await runInline(cryptoJob(ctx), async () => {
      try {
        return await services.hpke.seal(hpkeSuite(kemAlgorithm as HpkeKem), pk, bytes, { info: utf8(CHALLENGE_CONTEXT) });
      } catch (error) {
        // The key was checked when the client was registered: one that fails now is not the caller's doing.
        if (error instanceof CryptoInputError) throw new Error(`the kem_key of client ${client.id} does not seal: ${error.message}`);
        throw error;
      }
    });
    encryptedChallenge = Buffer.concat([sealed.enc, sealed.ciphertext]);
  }
  const now = services.clock();
  const expiresAtMs = now + input.ttlSeconds * 1000;
  const record: ChallengeRecord = {
    id: `ch_${randomBytes(16).toString('base64url')}`,
    tenant: principal.tenant,
    clientId: client.id,
    method: input.method,
    expected: (input.method === 'kem' ? createHash('sha256').update(bytes).digest() : bytes).toString('base64'),
    createdAt: new Date(now).toISOString(),
    expiresAtMs,
    keepUntilMs: expiresAtMs + CHALLENGE_KEEP_MS,
  };
  // 'taken': 128 random bits collided. Never overwrite another challenge.
  if ((await services.store.challenges.create(record)) === 'taken') throw new Error('a new challenge id was taken');
  if (encryptedChallenge) {
    bytes.fill(0);
    return { id: record.id, clientId: client.id, method: 'kem', expiresAtMs, encryptedChallenge };
  }
  return { id: record.id, clientId: client.id, method: 'signature', expiresAtMs, challenge: bytes };
}

export type ChallengeReason = 'expired' | 'used' | 'mismatch';

export interface ValidatedChallenge {
  readonly valid: boolean;
  readonly reason: ChallengeReason | null;
  readonly challengeId: string;
  readonly clientId: string | null;
  /** RFC 3339 UTC with milliseconds: the store's instant of the decision. */
  readonly validatedAt: string;
  readonly receiptSignature: Uint8Array;
}

/**
 * The signed message of a receipt: the UTF-8 of `challenge_id|client_id|valid|validated_at`, where
 * client_id is the empty string when there is none (ids are never empty, and never hold `|`),
 * valid is `true` or `false`, and validated_at is exactly the answer's RFC 3339 string
 * (`2026-12-06T09:30:00.123Z`: UTC, milliseconds, `Z`).
 */
export function receiptMessage(receipt: { readonly challengeId: string; readonly clientId: string | null; readonly valid: boolean; readonly validatedAt: string }): Uint8Array {
  return utf8(`${receipt.challengeId}|${receipt.clientId ?? ''}|${receipt.valid ? 'true' : 'false'}|${receipt.validatedAt}`);
}

/**
 * Validates a response to one of the tenant's challenges: uses the challenge up, then checks the
 * response (see the module comment), and signs the receipt.
 * @throws ChallengeNotFoundError (404) when the tenant has no such challenge (any more).
 */
export async function validateChallenge(ctx: OperationContext, input: { readonly challengeId: string; readonly response: Uint8Array }): Promise<ValidatedChallenge> {
  const { principal, services } = ctx;
  const consumed = await services.store.challenges.consume(principal.tenant, input.challengeId);
  if (consumed.outcome === 'not-found') throw new ChallengeNotFoundError();
  const { challenge } = consumed;
  let valid = false;
  let reason: ChallengeReason | null = consumed.outcome === 'fresh' ? 'mismatch' : consumed.outcome;
  if (consumed.outcome === 'fresh' && (await responseMatches(ctx, challenge, input.response))) {
    valid = true;
    reason = null;
  }
  const validatedAt = new Date(consumed.atMs).toISOString();
  const statement = { challengeId: challenge.id, clientId: challenge.clientId, valid, validatedAt };
  const { signature } = await services.keys.attestStatement(principal.tenant, 'challenge-receipt', receiptMessage(statement), cryptoJob(ctx));
  return { ...statement, reason, receiptSignature: signature };
}

/** Whether `response` answers the challenge: by the client's key, while the client lives. */
async function responseMatches(ctx: OperationContext, challenge: ChallengeRecord, response: Uint8Array): Promise<boolean> {
  const client = await liveClient(ctx, challenge.clientId);
  if (!client) return false;
  const expected = Buffer.from(challenge.expected, 'base64');
  if (challenge.method === 'kem') {
    // Both sides hashed: equal lengths whatever was sent, and a constant-time comparison.
    return timingSafeEqual(createHash('sha256').update(response).digest(), expected);
  }
  const { algorithm, pk } = client.signingKey;
  try {
    return await ctx.services.crypto.dsa.verify(algorithm, new Uint8Array(Buffer.from(pk, 'base64')), expected, response, utf8(CHALLENGE_CONTEXT), cryptoJob(ctx));
  } catch (error) {
    // A registered key has its set's length; nothing the caller sent can make verify throw.
    if (error instanceof CryptoInputError) return false;
    throw error;
  }
}
