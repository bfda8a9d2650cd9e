/**
 * Registered clients (BRIEF, "Clients with their own keys"), below HTTP: registering a client
 * (its ML-DSA signing key, optionally a KEM key to seal to, a scope ceiling and key ids within
 * the maker's, an expiry within the maker's), reading, listing and deleting them; and
 * authenticating a request signed by one (RFC 9421, httpsig/verify.ts) to the Principal it acts as.
 *
 * Narrowing (the rules of operations/tokens.ts): a client gets the maker's scopes when it names
 * none and never one the maker lacks (403); its key ids are the maker's when it names none, and
 * never a key outside the maker's list (403) or not the tenant's (404); it never outlives a maker
 * that expires (a token, a client), and it lives only while the API key of the maker's lineage is
 * configured (the record keeps that key's id).
 *
 * Signed requests: the keyid is the client id, found through the store's global index (see
 * stores/clients.ts for why the id does not encode the tenant). Every refusal, whatever its
 * reason, is `undefined` (the uniform 401); the reason goes to `onRefused` for logs and metrics
 * only. The nonce is claimed in the replay store only after the signature verified, so a forged
 * request cannot use up a client's nonces; a store that cannot answer throws (503, never a grant).
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { ClientInfo, Principal, Scope } from '../auth/scopes.ts';
import { ALGORITHMS, type KemAlgorithm, type MlDsaAlgorithm } from '../crypto/algorithms.ts';
import type { DsaBackend } from '../crypto/backend.ts';
import { CryptoInputError } from '../crypto/errors.ts';
import { checkEncapsulationKey } from '../crypto/kem.ts';
import type { MlDsaVerifier } from '../httpsig/algorithms.ts';
import type { HttpRequestLike } from '../httpsig/base.ts';
import { replayTtlMs, verifySignedRequest, type VerificationPolicy, type VerifyFailure } from '../httpsig/verify.ts';
import { KeyNotFoundError } from '../keys/errors.ts';
import { InvalidInputError, NotAllowedError } from '../operations/errors.ts';
import type { ClientPage, ClientRecord, ClientStore } from '../stores/clients.ts';
import type { ReplayStore } from '../stores/replay.ts';
import type { Clock } from '../stores/store.ts';
import { ClientNotFoundError, ClientQuotaExceededError } from './errors.ts';

/** The KEM algorithms a client may register a key of (what login info and challenges are sealed with). */
export const CLIENT_KEM_ALGORITHMS = Object.freeze(['ML-KEM-768', 'ML-KEM-1024', 'X-Wing'] as const satisfies readonly KemAlgorithm[]);
export type ClientKemAlgorithm = (typeof CLIENT_KEM_ALGORITHMS)[number];

/** `cl_` and 16 random bytes in base64url (22 characters): httpsig/verify.ts's CLIENT_ID_PATTERN. */
export const newClientId = (): string => `cl_${randomBytes(16).toString('base64url')}`;

export interface RegisterClientInput {
  readonly name: string;
  readonly signingKey: { readonly algorithm: MlDsaAlgorithm; readonly pk: Uint8Array };
  readonly kemKey?: { readonly algorithm: ClientKemAlgorithm; readonly pk: Uint8Array } | undefined;
  readonly scopes?: readonly Scope[] | undefined;
  readonly keyIds?: readonly string[] | undefined;
  /** Seconds from now; none: as long as the maker lives (forever for an API key). */
  readonly expiresInSeconds?: number | undefined;
}

export interface ClientServiceOptions {
  /** QUOTA_CLIENTS: unexpired clients per tenant (0: none). */
  readonly quota: number;
  /** Whether the tenant has a stored key with this id (key_ids must name the tenant's keys). */
  readonly keyExists: (tenant: string, keyId: string) => Promise<boolean>;
  /** For tests: the id of the next client. */
  readonly newId?: () => string;
}

/** When the maker's own credential ends (ms), if it does: a token's expiry, a client's. */
function makerExpiry(principal: Principal): number | null {
  const ends = [principal.token?.expiresAtMs, principal.client?.expiresAtMs].filter((t): t is number => typeof t === 'number');
  return ends.length > 0 ? Math.min(...ends) : null;
}

