/**
 * The brief cache of prepared secret keys in KeyService (keys/service.ts), over the real noble
 * backend and the embedded store. The backend is wrapped only to count how often a key is
 * prepared from its seed and to see when a prepared key is disposed.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createCryptoBackend } from '../../src/crypto/select.ts';
import type { CryptoBackend, PreparedSecretKey } from '../../src/crypto/backend.ts';
import { Sealer } from '../../src/keys/sealing.ts';
import { KeyService } from '../../src/keys/service.ts';
import { MemoryStore } from '../../src/stores/memory.ts';

const real = createCryptoBackend('noble');
after(() => real.close());

/** The real backend, counting key preparations and disposals. */
function counting(backend: CryptoBackend) {
  const counts = { kemPrepared: 0, dsaPrepared: 0, disposed: 0 };
  const track = <K extends PreparedSecretKey<string>>(key: K): K => {
    const dispose = key.dispose.bind(key);
    key.dispose = () => {
      counts.disposed++;
      dispose();
    };
    return key;
  };
  const crypto: CryptoBackend = {
    ...backend,
    kem: Object.assign(Object.create(backend.kem), {
      prepareSecretKey: async (...args: Parameters<CryptoBackend['kem']['prepareSecretKey']>) => (counts.kemPrepared++, track(await backend.kem.prepareSecretKey(...args))),
    }),
    dsa: Object.assign(Object.create(backend.dsa), {
      prepareSecretKey: async (...args: Parameters<CryptoBackend['dsa']['prepareSecretKey']>) => (counts.dsaPrepared++, track(await backend.dsa.prepareSecretKey(...args))),
    }),
  };
  return { crypto, counts };
}

function service(cache: { ttlSeconds: number; maxEntries: number }) {
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const { crypto, counts } = counting(real);
  const keys = new KeyService(new MemoryStore({ clock }).keys, new Sealer(randomBytes(32)), clock, crypto, { cache });
  return { keys, counts, advance: (ms: number) => (now += ms) };
}

