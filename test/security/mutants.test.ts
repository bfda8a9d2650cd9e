/**
 * Tests written to kill mutants that StrykerJS found surviving (npm run mutation; docs/testing.md
 * lists the scores and the survivors left alone). Each names the behaviour it pins, not the mutant.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { SealedKeyError, Sealer } from '../../src/keys/sealing.ts';
import { createServices } from '../../src/services.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { SHARED_ENV } from '../helpers/server.ts';

describe('keys', () => {
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
      const services = createServices(loadConfig({ ...SHARED_ENV }), store, pino({ level: 'silent' }), () => Date.now());
      const id = 'kem_AAAAAAAAAAAAAAAAAAAAAA';
      const record = { id, tenant: 'alice', algorithm: 'ML-DSA-65', publicKey: randomBytes(1952).toString('base64'), sealedSeed: 'AA==', createdAt: new Date().toISOString() };
      assert.equal(await store.putKey(record, 'f'.repeat(64)), true);
      assert.equal(await services.keys.findKemKeyById('alice', id), undefined);
      assert.equal(await services.keys.findKemKeyById('bob', id), undefined);
    } finally {
      await store.close();
    }
  });
});
