/**
 * The token store contract: every TokenStore implementation must pass it (contract.ts runs it on
 * the memory store, Redis, Redis Cluster and Sentinel). Expiry tests use real, short expiries
 * because Redis keeps its own clock.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, test } from 'node:test';
import type { TokenRecord, TokenStore } from '../../src/stores/tokens.ts';

const HOUR = 3_600_000;

export function tokenRecord(tenant: string, attemptsLeft: number | null, ttlMs = HOUR): TokenRecord {
  return { tenant, attemptsLeft, expiresAtMs: Date.now() + ttlMs };
}

/** Runs the contract; `current()` gives the token store of the test under way (a fresh one per test). */
export function runTokenStoreContract(current: () => TokenStore): void {
  describe('token store', () => {
    let tokens: TokenStore;
    // Fresh names per test, so stores that share a backend cannot see each other's data.
    let family: string;
    beforeEach(() => {
      tokens = current();
      family = `fam-${randomUUID()}`;
    });

    const alive = async (tokenId: string, ancestors: readonly string[] = [], fam = family) =>
      (await tokens.peekToken(fam, tokenId, ancestors)) !== undefined;

      describe('token quota and revocation rights', () => {
        test('reserveToken admits exactly the quota of concurrent mints per tenant', async () => {
          const exp = Date.now() + HOUR;
          const results = await Promise.all(Array.from({ length: 30 }, (_, i) => tokens.reserveToken('acme', `t${i}`, exp, 10, Date.now())));
          assert.equal(results.filter(Boolean).length, 10);
          assert.equal(await tokens.reserveToken('globex', 't0', exp, 10, Date.now()), true, 'per tenant');
          assert.equal(await tokens.reserveToken('acme', 'more', exp, 0, Date.now()), true, '0 is no quota');
        });

        test('an expired or released token leaves the count', async () => {
          const now = Date.now();
          assert.equal(await tokens.reserveToken('acme', 'short', now + 200, 2, now), true);
          assert.equal(await tokens.reserveToken('acme', 'long', now + HOUR, 2, now), true);
          assert.equal(await tokens.reserveToken('acme', 'third', now + HOUR, 2, now), false);
          assert.equal(await tokens.reserveToken('acme', 'third', now + HOUR, 2, now + 300), true, 'short expired by then');
          assert.equal(await tokens.reserveToken('acme', 'fourth', now + HOUR, 2, now + 300), false);
          await tokens.releaseToken('acme', 'long');
          assert.equal(await tokens.reserveToken('acme', 'fourth', now + HOUR, 2, now + 300), true);
        });

        test('createToken never replaces a live record', async () => {
          await tokens.createToken(family, 't1', tokenRecord('acme', 1));
          await assert.rejects(tokens.createToken(family, 't1', tokenRecord('acme', 100)));
          assert.equal((await tokens.peekToken(family, 't1', []))?.attemptsLeft, 1);
        });

        test('a token revokes itself and its descendants, never an ancestor or a sibling', async () => {
          await tokens.createToken(family, 'root', tokenRecord('acme', null));
          await tokens.createToken(family, 'a', { ...tokenRecord('acme', null), ancestors: ['root'] });
          await tokens.createToken(family, 'b', { ...tokenRecord('acme', null), ancestors: ['root'] });
          await tokens.createToken(family, 'a1', { ...tokenRecord('acme', null), ancestors: ['root', 'a'] });
          await tokens.createToken(family, 'a1x', { ...tokenRecord('acme', null), ancestors: ['root', 'a', 'a1'] });
          assert.equal(await tokens.revokeToken(family, 'root', 'acme', 'a'), false);
          assert.equal(await tokens.revokeToken(family, 'b', 'acme', 'a'), false);
          assert.equal(await tokens.revokeToken(family, 'a1x', 'acme', 'a'), true, 'a grandchild');
          assert.equal(await tokens.revokeToken(family, 'a1', 'acme', 'a'), true, 'a child');
          assert.equal(await tokens.revokeToken(family, 'a', 'acme', 'a'), true, 'itself');
          assert.equal(await tokens.revokeToken(family, 'b', 'globex', null), false, "another tenant's API key");
          assert.equal(await tokens.revokeToken(family, 'b', 'acme', null), true, 'its API key');
          assert.equal(await alive('root'), true);
        });
      });

      describe('tokens', () => {
        test('token created with K attempts: exactly K of 3K concurrent consumeAttempt calls succeed', async () => {
          const K = 7;
          await tokens.createToken(family, 't1', tokenRecord('acme', K));
          const results = await Promise.all(Array.from({ length: 3 * K }, () => tokens.consumeAttempt(family, 't1', [])));
          const granted = results.filter((r) => r.ok);
          assert.equal(granted.length, K);
          // Each remaining count K-1 .. 0 is handed out exactly once.
          const counts = granted.map((r) => (r.ok ? r.attemptsLeft : undefined)).sort((x, y) => Number(y) - Number(x));
          assert.deepEqual(counts, Array.from({ length: K }, (_, i) => K - 1 - i));
          assert.deepEqual(await tokens.consumeAttempt(family, 't1', []), { ok: false });
        });

        describe('admit: the per-token counter, the lineage and the attempt in one step', () => {
          const counter = (limit: number) => ({ key: `token:${randomUUID()}`, limit, windowSeconds: 60 });

          test('exactly K of 3K concurrent admits pass, each remaining count handed out once, each counted', async () => {
            const K = 7;
            await tokens.createToken(family, 't1', tokenRecord('acme', K));
            const c = counter(1000);
            const results = await Promise.all(Array.from({ length: 3 * K }, () => tokens.admit(family, 't1', [], true, c)));
            const alive = results.flatMap((r) => (r.outcome === 'alive' ? [r.attemptsLeft] : []));
            assert.deepEqual(alive.sort((x, y) => Number(y) - Number(x)), Array.from({ length: K }, (_, i) => K - 1 - i));
            assert.equal(results.filter((r) => r.outcome === 'dead').length, 2 * K);
            const remaining = results.map((r) => (r.outcome === 'limited' ? -1 : r.count!.remaining)).sort((x, y) => y - x);
            assert.deepEqual(remaining, Array.from({ length: 3 * K }, (_, i) => 999 - i), 'live and dead requests alike are counted, once each');
          });

          test('past its own limit: refused before anything else, no attempt used, nothing counted', async () => {
            await tokens.createToken(family, 't1', tokenRecord('acme', 10));
            const c = counter(4);
            const results = await Promise.all(Array.from({ length: 12 }, () => tokens.admit(family, 't1', [], true, c)));
            assert.equal(results.filter((r) => r.outcome === 'alive').length, 4);
            const limited = results.filter((r) => r.outcome === 'limited');
            assert.equal(limited.length, 8);
            for (const r of limited) assert.ok(r.outcome === 'limited' && r.resetMs > 0 && r.resetMs <= 60_000);
            assert.equal((await tokens.peekToken(family, 't1', []))?.attemptsLeft, 6, 'only the 4 admitted used an attempt');
          });

          test('a dead token is counted against its own limit; a read (no consume) uses no attempt', async () => {
            await tokens.createToken(family, 'root', tokenRecord('acme', 3));
            await tokens.createToken(family, 'child', tokenRecord('acme', null));
            const c = counter(5);
            const read = await tokens.admit(family, 'child', ['root'], false, c);
            assert.deepEqual(read.outcome === 'alive' && [read.attemptsLeft, read.count?.remaining], [3, 4], 'read: the lineage\'s least, counted once');
            const used = await tokens.admit(family, 'child', ['root'], true, c);
            assert.equal(used.outcome === 'alive' && used.attemptsLeft, 2, "the child's request uses its root's attempt");
            assert.equal(await tokens.revokeToken(family, 'root', 'acme'), true);
            const dead = await tokens.admit(family, 'child', ['root'], true, c);
            assert.equal(dead.outcome, 'dead', 'an ancestor revoked');
            assert.equal(dead.outcome === 'dead' && dead.count?.remaining, 2, 'counted: 3 of 5 used');
            assert.equal((await tokens.peekToken(family, 'child', ['root'])), undefined);
            await tokens.admit(family, 'unknown', [], true, c);
            await tokens.admit(family, 'unknown', [], true, c);
            assert.equal((await tokens.admit(family, 'unknown', [], true, c)).outcome, 'limited', 'the counter is the caller\'s, whatever the token');
          });
        });

        test('an exhausted token stays dead for consume and peek', async () => {
          await tokens.createToken(family, 't1', tokenRecord('acme', 1));
          assert.deepEqual(await tokens.consumeAttempt(family, 't1', []), { ok: true, attemptsLeft: 0 });
          assert.deepEqual(await tokens.consumeAttempt(family, 't1', []), { ok: false });
          assert.equal(await tokens.peekToken(family, 't1', []), undefined);
        });

        test('standing: a token that used its last attempt still stands; a revoked or expired one, or one whose ancestor is revoked, does not', async () => {
          await tokens.createToken(family, 'root', tokenRecord('acme', null));
          await tokens.createToken(family, 'child', tokenRecord('acme', 1));
          assert.equal(await tokens.standing(family, 'child', ['root']), true);
          assert.deepEqual(await tokens.consumeAttempt(family, 'child', ['root']), { ok: true, attemptsLeft: 0 });
          assert.equal(await tokens.standing(family, 'child', ['root']), true, 'exhausted by the request that is running: it still stands');
          assert.equal(await tokens.peekToken(family, 'child', ['root']), undefined, 'while peek calls it dead');
          assert.equal(await tokens.revokeToken(family, 'root', 'acme'), true);
          assert.equal(await tokens.standing(family, 'child', ['root']), false, 'its ancestor is revoked');
          assert.equal(await tokens.standing(family, 'nobody', []), false);
          await tokens.createToken(family, 'brief', { tenant: 'acme', attemptsLeft: null, expiresAtMs: Date.now() + 150 });
          await new Promise((resolve) => setTimeout(resolve, 400));
          assert.equal(await tokens.standing(family, 'brief', []), false, 'expired');
        });

        test('refundAttempt gives one attempt back to the token and its limited ancestors, and never revives a dead one', async () => {
          await tokens.createToken(family, 'root', tokenRecord('acme', 5));
          await tokens.createToken(family, 'child', tokenRecord('acme', 1));
          assert.deepEqual(await tokens.consumeAttempt(family, 'child', ['root']), { ok: true, attemptsLeft: 0 });
          await tokens.refundAttempt(family, 'child', ['root']);
          assert.equal((await tokens.peekToken(family, 'root', []))?.attemptsLeft, 5, 'the root has its attempt back');
          assert.deepEqual(await tokens.consumeAttempt(family, 'child', ['root']), { ok: true, attemptsLeft: 0 }, 'the child may use its one attempt again');
          await tokens.createToken(family, 'unlimited', tokenRecord('acme', null));
          await tokens.refundAttempt(family, 'unlimited', []);
          assert.equal((await tokens.peekToken(family, 'unlimited', []))?.attemptsLeft, null, 'an unlimited token stays unlimited');
          assert.equal(await tokens.revokeToken(family, 'child', 'acme'), true);
          await tokens.refundAttempt(family, 'child', ['root']);
          assert.equal(await tokens.peekToken(family, 'child', ['root']), undefined, 'a revoked token stays dead');
          assert.equal(await tokens.standing(family, 'child', ['root']), false);
        });

        test('a token created with 0 attempts is dead', async () => {
          await tokens.createToken(family, 't1', tokenRecord('acme', 0));
          assert.deepEqual(await tokens.consumeAttempt(family, 't1', []), { ok: false });
          assert.equal(await tokens.peekToken(family, 't1', []), undefined);
        });

        test('an unlimited token (attemptsLeft null) consumes forever with attemptsLeft null', async () => {
          await tokens.createToken(family, 't1', tokenRecord('acme', null));
          const results = await Promise.all(Array.from({ length: 50 }, () => tokens.consumeAttempt(family, 't1', [])));
          for (const result of results) assert.deepEqual(result, { ok: true, attemptsLeft: null });
          assert.equal((await tokens.peekToken(family, 't1', []))?.attemptsLeft, null);
        });

        test('peekToken returns the record and does not use an attempt', async () => {
          const record = tokenRecord('acme', 3);
          await tokens.createToken(family, 't1', record);
          assert.deepEqual(await tokens.peekToken(family, 't1', []), record);
          assert.deepEqual(await tokens.peekToken(family, 't1', []), record);
          assert.deepEqual(await tokens.consumeAttempt(family, 't1', []), { ok: true, attemptsLeft: 2 });
          assert.deepEqual(await tokens.peekToken(family, 't1', []), { ...record, attemptsLeft: 2 });
        });

        test('a token is alive before its expiry and dead after it, as is its child', async () => {
          const start = Date.now();
          await tokens.createToken(family, 'parent', { tenant: 'acme', attemptsLeft: 100, expiresAtMs: start + 400 });
          await tokens.createToken(family, 'child', { tenant: 'acme', attemptsLeft: 100, expiresAtMs: start + HOUR });
          await tokens.createToken(family, 'short', { tenant: 'acme', attemptsLeft: null, expiresAtMs: start + 800 });
          assert.equal((await tokens.consumeAttempt(family, 'parent', [])).ok, true);
          assert.equal((await tokens.consumeAttempt(family, 'child', ['parent'])).ok, true);
          assert.equal((await tokens.consumeAttempt(family, 'short', [])).ok, true);

          await sleep(start + 550 - Date.now());
          assert.deepEqual(await tokens.consumeAttempt(family, 'parent', []), { ok: false });
          assert.equal(await tokens.peekToken(family, 'parent', []), undefined);
          assert.deepEqual(await tokens.consumeAttempt(family, 'child', ['parent']), { ok: false }, 'child of an expired parent');
          assert.equal(await tokens.peekToken(family, 'child', ['parent']), undefined);
          if (Date.now() < start + 750) assert.equal(await alive('short'), true, 'alive before its own expiry');

          await sleep(start + 950 - Date.now());
          assert.deepEqual(await tokens.consumeAttempt(family, 'short', []), { ok: false });
          assert.equal(await alive('short'), false);
        });

        test('a token created already expired is dead', async () => {
          await tokens.createToken(family, 't1', { tenant: 'acme', attemptsLeft: 5, expiresAtMs: Date.now() - 1 });
          assert.deepEqual(await tokens.consumeAttempt(family, 't1', []), { ok: false });
          assert.equal(await alive('t1'), false);
        });

        test('a revoked token is dead for consume and peek', async () => {
          await tokens.createToken(family, 't1', tokenRecord('acme', 5));
          assert.equal(await tokens.revokeToken(family, 't1', 'acme'), true);
          assert.deepEqual(await tokens.consumeAttempt(family, 't1', []), { ok: false });
          assert.equal(await tokens.peekToken(family, 't1', []), undefined);
          assert.equal(await tokens.revokeToken(family, 't1', 'acme'), false, 'nothing left to revoke');
        });

        test('revokeToken by another tenant returns false and leaves the token alive', async () => {
          await tokens.createToken(family, 't1', tokenRecord('acme', 5));
          assert.equal(await tokens.revokeToken(family, 't1', 'globex'), false);
          assert.deepEqual(await tokens.consumeAttempt(family, 't1', []), { ok: true, attemptsLeft: 4 });
        });

        test('revokeToken of an unknown token returns false', async () => {
          assert.equal(await tokens.revokeToken(family, 'nope', 'acme'), false);
        });

        test('revoking an ancestor kills its descendants', async () => {
          await tokens.createToken(family, 'root', tokenRecord('acme', null));
          await tokens.createToken(family, 'child', tokenRecord('acme', 5));
          await tokens.createToken(family, 'grandchild', tokenRecord('acme', 5));
          assert.equal(await alive('grandchild', ['root', 'child']), true);
          assert.equal(await tokens.revokeToken(family, 'root', 'acme'), true);
          assert.deepEqual(await tokens.consumeAttempt(family, 'child', ['root']), { ok: false });
          assert.deepEqual(await tokens.consumeAttempt(family, 'grandchild', ['root', 'child']), { ok: false });
          assert.equal(await alive('grandchild', ['root', 'child']), false);
        });

        test('revoking a middle ancestor kills the grandchild and leaves the root alive', async () => {
          await tokens.createToken(family, 'root', tokenRecord('acme', null));
          await tokens.createToken(family, 'child', tokenRecord('acme', 5));
          await tokens.createToken(family, 'grandchild', tokenRecord('acme', 5));
          assert.equal(await tokens.revokeToken(family, 'child', 'acme'), true);
          assert.deepEqual(await tokens.consumeAttempt(family, 'grandchild', ['root', 'child']), { ok: false });
          assert.deepEqual(await tokens.consumeAttempt(family, 'root', []), { ok: true, attemptsLeft: null });
        });

        test('revoking a child leaves its parent alive', async () => {
          await tokens.createToken(family, 'parent', tokenRecord('acme', 5));
          await tokens.createToken(family, 'child', tokenRecord('acme', 5));
          assert.equal(await tokens.revokeToken(family, 'child', 'acme'), true);
          assert.deepEqual(await tokens.consumeAttempt(family, 'parent', []), { ok: true, attemptsLeft: 4 });
          assert.deepEqual(await tokens.consumeAttempt(family, 'child', ['parent']), { ok: false });
        });

        test("a child's requests use its parent's attempts too: an exhausted parent stops its child", async () => {
          await tokens.createToken(family, 'parent', tokenRecord('acme', 1));
          await tokens.createToken(family, 'child', tokenRecord('acme', 2));
          assert.deepEqual(await tokens.consumeAttempt(family, 'parent', []), { ok: true, attemptsLeft: 0 });
          assert.deepEqual(await tokens.consumeAttempt(family, 'child', ['parent']), { ok: false });
          assert.equal(await alive('child', ['parent']), false);
        });

        test("consuming a child uses one of each limited ancestor's attempts, not of unlimited ones", async () => {
          await tokens.createToken(family, 'root', tokenRecord('acme', null));
          await tokens.createToken(family, 'parent', tokenRecord('acme', 3));
          await tokens.createToken(family, 'child', tokenRecord('acme', 5));
          assert.deepEqual(await tokens.consumeAttempt(family, 'child', ['root', 'parent']), { ok: true, attemptsLeft: 2 });
          assert.equal((await tokens.peekToken(family, 'parent', ['root']))?.attemptsLeft, 2);
          assert.equal((await tokens.peekToken(family, 'root', []))?.attemptsLeft, null);
          assert.equal((await tokens.peekToken(family, 'child', ['root', 'parent']))?.attemptsLeft, 2, 'the least over the lineage');
        });

        test('a parent with K attempts bounds its children together: exactly K of many concurrent child requests pass', async () => {
          await tokens.createToken(family, 'parent', tokenRecord('acme', 4));
          await tokens.createToken(family, 'a', tokenRecord('acme', 10));
          await tokens.createToken(family, 'b', tokenRecord('acme', null));
          const results = await Promise.all(
            Array.from({ length: 30 }, (_, i) => tokens.consumeAttempt(family, i % 2 ? 'a' : 'b', ['parent'])),
          );
          assert.equal(results.filter((r) => r.ok).length, 4);
          assert.equal(await alive('parent'), false);
        });

        test('an unknown token is dead, also when a parent is named', async () => {
          await tokens.createToken(family, 'parent', tokenRecord('acme', 5));
          assert.deepEqual(await tokens.consumeAttempt(family, 'nope', []), { ok: false });
          assert.deepEqual(await tokens.consumeAttempt(family, 'nope', ['parent']), { ok: false });
          assert.equal(await tokens.peekToken(family, 'nope', []), undefined);
        });

        test('a child naming an unknown ancestor is dead', async () => {
          await tokens.createToken(family, 'child', tokenRecord('acme', 5));
          assert.deepEqual(await tokens.consumeAttempt(family, 'child', ['never-existed']), { ok: false });
          assert.equal(await alive('child', ['never-existed']), false);
        });

        test('tokens are per family: the same id in another family is a different token', async () => {
          await tokens.createToken(family, 't1', tokenRecord('acme', 5));
          const other = `${family}-other`;
          assert.deepEqual(await tokens.consumeAttempt(other, 't1', []), { ok: false });
          assert.equal(await tokens.revokeToken(other, 't1', 'acme'), false);
          assert.equal(await alive('t1'), true);
        });

        test('family, token ids and tenants with braces work', async () => {
          const fam = `{${family}}:x}`;
          await tokens.createToken(fam, 'p}{', tokenRecord('a}b', 2));
          await tokens.createToken(fam, 'c{}', tokenRecord('a}b', 2));
          assert.deepEqual(await tokens.consumeAttempt(fam, 'c{}', ['p}{']), { ok: true, attemptsLeft: 1 });
          assert.equal(await tokens.revokeToken(fam, 'p}{', 'a}b'), true);
          assert.deepEqual(await tokens.consumeAttempt(fam, 'c{}', ['p}{']), { ok: false });
        });
      });
  });
}
