/**
 * Fair crypto scheduling with real crypto, on both backends (issue 15, item 1): one tenant's
 * SLH-DSA-SHAKE-128s signing fills the slow lane, and another tenant's ML-DSA-44 verifications
 * still run at once on the fast lane's own thread; within a lane, a tenant's cheap operations
 * start before another's long queue of costly ones; full queues and missed deadlines answer
 * CryptoBusyError at once; an aborted operation never runs; a failing beforeStart stops the
 * crypto; ML-KEM encapsulation and decapsulation (tens of microseconds native, 0.3-0.7 ms noble)
 * run inline, with the same checks. Before the lanes, every backend ran one FIFO queue: the
 * fast operations waited behind the signatures (20 s and more, issue 15).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CryptoJob } from '../../src/crypto/backend.ts';
import { CryptoBusyError } from '../../src/crypto/errors.ts';
import { createCryptoBackend, nativeUnavailableReason } from '../../src/crypto/select.ts';
import { hex } from '../helpers/vectors.ts';
import { SLH_DSA_KEYGEN_VECTORS } from './slh-dsa-vectors.ts';

const SLOW = 'SLH-DSA-SHAKE-128s';
const slowKey = SLH_DSA_KEYGEN_VECTORS.find((v) => v.parameterSet === SLOW)!;
const message = new TextEncoder().encode('fair share');

/** The value below which 99% of the samples fall. */
const p99 = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.ceil(samples.length * 0.99) - 1]!;

