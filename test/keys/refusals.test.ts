/**
 * What the key service refuses to use: a sealed blob of a format version it does not know, and a
 * stored record of another type under a kem_ id. Written to kill mutants StrykerJS found
 * surviving in src/keys (docs/testing.md).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { SealedKeyError, Sealer } from '../../src/keys/sealing.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import type { StoredKey } from '../../src/stores/keys.ts';
import { createServices } from '../../src/services.ts';
import { MemoryAuditLog } from '../../src/stores/audit-memory.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { SHARED_ENV } from '../helpers/server.ts';

test('a sealed blob of an unknown format version is refused as such, by a SealedKeyError', () => {
  const sealer = new Sealer(randomBytes(32));
  const sealed = sealer.seal(randomBytes(64), 'alice', 'kem_1', 'kem');
  const future = Uint8Array.from(sealed);
  future[0] = 2;
  assert.throws(
    () => sealer.open(future, 'alice', 'kem_1', 'kem'),
    (err: unknown) => err instanceof SealedKeyError && err.name === 'SealedKeyError' && /kem_1/.test(err.message) && /version 2/.test(err.message),
  );
});

test('a stored record that is not an ML-KEM key is never used as one, even under a kem_ id', async () => {
  const store = new MemoryStore();
  try {
    const services = createServices(loadConfig({ ...SHARED_ENV }), store, pino({ level: 'silent' }), () => Date.now(), {
      audit: new MemoryAuditLog({ maxEntries: 10 }),
      metrics: new Metrics(),
    });
    const id = 'kem_AAAAAAAAAAAAAAAAAAAAAA';
    const createdAt = new Date().toISOString();
    const record = { id, tenant: 'alice', type: 'kem' as const, algorithm: 'ML-DSA-65', createdAt, expiresAtMs: null, fingerprint: 'f'.repeat(64), versions: [{ version: 1, publicKey: randomBytes(1952).toString('base64'), sealedSeed: 'AA==', createdAt }] };
    // A record no code path of the service writes (typedKey refuses it): the store keeps values opaque.
    assert.equal(await store.keys.put(record as unknown as StoredKey, 0), 'stored');
    const principal = { tenant: 'alice', scopes: [], keyIds: null, apiKeyId: 'k' };
    const found = await services.keys.resolve(principal, ['kem'], { id, field: 'key_id' });
    await assert.rejects(services.keys.decapsulate(found, new Uint8Array(1088)), /not a KEM key/);
    await assert.rejects(services.keys.resolve({ ...principal, tenant: 'bob' }, ['kem'], { id, field: 'key_id' }), /No key of yours/);
  } finally {
    await store.close();
  }
});
