/**
 * The key store contract: every KeyStore implementation must pass it (contract.ts runs it on the
 * memory store, Redis, Redis Cluster and Sentinel). Expiry tests use real, short expiries because
 * Redis keeps its own clock.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, test } from 'node:test';
import { typedKey, type KeyStore, type KeyType, type KeyVersionRecord, type StoredKey, type UntypedKey } from '../../src/stores/keys.ts';

const CREATED = '2025-01-02T03:04:05.678Z';

/** A well-formed key id of a type ('kem_' + 22 characters), from a short label. */
export function keyId(type: KeyType, label: string): string {
  const prefix = type === 'kem' ? 'kem_' : type === 'dsa' ? 'dsa_' : 'sk_';
  return prefix + label.replace(/[^A-Za-z0-9_-]/g, '-').padEnd(22, 'x').slice(0, 22);
}

export function storedKey(tenant: string, id: string, overrides: Partial<StoredKey> = {}): StoredKey {
  const type: KeyType = id.startsWith('dsa_') ? 'dsa' : id.startsWith('sk_') ? 'shared' : 'kem';
  return typedKey({
    id,
    tenant,
    type,
    algorithm: type === 'kem' ? 'ML-KEM-768' : type === 'dsa' ? 'ML-DSA-65' : 'AES-256-GCM',
    createdAt: CREATED,
    expiresAtMs: null,
    ...(type === 'kem' ? { fingerprint: `fp-${id}` } : {}),
    // Version 1 is made with the key (stores may keep one creation time for both).
    versions: [version(1, `${tenant}/${id}`, overrides.createdAt ?? CREATED)],
    ...overrides,
  } as UntypedKey);
}

const version = (n: number, label: string, createdAt = CREATED): KeyVersionRecord => ({
  version: n,
  publicKey: Buffer.from(`public key ${n} of ${label}`).toString('base64'),
  sealedSeed: Buffer.from(`sealed seed ${n} of ${label}`).toString('base64'),
  createdAt,
});