describe('prepared secret key cache', () => {
  test('repeated decapsulations with one key prepare it once and give the right secret each time', async () => {
    const { keys, counts } = service({ ttlSeconds: 60, maxEntries: 10 });
    const key = await keys.createKemKey('alice', 'ML-KEM-768');
    for (let i = 0; i < 3; i++) {
      const enc = await real.kem.encapsulate(key.algorithm, key.publicKey);
      assert.deepEqual(await keys.decapsulate((await keys.find('alice', key.id))!, enc.cipherText), enc.sharedSecret);
    }
    assert.equal(counts.kemPrepared, 1);
  });

  test('concurrent first uses may each prepare, but keep one key and dispose the rest', async () => {
    const { keys, counts } = service({ ttlSeconds: 60, maxEntries: 10 });
    const key = await keys.createKemKey('alice', 'ML-KEM-512');
    const enc = await real.kem.encapsulate(key.algorithm, key.publicKey);
    const stored = (await keys.find('alice', key.id))!;
    const secrets = await Promise.all(Array.from({ length: 4 }, () => keys.decapsulate(stored, enc.cipherText)));
    for (const s of secrets) assert.deepEqual(s, enc.sharedSecret);
    assert.equal(counts.disposed, counts.kemPrepared - 1);
    await keys.decapsulate((await keys.find('alice', key.id))!, enc.cipherText);
    assert.equal(counts.disposed, counts.kemPrepared - 1, 'the kept key is reused');
  });

  test('after the TTL the key is prepared again from its sealed seed, and the old one is disposed', async () => {
    const { keys, counts, advance } = service({ ttlSeconds: 60, maxEntries: 10 });
    const key = await keys.createKemKey('alice', 'ML-KEM-768');
    const enc = await real.kem.encapsulate(key.algorithm, key.publicKey);
    await keys.decapsulate((await keys.find('alice', key.id))!, enc.cipherText);
    advance(60_000);
    assert.deepEqual(await keys.decapsulate((await keys.find('alice', key.id))!, enc.cipherText), enc.sharedSecret);
    assert.deepEqual([counts.kemPrepared, counts.disposed], [2, 1]);
  });

  test('at most maxEntries keys are kept: the least recently used is disposed', async () => {
    const { keys, counts } = service({ ttlSeconds: 60, maxEntries: 2 });
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await keys.createKemKey('alice', 'ML-KEM-512'));
    for (const key of made) await keys.decapsulate((await keys.find('alice', key.id))!, (await real.kem.encapsulate(key.algorithm, key.publicKey)).cipherText);
    assert.deepEqual([counts.kemPrepared, counts.disposed], [3, 1]);
    keys.forgetSecretKeys();
    assert.equal(counts.disposed, 3);
  });

  test('with ttlSeconds 0 nothing is kept: every call prepares and disposes its own key', async () => {
    const { keys, counts } = service({ ttlSeconds: 0, maxEntries: 10 });
    const key = await keys.createKemKey('alice', 'ML-KEM-768');
    const enc = await real.kem.encapsulate(key.algorithm, key.publicKey);
    for (let i = 0; i < 2; i++) assert.deepEqual(await keys.decapsulate((await keys.find('alice', key.id))!, enc.cipherText), enc.sharedSecret);
    assert.deepEqual([counts.kemPrepared, counts.disposed], [2, 2]);
  });

  test('signing reuses the prepared signing key too, and its signatures verify', async () => {
    const { keys, counts } = service({ ttlSeconds: 60, maxEntries: 10 });
    const message = new TextEncoder().encode('hello');
    const first = await keys.sign(await keys.defaultSigningKey('alice'), message);
    const second = await keys.sign(await keys.defaultSigningKey('alice'), message);
    assert.equal(counts.dsaPrepared, 1);
    for (const { signature, key } of [first, second]) assert.equal(await real.dsa.verify(key.algorithm, key.publicKey, message, signature), true);
  });

  test("cache entries are per tenant: another tenant's key is never served from it", async () => {
    const { keys } = service({ ttlSeconds: 60, maxEntries: 10 });
    const alice = await keys.sign(await keys.defaultSigningKey('alice'), new Uint8Array(1));
    const bob = await keys.sign(await keys.defaultSigningKey('bob'), new Uint8Array(1));
    assert.notDeepEqual(alice.key.publicKey, bob.key.publicKey);
    assert.equal(await real.dsa.verify(bob.key.algorithm, bob.key.publicKey, new Uint8Array(1), bob.signature), true);
    assert.equal(await real.dsa.verify(alice.key.algorithm, alice.key.publicKey, new Uint8Array(1), bob.signature), false);
  });
});

describe('the CryptoJob a caller gives reaches every backend call', () => {
  test('decapsulate, sign and verify run its beforeStart (once per crypto step) and fail with its error before any crypto', async () => {
    const { keys } = service({ ttlSeconds: 60, maxEntries: 10 });
    const kem = await keys.createKemKey('alice', 'ML-KEM-768');
    const stored = (await keys.find('alice', kem.id))!;
    const enc = await real.kem.encapsulate('ML-KEM-768', kem.publicKey);
    let checks = 0;
    const passing = { tenant: 'alice', beforeStart: async () => void checks++ };
    assert.deepEqual(await keys.decapsulate(stored, enc.cipherText, passing), enc.sharedSecret);
    assert.equal(checks, 2, 'noble: preparing the key, then decapsulating');
    const gone = new Error('key deleted meanwhile');
    const failing = { tenant: 'alice', beforeStart: () => Promise.reject(gone) };
    await assert.rejects(keys.decapsulate(stored, enc.cipherText, failing), (err) => err === gone);
    const signer = await keys.defaultSigningKey('alice');
    await assert.rejects(keys.sign(signer, new Uint8Array(1), undefined, failing), (err) => err === gone);
    await assert.rejects(keys.verify(signer, new Uint8Array(1), new Uint8Array(3309), undefined, undefined, failing), (err) => err === gone);
    await assert.rejects(keys.createDsaKey('alice', 'ML-DSA-44', undefined, { tenant: 'alice', signal: AbortSignal.abort() }), { name: 'AbortError' });
  });
});
