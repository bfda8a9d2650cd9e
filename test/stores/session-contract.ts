/**
 * The session store contract: every SessionStore implementation must pass it (contract.ts runs it
 * on the memory store, Redis, Redis Cluster and Sentinel). Expiry tests use real, short expiries
 * because Redis keeps its own clock.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, test } from 'node:test';
import type { SessionRecord, SessionStore } from '../../src/stores/sessions.ts';

const id = (prefix: string) => `${prefix}_${randomBytes(16).toString('base64url')}`;

export function sessionRecord(tenant: string, clientId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: id('ss'),
    tenant,
    clientId,
    deviceDescription: 'laptop, firefox',
    tokenId: randomBytes(16).toString('base64url'),
    createdAt: '2026-12-06T09:00:00.000Z',
    expiresAtMs: Date.now() + 3_600_000,
    lastUsedAtMs: null,
    ...overrides,
  };
}

export function runSessionStoreContract(current: () => SessionStore): void {
  describe('session store', () => {
    let sessions: SessionStore;
    let acme: string;
    let globex: string;
    beforeEach(() => {
      sessions = current();
      acme = `acme-${randomUUID()}`;
      globex = `globex-${randomUUID()}`;
    });

    test('create then get round-trips the record; another tenant does not see it', async () => {
      const session = sessionRecord(acme, id('cl'));
      assert.equal(await sessions.create(session), true);
      assert.deepEqual(await sessions.get(acme, session.id), session);
      assert.equal(await sessions.get(globex, session.id), undefined);
    });

    test('create refuses a taken id and changes nothing', async () => {
      const session = sessionRecord(acme, id('cl'));
      await sessions.create(session);
      assert.equal(await sessions.create({ ...session, deviceDescription: 'other' }), false);
      assert.equal((await sessions.get(acme, session.id))?.deviceDescription, session.deviceDescription);
    });

    test('delete answers the record once, then undefined; the session is gone', async () => {
      const session = sessionRecord(acme, id('cl'));
      await sessions.create(session);
      assert.equal(await sessions.delete(globex, session.id), undefined, "another tenant's delete finds nothing");
      assert.deepEqual(await sessions.delete(acme, session.id), session);
      assert.equal(await sessions.delete(acme, session.id), undefined);
      assert.equal(await sessions.get(acme, session.id), undefined);
      assert.deepEqual((await sessions.list(acme, { limit: 10 })).sessions, []);
    });

    test('touch moves last use forward, never back; a gone session stays gone', async () => {
      const session = sessionRecord(acme, id('cl'));
      await sessions.create(session);
      await sessions.touch(acme, session.id, 2_000_000_000_000);
      await sessions.touch(acme, session.id, 1_000_000_000_000);
      assert.equal((await sessions.get(acme, session.id))?.lastUsedAtMs, 2_000_000_000_000);
      await sessions.delete(acme, session.id);
      await sessions.touch(acme, session.id, 3_000_000_000_000);
      assert.equal(await sessions.get(acme, session.id), undefined);
    });

    test('list pages in id order over the tenant, or over one client', async () => {
      const [alice, bob] = [id('cl'), id('cl')];
      const made = [];
      for (let i = 0; i < 5; i++) made.push(sessionRecord(acme, i % 2 === 0 ? alice : bob));
      await Promise.all(made.map((s) => sessions.create(s)));
      await sessions.create(sessionRecord(globex, alice));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await sessions.list(acme, { cursor, limit: 2 });
        assert.ok(page.sessions.length <= 2);
        seen.push(...page.sessions.map((s) => s.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      assert.deepEqual(seen, made.map((s) => s.id).sort());
      const alices = await sessions.list(acme, { clientId: alice, limit: 10 });
      assert.deepEqual(alices.sessions.map((s) => s.id), made.filter((s) => s.clientId === alice).map((s) => s.id).sort());
      assert.equal(alices.nextCursor, null);
    });

    test('a session expires everywhere at its expiry', async () => {
      const session = sessionRecord(acme, id('cl'), { expiresAtMs: Date.now() + 300 });
      await sessions.create(session);
      assert.ok(await sessions.get(acme, session.id));
      await sleep(600);
      assert.equal(await sessions.get(acme, session.id), undefined);
      assert.deepEqual((await sessions.list(acme, { limit: 10 })).sessions, []);
      assert.deepEqual((await sessions.list(acme, { clientId: session.clientId, limit: 10 })).sessions, []);
    });
  });
}
