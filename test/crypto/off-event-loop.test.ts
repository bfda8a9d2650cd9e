/**
 * Crypto off the event loop (issue 7, item 3): with either backend, the expensive operations run
 * on other threads (noble: the worker pool; native: the libuv pool), so a timer set right after a
 * burst of signing calls fires while most of the signatures are still being made. Were signing
 * inline, every signature would be done before the timer could run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCryptoBackend, nativeUnavailableReason } from '../../src/crypto/select.ts';


// What these tests watch is the event loop, not the queue: on a loaded machine a burst may wait
// longer than the product's CRYPTO_QUEUE_TIMEOUT_MS default (5 s) to start, which is not a failure here.
const QUEUE_TIMEOUT_MS = 10 * 60_000;
for (const name of ['noble', 'native'] as const) {
  const skip = name === 'native' ? nativeUnavailableReason() : undefined;
  test(`${name}: a timer runs while a burst of ML-DSA-87 signatures is still being made`, { skip: skip ? `native backend not available here: ${skip}` : false }, async () => {
    const backend = createCryptoBackend(name, { queueTimeoutMs: QUEUE_TIMEOUT_MS });
    try {
      const pair = await backend.dsa.keygen('ML-DSA-87');
      const key = await backend.dsa.prepareSecretKey('ML-DSA-87', pair.seed);
      const message = new Uint8Array(256 * 1024).fill(7); // hashing it makes each signature take a while
      await backend.dsa.sign(key, message); // workers started and warm
      const calls = 32;
      let done = 0;
      const signing = Array.from({ length: calls }, () => backend.dsa.sign(key, message).then((s) => (done++, s)));
      const seenByTimer = await new Promise<number>((resolve) => setTimeout(() => resolve(done), 0));
      const signatures = await Promise.all(signing);
      assert.ok(seenByTimer < calls, `the timer ran only after all ${calls} signatures were made`);
      assert.equal(await backend.dsa.verify('ML-DSA-87', pair.publicKey, message, signatures[0]!), true);
    } finally {
      await backend.close();
    }
  });
}

for (const name of ['noble', 'native'] as const) {
  const skip = name === 'native' ? nativeUnavailableReason() : undefined;
  const options = { skip: skip ? `native backend not available here: ${skip}` : false };

  test(`${name}: a timer runs while a burst of SLH-DSA-SHA2-128f signatures is still being made`, options, async () => {
    const backend = createCryptoBackend(name, { queueTimeoutMs: QUEUE_TIMEOUT_MS });
    try {
      const pair = await backend.dsa.keygen('SLH-DSA-SHA2-128f');
      const key = await backend.dsa.prepareSecretKey('SLH-DSA-SHA2-128f', pair.seed);
      const message = new Uint8Array(64).fill(7);
      await backend.dsa.sign(key, message); // workers started and warm
      const calls = name === 'noble' ? 6 : 16; // noble: about 0.1 s each
      let done = 0;
      const signing = Array.from({ length: calls }, () => backend.dsa.sign(key, message).then((s) => (done++, s)));
      const seenByTimer = await new Promise<number>((resolve) => setTimeout(() => resolve(done), 0));
      const signatures = await Promise.all(signing);
      assert.ok(seenByTimer < calls, `the timer ran only after all ${calls} signatures were made`);
      assert.equal(await backend.dsa.verify('SLH-DSA-SHA2-128f', pair.publicKey, message, signatures[0]!), true);
    } finally {
      await backend.close();
    }
  });

  test(`${name}: X-Wing (noble on every backend) runs in the worker pool too: a timer runs while a burst of decapsulations is under way`, options, async () => {
    const backend = createCryptoBackend(name, { queueTimeoutMs: QUEUE_TIMEOUT_MS });
    try {
      const pair = await backend.kem.keygen('X-Wing');
      const key = await backend.kem.prepareSecretKey('X-Wing', pair.seed);
      const { cipherText, sharedSecret } = await backend.kem.encapsulate('X-Wing', pair.publicKey);
      const calls = 64; // about 4 ms each
      let done = 0;
      const decapsulating = Array.from({ length: calls }, () => backend.kem.decapsulate(key, cipherText).then((s) => (done++, s)));
      const seenByTimer = await new Promise<number>((resolve) => setTimeout(() => resolve(done), 0));
      const secrets = await Promise.all(decapsulating);
      assert.ok(seenByTimer < calls, `the timer ran only after all ${calls} decapsulations were made`);
      assert.deepEqual(secrets[calls - 1], sharedSecret);
    } finally {
      await backend.close();
    }
  });
}
