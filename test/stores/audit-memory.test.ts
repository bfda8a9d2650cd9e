import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchOutcome, laneOf } from '../../src/stores/audit.ts';
import { MemoryAuditLog } from '../../src/stores/audit-memory.ts';
import { auditRecord, runAuditContract } from './audit-contract.ts';

runAuditContract('memory', async (options) => ({ audit: new MemoryAuditLog(options), cleanup: async () => {} }));

test('the ring buffer keeps exactly the cap, the newest', async () => {
  const audit = new MemoryAuditLog({ maxEntries: 7 });
  for (let i = 0; i < 50; i++) await audit.append(auditRecord({ requestId: `r-${i}` }));
  const { entries, nextCursor } = await audit.list('alice', { limit: 100 });
  assert.deepEqual(entries.map((e) => e.requestId), ['r-49', 'r-48', 'r-47', 'r-46', 'r-45', 'r-44', 'r-43']);
  assert.equal(nextCursor, null);
});

test('ids keep increasing when the clock stands still or steps back', async () => {
  let now = 1_000_000;
  const audit = new MemoryAuditLog({ maxEntries: 10, clock: () => now });
  const a = await audit.append(auditRecord());
  const b = await audit.append(auditRecord());
  now -= 5_000;
  const c = await audit.append(auditRecord());
  assert.deepEqual([a.id, b.id, c.id], ['1000000-0', '1000000-1', '1000000-2']);
  now += 10_000;
  assert.equal((await audit.append(auditRecord())).id, '1005000-0');
});

test("a batch's one entry: ok when every item succeeded, partial when some did, else the first item's problem", () => {
  assert.equal(batchOutcome(['ok', 'ok']), 'ok');
  assert.equal(batchOutcome(['not-found', 'ok']), 'partial');
  assert.equal(batchOutcome(['not-found', 'forbidden']), 'not-found');
});

test('the security lane takes security operations that changed something; refusals and uses go to the use lane', () => {
  assert.equal(laneOf({ operation: 'tokens.mint', outcome: 'ok' }), 'security');
  assert.equal(laneOf({ operation: 'kem.encapsulate', outcome: 'partial' }), 'security');
  assert.equal(laneOf({ operation: 'tokens.mint', outcome: 'forbidden' }), 'use');
  assert.equal(laneOf({ operation: 'kem.decapsulate', outcome: 'ok' }), 'use');
  assert.equal(laneOf({ operation: 'audit.suppressed', outcome: 'ok' }), 'use');
});
