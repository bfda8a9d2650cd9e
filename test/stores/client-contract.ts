/**
 * The client store contract: every ClientStore implementation must pass it (contract.ts runs it
 * on the memory store, Redis, Redis Cluster and Sentinel). Expiry tests use real, short expiries
 * because Redis keeps its own clock.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, test } from 'node:test';
import type { ClientRecord, ClientStore } from '../../src/stores/clients.ts';

/** A well-formed client id ('cl_' + 22 base64url characters), random unless a label is given. */
export function clientId(label?: string): string {
  return 'cl_' + (label ? label.replace(/[^A-Za-z0-9_-]/g, '-').padEnd(22, 'x').slice(0, 22) : randomBytes(16).toString('base64url'));
}

export function clientRecord(tenant: string, id: string, overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    id,
    tenant,
    name: `client ${id}`,
    signingKey: { algorithm: 'ML-DSA-65', pk: Buffer.from(`pk of ${id}`).toString('base64') },
    scopes: ['dsa:sign', 'kem:encapsulate'],
    keyIds: null,
    apiKeyId: 'ak_0123456789abcdef',
    createdAt: '2025-01-02T03:04:05.678Z',
    expiresAtMs: null,
    ...overrides,
  };
}

/** Runs the contract; `current()` gives the client store of the test under way (a fresh one per test). */
export function runClientStoreContract(current: () => ClientStore): void {
  describe('client store', () => {
    let clients: ClientStore;
    let acme: string;
    let globex: string;
    beforeEach(() => {
      clients = current();
      acme = `acme-${randomUUID()}`;
      globex = `globex-${randomUUID()}`;
    });

    describe('records', () => {
      test('put then get and find round-trip the record, with or without a KEM key and key restriction', async () => {
        const plain = clientRecord(acme, clientId());
        const full = clientRecord(acme, clientId(), { kemKey: { algorithm: 'X-Wing', pk: 'eHdpbmc=' }, keyIds: ['kem_aaaaaaaaaaaaaaaaaaaaaa'], expiresAtMs: Date.now() + 3_600_000 });
        assert.equal(await clients.put(plain, 0), 'stored');
        assert.equal(await clients.put(full, 0), 'stored');
        assert.deepEqual(await clients.get(acme, plain.id), plain);
        assert.deepEqual(await clients.get(acme, full.id), full);
        assert.deepEqual(await clients.find(plain.id), plain);
        assert.deepEqual(await clients.find(full.id), full);
      });

      test("another tenant's client is not found by id in this tenant; find finds it in its own", async () => {
        const client = clientRecord(globex, clientId());
        await clients.put(client, 0);
        assert.equal(await clients.get(acme, client.id), undefined);
        assert.deepEqual(await clients.find(client.id), client);
        assert.equal(await clients.find(clientId()), undefined);
      });

      test('an id is taken across tenants: a second put keeps the first record', async () => {
        const first = clientRecord(acme, clientId());
        assert.equal(await clients.put(first, 0), 'stored');
        assert.equal(await clients.put({ ...first, name: 'again' }, 0), 'taken');
        assert.equal(await clients.put(clientRecord(globex, first.id), 0), 'taken');
        assert.deepEqual(await clients.get(acme, first.id), first);
        assert.equal(await clients.get(globex, first.id), undefined);
        assert.deepEqual(await clients.find(first.id), first);
      });

      test('of concurrent puts of one id, exactly one is stored, and find finds it', async () => {
        const id = clientId();
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => clients.put(clientRecord(acme, id, { name: `n${i}` }), 0)));
        assert.equal(results.filter((r) => r === 'stored').length, 1);
        const winner = results.indexOf('stored');
        assert.equal((await clients.find(id))?.name, `n${winner}`);
      });

      test('delete answers whether it existed, once; the client is then gone from get, find and list', async () => {
        const client = clientRecord(acme, clientId());
        await clients.put(client, 0);
        assert.equal(await clients.delete(globex, client.id), false, "another tenant's delete does nothing");
        assert.deepEqual(await clients.find(client.id), client);
        const results = await Promise.all(Array.from({ length: 5 }, () => clients.delete(acme, client.id)));
        assert.equal(results.filter(Boolean).length, 1);
        assert.equal(await clients.get(acme, client.id), undefined);
        assert.equal(await clients.find(client.id), undefined);
        assert.deepEqual((await clients.list(acme, { limit: 10 })).clients, []);
        assert.equal(await clients.count(acme), 0);
      });
    });

    describe('quota', () => {
      test('past the quota nothing is written: no record, not found by id', async () => {
        await clients.put(clientRecord(acme, clientId()), 2);
        await clients.put(clientRecord(acme, clientId()), 2);
        const third = clientRecord(acme, clientId());
        assert.equal(await clients.put(third, 2), 'quota-exceeded');
        assert.equal(await clients.get(acme, third.id), undefined);
        assert.equal(await clients.find(third.id), undefined);
        assert.equal(await clients.count(acme), 2);
        assert.equal(await clients.put(clientRecord(globex, clientId()), 2), 'stored', 'quotas are per tenant');
      });

      test('of concurrent puts at the quota, exactly the quota is stored', async () => {
        const results = await Promise.all(Array.from({ length: 12 }, () => clients.put(clientRecord(acme, clientId()), 5)));
        assert.equal(results.filter((r) => r === 'stored').length, 5);
        assert.equal(await clients.count(acme), 5);
      });

      test('a deleted or expired client frees its place', async () => {
        const kept = clientRecord(acme, clientId());
        await clients.put(kept, 2);
        await clients.put(clientRecord(acme, clientId(), { expiresAtMs: Date.now() + 300 }), 2);
        assert.equal(await clients.put(clientRecord(acme, clientId()), 2), 'quota-exceeded');
        await sleep(600);
        assert.equal(await clients.put(clientRecord(acme, clientId()), 2), 'stored');
        await clients.delete(acme, kept.id);
        assert.equal(await clients.put(clientRecord(acme, clientId()), 2), 'stored');
      });
    });

    describe('expiry', () => {
      test('an expired client is gone from get, find, list and count, at its expiry', async () => {
        const client = clientRecord(acme, clientId(), { expiresAtMs: Date.now() + 300 });
        await clients.put(client, 0);
        assert.deepEqual(await clients.find(client.id), client);
        assert.equal(await clients.count(acme), 1);
        await sleep(600);
        assert.equal(await clients.get(acme, client.id), undefined);
        assert.equal(await clients.find(client.id), undefined);
        assert.deepEqual(await clients.list(acme, { limit: 10 }), { clients: [], nextCursor: null });
        assert.equal(await clients.count(acme), 0);
      });
    });

    describe('listing', () => {
      test('pages in id order: each client once, only the tenant own, the cursor null on the last page', async () => {
        const ids = Array.from({ length: 5 }, (_, i) => clientId(`c${i}`));
        for (const id of [...ids].reverse()) await clients.put(clientRecord(acme, id), 0);
        await clients.put(clientRecord(globex, clientId()), 0);
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await clients.list(acme, { limit: 2, ...(cursor ? { cursor } : {}) });
          assert.ok(page.clients.length <= 2);
          seen.push(...page.clients.map((c) => c.id));
          cursor = page.nextCursor ?? undefined;
          pages++;
        } while (cursor);
        assert.deepEqual(seen, [...ids].sort());
        assert.equal(pages, 3);
        const exact = await clients.list(acme, { limit: 5 });
        assert.equal(exact.clients.length, 5);
        assert.equal(exact.nextCursor, null, 'no cursor when nothing follows');
        assert.deepEqual(await clients.list(`nobody-${randomUUID()}`, { limit: 5 }), { clients: [], nextCursor: null });
      });

      test('a client deleted between pages is not listed; none is listed twice', async () => {
        const ids = Array.from({ length: 4 }, (_, i) => clientId(`d${i}`));
        for (const id of ids) await clients.put(clientRecord(acme, id), 0);
        const first = await clients.list(acme, { limit: 2 });
        await clients.delete(acme, ids[2]!);
        const second = await clients.list(acme, { limit: 2, cursor: first.nextCursor! });
        assert.deepEqual([...first.clients, ...second.clients].map((c) => c.id), [ids[0], ids[1], ids[3]]);
        assert.equal(second.nextCursor, null);
      });
    });
  });
}
