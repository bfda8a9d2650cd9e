/**
 * Concurrent rotations of one signing key (issue 15, item 6): each call adds exactly one version,
 * and a caller that loses the race renumbers the key pair it made (re-sealing its seed for the
 * new version number) instead of making another: N racers cost N key generations, not about
 * N^2/2 (costly for SLH-DSA). On the embedded store and on Redis, with the real crypto backend
 * (wrapped only to count its key generations) and the real sealer.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { CryptoBackend } from '../../src/crypto/backend.ts';
import { createCryptoBackend } from '../../src/crypto/select.ts';
import { decodeBase64 } from '../../src/crypto/encoding.ts';
import { Sealer } from '../../src/keys/sealing.ts';
import { KeyService } from '../../src/keys/service.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { RedisStore } from '../../src/stores/redis.ts';
import type { Store } from '../../src/stores/store.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

let redis: TestRedis;
let backend: CryptoBackend;
before(async () => {
  redis = await startRedis();
  backend = createCryptoBackend('auto');
});
after(async () => {
  await backend.close();
  await redis.dispose();
});

const stores: Record<string, () => Store> = {
  memory: () => new MemoryStore(),
  redis: () => new RedisStore({ url: redis.url, keyPrefix: `test-${randomUUID()}:` }),
};

for (const [name, makeStore] of Object.entries(stores)) {
  describe(`concurrent rotations (${name} store)`, () => {
    test('N concurrent rotations add N versions, one each, with at most N key generations; every version unseals to its public key', async () => {
      const store = makeStore();
      try {
        let generated = 0;
        const counting: CryptoBackend = {
          ...backend,
          dsa: {
            ...backend.dsa,
            keygen: (...args) => {
              generated++;
              return backend.dsa.keygen(...args);
            },
          },
        };
        const sealer = new Sealer(new Uint8Array(randomBytes(32)));
        const keys = new KeyService(store.keys, sealer, () => Date.now(), counting);
        const made = await keys.createDsaKey('alice', 'ML-DSA-44');
        const stale = (await store.keys.get('alice', made.id))!;
        generated = 0;

        const N = 8;
        const rotated = await Promise.all(Array.from({ length: N }, () => keys.rotate('alice', stale)));
        assert.ok(generated <= N, `${generated} key generations for ${N} rotations`);
        assert.deepEqual(rotated.map((r) => r.version).sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i + 2), 'each call added exactly one version');

        const stored = (await store.keys.get('alice', made.id))!;
        assert.equal(stored.versions.length, N + 1);
        for (const r of rotated) {
          const record = stored.versions.find((v) => v.version === r.version)!;
          assert.deepEqual(decodeBase64(record.publicKey), r.publicKey, `version ${r.version} holds the public key its caller was given`);
          // The seal is bound to `id#vN`: a renumbered pair must have been sealed again for its number.
          const seed = sealer.open(decodeBase64(record.sealedSeed)!, 'alice', `${made.id}#v${r.version}`, 'dsa');
          assert.deepEqual((await backend.dsa.keygen('ML-DSA-44', seed)).publicKey, r.publicKey, `version ${r.version}'s seed makes its public key`);
        }
        assert.equal(new Set(rotated.map((r) => Buffer.from(r.publicKey).toString('base64'))).size, N, 'every version its own key pair');
      } finally {
        await store.close();
      }
    });
  });
}
