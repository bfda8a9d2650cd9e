/**
 * The embedded client store (see clients.ts): per tenant, id -> record, and the global id ->
 * tenant index. A method body that does not await is atomic in one process. An expired client is
 * dropped when next touched and by the periodic sweep.
 * @module
 */
import type { ClientPage, ClientRecord, ClientStore, ListClientsOptions, PutClientResult } from './clients.ts';
import { systemClock, type Clock } from './store.ts';

export class MemoryClientStore implements ClientStore {
  readonly #clock: Clock;
  /** tenant -> id -> record. */
  readonly #tenants = new Map<string, Map<string, ClientRecord>>();
  /** id -> tenant, for every stored client. */
  readonly #owners = new Map<string, string>();

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  async put(client: ClientRecord, quota: number): Promise<PutClientResult> {
    const owner = this.#owners.get(client.id);
    if (owner !== undefined && this.#live(owner, client.id)) return 'taken';
    if (quota > 0 && this.#purge(client.tenant) >= quota) return 'quota-exceeded';
    let clients = this.#tenants.get(client.tenant);
    if (!clients) this.#tenants.set(client.tenant, (clients = new Map()));
    clients.set(client.id, client);
    this.#owners.set(client.id, client.tenant);
    return 'stored';
  }

  async get(tenant: string, id: string): Promise<ClientRecord | undefined> {
    return this.#live(tenant, id);
  }

  async find(id: string): Promise<ClientRecord | undefined> {
    const owner = this.#owners.get(id);
    return owner === undefined ? undefined : this.#live(owner, id);
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    if (!this.#live(tenant, id)) return false;
    this.#remove(tenant, id);
    return true;
  }

  async list(tenant: string, { cursor, limit }: ListClientsOptions): Promise<ClientPage> {
    this.#purge(tenant);
    const after = cursor ?? '';
    const ordered = [...(this.#tenants.get(tenant)?.values() ?? [])].filter((c) => c.id > after).sort((a, b) => (a.id < b.id ? -1 : 1));
    const page = ordered.slice(0, limit);
    return { clients: page, nextCursor: ordered.length > limit ? page[page.length - 1]!.id : null };
  }

  async count(tenant: string): Promise<number> {
    return this.#purge(tenant);
  }

  /** Drops every expired client. */
  sweep(): void {
    for (const tenant of [...this.#tenants.keys()]) this.#purge(tenant);
  }

  /** The client, unless it has expired (then it is dropped, as Redis drops it). */
  #live(tenant: string, id: string): ClientRecord | undefined {
    const client = this.#tenants.get(tenant)?.get(id);
    if (client && client.expiresAtMs !== null && client.expiresAtMs <= this.#clock()) {
      this.#remove(tenant, id);
      return undefined;
    }
    return client;
  }

  #remove(tenant: string, id: string): void {
    const clients = this.#tenants.get(tenant);
    clients?.delete(id);
    if (clients?.size === 0) this.#tenants.delete(tenant);
    if (this.#owners.get(id) === tenant) this.#owners.delete(id);
  }

  /** Drops the tenant's expired clients; how many are left. */
  #purge(tenant: string): number {
    for (const id of [...(this.#tenants.get(tenant)?.keys() ?? [])]) this.#live(tenant, id);
    return this.#tenants.get(tenant)?.size ?? 0;
  }
}