/** Runs the contract; `current()` gives the key store of the test under way (a fresh one per test). */
export function runKeyStoreContract(current: () => KeyStore): void {
  describe('key store', () => {
    let keys: KeyStore;
    // Fresh tenants per test, so stores that share a backend cannot see each other's data.
    let acme: string;
    let globex: string;
    beforeEach(() => {
      keys = current();
      acme = `acme-${randomUUID()}`;
      globex = `globex-${randomUUID()}`;
    });
    const K1 = keyId('kem', 'k1');
    const D1 = keyId('dsa', 'd1');

    describe('records', () => {
      test('put then get round-trips the key, found by its fingerprint too', async () => {
        const key = storedKey(acme, K1);
        assert.equal(await keys.put(key, 0), 'stored');
        assert.deepEqual(await keys.get(acme, K1), key);
        assert.equal(await keys.findIdByFingerprint(acme, key.fingerprint!), K1);
        const signing = storedKey(acme, D1, { origin: 'somewhere' });
        assert.equal(await keys.put(signing, 0), 'stored');
        assert.deepEqual(await keys.get(acme, D1), signing);
      });

      test('put refuses a taken id and keeps the first key (and its fingerprint)', async () => {
        const first = storedKey(acme, K1);
        assert.equal(await keys.put(first, 0), 'stored');
        assert.equal(await keys.put(storedKey(acme, K1, { algorithm: 'X-Wing', fingerprint: 'other' }), 0), 'taken');
        assert.deepEqual(await keys.get(acme, K1), first);
        assert.equal(await keys.findIdByFingerprint(acme, 'other'), undefined);
      });

      test('of concurrent puts of one id, exactly one is stored', async () => {
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => keys.put(storedKey(acme, K1, { fingerprint: `fp${i}` }), 0)));
        assert.equal(results.filter((r) => r === 'stored').length, 1);
        assert.equal(results.filter((r) => r === 'taken').length, 9);
        assert.equal(await keys.count(acme), 1);
      });

      test('delete removes the key, its fingerprint, versions, uses and count; a second delete is false', async () => {
        const key = storedKey(acme, D1);
        assert.equal(await keys.put(storedKey(acme, K1), 1), 'stored');
        assert.equal(await keys.put(key, 2), 'stored');
        assert.equal(await keys.addVersion(acme, D1, version(2, 'x')), 'added');
        assert.equal(await keys.countUse(acme, D1, 10), 'counted');
        assert.equal(await keys.delete(globex, D1), false, "another tenant's");
        assert.equal(await keys.delete(acme, D1), true);
        assert.equal(await keys.get(acme, D1), undefined);
        assert.equal(await keys.delete(acme, D1), false);
        assert.equal(await keys.delete(acme, K1), true);
        assert.equal(await keys.findIdByFingerprint(acme, `fp-${K1}`), undefined);
        assert.equal(await keys.count(acme), 0);
        // The id made again starts afresh: one version, no uses counted.
        assert.equal(await keys.put(key, 1), 'stored');
        assert.deepEqual((await keys.get(acme, D1))?.versions, key.versions);
        assert.equal(await keys.countUse(acme, D1, 1), 'counted');
      });

      test('the quota: of concurrent puts past it exactly the quota is stored, and nothing else is written', async () => {
        const ids = Array.from({ length: 12 }, (_, i) => keyId('kem', `q${i}`));
        const results = await Promise.all(ids.map((id) => keys.put(storedKey(acme, id), 5)));
        assert.equal(results.filter((r) => r === 'stored').length, 5);
        assert.equal(await keys.count(acme), 5);
        for (const [i, r] of results.entries()) {
          if (r !== 'quota-exceeded') continue;
          assert.equal(await keys.get(acme, ids[i]!), undefined);
          assert.equal(await keys.findIdByFingerprint(acme, `fp-${ids[i]}`), undefined);
        }
        // Per tenant, and 0 means no quota.
        assert.equal(await keys.put(storedKey(globex, K1), 5), 'stored');
        assert.equal(await keys.put(storedKey(acme, keyId('kem', 'more')), 0), 'stored');
        assert.equal(await keys.count(acme), 6);
      });

      test("unknown ids and other tenants' ids are not found; tenants may share an id", async () => {
        assert.equal(await keys.get(acme, K1), undefined);
        const mine = storedKey(acme, K1);
        const theirs = storedKey(globex, K1, { algorithm: 'ML-KEM-1024' });
        assert.equal(await keys.put(mine, 0), 'stored');
        assert.equal(await keys.put(theirs, 0), 'stored');
        assert.deepEqual(await keys.get(acme, K1), mine);
        assert.deepEqual(await keys.get(globex, K1), theirs);
        assert.equal(await keys.findIdByFingerprint(`${acme}x`, mine.fingerprint!), undefined);
      });

      test('tenant names, ids and fingerprints with braces and separators stay apart', async () => {
        const tenant = `a}b{c:d-${randomUUID()}`;
        const odd = storedKey(tenant, 'kem_}{:/ +=', { fingerprint: 'fp/+=}{' });
        assert.equal(await keys.put(odd, 0), 'stored');
        assert.deepEqual(await keys.get(tenant, 'kem_}{:/ +='), odd);
        assert.equal(await keys.findIdByFingerprint(tenant, 'fp/+=}{'), 'kem_}{:/ +=');
        assert.equal(await keys.get(tenant.slice(0, 5), 'kem_}{:/ +='), undefined);
      });
    });

    describe('expiry', () => {
      test('a key is there until its expiry, then gone for every operation, and leaves the quota', async () => {
        const expiring = storedKey(acme, K1, { expiresAtMs: Date.now() + 400 });
        const lasting = storedKey(acme, D1);
        assert.equal(await keys.put(expiring, 2), 'stored');
        assert.equal(await keys.put(lasting, 2), 'stored');
        assert.equal(await keys.put(storedKey(acme, keyId('kem', 'third')), 2), 'quota-exceeded');
        assert.deepEqual(await keys.get(acme, K1), expiring);
        assert.equal((await keys.list(acme, { limit: 10 })).keys.length, 2);
        await sleep(expiring.expiresAtMs! + 150 - Date.now());
        assert.equal(await keys.get(acme, K1), undefined);
        assert.equal(await keys.findIdByFingerprint(acme, expiring.fingerprint!), undefined);
        assert.equal(await keys.countUse(acme, K1, 10), 'not-found');
        assert.equal(await keys.addVersion(acme, K1, version(2, 'x')), 'not-found');
        assert.deepEqual((await keys.list(acme, { limit: 10 })).keys.map((k) => k.id), [D1]);
        assert.equal(await keys.count(acme), 1);
        assert.equal(await keys.put(storedKey(acme, keyId('kem', 'third')), 2), 'stored', 'the expired key no longer counts');
      });

      test('a key stored already expired is never found', async () => {
        assert.equal(await keys.put(storedKey(acme, K1, { expiresAtMs: Date.now() - 1 }), 0), 'stored');
        assert.equal(await keys.get(acme, K1), undefined);
        assert.equal(await keys.count(acme), 0);
      });

      test("a version added to an expiring key expires with it", async () => {
        assert.equal(await keys.put(storedKey(acme, D1, { expiresAtMs: Date.now() + 300 }), 0), 'stored');
        assert.equal(await keys.addVersion(acme, D1, version(2, 'x')), 'added');
        assert.equal((await keys.get(acme, D1))?.versions.length, 2);
        await sleep(450);
        assert.equal(await keys.get(acme, D1), undefined);
      });
    });

    describe('versions', () => {
      test('addVersion appends exactly the next version; others conflict', async () => {
        assert.equal(await keys.put(storedKey(acme, D1), 0), 'stored');
        assert.equal(await keys.addVersion(acme, D1, version(3, 'x')), 'conflict');
        assert.equal(await keys.addVersion(acme, D1, version(1, 'x')), 'conflict');
        const v2 = version(2, 'v2', '2025-02-02T00:00:00.000Z');
        const v3 = version(3, 'v3', '2025-03-02T00:00:00.000Z');
        assert.equal(await keys.addVersion(acme, D1, v2), 'added');
        assert.equal(await keys.addVersion(acme, D1, v3), 'added');
        assert.deepEqual((await keys.get(acme, D1))?.versions, [storedKey(acme, D1).versions[0], v2, v3]);
        assert.equal(await keys.addVersion(acme, keyId('dsa', 'none'), version(2, 'x')), 'not-found');
        assert.equal(await keys.addVersion(globex, D1, version(2, 'x')), 'not-found', "another tenant's");
      });

      test('of concurrent additions of one version number, exactly one is added', async () => {
        assert.equal(await keys.put(storedKey(acme, D1), 0), 'stored');
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => keys.addVersion(acme, D1, version(2, `racer ${i}`))));
        assert.equal(results.filter((r) => r === 'added').length, 1);
        assert.equal(results.filter((r) => r === 'conflict').length, 7);
        assert.equal((await keys.get(acme, D1))?.versions.length, 2);
      });
    });

    describe('listing', () => {
      test('pages through every key once, in creation order, filtered by type, own tenant only', async () => {
        const made: StoredKey[] = [];
        for (let i = 0; i < 7; i++) {
          const type: KeyType = (['kem', 'dsa', 'shared'] as const)[i % 3]!;
          // Two keys share each creation instant: ties are ordered by id.
          const key = storedKey(acme, keyId(type, `l${6 - i}`), { createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, Math.floor(i / 2))).toISOString() });
          made.push(key);
          assert.equal(await keys.put(key, 0), 'stored');
        }
        assert.equal(await keys.put(storedKey(globex, keyId('kem', 'theirs')), 0), 'stored');
        const expected = [...made].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || (a.id < b.id ? -1 : 1)).map((k) => k.id);
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 10; pages++) {
          const page = await keys.list(acme, { limit: 3, ...(cursor ? { cursor } : {}) });
          assert.ok(page.keys.length <= 3);
          seen.push(...page.keys.map((k) => k.id));
          if (page.nextCursor === null) break;
          cursor = page.nextCursor;
        }
        assert.deepEqual(seen, expected);
        const kem = await keys.list(acme, { type: 'kem', limit: 500 });
        assert.deepEqual(kem.keys.map((k) => k.id), expected.filter((id) => id.startsWith('kem_')));
        assert.equal(kem.nextCursor, null);
        assert.deepEqual(kem.keys[0], made.find((k) => k.id === kem.keys[0]!.id), 'whole keys, with their versions');
        assert.deepEqual((await keys.list(`${acme}-nobody`, { limit: 5 })).keys, []);
      });

      test('a deleted key is not listed, and a page after the last key is empty', async () => {
        assert.equal(await keys.put(storedKey(acme, K1), 0), 'stored');
        assert.equal(await keys.put(storedKey(acme, D1), 0), 'stored');
        assert.equal(await keys.delete(acme, K1), true);
        const page = await keys.list(acme, { limit: 1 });
        assert.deepEqual(page.keys.map((k) => k.id), [D1]);
        if (page.nextCursor !== null) assert.deepEqual((await keys.list(acme, { limit: 1, cursor: page.nextCursor })).keys, []);
      });
    });

    describe('uses (encryptions under a stored shared key)', () => {
      test('counts up to the limit, exactly, under concurrency; then refuses', async () => {
        const S1 = keyId('shared', 's1');
        assert.equal(await keys.put(storedKey(acme, S1), 0), 'stored');
        const results = await Promise.all(Array.from({ length: 20 }, () => keys.countUse(acme, S1, 5)));
        assert.equal(results.filter((r) => r === 'counted').length, 5);
        assert.equal(results.filter((r) => r === 'exhausted').length, 15);
        assert.equal(await keys.countUse(acme, S1, 5), 'exhausted');
        assert.equal(await keys.countUse(acme, S1, 6), 'counted', 'the count is kept, not the limit');
        assert.equal(await keys.countUse(acme, keyId('shared', 'none'), 5), 'not-found');
        assert.equal(await keys.countUse(globex, S1, 5), 'not-found');
      });
    });

    describe('role keys (default signing, attestation)', () => {
      test('undefined until stored; concurrent first uses agree; per tenant and per role', async () => {
        assert.equal(await keys.getRoleKey(acme, 'signing'), undefined);
        const [a, b] = await Promise.all([
          keys.getOrPutRoleKey(acme, 'signing', storedKey(acme, keyId('dsa', 'cand1'))),
          keys.getOrPutRoleKey(acme, 'signing', storedKey(acme, keyId('dsa', 'cand2'))),
        ]);
        assert.deepEqual(a, b);
        assert.deepEqual(await keys.getRoleKey(acme, 'signing'), a);
        assert.deepEqual(await keys.getOrPutRoleKey(acme, 'signing', storedKey(acme, keyId('dsa', 'later'))), a, 'a later candidate is not stored');
        assert.equal(await keys.getRoleKey(globex, 'signing'), undefined);
        assert.equal(await keys.getRoleKey(acme, 'attestation'), undefined);
        const attestation = storedKey(acme, 'att_aaaaaaaaaaaaaaaaaaaaaa');
        assert.deepEqual(await keys.getOrPutRoleKey(acme, 'attestation', attestation), attestation);
        assert.deepEqual(await keys.getRoleKey(acme, 'attestation'), attestation);
      });

      test('the default signing key is an ordinary key (found by id, listed, rotatable); the attestation key is neither', async () => {
        const signing = await keys.getOrPutRoleKey(acme, 'signing', storedKey(acme, D1));
        await keys.getOrPutRoleKey(acme, 'attestation', storedKey(acme, 'att_aaaaaaaaaaaaaaaaaaaaaa'));
        assert.deepEqual(await keys.get(acme, D1), signing);
        assert.equal(await keys.get(acme, 'att_aaaaaaaaaaaaaaaaaaaaaa'), undefined);
        assert.deepEqual((await keys.list(acme, { limit: 10 })).keys.map((k) => k.id), [D1]);
        assert.equal(await keys.addVersion(acme, D1, version(2, 'x')), 'added');
        assert.equal((await keys.getRoleKey(acme, 'signing'))?.versions.length, 2);
      });

      test('after the default signing key is deleted, the role takes a new one', async () => {
        await keys.getOrPutRoleKey(acme, 'signing', storedKey(acme, D1));
        assert.equal(await keys.delete(acme, D1), true);
        assert.equal(await keys.getRoleKey(acme, 'signing'), undefined);
        const next = storedKey(acme, keyId('dsa', 'next'));
        assert.deepEqual(await keys.getOrPutRoleKey(acme, 'signing', next), next);
        assert.deepEqual(await keys.getRoleKey(acme, 'signing'), next);
      });
    });
  });
}
