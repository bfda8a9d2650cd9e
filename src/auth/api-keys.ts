/**
 * API keys from the configuration, looked up in constant time: the presented key is hashed and
 * compared with every configured key's hash with timingSafeEqual, without stopping at a match, so
 * the time taken says nothing about which key (or how much of one) matched.
 * @module
 */
import { createHash, hash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry } from '../config.ts';

/** SHA-256 of the key (one-shot: on every request with a credential). */
const digest = (key: string) => hash('sha256', key, 'buffer');

/**
 * A key's public name: the first 96 bits of SHA-256 over a label and the key, base64url. Carried in
 * the tokens a key's lineage mints, so a token lives only while that key is configured. Keys are
 * at least 32 random characters, so the name reveals nothing usable about the key.
 */
export const apiKeyId = (key: string) =>
  createHash('sha256').update('pq-crypto-api/v1/api-key-id\0').update(key, 'utf8').digest().subarray(0, 12).toString('base64url');

export interface ApiKeyMatch {
  readonly tenant: string;
  /** apiKeyId of the matched key. */
  readonly keyId: string;
}

export class ApiKeys {
  readonly #entries: readonly { tenant: string; keyId: string; digest: Buffer }[];
  /** tenant \0 keyId of every configured key: what a token's lineage must still name. */
  readonly #live: ReadonlySet<string>;

  constructor(entries: readonly ApiKeyEntry[]) {
    this.#entries = entries.map((e) => ({ tenant: e.tenant, keyId: apiKeyId(e.key), digest: digest(e.key) }));
    this.#live = new Set(this.#entries.map((e) => `${e.tenant}\0${e.keyId}`));
  }

  /** The tenant and key id whose key this is, or undefined. */
  match(presented: string): ApiKeyMatch | undefined {
    const d = digest(presented);
    let found: ApiKeyMatch | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(d, entry.digest)) found ??= { tenant: entry.tenant, keyId: entry.keyId };
    }
    return found;
  }

  /** The tenant whose key this is, or undefined. */
  tenantFor(presented: string): string | undefined {
    return this.match(presented)?.tenant;
  }

  /** Whether the tenant still has the key with this id configured (tokens die with their key). */
  isLive(tenant: string, keyId: string): boolean {
    return this.#live.has(`${tenant}\0${keyId}`);
  }
}
