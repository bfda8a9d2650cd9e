/**
 * The contract every AuditLog implementation passes (memory ring buffers, Redis streams): entries
 * kept whole, newest first, paged by cursor without gaps or repeats, per tenant, capped; security
 * events and use entries capped apart; a token's use entries past its budget folded into one
 * summary; a key-restricted viewer's page. Not a test file itself: audit-memory.test.ts,
 * audit-redis.test.ts and audit-redis-cluster.test.ts run it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditEntry, AuditLog, AuditLogOptions, AuditQuery, AuditRecord } from '../../src/stores/audit.ts';

export interface AuditFixture {
  readonly audit: AuditLog;
  cleanup(): Promise<void>;
}

/** Makes a fresh, empty audit log with these caps, budget and clock. */
export type AuditFactory = (options: AuditLogOptions) => Promise<AuditFixture>;

let counter = 0;
export function auditRecord(over: Partial<AuditRecord> = {}): AuditRecord {
  counter++;
  const keyId = over.keyId !== undefined ? over.keyId : `kem_${String(counter).padStart(22, 'A')}`;
  return {
    timeMs: Date.now(),
    tenant: 'alice',
    operation: 'kem.decapsulate',
    outcome: 'ok',
    requestId: `req-${counter}`,
    clientRequestId: null,
    tokenId: null,
    tokenAncestors: [],
    keyId,
    keyIds: keyId === null ? [] : [keyId],
    itemCount: 1,
    targetTokenId: null,
    ...over,
  };
}

/** Every entry of a tenant, page by page. */
async function all(audit: AuditLog, tenant: string, limit: number, query: Omit<AuditQuery, 'limit'> = {}): Promise<{ entries: AuditEntry[]; pages: number }> {
  const entries: AuditEntry[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await audit.list(tenant, { ...query, ...(cursor ? { cursor } : {}), limit });
    pages++;
    assert.ok(page.entries.length <= limit);
    entries.push(...page.entries);
    if (page.nextCursor === null) return { entries, pages };
    if (!query.viewer) assert.ok(page.entries.length === limit, 'a page before the last is full');
    cursor = page.nextCursor;
    assert.ok(pages < 10_000, 'paging does not end');
  }
}

const strip = ({ id: _id, suppressed: _s, ...record }: AuditEntry) => record;
const T0 = Date.UTC(2026, 11, 6, 7, 0, 0);

