/**
 * The clients port: the registered clients of each tenant (BRIEF, "Clients with their own keys"):
 * callers that hold their own ML-DSA key pair and sign their requests (RFC 9421) instead of
 * presenting a bearer secret. A client acts with its scopes and key ids, never more than the
 * credential that registered it.
 *
 * Atomic operations: put (refused when the id is taken, by this tenant or any other, or when the
 * tenant has `quota` unexpired clients), delete (reports whether it existed), and expiry (the
 * client is gone everywhere at `expiresAtMs`). Both implementations (memory-clients.ts,
 * redis-clients.ts) pass one contract suite (test/stores/client-contract.ts).
 *
 * Finding a client from a signed request: the `keyid` of a signature is the client id alone, and
 * the tenant is not known from the request (credentials name no tenant). So the store keeps a
 * global index client id -> tenant (`find`), beside the tenant's own records: ids are random
 * (128 bits) and unique across tenants. Encoding the tenant in the id was the other choice; it
 * would make ids longer than the `cl_` + 22 characters the brief fixes, or tie them to the tenant
 * list of the configuration.
 * @module
 */
import type { Scope } from '../auth/scopes.ts';
import type { KemAlgorithm, MlDsaAlgorithm } from '../crypto/algorithms.ts';

/** A public key as a client record keeps it. */
export interface ClientPublicKey<A extends string> {
  readonly algorithm: A;
  /** Standard base64 of the public key. */
  readonly pk: string;
}

export interface ClientRecord {
  /** `cl_` + 22 base64url characters. */
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
  /** The key its requests are signed with. */
  readonly signingKey: ClientPublicKey<MlDsaAlgorithm>;
  /** A key to seal to it (login info, encrypted challenges), if it registered one. */
  readonly kemKey?: ClientPublicKey<KemAlgorithm>;
  readonly scopes: readonly Scope[];
  /** The stored keys it may use; null when any key of the tenant. */
  readonly keyIds: readonly string[] | null;
  /**
   * The API key that made the client, or that minted the lineage of the token that did: the
   * client acts only while that key is configured, as such a token lives (a leaked API key,
   * rotated out, leaves no client behind that its thief registered).
   */
  readonly apiKeyId: string;
  /** RFC 3339. */
  readonly createdAt: string;
  /** When the client is gone everywhere (ms since the epoch), or null for never. */
  readonly expiresAtMs: number | null;
}

export type PutClientResult = 'stored' | 'taken' | 'quota-exceeded';

export interface ClientPage {
  readonly clients: readonly ClientRecord[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export interface ListClientsOptions {
  /** The `nextCursor` of the previous page (absent for the first). */
  readonly cursor?: string;
  readonly limit: number;
}

export interface ClientStore {
  /**
   * Stores a new client and indexes it (tenant listing, expiry, the global id index), making it
   * expire at `expiresAtMs`. Writes nothing when the id is taken (in any tenant) or when the
   * tenant already has `quota` unexpired clients (0: no quota).
   */
  put(client: ClientRecord, quota: number): Promise<PutClientResult>;
  /** The tenant's client with this id, or undefined (also another tenant's, or an expired one). */
  get(tenant: string, id: string): Promise<ClientRecord | undefined>;
  /** The client with this id, whatever its tenant (for authenticating a signed request), or undefined. */
  find(id: string): Promise<ClientRecord | undefined>;
  /** Deletes the client and its index entries; false when the tenant has no such client. */
  delete(tenant: string, id: string): Promise<boolean>;
  /**
   * One page of the tenant's unexpired clients in client id order: a client stored or deleted
   * meanwhile appears or not, but none is listed twice or skipped.
   */
  list(tenant: string, options: ListClientsOptions): Promise<ClientPage>;
  /** How many unexpired clients the tenant has (what QUOTA_CLIENTS counts). */
  count(tenant: string): Promise<number>;
}
