/**
 * The store contract: one suite every Store implementation must pass (memory.test.ts and
 * redis.test.ts run it). Expiry tests use real, short expiries because Redis keeps its own clock.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { KeyRecord, Store, TokenRecord } from '../../src/stores/store.ts';

export interface StoreUnderTest {
  readonly store: Store;
  /** Releases whatever makeStore set up (closes the store, among others). */
  cleanup(): Promise<void>;
}

const HOUR = 3_600_000;

export function keyRecord(tenant: string, id: string, overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id,
    tenant,
    algorithm: 'ML-DSA-65',
    publicKey: Buffer.from(`public key of ${tenant}/${id}`).toString('base64'),
    sealedSeed: Buffer.from(`sealed seed of ${tenant}/${id}`).toString('base64'),
    createdAt: '2025-01-02T03:04:05.678Z',
    ...overrides,
  };
}

export function tokenRecord(tenant: string, attemptsLeft: number | null, ttlMs = HOUR): TokenRecord {
  return { tenant, attemptsLeft, expiresAtMs: Date.now() + ttlMs };
}

/** Runs the contract against a fresh store per test (makeStore must give each an empty one). */
export function runStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name} store contract`, () => {
    let underTest: StoreUnderTest;
    let store: Store;
    // Fresh names per test, so stores that share a backend cannot see each other's data.
    let family: string;
    beforeEach(async () => {
      underTest = await makeStore();
      store = underTest.store;
      family = `fam-${randomUUID()}`;
    });
    afterEach(async () => {
      await underTest.cleanup();
    });

    const alive = async (tokenId: string, ancestors: readonly string[] = [], fam = family) =>
      (await store.peekToken(fam, tokenId, ancestors)) !== undefined;

    describe('key records', () => {
      test('putKey then getKey round-trips the record', async () => {
        const record = keyRecord('acme', 'k1');
        assert.equal(await store.putKey(record, 'fp1'), 'stored');
        assert.deepEqual(await store.getKey('acme', 'k1'), record);
      });

      test('putKey refuses a duplicate id and keeps the first record', async () => {
        const first = keyRecord('acme', 'k1');
        assert.equal(await store.putKey(first, 'fp1'), 'stored');
        assert.equal(await store.putKey(keyRecord('acme', 'k1', { algorithm: 'ML-KEM-768' }), 'fp2'), 'taken');
        assert.deepEqual(await store.getKey('acme', 'k1'), first);
        assert.equal(await store.findKeyIdByFingerprint('acme', 'fp2'), undefined);
      });

      test('of concurrent putKey calls with one id, exactly one succeeds', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.putKey(keyRecord('acme', 'k1', { publicKey: `pk${i}` }), `fp${i}`)),
        );
        assert.equal(results.filter((r) => r === 'stored').length, 1);
        assert.equal(results.filter((r) => r === 'taken').length, 9);
        assert.equal(await store.countKeys('acme'), 1);
      });

      test('deleteKey removes the record, its fingerprint and its quota count; a second delete is false', async () => {
        assert.equal(await store.putKey(keyRecord('acme', 'k1'), 'fp1', 1), 'stored');
        assert.equal(await store.putKey(keyRecord('acme', 'k2'), 'fp2', 1), 'quota-exceeded');
        assert.equal(await store.deleteKey('globex', 'k1', 'fp1'), false, "another tenant's");
        assert.equal(await store.deleteKey('acme', 'k1', 'fp1'), true);
        assert.equal(await store.getKey('acme', 'k1'), undefined);
        assert.equal(await store.findKeyIdByFingerprint('acme', 'fp1'), undefined);
        assert.equal(await store.countKeys('acme'), 0);
        assert.equal(await store.deleteKey('acme', 'k1', 'fp1'), false);
        assert.equal(await store.putKey(keyRecord('acme', 'k2'), 'fp2', 1), 'stored');
      });

      test('the key quota: of concurrent puts past it exactly the quota is stored, and nothing else is written', async () => {
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) => store.putKey(keyRecord('acme', `k${i}`), `fp${i}`, 5)),
        );
        assert.equal(results.filter((r) => r === 'stored').length, 5);
        assert.equal(results.filter((r) => r === 'quota-exceeded').length, 7);
        assert.equal(await store.countKeys('acme'), 5);
        const refused = results.flatMap((r, i) => (r === 'quota-exceeded' ? [i] : []));
        for (const i of refused) {
          assert.equal(await store.getKey('acme', `k${i}`), undefined);
          assert.equal(await store.findKeyIdByFingerprint('acme', `fp${i}`), undefined);
        }
        // Per tenant, and 0 means no quota.
        assert.equal(await store.putKey(keyRecord('globex', 'k1'), 'fp1', 5), 'stored');
        assert.equal(await store.putKey(keyRecord('acme', 'k99'), 'fp99', 0), 'stored');
        assert.equal(await store.countKeys('acme'), 6);
      });

      test('getKey of an unknown id is undefined', async () => {
        assert.equal(await store.getKey('acme', 'nope'), undefined);
      });

      test("getKey of another tenant's id is undefined", async () => {
        await store.putKey(keyRecord('acme', 'k1'), 'fp1');
        assert.equal(await store.getKey('globex', 'k1'), undefined);
      });

      test('two tenants may use the same key id independently', async () => {
        const acme = keyRecord('acme', 'k1');
        const globex = keyRecord('globex', 'k1', { algorithm: 'ML-KEM-768' });
        assert.equal(await store.putKey(acme, 'fp'), 'stored');
        assert.equal(await store.putKey(globex, 'fp'), 'stored');
        assert.deepEqual(await store.getKey('acme', 'k1'), acme);
        assert.deepEqual(await store.getKey('globex', 'k1'), globex);
      });

      test("findKeyIdByFingerprint finds only the owning tenant's key", async () => {
        await store.putKey(keyRecord('acme', 'k1'), 'fp1');
        assert.equal(await store.findKeyIdByFingerprint('acme', 'fp1'), 'k1');
        assert.equal(await store.findKeyIdByFingerprint('globex', 'fp1'), undefined);
        assert.equal(await store.findKeyIdByFingerprint('acme', 'fp-unknown'), undefined);
      });

      test('tenant names, ids and fingerprints with braces and separators stay apart', async () => {
        const odd = keyRecord('a}b{c:d', 'id}{:/ +=');
        assert.equal(await store.putKey(odd, 'fp/+=}{'), 'stored');
        assert.deepEqual(await store.getKey('a}b{c:d', 'id}{:/ +='), odd);
        assert.equal(await store.findKeyIdByFingerprint('a}b{c:d', 'fp/+=}{'), 'id}{:/ +=');
        assert.equal(await store.getKey('a}b{c', 'id}{:/ +='), undefined);
        assert.equal(await store.getKey('a', 'id}{:/ +='), undefined);
      });
    });

    describe('tenant keys (signing, attestation)', () => {
      test('getTenantKey is undefined until getOrPutTenantKey stores one', async () => {
        assert.equal(await store.getTenantKey('acme', 'signing'), undefined);
        const candidate = keyRecord('acme', 's1');
        assert.deepEqual(await store.getOrPutTenantKey('acme', 'signing', candidate), candidate);
        assert.deepEqual(await store.getTenantKey('acme', 'signing'), candidate);
      });

      test('getOrPutTenantKey keeps the first of two concurrent candidates', async () => {
        const [a, b] = await Promise.all([
          store.getOrPutTenantKey('acme', 'signing', keyRecord('acme', 's1')),
          store.getOrPutTenantKey('acme', 'signing', keyRecord('acme', 's2')),
        ]);
        assert.deepEqual(a, b);
        assert.ok(a.id === 's1' || a.id === 's2');
        assert.deepEqual(await store.getTenantKey('acme', 'signing'), a);
      });

      test('getOrPutTenantKey returns the stored key, not a later candidate', async () => {
        const first = keyRecord('acme', 's1');
        await store.getOrPutTenantKey('acme', 'signing', first);
        assert.deepEqual(await store.getOrPutTenantKey('acme', 'signing', keyRecord('acme', 's2')), first);
      });

      test('signing keys are per tenant', async () => {
        const acme = keyRecord('acme', 's1');
        await store.getOrPutTenantKey('acme', 'signing', acme);
        assert.equal(await store.getTenantKey('globex', 'signing'), undefined);
        const globex = keyRecord('globex', 's2');
        assert.deepEqual(await store.getOrPutTenantKey('globex', 'signing', globex), globex);
        assert.deepEqual(await store.getTenantKey('acme', 'signing'), acme);
      });

      test('the signing and attestation roles hold different keys', async () => {
        const signing = keyRecord('acme', 's1');
        await store.getOrPutTenantKey('acme', 'signing', signing);
        assert.equal(await store.getTenantKey('acme', 'attestation'), undefined);
        const attestation = keyRecord('acme', 'a1');
        assert.deepEqual(await store.getOrPutTenantKey('acme', 'attestation', attestation), attestation);
        assert.deepEqual(await store.getTenantKey('acme', 'signing'), signing);
        assert.deepEqual(await store.getTenantKey('acme', 'attestation'), attestation);
      });
    });

    describe('token quota and revocation rights', () => {
      test('reserveToken admits exactly the quota of concurrent mints per tenant', async () => {
        const exp = Date.now() + HOUR;
        const results = await Promise.all(Array.from({ length: 30 }, (_, i) => store.reserveToken('acme', `t${i}`, exp, 10, Date.now())));
        assert.equal(results.filter(Boolean).length, 10);
        assert.equal(await store.reserveToken('globex', 't0', exp, 10, Date.now()), true, 'per tenant');
        assert.equal(await store.reserveToken('acme', 'more', exp, 0, Date.now()), true, '0 is no quota');
      });

      test('an expired or released token leaves the count', async () => {
        const now = Date.now();
        assert.equal(await store.reserveToken('acme', 'short', now + 200, 2, now), true);
        assert.equal(await store.reserveToken('acme', 'long', now + HOUR, 2, now), true);
        assert.equal(await store.reserveToken('acme', 'third', now + HOUR, 2, now), false);
        assert.equal(await store.reserveToken('acme', 'third', now + HOUR, 2, now + 300), true, 'short expired by then');
        assert.equal(await store.reserveToken('acme', 'fourth', now + HOUR, 2, now + 300), false);
        await store.releaseToken('acme', 'long');
        assert.equal(await store.reserveToken('acme', 'fourth', now + HOUR, 2, now + 300), true);
      });

      test('createToken never replaces a live record', async () => {
        await store.createToken(family, 't1', tokenRecord('acme', 1));
        await assert.rejects(store.createToken(family, 't1', tokenRecord('acme', 100)));
        assert.equal((await store.peekToken(family, 't1', []))?.attemptsLeft, 1);
      });

      test('a token revokes itself and its descendants, never an ancestor or a sibling', async () => {
        await store.createToken(family, 'root', tokenRecord('acme', null));
        await store.createToken(family, 'a', { ...tokenRecord('acme', null), ancestors: ['root'] });
        await store.createToken(family, 'b', { ...tokenRecord('acme', null), ancestors: ['root'] });
        await store.createToken(family, 'a1', { ...tokenRecord('acme', null), ancestors: ['root', 'a'] });
        await store.createToken(family, 'a1x', { ...tokenRecord('acme', null), ancestors: ['root', 'a', 'a1'] });
        assert.equal(await store.revokeToken(family, 'root', 'acme', 'a'), false);
        assert.equal(await store.revokeToken(family, 'b', 'acme', 'a'), false);
        assert.equal(await store.revokeToken(family, 'a1x', 'acme', 'a'), true, 'a grandchild');
        assert.equal(await store.revokeToken(family, 'a1', 'acme', 'a'), true, 'a child');
        assert.equal(await store.revokeToken(family, 'a', 'acme', 'a'), true, 'itself');
        assert.equal(await store.revokeToken(family, 'b', 'globex', null), false, "another tenant's API key");
        assert.equal(await store.revokeToken(family, 'b', 'acme', null), true, 'its API key');
        assert.equal(await alive('root'), true);
      });
    });

    describe('tokens', () => {
      test('token created with K attempts: exactly K of 3K concurrent consumeAttempt calls succeed', async () => {
        const K = 7;
        await store.createToken(family, 't1', tokenRecord('acme', K));
        const results = await Promise.all(Array.from({ length: 3 * K }, () => store.consumeAttempt(family, 't1', [])));
        const granted = results.filter((r) => r.ok);
        assert.equal(granted.length, K);
        // Each remaining count K-1 .. 0 is handed out exactly once.
        const counts = granted.map((r) => (r.ok ? r.attemptsLeft : undefined)).sort((x, y) => Number(y) - Number(x));
        assert.deepEqual(counts, Array.from({ length: K }, (_, i) => K - 1 - i));
        assert.deepEqual(await store.consumeAttempt(family, 't1', []), { ok: false });
      });

      test('an exhausted token stays dead for consume and peek', async () => {
        await store.createToken(family, 't1', tokenRecord('acme', 1));
        assert.deepEqual(await store.consumeAttempt(family, 't1', []), { ok: true, attemptsLeft: 0 });
        assert.deepEqual(await store.consumeAttempt(family, 't1', []), { ok: false });
        assert.equal(await store.peekToken(family, 't1', []), undefined);
      });

      test('a token created with 0 attempts is dead', async () => {
        await store.createToken(family, 't1', tokenRecord('acme', 0));
        assert.deepEqual(await store.consumeAttempt(family, 't1', []), { ok: false });
        assert.equal(await store.peekToken(family, 't1', []), undefined);
      });

      test('an unlimited token (attemptsLeft null) consumes forever with attemptsLeft null', async () => {
        await store.createToken(family, 't1', tokenRecord('acme', null));
        const results = await Promise.all(Array.from({ length: 50 }, () => store.consumeAttempt(family, 't1', [])));
        for (const result of results) assert.deepEqual(result, { ok: true, attemptsLeft: null });
        assert.equal((await store.peekToken(family, 't1', []))?.attemptsLeft, null);
      });

      test('peekToken returns the record and does not use an attempt', async () => {
        const record = tokenRecord('acme', 3);
        await store.createToken(family, 't1', record);
        assert.deepEqual(await store.peekToken(family, 't1', []), record);
        assert.deepEqual(await store.peekToken(family, 't1', []), record);
        assert.deepEqual(await store.consumeAttempt(family, 't1', []), { ok: true, attemptsLeft: 2 });
        assert.deepEqual(await store.peekToken(family, 't1', []), { ...record, attemptsLeft: 2 });
      });

      test('a token is alive before its expiry and dead after it, as is its child', async () => {
        const start = Date.now();
        await store.createToken(family, 'parent', { tenant: 'acme', attemptsLeft: 100, expiresAtMs: start + 400 });
        await store.createToken(family, 'child', { tenant: 'acme', attemptsLeft: 100, expiresAtMs: start + HOUR });
        await store.createToken(family, 'short', { tenant: 'acme', attemptsLeft: null, expiresAtMs: start + 800 });
        assert.equal((await store.consumeAttempt(family, 'parent', [])).ok, true);
        assert.equal((await store.consumeAttempt(family, 'child', ['parent'])).ok, true);
        assert.equal((await store.consumeAttempt(family, 'short', [])).ok, true);

        await sleep(start + 550 - Date.now());
        assert.deepEqual(await store.consumeAttempt(family, 'parent', []), { ok: false });
        assert.equal(await store.peekToken(family, 'parent', []), undefined);
        assert.deepEqual(await store.consumeAttempt(family, 'child', ['parent']), { ok: false }, 'child of an expired parent');
        assert.equal(await store.peekToken(family, 'child', ['parent']), undefined);
        if (Date.now() < start + 750) assert.equal(await alive('short'), true, 'alive before its own expiry');

        await sleep(start + 950 - Date.now());
        assert.deepEqual(await store.consumeAttempt(family, 'short', []), { ok: false });
        assert.equal(await alive('short'), false);
      });

      test('a token created already expired is dead', async () => {
        await store.createToken(family, 't1', { tenant: 'acme', attemptsLeft: 5, expiresAtMs: Date.now() - 1 });
        assert.deepEqual(await store.consumeAttempt(family, 't1', []), { ok: false });
        assert.equal(await alive('t1'), false);
      });

      test('a revoked token is dead for consume and peek', async () => {
        await store.createToken(family, 't1', tokenRecord('acme', 5));
        assert.equal(await store.revokeToken(family, 't1', 'acme'), true);
        assert.deepEqual(await store.consumeAttempt(family, 't1', []), { ok: false });
        assert.equal(await store.peekToken(family, 't1', []), undefined);
        assert.equal(await store.revokeToken(family, 't1', 'acme'), false, 'nothing left to revoke');
      });

      test('revokeToken by another tenant returns false and leaves the token alive', async () => {
        await store.createToken(family, 't1', tokenRecord('acme', 5));
        assert.equal(await store.revokeToken(family, 't1', 'globex'), false);
        assert.deepEqual(await store.consumeAttempt(family, 't1', []), { ok: true, attemptsLeft: 4 });
      });

      test('revokeToken of an unknown token returns false', async () => {
        assert.equal(await store.revokeToken(family, 'nope', 'acme'), false);
      });

      test('revoking an ancestor kills its descendants', async () => {
        await store.createToken(family, 'root', tokenRecord('acme', null));
        await store.createToken(family, 'child', tokenRecord('acme', 5));
        await store.createToken(family, 'grandchild', tokenRecord('acme', 5));
        assert.equal(await alive('grandchild', ['root', 'child']), true);
        assert.equal(await store.revokeToken(family, 'root', 'acme'), true);
        assert.deepEqual(await store.consumeAttempt(family, 'child', ['root']), { ok: false });
        assert.deepEqual(await store.consumeAttempt(family, 'grandchild', ['root', 'child']), { ok: false });
        assert.equal(await alive('grandchild', ['root', 'child']), false);
      });

      test('revoking a middle ancestor kills the grandchild and leaves the root alive', async () => {
        await store.createToken(family, 'root', tokenRecord('acme', null));
        await store.createToken(family, 'child', tokenRecord('acme', 5));
        await store.createToken(family, 'grandchild', tokenRecord('acme', 5));
        assert.equal(await store.revokeToken(family, 'child', 'acme'), true);
        assert.deepEqual(await store.consumeAttempt(family, 'grandchild', ['root', 'child']), { ok: false });
        assert.deepEqual(await store.consumeAttempt(family, 'root', []), { ok: true, attemptsLeft: null });
      });

      test('revoking a child leaves its parent alive', async () => {
        await store.createToken(family, 'parent', tokenRecord('acme', 5));
        await store.createToken(family, 'child', tokenRecord('acme', 5));
        assert.equal(await store.revokeToken(family, 'child', 'acme'), true);
        assert.deepEqual(await store.consumeAttempt(family, 'parent', []), { ok: true, attemptsLeft: 4 });
        assert.deepEqual(await store.consumeAttempt(family, 'child', ['parent']), { ok: false });
      });

      test("a child's requests use its parent's attempts too: an exhausted parent stops its child", async () => {
        await store.createToken(family, 'parent', tokenRecord('acme', 1));
        await store.createToken(family, 'child', tokenRecord('acme', 2));
        assert.deepEqual(await store.consumeAttempt(family, 'parent', []), { ok: true, attemptsLeft: 0 });
        assert.deepEqual(await store.consumeAttempt(family, 'child', ['parent']), { ok: false });
        assert.equal(await alive('child', ['parent']), false);
      });

      test("consuming a child uses one of each limited ancestor's attempts, not of unlimited ones", async () => {
        await store.createToken(family, 'root', tokenRecord('acme', null));
        await store.createToken(family, 'parent', tokenRecord('acme', 3));
        await store.createToken(family, 'child', tokenRecord('acme', 5));
        assert.deepEqual(await store.consumeAttempt(family, 'child', ['root', 'parent']), { ok: true, attemptsLeft: 2 });
        assert.equal((await store.peekToken(family, 'parent', ['root']))?.attemptsLeft, 2);
        assert.equal((await store.peekToken(family, 'root', []))?.attemptsLeft, null);
        assert.equal((await store.peekToken(family, 'child', ['root', 'parent']))?.attemptsLeft, 2, 'the least over the lineage');
      });

      test('a parent with K attempts bounds its children together: exactly K of many concurrent child requests pass', async () => {
        await store.createToken(family, 'parent', tokenRecord('acme', 4));
        await store.createToken(family, 'a', tokenRecord('acme', 10));
        await store.createToken(family, 'b', tokenRecord('acme', null));
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) => store.consumeAttempt(family, i % 2 ? 'a' : 'b', ['parent'])),
        );
        assert.equal(results.filter((r) => r.ok).length, 4);
        assert.equal(await alive('parent'), false);
      });

      test('an unknown token is dead, also when a parent is named', async () => {
        await store.createToken(family, 'parent', tokenRecord('acme', 5));
        assert.deepEqual(await store.consumeAttempt(family, 'nope', []), { ok: false });
        assert.deepEqual(await store.consumeAttempt(family, 'nope', ['parent']), { ok: false });
        assert.equal(await store.peekToken(family, 'nope', []), undefined);
      });

      test('a child naming an unknown ancestor is dead', async () => {
        await store.createToken(family, 'child', tokenRecord('acme', 5));
        assert.deepEqual(await store.consumeAttempt(family, 'child', ['never-existed']), { ok: false });
        assert.equal(await alive('child', ['never-existed']), false);
      });

      test('tokens are per family: the same id in another family is a different token', async () => {
        await store.createToken(family, 't1', tokenRecord('acme', 5));
        const other = `${family}-other`;
        assert.deepEqual(await store.consumeAttempt(other, 't1', []), { ok: false });
        assert.equal(await store.revokeToken(other, 't1', 'acme'), false);
        assert.equal(await alive('t1'), true);
      });

      test('family, token ids and tenants with braces work', async () => {
        const fam = `{${family}}:x}`;
        await store.createToken(fam, 'p}{', tokenRecord('a}b', 2));
        await store.createToken(fam, 'c{}', tokenRecord('a}b', 2));
        assert.deepEqual(await store.consumeAttempt(fam, 'c{}', ['p}{']), { ok: true, attemptsLeft: 1 });
        assert.equal(await store.revokeToken(fam, 'p}{', 'a}b'), true);
        assert.deepEqual(await store.consumeAttempt(fam, 'c{}', ['p}{']), { ok: false });
      });
    });

    test('ping resolves', async () => {
      await store.ping();
    });
  });
}