export class ClientService {
  readonly #store: ClientStore;
  readonly #clock: Clock;
  readonly #options: ClientServiceOptions;

  constructor(store: ClientStore, clock: Clock, options: ClientServiceOptions) {
    this.#store = store;
    this.#clock = clock;
    this.#options = options;
  }

  /**
   * Registers a client of the maker's tenant.
   * @throws InvalidInputError (422) for a public key of the wrong length or failing its checks;
   *   NotAllowedError (403) for scopes or key ids beyond the maker's; KeyNotFoundError (404) for a
   *   key id that is not the tenant's; ClientQuotaExceededError (429).
   */
  async register(maker: Principal, input: RegisterClientInput): Promise<ClientRecord> {
    const { algorithm, pk } = input.signingKey;
    const expected = ALGORITHMS[algorithm].sizes.publicKey;
    if (pk.length !== expected) throw new InvalidInputError('/signing_key/pk', `an ${algorithm} public key is ${expected} bytes, got ${pk.length}`);
    if (input.kemKey) checkKemKey(input.kemKey.algorithm, input.kemKey.pk);

    const scopes = [...new Set(input.scopes ?? maker.scopes)];
    const extraScopes = scopes.filter((s) => !maker.scopes.includes(s));
    if (extraScopes.length > 0) throw new NotAllowedError(`A client cannot have scopes its maker lacks: ${extraScopes.join(', ')}.`);
    const keyIds = await this.#narrowKeyIds(maker, input.keyIds);

    const now = this.#clock();
    const asked = input.expiresInSeconds === undefined ? null : now + input.expiresInSeconds * 1000;
    const ceiling = makerExpiry(maker);
    const expiresAtMs = asked === null ? ceiling : ceiling === null ? asked : Math.min(asked, ceiling);

    const record: ClientRecord = {
      id: (this.#options.newId ?? newClientId)(),
      tenant: maker.tenant,
      name: input.name,
      signingKey: { algorithm, pk: Buffer.from(pk).toString('base64') },
      ...(input.kemKey ? { kemKey: { algorithm: input.kemKey.algorithm, pk: Buffer.from(input.kemKey.pk).toString('base64') } } : {}),
      scopes,
      keyIds,
      apiKeyId: maker.apiKeyId,
      createdAt: new Date(now).toISOString(),
      expiresAtMs,
    };
    const result = await this.#store.put(record, this.#options.quota);
    if (result === 'quota-exceeded') throw new ClientQuotaExceededError(this.#options.quota);
    // 'taken': 128 random bits collided, or a test's fixed id; never overwrite another client.
    if (result === 'taken') throw new Error('a new client id was taken');
    return record;
  }

  /** @throws ClientNotFoundError */
  async get(principal: Principal, id: string): Promise<ClientRecord> {
    const client = await this.#store.get(principal.tenant, id);
    if (!client) throw new ClientNotFoundError();
    return client;
  }

  async list(principal: Principal, options: { readonly cursor?: string; readonly limit: number }): Promise<ClientPage> {
    return this.#store.list(principal.tenant, options);
  }

  /** Deletes a client of the caller's tenant: its next signed request is refused on every instance. @throws ClientNotFoundError */
  async delete(principal: Principal, id: string): Promise<void> {
    if (!(await this.#store.delete(principal.tenant, id))) throw new ClientNotFoundError();
  }

  /** A client's key list: the maker's when it names none; never a key outside the maker's, nor one the tenant lacks. */
  async #narrowKeyIds(maker: Principal, requested: readonly string[] | undefined): Promise<readonly string[] | null> {
    if (requested === undefined || requested.length === 0) return maker.keyIds;
    const unique = [...new Set(requested)];
    for (const id of unique) {
      if (!(await this.#options.keyExists(maker.tenant, id))) throw new KeyNotFoundError('key_ids', `No key of yours has key_id ${id}.`);
    }
    if (maker.keyIds) {
      const extra = unique.filter((id) => !maker.keyIds!.includes(id));
      if (extra.length > 0) throw new NotAllowedError(`A client cannot use keys its maker may not: ${extra.join(', ')}.`);
    }
    return unique;
  }
}

/** @throws InvalidInputError('/kem_key/pk') when the key is not a valid key of the named algorithm (FIPS 203 section 7.2; X-Wing). */
function checkKemKey(algorithm: ClientKemAlgorithm, pk: Uint8Array): void {
  if (pk.length !== ALGORITHMS[algorithm].sizes.publicKey) throw new InvalidInputError('/kem_key/pk', `an ${algorithm} public key is ${ALGORITHMS[algorithm].sizes.publicKey} bytes, got ${pk.length}`);
  try {
    checkEncapsulationKey(algorithm, pk);
  } catch (error) {
    if (error instanceof CryptoInputError) throw new InvalidInputError('/kem_key/pk', error.message);
    throw error;
  }
}

/**
 * The service's crypto backend as the signature verifier (node:crypto on Node >= 24.7, else noble
 * in worker threads, per CRYPTO_BACKEND): pure ML-DSA, empty context, the set named. A key that
 * does not fit its set (not possible for a registered client: its length was checked) is false.
 */
export function backendVerifier(dsa: Pick<DsaBackend, 'verify'>): MlDsaVerifier {
  return async (algorithm, publicKey, message, signature) => {
    try {
      return await dsa.verify(algorithm, publicKey, message, signature);
    } catch (error) {
      if (error instanceof CryptoInputError) return false;
      throw error;
    }
  };
}

/** Why a signed request was refused: the verifier's reasons, and the service's own. */
export type SignedRequestFailure = VerifyFailure | 'replayed';

export interface SignedRequestDeps {
  readonly clients: Pick<ClientStore, 'find'>;
  readonly replay: ReplayStore;
  /** clientSignaturePolicy({ windowSeconds: SIGNATURE_WINDOW_SECONDS, clock }). */
  readonly policy: VerificationPolicy;
  /** Whether the API key of a client's lineage is still configured for its tenant (ApiKeys.isLive). */
  readonly isLive: (tenant: string, apiKeyId: string) => boolean;
  /** The ML-DSA verifier (default: noble; the crypto backend's may be passed). */
  readonly verify?: MlDsaVerifier;
  /** Told why a request was refused, and the keyid it named if it got that far (logs, metrics; never the caller). */
  readonly onRefused?: (reason: SignedRequestFailure, keyid?: string) => void;
}

/**
 * The principal a signed request acts as (the client's tenant, scopes and key ids, and `client`),
 * or undefined for any failure: no or bad signature, an unknown, expired, deleted or orphaned
 * client, a stale `created`, a body that does not match its digest, a nonce already used.
 * @throws StoreUnavailableError when the store cannot answer (the caller answers 503, not 401).
 */
export async function authenticateSignedRequest(request: HttpRequestLike, deps: SignedRequestDeps): Promise<Principal | undefined> {
  let client: ClientRecord | undefined;
  let named: string | undefined;
  const result = await verifySignedRequest(
    request,
    deps.policy,
    async (keyid) => {
      named = keyid; // the policy checked its shape: safe to log
      const found = await deps.clients.find(keyid);
      if (!found || !deps.isLive(found.tenant, found.apiKeyId)) return undefined;
      client = found;
      return { algorithm: found.signingKey.algorithm, publicKey: new Uint8Array(Buffer.from(found.signingKey.pk, 'base64')) };
    },
    deps.verify ? { verify: deps.verify } : {},
  );
  if (!result.ok || !client) {
    deps.onRefused?.(result.ok ? 'unknown-key' : result.reason, named);
    return undefined;
  }
  // The policy requires a nonce; a policy that does not (tests of the examples) claims nothing.
  if (result.nonce !== undefined) {
    const claimed = await deps.replay.claim(`httpsig:${client.id}`, result.nonce, replayTtlMs(result.created, deps.policy));
    if (claimed === 'replayed') {
      deps.onRefused?.('replayed', client.id);
      return undefined;
    }
  } else if (deps.policy.requireNonce) {
    deps.onRefused?.('nonce', client.id);
    return undefined;
  }
  const info: ClientInfo = { id: client.id, expiresAtMs: client.expiresAtMs };
  return { tenant: client.tenant, scopes: client.scopes, keyIds: client.keyIds, apiKeyId: client.apiKeyId, client: info };
}