export function runAuditContract(name: string, factory: AuditFactory): void {
  describe(`audit log contract: ${name}`, () => {
    const withLog = async (options: number | AuditLogOptions, use: (audit: AuditLog) => Promise<void>) => {
      const { audit, cleanup } = await factory(typeof options === 'number' ? { maxEntries: options } : options);
      try {
        await use(audit);
      } finally {
        await cleanup();
      }
    };

    test('an empty tenant has no entries and no next page', () =>
      withLog(10, async (audit) => {
        assert.deepEqual(await audit.list('nobody', { limit: 10 }), { entries: [], nextCursor: null });
      }));

    test('an entry comes back whole, with every field as written (nulls included), and an id of the form ms-seq', () =>
      withLog(10, async (audit) => {
        const record = auditRecord({
          tokenId: 'mC2sX0b5t4vXkq9Yw3m0Qg.pE4uZ2d7v6xZms1Ay5o2Si',
          tokenAncestors: ['mC2sX0b5t4vXkq9Yw3m0Qg'],
          keyId: null,
          targetTokenId: 'nD3tY1c6u5wYlr0Zx4n1Rh',
          operation: 'tokens.revoke',
          outcome: 'not-found',
          clientRequestId: 'admin-maintenance',
        });
        const written = await audit.append(record);
        assert.match(written.id, /^\d+-\d+$/);
        const batch = auditRecord({ operation: 'dsa.verify', keyId: 'dsa_1', keyIds: ['dsa_1', 'dsa_2', 'dsa_1'], itemCount: 3 });
        const second = await audit.append(batch);
        const page = await audit.list('alice', { limit: 10 });
        assert.equal(page.entries.length, 2);
        assert.deepEqual(page.entries[1], { ...record, id: written.id, suppressed: 0 });
        assert.deepEqual(page.entries[0], { ...batch, keyIds: ['dsa_1', 'dsa_2'], id: second.id, suppressed: 0 }, 'key ids once each');
        assert.deepEqual(written, page.entries[1], 'append answers the entry as kept');
        assert.equal(page.nextCursor, null);
      }));

    test('the client or session a security entry names comes back with it (and the client that acted)', () =>
      withLog(10, async (audit) => {
        const registered = auditRecord({ operation: 'clients.register', keyId: null, targetClientId: 'cl_2mK7vQ9xJb4Tn1cR8pWz3A' });
        const opened = auditRecord({ operation: 'sessions.open', keyId: null, clientId: 'cl_2mK7vQ9xJb4Tn1cR8pWz3A', targetSessionId: 'ss_swagger-example-sess01' });
        const first = await audit.append(registered);
        const second = await audit.append(opened);
        const page = await audit.list('alice', { limit: 10 });
        assert.deepEqual(page.entries, [
          { ...opened, id: second.id, suppressed: 0 },
          { ...registered, id: first.id, suppressed: 0 },
        ]);
      }));

    test('newest first, ids strictly decreasing down the list', () =>
      withLog(100, async (audit) => {
        const records = Array.from({ length: 12 }, (_, i) => auditRecord({ requestId: `order-${i}` }));
        for (const r of records) await audit.append(r);
        const { entries } = await audit.list('alice', { limit: 100 });
        assert.deepEqual(entries.map((e) => e.requestId), records.map((r) => r.requestId).reverse());
        const ids = entries.map((e) => e.id.split('-').map(Number) as [number, number]);
        for (let i = 1; i < ids.length; i++) {
          const [a, b] = [ids[i - 1]!, ids[i]!];
          assert.ok(a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]), `${entries[i - 1]!.id} then ${entries[i]!.id}`);
        }
      }));

    test('paging by cursor gives every entry once, in order, in full pages, and ends with next_cursor null', () =>
      withLog(100, async (audit) => {
        const records = Array.from({ length: 23 }, (_, i) => auditRecord({ requestId: `page-${i}` }));
        for (const r of records) await audit.append(r);
        const { entries, pages } = await all(audit, 'alice', 5);
        assert.equal(pages, 5);
        assert.deepEqual(entries.map(strip), [...records].reverse());
        assert.ok(entries.every((e) => e.suppressed === 0));
        assert.equal(new Set(entries.map((e) => e.id)).size, 23);
      }));

    test('a page of exactly the remaining entries says there is no next page', () =>
      withLog(100, async (audit) => {
        for (let i = 0; i < 4; i++) await audit.append(auditRecord());
        const first = await audit.list('alice', { limit: 2 });
        assert.ok(first.nextCursor);
        const second = await audit.list('alice', { cursor: first.nextCursor, limit: 2 });
        assert.equal(second.entries.length, 2);
        assert.equal(second.nextCursor, null);
      }));

    test('entries appended after a page was read do not shift the older pages', () =>
      withLog(100, async (audit) => {
        for (let i = 0; i < 6; i++) await audit.append(auditRecord({ requestId: `old-${i}` }));
        const first = await audit.list('alice', { limit: 3 });
        await audit.append(auditRecord({ requestId: 'new' }));
        const second = await audit.list('alice', { cursor: first.nextCursor!, limit: 3 });
        assert.deepEqual(second.entries.map((e) => e.requestId), ['old-2', 'old-1', 'old-0']);
        assert.equal((await audit.list('alice', { limit: 1 })).entries[0]!.requestId, 'new');
      }));

    test("tenants are apart: a tenant sees only its own entries, even with another tenant's cursor", () =>
      withLog(100, async (audit) => {
        for (let i = 0; i < 3; i++) await audit.append(auditRecord({ tenant: 'alice', requestId: `a-${i}` }));
        for (let i = 0; i < 3; i++) await audit.append(auditRecord({ tenant: 'bob', requestId: `b-${i}` }));
        const bob = await all(audit, 'bob', 2);
        assert.deepEqual(bob.entries.map((e) => e.requestId), ['b-2', 'b-1', 'b-0']);
        assert.ok(bob.entries.every((e) => e.tenant === 'bob'));
        const alicesCursor = (await audit.list('alice', { limit: 1 })).nextCursor!;
        const viaAlicesCursor = await audit.list('bob', { cursor: alicesCursor, limit: 10 });
        assert.ok(viaAlicesCursor.entries.every((e) => e.tenant === 'bob'));
      }));

    test('tenant names that look like key syntax ({, }, :, *) stay apart', () =>
      withLog(100, async (audit) => {
        const tenants = ['a}b', '{x}', 'a:b', 'a*', 'a'];
        for (const tenant of tenants) await audit.append(auditRecord({ tenant, requestId: `t-${tenant}` }));
        for (const tenant of tenants) {
          const { entries } = await audit.list(tenant, { limit: 10 });
          assert.deepEqual(entries.map((e) => e.requestId), [`t-${tenant}`], tenant);
        }
      }));

    test('concurrent appends all land, each with its own id', () =>
      withLog(1000, async (audit) => {
        const records = Array.from({ length: 60 }, (_, i) => auditRecord({ requestId: `c-${i}` }));
        const written = await Promise.all(records.map((r) => audit.append(r)));
        assert.equal(new Set(written.map((w) => w.id)).size, 60);
        const { entries } = await all(audit, 'alice', 25);
        assert.deepEqual(entries.map((e) => e.requestId).sort(), records.map((r) => r.requestId).sort());
      }));

    test('past the cap the oldest entries go: the newest cap entries are always kept, and the tenant holds at most about one stream node more', () =>
      withLog(5, async (audit) => {
        const records = Array.from({ length: 260 }, (_, i) => auditRecord({ requestId: `cap-${i}` }));
        for (const r of records) await audit.append(r);
        const { entries } = await all(audit, 'alice', 500);
        assert.ok(entries.length >= 5, `${entries.length} kept`);
        // Redis trims with MAXLEN ~ (whole nodes of up to 100 entries); the ring buffer exactly.
        assert.ok(entries.length <= 5 + 100, `${entries.length} kept`);
        const newest = records.slice(-entries.length).reverse().map((r) => r.requestId);
        assert.deepEqual(entries.map((e) => e.requestId), newest, 'what is kept is the newest, in order');
        // Another tenant's entries are not trimmed by alice's.
        await audit.append(auditRecord({ tenant: 'bob' }));
        assert.equal((await audit.list('bob', { limit: 10 })).entries.length, 1);
      }));

    test('a cursor older than every entry gives an empty last page; a cursor from the future gives the newest', () =>
      withLog(100, async (audit) => {
        for (let i = 0; i < 3; i++) await audit.append(auditRecord());
        assert.deepEqual(await audit.list('alice', { cursor: '0-0', limit: 10 }), { entries: [], nextCursor: null });
        const future = await audit.list('alice', { cursor: '999999999999999-0', limit: 10 });
        assert.equal(future.entries.length, 3);
      }));

    test('a batch names at most 100 distinct keys; the first is key_id', () =>
      withLog(10, async (audit) => {
        const keyIds = Array.from({ length: 150 }, (_, i) => `dsa_${i}`);
        await audit.append(auditRecord({ operation: 'dsa.verify', keyId: null, keyIds: [...keyIds, ...keyIds], itemCount: 300 }));
        const [entry] = (await audit.list('alice', { limit: 1 })).entries;
        assert.deepEqual(entry!.keyIds, keyIds.slice(0, 100));
        assert.equal(entry!.keyId, 'dsa_0');
        assert.equal(entry!.itemCount, 300);
      }));

    test('security events and use entries are capped apart: a flood of uses keeps the token mint and key creation', () =>
      withLog({ maxEntries: 5, maxSecurityEntries: 5 }, async (audit) => {
        const mint = await audit.append(auditRecord({ operation: 'tokens.mint', keyId: null, targetTokenId: 'mintedAAAAAAAAAAAAAAAAA', requestId: 'the-mint' }));
        await audit.append(auditRecord({ operation: 'kem.keypair', keyId: 'kem_made', requestId: 'the-keypair' }));
        for (let i = 0; i < 300; i += 50) {
          await Promise.all(Array.from({ length: 50 }, (_, j) => audit.append(auditRecord({ operation: 'dsa.verify', requestId: `use-${i + j}` }))));
        }
        const { entries } = await all(audit, 'alice', 500);
        const ids = entries.map((e) => e.requestId);
        assert.ok(ids.includes('the-mint') && ids.includes('the-keypair'), 'the security events are kept');
        assert.ok(entries.some((e) => e.id === mint.id));
        const uses = entries.filter((e) => e.operation === 'dsa.verify');
        assert.ok(uses.length >= 5 && uses.length <= 105, `${uses.length} uses kept`);
        // Both lanes merged newest first: the security events are the oldest here.
        assert.deepEqual(ids.slice(-2), ['the-keypair', 'the-mint']);
      }));

    test('a refused security operation is a use entry: refusals cannot push a mint out of the security lane', () =>
      withLog({ maxEntries: 5, maxSecurityEntries: 5 }, async (audit) => {
        await audit.append(auditRecord({ operation: 'tokens.mint', keyId: null, targetTokenId: 'mintedAAAAAAAAAAAAAAAAA', requestId: 'the-mint' }));
        for (let i = 0; i < 300; i += 50) {
          await Promise.all(Array.from({ length: 50 }, () => audit.append(auditRecord({ operation: 'tokens.mint', outcome: 'forbidden', keyId: null }))));
        }
        const { entries } = await all(audit, 'alice', 500);
        assert.ok(entries.some((e) => e.requestId === 'the-mint'));
        assert.ok(entries.length <= 1 + 105);
      }));

    test("past its budget, a token's use entries fold into one summary (counted, keys named) that moves to the front; security events and API keys are not budgeted", () =>
      withLog({ maxEntries: 1000, entriesPerTokenPerMinute: 3 }, async (audit) => {
        const token = 'floodAAAAAAAAAAAAAAAAAA';
        const at = (s: number) => T0 + s * 1000;
        for (let i = 0; i < 10; i++) {
          const entry = await audit.append(auditRecord({ timeMs: at(i), tokenId: token, operation: 'dsa.verify', keyId: null, keyIds: [`dsa_${i % 4}`, 'dsa_x'], itemCount: 2, requestId: `f-${i}`, clientRequestId: 'admin-maintenance' }));
          if (i >= 3) {
            assert.equal(entry.operation, 'audit.suppressed', 'append answers the summary it folded into');
            assert.equal(entry.suppressed, i - 2);
          }
          // Another token, an API key and the flooding token's own security events interleave.
          await audit.append(auditRecord({ timeMs: at(i), tokenId: 'otherAAAAAAAAAAAAAAAAAA', requestId: `o-${i}` }));
          await audit.append(auditRecord({ timeMs: at(i), tokenId: null, requestId: `k-${i}` }));
          await audit.append(auditRecord({ timeMs: at(i), tokenId: token, operation: 'tokens.mint', keyId: null, targetTokenId: `child${i}`, requestId: `m-${i}` }));
        }
        const { entries } = await all(audit, 'alice', 7);
        const byToken = entries.filter((e) => e.tokenId === token && e.operation !== 'tokens.mint');
        assert.deepEqual(byToken.map((e) => e.requestId), ['f-9', 'f-2', 'f-1', 'f-0'], 'the budget one by one, then one summary, newest');
        const [summary] = byToken;
        assert.equal(summary!.operation, 'audit.suppressed');
        assert.equal(summary!.suppressed, 7);
        assert.equal(summary!.itemCount, 14);
        assert.deepEqual([...summary!.keyIds].sort(), ['dsa_0', 'dsa_1', 'dsa_2', 'dsa_3', 'dsa_x']);
        assert.equal(summary!.clientRequestId, 'admin-maintenance');
        assert.equal(summary!.timeMs, at(9));
        assert.deepEqual(entries.slice(0, 4).map((e) => e.requestId), ['m-9', 'k-9', 'o-9', 'f-9'], 'the summary moved to where its newest entry was');
        assert.equal(entries.filter((e) => e.operation === 'tokens.mint').length, 10, 'security events are never folded');
        const other = entries.filter((e) => e.tokenId === 'otherAAAAAAAAAAAAAAAAAA');
        assert.deepEqual(other.map((e) => [e.requestId, e.suppressed]), [['o-9', 7], ['o-2', 0], ['o-1', 0], ['o-0', 0]], "another token's budget and summary are its own");
        assert.equal(entries.filter((e) => e.requestId.startsWith('k-')).length, 10, 'API keys have no budget');
        assert.equal(new Set(entries.map((e) => e.id)).size, entries.length, 'paging gives each entry once');
      }));

    test('each minute has its own budget and its own summary', () =>
      withLog({ maxEntries: 1000, entriesPerTokenPerMinute: 2 }, async (audit) => {
        const token = 'windowAAAAAAAAAAAAAAAAA';
        for (const minute of [0, 1]) {
          for (let i = 0; i < 5; i++) await audit.append(auditRecord({ timeMs: T0 + minute * 60_000 + i, tokenId: token, requestId: `w${minute}-${i}` }));
        }
        const { entries } = await all(audit, 'alice', 100);
        assert.deepEqual(entries.map((e) => [e.requestId, e.operation, e.suppressed]), [
          ['w1-4', 'audit.suppressed', 3],
          ['w1-1', 'kem.decapsulate', 0],
          ['w1-0', 'kem.decapsulate', 0],
          ['w0-4', 'audit.suppressed', 3],
          ['w0-1', 'kem.decapsulate', 0],
          ['w0-0', 'kem.decapsulate', 0],
        ]);
      }));

    test("after a 10,000-entry flood by one dsa:verify token, the tenant still finds its earlier decapsulation (with the server's request id) and the token's mint", () =>
      withLog({ maxEntries: 10_000, maxSecurityEntries: 10_000, entriesPerTokenPerMinute: 600 }, async (audit) => {
        const token = 'attackerAAAAAAAAAAAAAAA';
        const decap = await audit.append(auditRecord({ operation: 'kem.decapsulate', requestId: '7d0a3c1e-0000-4000-8000-000000000001', tokenId: null }));
        const mint = await audit.append(auditRecord({ operation: 'tokens.mint', keyId: null, targetTokenId: token, requestId: 'mint-rid' }));
        const started = Date.now();
        for (let i = 0; i < 10_000; i += 500) {
          await Promise.all(
            Array.from({ length: 500 }, (_, j) =>
              audit.append(auditRecord({ operation: 'dsa.verify', tokenId: token, keyId: `dsa_${i + j}`, outcome: 'not-found', requestId: `srv-${i + j}`, clientRequestId: 'admin-maintenance' })),
            ),
          );
        }
        const floodMs = Date.now() - started;
        const { entries } = await all(audit, 'alice', 500);
        const found = entries.find((e) => e.id === decap.id);
        assert.ok(found, `the decapsulation is kept (${entries.length} entries, flood took ${floodMs} ms)`);
        assert.equal(found.requestId, '7d0a3c1e-0000-4000-8000-000000000001');
        assert.ok(entries.some((e) => e.id === mint.id && e.operation === 'tokens.mint'));
        const flood = entries.filter((e) => e.tokenId === token);
        const summaries = flood.filter((e) => e.operation === 'audit.suppressed');
        // The flood may straddle a minute: one summary per window.
        assert.ok(summaries.length >= 1 && summaries.length <= 2);
        const counted = flood.filter((e) => e.operation === 'dsa.verify').length + summaries.reduce((n, e) => n + e.suppressed, 0);
        assert.equal(counted, 10_000, 'every entry is written or counted');
      }));

    test('a key-restricted viewer sees entries naming its keys and its own lineage, never a key outside its list, paged', () =>
      withLog(1000, async (audit) => {
        const me = 'rootAAAAAAAAAAAAAAAAAAA.meBBBBBBBBBBBBBBBBBB';
        const child = 'rootAAAAAAAAAAAAAAAAAAA.kidCCCCCCCCCCCCCCCCC';
        const sibling = 'rootAAAAAAAAAAAAAAAAAAA.sibDDDDDDDDDDDDDDDDD';
        const write = (requestId: string, over: Partial<AuditRecord>) => audit.append(auditRecord({ requestId, ...over }));
        await write('mine-A', { keyId: 'kem_A' });
        await write('other-B', { keyId: 'kem_B' });
        await write('batch-AB', { operation: 'dsa.verify', keyId: 'dsa_B', keyIds: ['dsa_B', 'kem_A'], itemCount: 2 });
        await write('by-me', { tokenId: me, tokenAncestors: ['rootAAAAAAAAAAAAAAAAAAA'], keyId: 'kem_B', outcome: 'forbidden' });
        await write('by-child', { tokenId: child, tokenAncestors: ['rootAAAAAAAAAAAAAAAAAAA', me], keyId: null, operation: 'tokens.mint', targetTokenId: 'x' });
        await write('by-sibling', { tokenId: sibling, tokenAncestors: ['rootAAAAAAAAAAAAAAAAAAA'], keyId: 'kem_C' });
        await write('by-root', { tokenId: 'rootAAAAAAAAAAAAAAAAAAA', keyId: null, operation: 'tokens.mint', targetTokenId: me });
        for (let i = 0; i < 30; i++) await write(`noise-${i}`, { keyId: 'kem_Z' });
        const viewer = { tokenId: me, keyIds: ['kem_A'] };
        for (const limit of [1, 2, 500]) {
          const { entries } = await all(audit, 'alice', limit, { viewer });
          assert.deepEqual(entries.map((e) => e.requestId), ['by-child', 'by-me', 'batch-AB', 'mine-A'], `limit ${limit}`);
          const batch = entries.find((e) => e.requestId === 'batch-AB')!;
          assert.deepEqual([batch.keyId, batch.keyIds], ['kem_A', ['kem_A']], 'keys outside its list are left out');
          const byMe = entries.find((e) => e.requestId === 'by-me')!;
          assert.deepEqual([byMe.keyId, byMe.keyIds], [null, []], 'keys outside its list are left out of its own entries too');
        }
        const everything = await all(audit, 'alice', 500, { viewer: { tokenId: me, keyIds: null } });
        assert.equal(everything.entries.length, 37, 'an unrestricted viewer sees all');
      }));
  });
}