for (const name of ['noble', 'native'] as const) {
  const skip = name === 'native' ? nativeUnavailableReason() : undefined;
  const options = { skip: skip ? `native backend not available here: ${skip}` : false };

  describe(`${name}: lanes and fairness with real crypto`, options, () => {
    test(`another tenant's ML-DSA-44 verifications keep p99 well under 100 ms while ${SLOW} signing saturates the slow lane`, async (t) => {
      const backend = createCryptoBackend(name, { threads: 1, slowThreads: 1, queueTimeoutMs: 600_000, tenantQueueCost: Infinity });
      const signing: Promise<unknown>[] = [];
      try {
        // Fast-lane work that waits for a slot (ML-KEM would run inline: costs.ts runsInline).
        const dsaPair = await backend.dsa.keygen('ML-DSA-44');
        const signature = await backend.dsa.sign(await backend.dsa.prepareSecretKey('ML-DSA-44', dsaPair.seed), message);
        const slhKey = await backend.dsa.prepareSecretKey(SLOW, hex(slowKey.sk));
        // Both lanes' threads started and warm (a verification is slow-lane work, and quick).
        await backend.dsa.verify(SLOW, hex(slowKey.pk), message, new Uint8Array(7856));
        const tenantB: CryptoJob = { tenant: 'B' };
        const verifications = async () => {
          const latencies: number[] = [];
          for (let i = 0; i < 100; i++) {
            const t0 = performance.now();
            assert.equal(await backend.dsa.verify('ML-DSA-44', dsaPair.publicKey, message, signature, undefined, tenantB), true);
            latencies.push(performance.now() - t0);
          }
          return latencies;
        };
        // The same on an idle slow lane: what this machine's load alone does to them.
        const idle = await verifications();

        let firstStarts!: () => void;
        const firstStarted = new Promise<void>((resolve) => (firstStarts = resolve));
        const tenantA: CryptoJob = { tenant: 'A', beforeStart: async () => firstStarts() };
        // noble signs SHAKE-128s in 10 s and more, native in well under a second: enough queued to outlast the measurement.
        for (let i = 0; i < (name === 'noble' ? 2 : 20); i++) signing.push(backend.dsa.sign(slhKey, message, {}, tenantA).catch(() => undefined));
        await firstStarted;

        const latencies = await verifications();
        const slow = backend.scheduler.snapshot().slow;
        assert.ok(slow.running === 1 && slow.queued > 0, `the slow lane stayed saturated through the measurement (${JSON.stringify(slow)})`);
        const describe = (l: number[]) => `p50 ${[...l].sort((x, y) => x - y)[50]!.toFixed(2)} ms, p99 ${p99(l).toFixed(2)} ms, max ${Math.max(...l).toFixed(2)} ms`;
        t.diagnostic(`ML-DSA-44 verification, slow lane idle: ${describe(idle)}; saturated: ${describe(latencies)}`);
        // Under 100 ms; on a machine whose own load already pushes the idle p99 up, within 3x of it.
        // Waiting behind one signature would take seconds (noble) or hundreds of ms (native).
        const median = [...latencies].sort((x, y) => x - y)[50]!;
        assert.ok(median < 50, `median ${median.toFixed(1)} ms: behind the signatures, not beside them`);
        const bound = Math.max(100, 3 * p99(idle));
        assert.ok(p99(latencies) < bound, `p99 ${p99(latencies).toFixed(1)} ms, bound ${bound.toFixed(0)} ms (max ${Math.max(...latencies).toFixed(1)} ms)`);
      } finally {
        await backend.close(); // refuses the queued signatures and stops the one running
        await Promise.all(signing);
      }
    });

    test("within a lane, tenant B's cheap operations start before tenant A's 100 queued costly ones", async () => {
      const backend = createCryptoBackend(name, { threads: 1, slowThreads: 1, queueTimeoutMs: 600_000, tenantQueueCost: Infinity });
      try {
        const dsaPair = await backend.dsa.keygen('ML-DSA-87');
        const dsaKey = await backend.dsa.prepareSecretKey('ML-DSA-87', dsaPair.seed);
        const cheapPair = await backend.dsa.keygen('ML-DSA-44');
        const cheapSignature = await backend.dsa.sign(await backend.dsa.prepareSecretKey('ML-DSA-44', cheapPair.seed), message);
        const started: string[] = [];
        const job = (tenant: string, what: string): CryptoJob => ({ tenant, beforeStart: async () => void started.push(what) });
        const a = Array.from({ length: 100 }, (_, i) => backend.dsa.sign(dsaKey, message, {}, job('A', `A${i}`)));
        const signed = Promise.allSettled(a);
        const b = Array.from({ length: 5 }, (_, i) => backend.dsa.verify('ML-DSA-44', cheapPair.publicKey, message, cheapSignature, undefined, job('B', `B${i}`)));
        await Promise.all(b);
        const lastB = started.indexOf('B4');
        assert.ok(lastB >= 0 && lastB <= 6, `B's five started among the first seven (FIFO would start them 101st to 105th): ${started.slice(0, 10).join(' ')}`);
        const last = (await signed)[99]!;
        assert.ok(last.status === 'fulfilled' && (await backend.dsa.verify('ML-DSA-87', dsaPair.publicKey, message, last.value)));
      } finally {
        await backend.close();
      }
    });

    test(`a full tenant queue and a missed start deadline are CryptoBusyError at once; other tenants are not refused`, async () => {
      const backend = createCryptoBackend(name, { threads: 1, slowThreads: 1, queueTimeoutMs: 300, tenantQueueCost: 10 });
      const pending: Promise<unknown>[] = [];
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      try {
        const slhKey = await backend.dsa.prepareSecretKey(SLOW, hex(slowKey.sk));
        let started = 0;
        const tenantA: CryptoJob = { tenant: 'A', beforeStart: async () => void started++ };
        // The first holds the slow lane's one slot until the end (beforeStart runs with the slot held).
        pending.push(backend.dsa.sign(slhKey, message, {}, { tenant: 'A', beforeStart: () => released }).catch(() => undefined));
        const queued = backend.dsa.sign(slhKey, message, {}, tenantA); // waits: A had nothing queued
        const t0 = performance.now();
        await assert.rejects(backend.dsa.sign(slhKey, message, {}, tenantA), (err: unknown) => err instanceof CryptoBusyError && err.reason === 'tenant-queue-full' && err.retryAfterSeconds >= 1);
        assert.ok(performance.now() - t0 < 100, 'refused at once');
        // B is not refused for A's queue; it waits its turn like anyone, and misses the deadline too.
        const b = backend.dsa.sign(slhKey, message, {}, { tenant: 'B' });
        const [queuedFor, bFor] = await Promise.all([queued, b].map((p) => p.then(() => 'it ran', (err: unknown) => err)));
        assert.ok(queuedFor instanceof CryptoBusyError && queuedFor.reason === 'queue-timeout' && queuedFor.lane === 'slow', String(queuedFor));
        assert.ok(bFor instanceof CryptoBusyError && bFor.reason === 'queue-timeout', String(bFor));
        assert.equal(started, 0, 'none of the refused signatures ever started');
      } finally {
        release();
        await backend.close();
        await Promise.all(pending);
      }
    });

    test('an operation whose signal fires while it waits never runs; a failing beforeStart fails it before the crypto', async () => {
      const backend = createCryptoBackend(name, { threads: 1, slowThreads: 1, queueTimeoutMs: 600_000 });
      try {
        const dsaPair = await backend.dsa.keygen('ML-DSA-87');
        const dsaKey = await backend.dsa.prepareSecretKey('ML-DSA-87', dsaPair.seed);
        const signature = await backend.dsa.sign(dsaKey, message);
        // ML-DSA-87 verification waits in the fast lane on both backends (ML-KEM runs inline: below).
        const ahead = Array.from({ length: 20 }, () => backend.dsa.sign(dsaKey, message, {}, { tenant: 'A' }));
        const controller = new AbortController();
        let checked = false;
        const dropped = backend.dsa.verify('ML-DSA-87', dsaPair.publicKey, message, signature, undefined, { tenant: 'B', signal: controller.signal, beforeStart: async () => void (checked = true) });
        controller.abort(new Error('the client went away'));
        await assert.rejects(dropped, /the client went away/);
        const gone = new Error('key deleted while queued');
        await assert.rejects(backend.dsa.verify('ML-DSA-87', dsaPair.publicKey, message, signature, undefined, { tenant: 'C', beforeStart: () => Promise.reject(gone) }), (err) => err === gone);
        await Promise.all(ahead);
        assert.equal(checked, false, 'the aborted verification never reached the front');
        assert.equal(backend.scheduler.snapshot().fast.running, 0);
      } finally {
        await backend.close();
      }
    });

    test("ML-KEM-768 encapsulation and decapsulation run inline (costs.ts runsInline): they are done while the fast lane is full, and keep the job's checks", async () => {
      const backend = createCryptoBackend(name, { threads: 1, slowThreads: 1, queueTimeoutMs: 600_000 });
      let ahead: Promise<unknown>[] = [];
      try {
        const dsaPair = await backend.dsa.keygen('ML-DSA-87');
        const dsaKey = await backend.dsa.prepareSecretKey('ML-DSA-87', dsaPair.seed);
        const kemPair = await backend.kem.keygen('ML-KEM-768');
        const kemKey = await backend.kem.prepareSecretKey('ML-KEM-768', kemPair.seed);
        let signed = 0;
        ahead = Array.from({ length: 20 }, () => backend.dsa.sign(dsaKey, message, {}, { tenant: 'A' }).then(() => signed++));
        const { cipherText, sharedSecret } = await backend.kem.encapsulate('ML-KEM-768', kemPair.publicKey, { tenant: 'B' });
        assert.deepEqual(await backend.kem.decapsulate(kemKey, cipherText, { tenant: 'B' }), sharedSecret);
        // Queued, they would wait for a turn of the one fast slot, after at least A's first signature.
        assert.equal(signed, 0, `done before any of A's signatures (${signed} of 20 done)`);
        // Inline or queued, the job's checks run first: a refused job never reaches the crypto.
        const gone = new Error('key deleted');
        await assert.rejects(backend.kem.decapsulate(kemKey, cipherText, { tenant: 'C', beforeStart: () => Promise.reject(gone) }), (err) => err === gone);
        const controller = new AbortController();
        controller.abort(new Error('the client went away'));
        await assert.rejects(backend.kem.encapsulate('ML-KEM-768', kemPair.publicKey, { tenant: 'C', signal: controller.signal }), /the client went away/);
      } finally {
        await Promise.allSettled(ahead);
        await backend.close();
      }
    });
  });
}
