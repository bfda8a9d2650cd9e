/**
 * The contract every AuditLog implementation passes (memory ring buffer, Redis stream): entries
 * kept whole, newest first, paged by cursor without gaps or repeats, per tenant, capped.
 * Not a test file itself: audit-memory.test.ts and audit-redis.test.ts run it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditEntry, AuditLog, AuditRecord } from '../../src/stores/audit.ts';

export interface AuditFixture {
  readonly audit: AuditLog;
  cleanup(): Promise<void>;
}

/** Makes a fresh, empty audit log keeping `maxEntries` per tenant. */
export type AuditFactory = (maxEntries: number) => Promise<AuditFixture>;

let counter = 0;
export function auditRecord(over: Partial<AuditRecord> = {}): AuditRecord {
  counter++;
  return {
    timeMs: Date.now(),
    tenant: 'alice',
    operation: 'kem.decapsulate',
    outcome: 'ok',
    requestId: `req-${counter}`,
    tokenId: null,
    keyId: `kem_${String(counter).padStart(22, 'A')}`,
    targetTokenId: null,
    ...over,
  };
}

/** Every entry of a tenant, page by page. */
async function all(audit: AuditLog, tenant: string, limit: number): Promise<{ entries: AuditEntry[]; pages: number }> {
  const entries: AuditEntry[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await audit.list(tenant, { ...(cursor ? { cursor } : {}), limit });
    pages++;
    assert.ok(page.entries.length <= limit);
    entries.push(...page.entries);
    if (page.nextCursor === null) return { entries, pages };
    assert.ok(page.entries.length === limit, 'a page before the last is full');
    cursor = page.nextCursor;
    assert.ok(pages < 10_000, 'paging does not end');
  }
}

const strip = ({ id: _id, ...record }: AuditEntry) => record;

export function runAuditContract(name: string, factory: AuditFactory): void {
  describe(`audit log contract: ${name}`, () => {
    const withLog = async (maxEntries: number, use: (audit: AuditLog) => Promise<void>) => {
      const { audit, cleanup } = await factory(maxEntries);
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
        const record = auditRecord({ tokenId: 'mC2sX0b5t4vXkq9Yw3m0Qg', keyId: null, targetTokenId: 'nD3tY1c6u5wYlr0Zx4n1Rh', operation: 'tokens.revoke', outcome: 'not-found' });
        const written = await audit.append(record);
        assert.match(written.id, /^\d+-\d+$/);
        const page = await audit.list('alice', { limit: 10 });
        assert.equal(page.entries.length, 1);
        assert.deepEqual(page.entries[0], { ...record, id: written.id });
        assert.equal(page.nextCursor, null);
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
  });
}
