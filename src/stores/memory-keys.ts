/**
 * The embedded key store (see memory.ts): plain maps in this process. Each method body that does
 * not await is atomic, as the Redis scripts are. An expired key is dropped when next touched and
 * by the periodic sweep.
 * @module
 */
import { KEY_ID_PREFIX, type AddVersionResult, type KeyPage, type KeyStore, type ListKeysOptions, type PutKeyResult, type StoredKey, type TenantKeyRole, type UseKeyResult } from './keys.ts';
import { systemClock, type Clock } from './store.ts';

interface Tenant {
  /** id -> key. */
  readonly keys: Map<string, StoredKey>;
  /** fingerprint -> id. */
  readonly fingerprints: Map<string, string>;
  /** id -> encryptions counted. */
  readonly uses: Map<string, number>;
  /** role -> the signing key's id, or the attestation key itself. */
  signingId?: string;
  attestation?: StoredKey;
}

export class MemoryKeyStore implements KeyStore {
  readonly #clock: Clock;
  readonly #tenants = new Map<string, Tenant>();

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  async put(key: StoredKey, quota: number): Promise<PutKeyResult> {
    const t = this.#tenant(key.tenant);
    if (this.#live(t, key.id)) return 'taken';
    this.#purge(t);
    if (quota > 0 && t.keys.size >= quota) return 'quota-exceeded';
    this.#insert(t, key);
    return 'stored';
  }

  async get(tenant: string, id: string): Promise<StoredKey | undefined> {
    const t = this.#tenants.get(tenant);
    return t && this.#live(t, id);
  }

  async findIdByFingerprint(tenant: string, fingerprint: string): Promise<string | undefined> {
    const t = this.#tenants.get(tenant);
    const id = t?.fingerprints.get(fingerprint);
    return id !== undefined && this.#live(t!, id) ? id : undefined;
  }

  async addVersion(tenant: string, id: string, version: Parameters<KeyStore['addVersion']>[2]): Promise<AddVersionResult> {
    const t = this.#tenants.get(tenant);
    const key = t && this.#live(t, id);
    if (!key) return 'not-found';
    if (version.version !== key.versions.length + 1) return 'conflict';
    t.keys.set(id, { ...key, versions: [...key.versions, version] });
    return 'added';
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    const t = this.#tenants.get(tenant);
    if (!t || !this.#live(t, id)) return false;
    this.#remove(t, id);
    return true;
  }

  async list(tenant: string, { type, cursor, limit }: ListKeysOptions): Promise<KeyPage> {
    const t = this.#tenants.get(tenant);
    if (!t) return { keys: [], nextCursor: null };
    this.#purge(t);
    // Creation order, ties by id, as the Redis store lists; the cursor is "<created ms> <id>".
    const created = (key: StoredKey) => {
      const ms = Date.parse(key.createdAt);
      return Number.isFinite(ms) ? ms : 0;
    };
    const [afterMs, afterId] = cursor ? [Number(cursor.split(' ')[0]), cursor.split(' ')[1] ?? ''] : [-Infinity, ''];
    const ordered = [...t.keys.values()]
      .filter((k) => created(k) > afterMs || (created(k) === afterMs && k.id > afterId))
      .sort((a, b) => created(a) - created(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const prefix = type ? KEY_ID_PREFIX[type] : '';
    const matching = ordered.filter((k) => k.id.startsWith(prefix));
    const page = matching.slice(0, limit);
    const last = page[page.length - 1];
    return { keys: page, nextCursor: matching.length > limit && last ? `${created(last)} ${last.id}` : null };
  }

  async count(tenant: string): Promise<number> {
    const t = this.#tenants.get(tenant);
    if (!t) return 0;
    this.#purge(t);
    return t.keys.size;
  }

  async countUse(tenant: string, id: string, limit: number): Promise<UseKeyResult> {
    const t = this.#tenants.get(tenant);
    if (!t || !this.#live(t, id)) return 'not-found';
    const used = t.uses.get(id) ?? 0;
    if (used >= limit) return 'exhausted';
    t.uses.set(id, used + 1);
    return 'counted';
  }

  async getOrPutRoleKey(tenant: string, role: TenantKeyRole, candidate: StoredKey): Promise<StoredKey> {
    const t = this.#tenant(tenant);
    const existing = this.#role(t, role);
    if (existing) return existing;
    if (role === 'attestation') {
      t.attestation = candidate;
    } else {
      this.#insert(t, candidate);
      t.signingId = candidate.id;
    }
    return candidate;
  }

  async getRoleKey(tenant: string, role: TenantKeyRole): Promise<StoredKey | undefined> {
    const t = this.#tenants.get(tenant);
    return t && this.#role(t, role);
  }

  /** Drops every expired key (also done as keys are touched). */
  sweep(): void {
    for (const t of this.#tenants.values()) this.#purge(t);
  }

  #role(t: Tenant, role: TenantKeyRole): StoredKey | undefined {
    if (role === 'attestation') return t.attestation;
    return t.signingId === undefined ? undefined : this.#live(t, t.signingId);
  }

  #tenant(tenant: string): Tenant {
    let t = this.#tenants.get(tenant);
    if (!t) this.#tenants.set(tenant, (t = { keys: new Map(), fingerprints: new Map(), uses: new Map() }));
    return t;
  }

  /** The key, unless it has expired (then it is dropped, as Redis drops it). */
  #live(t: Tenant, id: string): StoredKey | undefined {
    const key = t.keys.get(id);
    if (key && key.expiresAtMs !== null && key.expiresAtMs <= this.#clock()) {
      this.#remove(t, id);
      return undefined;
    }
    return key;
  }

  #insert(t: Tenant, key: StoredKey): void {
    t.keys.set(key.id, key);
    if (key.fingerprint !== undefined) t.fingerprints.set(key.fingerprint, key.id);
  }

  #remove(t: Tenant, id: string): void {
    const key = t.keys.get(id);
    t.keys.delete(id);
    t.uses.delete(id);
    if (key?.fingerprint !== undefined && t.fingerprints.get(key.fingerprint) === id) t.fingerprints.delete(key.fingerprint);
  }

  #purge(t: Tenant): void {
    for (const id of [...t.keys.keys()]) this.#live(t, id);
  }
}
