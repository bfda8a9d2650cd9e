/**
 * API keys from the configuration, looked up in constant time: the presented key is hashed and
 * compared with every configured key's hash with timingSafeEqual, without stopping at a match, so
 * the time taken says nothing about which key (or how much of one) matched.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry } from '../config.ts';

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

export class ApiKeys {
  readonly #entries: readonly { tenant: string; digest: Buffer }[];

  constructor(entries: readonly ApiKeyEntry[]) {
    this.#entries = entries.map((e) => ({ tenant: e.tenant, digest: digest(e.key) }));
  }

  /** The tenant whose key this is, or undefined. */
  tenantFor(presented: string): string | undefined {
    const d = digest(presented);
    let tenant: string | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(d, entry.digest)) tenant ??= entry.tenant;
    }
    return tenant;
  }
}
