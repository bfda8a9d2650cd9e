/** CRYPTO_BACKEND: what each choice selects, and a clear refusal where `native` cannot be had. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createCryptoBackend, CryptoBackendUnavailableError, describeCryptoBackend, nativeUnavailableReason } from '../../src/crypto/select.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { DSA_ALGORITHMS, KEM_ALGORITHMS } from '../../src/crypto/algorithms.ts';
import { kemKeygen } from '../../src/crypto/kem.ts';

const NATIVE = nativeUnavailableReason() === undefined;
const env = (extra: Record<string, string>) => ({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...extra });

describe('CRYPTO_BACKEND', () => {
  test('defaults to auto', () => {
    assert.equal(loadConfig(env({})).cryptoBackend, 'auto');
  });

  test('an unknown value is a ConfigError naming the variable', () => {
    assert.throws(() => loadConfig(env({ CRYPTO_BACKEND: 'openssl' })), (err: unknown) => err instanceof ConfigError && /^CRYPTO_BACKEND/.test(err.message));
  });

  test('noble uses noble for every family, AES included', async () => {
    const backend = createCryptoBackend('noble');
    assert.deepEqual(backend.info, { backend: 'noble', requested: 'noble', ml_kem: 'noble', x_wing: 'noble', ml_dsa: 'noble', slh_dsa: 'noble', aes_gcm: 'noble' });
    await backend.close();
  });

  test(`auto takes native AES everywhere, native ML-KEM / ML-DSA / SLH-DSA where the runtime has them (here: ${NATIVE ? 'yes' : 'no'}), and noble X-Wing always`, async () => {
    const backend = createCryptoBackend('auto');
    const pq = NATIVE ? 'native' : 'noble';
    // X-Wing (noble everywhere: node:crypto has none) does not make an otherwise native backend "mixed".
    assert.deepEqual(backend.info, { backend: NATIVE ? 'native' : 'mixed', requested: 'auto', ml_kem: pq, x_wing: 'noble', ml_dsa: pq, slh_dsa: pq, aes_gcm: 'native' });
    for (const alg of KEM_ALGORITHMS) assert.equal(backend.kem.implementationFor(alg), alg === 'X-Wing' ? 'noble' : pq, alg);
    for (const alg of DSA_ALGORITHMS) assert.equal(backend.dsa.implementationFor(alg), pq, alg);
    await backend.close();
  });

  if (NATIVE) {
    test('native is accepted on this runtime and uses node:crypto throughout', async () => {
      assert.equal(loadConfig(env({ CRYPTO_BACKEND: 'native' })).cryptoBackend, 'native');
      const backend = createCryptoBackend('native');
      assert.equal(backend.info.backend, 'native');
      await backend.close();
    });
  } else {
    test('native on a runtime without native ML-KEM / ML-DSA / SLH-DSA is a ConfigError naming CRYPTO_BACKEND and the runtime', () => {
      assert.throws(
        () => loadConfig(env({ CRYPTO_BACKEND: 'native' })),
        (err: unknown) => err instanceof ConfigError && /^CRYPTO_BACKEND=native: .*Node v\d+.*Node >= 24\.7/.test(err.message),
      );
      assert.throws(() => createCryptoBackend('native'), CryptoBackendUnavailableError);
    });
  }

  test('after close() the noble worker pool refuses work with a clear error instead of restarting', async () => {
    const backend = createCryptoBackend('noble');
    const pair = await backend.kem.keygen('ML-KEM-512');
    await backend.close();
    await backend.close(); // idempotent
    await assert.rejects(backend.kem.encapsulate('ML-KEM-512', pair.publicKey), (err: Error) => /closed/.test(`${err.message} ${String(err.cause)}`));
    // X-Wing goes to a worker (ML-KEM runs inline: costs.ts runsInline); neither restarts anything.
    await assert.rejects(backend.kem.encapsulate('X-Wing', kemKeygen('X-Wing').publicKey), (err: Error) => /closed/.test(`${err.message} ${String(err.cause)}`));
  });
});

test('the banner line names the choice and, per family, the implementation', async () => {
  const backend = createCryptoBackend('noble');
  assert.equal(
    describeCryptoBackend(backend.info),
    'Crypto: CRYPTO_BACKEND=noble: noble (@noble/*, worker threads for the post-quantum families) for ML-KEM, X-Wing, ML-DSA, SLH-DSA, AES-256-GCM',
  );
  const auto = createCryptoBackend('auto');
  const line = describeCryptoBackend(auto.info);
  if (NATIVE) assert.match(line, /^Crypto: CRYPTO_BACKEND=auto: native \(node:crypto, OpenSSL [\d.]+\) for ML-KEM, ML-DSA, SLH-DSA, AES-256-GCM; noble \(.*\) for X-Wing$/);
  else assert.match(line, /^Crypto: CRYPTO_BACKEND=auto: noble \(.*\) for ML-KEM, X-Wing, ML-DSA, SLH-DSA; native \(node:crypto, OpenSSL [\d.]+\) for AES-256-GCM$/);
  await Promise.all([backend.close(), auto.close()]);
});

test('CRYPTO_THREADS is optional (cores - 1 by default) and must be a whole number from 1 to 64', () => {
  assert.equal(loadConfig(env({})).cryptoThreads, undefined);
  assert.equal(loadConfig(env({ CRYPTO_THREADS: '3' })).cryptoThreads, 3);
  for (const bad of ['0', '65', '1.5', 'many']) {
    assert.throws(() => loadConfig(env({ CRYPTO_THREADS: bad })), (err: unknown) => err instanceof ConfigError && /^CRYPTO_THREADS/.test(err.message), bad);
  }
});

test('CRYPTO_SLOW_THREADS, CRYPTO_TENANT_QUEUE_COST, CRYPTO_QUEUE_TIMEOUT_MS and UV_THREADPOOL_SIZE: defaults and bounds', () => {
  const defaults = loadConfig(env({}));
  assert.deepEqual(
    [defaults.cryptoSlowThreads, defaults.cryptoTenantQueueCost, defaults.cryptoQueueTimeoutMs, defaults.libuvThreads],
    [undefined, 10_000, 5_000, undefined],
  );
  const set = loadConfig(env({ CRYPTO_SLOW_THREADS: '2', CRYPTO_TENANT_QUEUE_COST: '500', CRYPTO_QUEUE_TIMEOUT_MS: '250', UV_THREADPOOL_SIZE: '8' }));
  assert.deepEqual([set.cryptoSlowThreads, set.cryptoTenantQueueCost, set.cryptoQueueTimeoutMs, set.libuvThreads], [2, 500, 250, 8]);
  for (const [key, bad] of [['CRYPTO_SLOW_THREADS', '0'], ['CRYPTO_TENANT_QUEUE_COST', '0'], ['CRYPTO_QUEUE_TIMEOUT_MS', '0'], ['CRYPTO_QUEUE_TIMEOUT_MS', '600001'], ['UV_THREADPOOL_SIZE', 'x']] as const) {
    assert.throws(() => loadConfig(env({ [key]: bad })), (err: unknown) => err instanceof ConfigError && err.message.startsWith(key), `${key}=${bad}`);
  }
});
