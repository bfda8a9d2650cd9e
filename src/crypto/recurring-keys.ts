/**
 * What a backend makes from a public key (the native backend's imported KeyObject, noble's prepared
 * ML-KEM key), kept for the keys that come back: a key is kept from its second use within the
 * last `maxEntries` keys, not from its first, and at most `maxEntries` are kept, the least recently
 * used dropped first.
 *
 * Not from the first use: a kept value outlives many requests (an imported KeyObject holds OpenSSL
 * memory freed by a finalizer; a prepared ML-KEM-768 key is 7 KB), so keeping every key of a stream
 * of one-off keys, the usual ephemeral use of a KEM, made each request cost more in garbage
 * collection than the keeping saved (measured with one-off keys: noble on Node 20 +15% CPU a
 * request; native on Node 24 0.55x the naive service, 0.60x once it kept only recurring keys;
 * docs/performance.md "Third pass"). The window of keys seen once is no larger
 * than the kept set, so a key that comes back within it is kept and stays kept while it keeps
 * coming back, and one that comes back later is never kept: nothing is made only to be dropped.
 *
 * Keys are found by their last 32 bytes (an ML-KEM key's rho, random in a genuine key) and then
 * compared whole: two keys sharing them (made so on purpose) are at worst used the one-off way.
 * Public data only: nothing here is secret. (Kept in crypto/, which imports nothing
 * outside itself, rather than in src/lib/lru.ts.)
 * @module
 */
export class RecurringKeys<T> {
  /**
   * By the key's last 32 bytes (with its kind), with the whole key to compare: a 32-character Map
   * key costs less to make and hash on every call than one of the whole key (1-2.5 KB). A Map keeps
   * insertion order: re-inserting on use makes its first entry the least recently used.
   */
  readonly #kept = new Map<string, { readonly key: Buffer; readonly value: T }>();
  readonly #seen = new Map<string, true>();

  constructor(readonly maxEntries: number) {}

  /**
   * The value kept for `publicKey` (made by `make` now if the key has come back), or undefined on
   * the key's first use within the window: the caller then uses the key the one-off way. A key
   * whose last 32 bytes are those of another key kept is used the one-off way too.
   */
  get(publicKey: Uint8Array, make: () => T, kind = ''): T | undefined {
    const bytes = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength);
    const hint = kind + bytes.toString('latin1', Math.max(0, bytes.length - 32));
    const entry = this.#kept.get(hint);
    if (entry) {
      if (!entry.key.equals(bytes)) return undefined;
      this.#kept.delete(hint);
      this.#kept.set(hint, entry);
      return entry.value;
    }
    if (!this.#seen.delete(hint)) {
      this.#seen.set(hint, true);
      if (this.#seen.size > this.maxEntries) this.#seen.delete(this.#seen.keys().next().value!);
      return undefined;
    }
    const value = make();
    this.#kept.set(hint, { key: Buffer.from(bytes), value });
    if (this.#kept.size > this.maxEntries) this.#kept.delete(this.#kept.keys().next().value!);
    return value;
  }

  /** How many values are kept now (for tests). */
  get size(): number {
    return this.#kept.size;
  }
}
