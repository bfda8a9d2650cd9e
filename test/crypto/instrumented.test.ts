/**
 * instrumentedCrypto (observability/metrics.ts): one wrapper around the crypto backend counts
 * every crypto operation in pqapi_crypto_operations_total, with the labels the route files
 * recorded by hand (algorithm, the implementation serving it, and the operation names
 * kem.keygen, kem.encapsulate, kem.decapsulate, dsa.keygen, dsa.sign, dsa.verify, aes.encrypt,
 * aes.decrypt). What never ran (refused input, a failed beforeStart) is not counted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CryptoInputError, DecryptionError } from '../../src/crypto/errors.ts';
import { createCryptoBackend } from '../../src/crypto/select.ts';
import { instrumentedCrypto, Metrics } from '../../src/observability/metrics.ts';

async function counts(metrics: Metrics): Promise<Map<string, number>> {
  const metric = metrics.registry.getSingleMetric('pqapi_crypto_operations_total')!;
  const { values } = await metric.get();
  return new Map(values.map((v) => [`${String(v.labels.algorithm)} ${String(v.labels.backend)} ${String(v.labels.operation)}`, v.value]));
}

for (const name of ['auto', 'noble'] as const) {
  test(`${name}: each crypto operation is counted once, with the labels the routes used; refusals are not counted`, async () => {
    const metrics = new Metrics();
    const raw = createCryptoBackend(name, { threads: 1 });
    const crypto = instrumentedCrypto(raw, metrics);
    try {
      assert.equal(crypto.info, raw.info);
      const kemImpl = raw.kem.implementationFor('ML-KEM-768');
      const dsaImpl = raw.dsa.implementationFor('ML-DSA-44');
      const aesImpl = raw.aead.implementation;

      const kemPair = await crypto.kem.keygen('ML-KEM-768');
      await crypto.kem.keygen('X-Wing');
      const enc = await crypto.kem.encapsulate('ML-KEM-768', kemPair.publicKey);
      const kemKey = await crypto.kem.prepareSecretKey('ML-KEM-768', kemPair.seed);
      assert.deepEqual(await crypto.kem.decapsulate(kemKey, enc.cipherText), enc.sharedSecret);
      await assert.rejects(crypto.kem.encapsulate('ML-KEM-768', new Uint8Array(800)), CryptoInputError);

      const dsaPair = await crypto.dsa.keygen('ML-DSA-44');
      const dsaKey = await crypto.dsa.prepareSecretKey('ML-DSA-44', dsaPair.seed);
      const message = new Uint8Array([1, 2, 3]);
      const signature = await crypto.dsa.sign(dsaKey, message);
      assert.equal(await crypto.dsa.verify('ML-DSA-44', dsaPair.publicKey, message, signature), true);
      assert.equal(await crypto.dsa.verify('ML-DSA-44', dsaPair.publicKey, new Uint8Array(1), signature), false);
      const gone = new Error('key deleted');
      await assert.rejects(crypto.dsa.sign(dsaKey, message, {}, { tenant: 't', beforeStart: () => Promise.reject(gone) }), (err) => err === gone);

      const aesKey = await crypto.aead.deriveAesKey(enc.sharedSecret);
      const blob = await crypto.aead.seal(aesKey, message);
      assert.deepEqual(await crypto.aead.open(aesKey, blob), message);
      blob[blob.length - 1]! ^= 1;
      await assert.rejects(crypto.aead.open(aesKey, blob), DecryptionError);
      await assert.rejects(crypto.aead.open(aesKey, new Uint8Array(3)), CryptoInputError);

      assert.deepEqual(
        Object.fromEntries(await counts(metrics)),
        {
          [`ML-KEM-768 ${kemImpl} kem.keygen`]: 1,
          'X-Wing noble kem.keygen': 1,
          [`ML-KEM-768 ${kemImpl} kem.encapsulate`]: 1,
          [`ML-KEM-768 ${kemImpl} kem.decapsulate`]: 1,
          [`ML-DSA-44 ${dsaImpl} dsa.keygen`]: 1,
          [`ML-DSA-44 ${dsaImpl} dsa.sign`]: 1,
          [`ML-DSA-44 ${dsaImpl} dsa.verify`]: 2,
          [`AES-256-GCM ${aesImpl} aes.encrypt`]: 1,
          [`AES-256-GCM ${aesImpl} aes.decrypt`]: 2,
        },
      );
    } finally {
      await crypto.close();
    }
  });
}
