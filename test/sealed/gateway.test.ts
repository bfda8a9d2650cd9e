/**
 * The sealed-request gateway and client (src/sealed/gateway.ts): key derivation from MASTER_KEY
 * and OHTTP_KEY_ID (its HKDF input pinned against node:crypto's HKDF), the published
 * configurations, round trips on every configuration and AEAD with each HPKE implementation, and
 * every outer failure as the one SealedRequestError (fuzzed too).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hkdfSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import type { CryptoJob, KemBackend, PreparedKemKey } from '../../src/crypto/backend.ts';
import { CryptoBusyError } from '../../src/crypto/errors.ts';
import { createHpke, HpkeOpenError, hpkeSuite, type Hpke, type HpkePreparedKey } from '../../src/crypto/hpke.ts';
import { createCryptoBackend } from '../../src/crypto/select.ts';
import { encodeRequest } from '../../src/sealed/bhttp.ts';
import { chooseKeyConfig, deriveOhttpKeys, ohttpKeyIkm, openSealedRequest, SealedRequestError, sealRequest, sealResponse, type OhttpDecapsulate, type OhttpKeyPair, type OhttpKeys } from '../../src/sealed/gateway.ts';
import { decodeKeyConfigs, encapsulateRequest, requestInfo, type KeyConfig } from '../../src/sealed/ohttp.ts';

const MASTER_KEY = new Uint8Array(32).fill(0x42);
const utf8 = (s: string) => new TextEncoder().encode(s);
const REQUEST = {
  method: 'POST',
  scheme: 'https',
  authority: 'api.example',
  path: '/v1/kem/keypair',
  headers: [
    ['authorization', 'Bearer t0ken'],
    ['content-type', 'application/json'],
    ['date', 'Sun, 06 Dec 2026 06:00:00 GMT'],
  ] as [string, string][],
  content: utf8('{"algorithm":"X-Wing"}'),
  trailers: [],
};
const RESPONSE = { informational: [], status: 201, headers: [['content-type', 'application/json']] as [string, string][], content: utf8('{"key_id":"kem_1"}'), trailers: [] };

/** The gateway's KEM step on a real crypto backend (as service.ts runs it): each pair prepared once, then scheduled decapsulations. */
const backend = createCryptoBackend('auto', { threads: 1 });
after(() => backend.close());
function onBackend(kem: KemBackend, job?: CryptoJob): OhttpDecapsulate {
  const prepared = new Map<OhttpKeyPair, Promise<PreparedKemKey>>();
  return async (pair, enc) => {
    let key = prepared.get(pair);
    if (!key) prepared.set(pair, (key = kem.prepareSecretKey(pair.kem, pair.seed)));
    return kem.decapsulate(await key, enc, job);
  };
}
/** The KEM step on HPKE's own KEM with each key deserialized once (service.ts: X-Wing on Node 24). */
function preparedInHpke(hpke: Hpke): OhttpDecapsulate {
  const prepared = new Map<OhttpKeyPair, Promise<HpkePreparedKey>>();
  return async (pair, enc) => {
    let key = prepared.get(pair);
    if (!key) prepared.set(pair, (key = hpke.prepareRecipientKey(pair.kem, pair.seed)));
    return hpke.decapsulate(await key, enc);
  };
}
const STEPS = ['in hpke', 'on the crypto backend', 'prepared in hpke'] as const;
const stepsOf = (hpke: Hpke): Record<(typeof STEPS)[number], OhttpDecapsulate | undefined> => ({ 'in hpke': undefined, 'on the crypto backend': onBackend(backend.kem), 'prepared in hpke': preparedInHpke(hpke) });

for (const [label, hpke] of [['noble', createHpke('noble')], ['auto', createHpke('auto')]] as const) {
  describe(`OHTTP keys (${label})`, () => {
    test('are derived with HKDF-SHA256(MASTER_KEY, info "pq-crypto-api/v1/ohttp-key/<id>/<kem>") then DeriveKeyPair', async () => {
      const keys = await deriveOhttpKeys(hpke, MASTER_KEY, 1);
      const expectedIkm = new Uint8Array(hkdfSync('sha256', MASTER_KEY, new Uint8Array(0), 'pq-crypto-api/v1/ohttp-key/1/X-Wing', 32));
      assert.deepEqual(ohttpKeyIkm(MASTER_KEY, 1, 'X-Wing'), expectedIkm);
      assert.deepEqual(ohttpKeyIkm(MASTER_KEY, 1, 'ML-KEM-768'), new Uint8Array(hkdfSync('sha256', MASTER_KEY, new Uint8Array(0), 'pq-crypto-api/v1/ohttp-key/1/ML-KEM-768', 64)));
      assert.deepEqual((await hpke.deriveKeyPair('X-Wing', expectedIkm)).publicKey, keys.configs[0]!.publicKey);
      // The seeds are keys the service's own key generation reproduces.
      assert.deepEqual(ml_kem768_x25519.keygen(keys.pairs[0]!.seed).publicKey, keys.pairs[0]!.config.publicKey);
      assert.deepEqual(ml_kem768.keygen(keys.pairs[1]!.seed).publicKey, keys.pairs[1]!.config.publicKey);
    });

    test('publish X-Wing then ML-KEM-768, each with HKDF-SHA256 + AES-256-GCM, then + ChaCha20-Poly1305, under one key id', async () => {
      const keys = await deriveOhttpKeys(hpke, MASTER_KEY, 7);
      const configs = decodeKeyConfigs(keys.encoded);
      assert.deepEqual(configs, keys.configs);
      assert.deepEqual(
        configs.map((c) => [c.keyId, c.kemId, c.publicKey.length, c.algorithms]),
        [
          [7, 0x647a, 1216, [{ kdfId: 1, aeadId: 2 }, { kdfId: 1, aeadId: 3 }]],
          [7, 0x0041, 1184, [{ kdfId: 1, aeadId: 2 }, { kdfId: 1, aeadId: 3 }]],
        ],
      );
    });

    test('are the same for the same MASTER_KEY and id (every instance), and unrelated otherwise', async () => {
      const a = await deriveOhttpKeys(hpke, MASTER_KEY, 1);
      assert.deepEqual((await deriveOhttpKeys(hpke, MASTER_KEY, 1)).encoded, a.encoded);
      const otherId = await deriveOhttpKeys(hpke, MASTER_KEY, 2);
      const otherMaster = await deriveOhttpKeys(hpke, new Uint8Array(32).fill(0x43), 1);
      for (const other of [otherId, otherMaster]) for (const i of [0, 1]) assert.notDeepEqual(other.configs[i]!.publicKey, a.configs[i]!.publicKey);
      await assert.rejects(deriveOhttpKeys(hpke, MASTER_KEY, 256), RangeError);
      await assert.rejects(deriveOhttpKeys(hpke, MASTER_KEY.subarray(1), 1), RangeError);
    });
  });

  const steps = stepsOf(hpke);
  for (const step of STEPS) {
    describe(`sealed requests (${label}, KEM step ${step})`, () => {
      const open = (k: OhttpKeys, body: Uint8Array) => openSealedRequest(hpke, k, body, { decapsulate: steps[step] });
      let keys: OhttpKeys;
      const keysOnce = async () => (keys ??= await deriveOhttpKeys(hpke, MASTER_KEY, 1));

      for (const kem of ['X-Wing', 'ML-KEM-768'] as const) {
        for (const aead of ['AES-256-GCM', 'ChaCha20-Poly1305'] as const) {
          test(`${kem} / ${aead}: the gateway opens the client's request, and the client opens the gateway's response`, async () => {
            const k = await keysOnce();
            const config = chooseKeyConfig(k.configs, kem)!;
            const sealed = await sealRequest(hpke, config, REQUEST, { aead });
            assert.deepEqual(sealed.suite, hpkeSuite(kem, { aead }));
            const opened = await open(k, sealed.message);
            assert.deepEqual(opened.request, REQUEST);
            assert.deepEqual(opened.suite, sealed.suite);
            assert.equal(opened.keyId, 1);
            assert.deepEqual(opened.enc, sealed.message.subarray(7, 7 + opened.enc.length));
            // Plain data: what a worker could hand back (structuredClone would throw on a function or a key object).
            const response = sealResponse(structuredClone(opened), RESPONSE);
            assert.deepEqual(sealed.openResponse(response), RESPONSE);
            // A response for another request does not open.
            const other = await sealRequest(hpke, config, REQUEST, { aead });
            assert.throws(() => other.openResponse(response), HpkeOpenError);
          });
        }
      }

      test('the client picks the first configuration and pair it can use: X-Wing, AES-256-GCM', async () => {
        const k = await keysOnce();
        const config = chooseKeyConfig(decodeKeyConfigs(k.encoded))!;
        assert.equal(config.kemId, 0x647a);
        assert.deepEqual((await sealRequest(hpke, config, REQUEST)).suite, hpkeSuite('X-Wing'));
        const onlyOther: KeyConfig = { ...config, algorithms: [{ kdfId: 2, aeadId: 2 }] };
        await assert.rejects(sealRequest(hpke, onlyOther, REQUEST), RangeError);
        assert.equal(chooseKeyConfig([onlyOther]), undefined);
      });

      describe('every outer failure is the one SealedRequestError', () => {
        const refused = (reason: string) => (e: unknown) => e instanceof SealedRequestError && e.reason === reason && e.message === 'sealed request refused';

        test('malformed: shorter than a header, enc and a tag; unknown KEM or AEAD id', async () => {
          const k = await keysOnce();
          const { message } = await sealRequest(hpke, k.configs[0]!, REQUEST);
          for (const bad of [new Uint8Array(0), message.subarray(0, 7), message.subarray(0, 7 + 1120 + 15)]) await assert.rejects(open(k, bad), refused('malformed'));
          const unknownAead = Uint8Array.from(message);
          unknownAead[6] = 0x07;
          await assert.rejects(open(k, unknownAead), refused('malformed'));
        });

        test('unknown-key: another key id, or a KEM the key id has no configuration for', async () => {
          const k = await keysOnce();
          const { message } = await sealRequest(hpke, { ...k.configs[0]!, keyId: 2 }, REQUEST);
          await assert.rejects(open(k, message), refused('unknown-key'));
          const rotated = await deriveOhttpKeys(hpke, MASTER_KEY, 2);
          const old = await sealRequest(hpke, k.configs[1]!, REQUEST);
          await assert.rejects(open(rotated, old.message), refused('unknown-key'), 'after OHTTP_KEY_ID changes');
          const mlkem1024 = await hpke.deriveKeyPair('ML-KEM-1024', new Uint8Array(64));
          const { message: m1024 } = await sealRequest(hpke, { keyId: 1, kemId: 0x0042, publicKey: mlkem1024.publicKey, algorithms: [{ kdfId: 1, aeadId: 2 }] }, REQUEST);
          await assert.rejects(open(k, m1024), refused('unknown-key'));
        });

        test('unsupported-suite: a KDF or AEAD the configuration does not list (AES-128-GCM, HKDF-SHA384)', async () => {
          const k = await keysOnce();
          const { message } = await sealRequest(hpke, k.configs[0]!, REQUEST);
          for (const [i, v] of [
            [6, 0x01],
            [4, 0x02],
          ] as const) {
            const bad = Uint8Array.from(message);
            bad[i] = v;
            await assert.rejects(open(k, bad), refused('unsupported-suite'));
          }
        });

        test('does-not-open: modified enc, ciphertext or header; keys of another MASTER_KEY', async () => {
          const k = await keysOnce();
          const { message } = await sealRequest(hpke, k.configs[0]!, REQUEST);
          for (const i of [7 + 3, 7 + 1119, message.length - 1, 7 + 1120 + 2]) {
            const bad = Uint8Array.from(message);
            bad[i]! ^= 1;
            await assert.rejects(open(k, bad), refused('does-not-open'), `byte ${i}`);
          }
          // The header is in the HPKE info: switching AES-256-GCM for ChaCha20-Poly1305 (both listed) does not open.
          const switched = Uint8Array.from(message);
          switched[6] = 0x03;
          await assert.rejects(open(k, switched), refused('does-not-open'));
          const foreign = await deriveOhttpKeys(hpke, new Uint8Array(32).fill(1), 1);
          await assert.rejects(open(foreign, message), refused('does-not-open'));
        });

        test('does-not-open: an X-Wing enc whose X25519 part is a low-order point (refused by the KEM)', async () => {
          const k = await keysOnce();
          const { message } = await sealRequest(hpke, k.configs[0]!, REQUEST);
          for (const u of [0, 1]) {
            const bad = Uint8Array.from(message);
            bad.fill(0, 7 + 1088, 7 + 1120);
            bad[7 + 1088] = u;
            await assert.rejects(open(k, bad), refused('does-not-open'), `u = ${u}`);
          }
        });

        test('not-binary-http: a well-sealed body that is not a Binary HTTP request (or is a response)', async () => {
          const k = await keysOnce();
          const config = k.configs[1]!;
          const header = { keyId: config.keyId, kemId: config.kemId, kdfId: 1, aeadId: 2 };
          for (const body of [utf8('GET / HTTP/1.1\r\n\r\n'), new Uint8Array(0), Uint8Array.of(1, 0x40, 0xc8)]) {
            const sender = await hpke.setupSender(hpkeSuite('ML-KEM-768'), config.publicKey, { info: requestInfo(header) });
            const message = await encapsulateRequest(header, sender, body);
            await assert.rejects(open(k, message), refused('not-binary-http'));
          }
          // And a valid Binary HTTP request sealed the same way opens: the failures above are the body's.
          const sender = await hpke.setupSender(hpkeSuite('ML-KEM-768'), config.publicKey, { info: requestInfo(header) });
          assert.equal((await open(k, await encapsulateRequest(header, sender, encodeRequest(REQUEST)))).request.path, '/v1/kem/keypair');
        });

        test('fuzzed bodies, random or a real request with random damage, give SealedRequestError and nothing else', async () => {
          const k = await keysOnce();
          const { message } = await sealRequest(hpke, k.configs[0]!, REQUEST);
          await fc.assert(
            fc.asyncProperty(
              fc.oneof(
                fc.uint8Array({ maxLength: 1300 }),
                fc.tuple(fc.nat(message.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => Uint8Array.from(message, (b, j) => (j === i ? b ^ x : b))),
                fc.nat(message.length - 1).map((n) => message.subarray(0, n)), // strictly shorter: the whole message opens
                fc.uint8Array({ minLength: 1200, maxLength: 1300 }).map((tail) => Uint8Array.from([...message.subarray(0, 7), ...tail])),
              ),
              async (body) => {
                await assert.rejects(open(k, body), SealedRequestError);
              },
            ),
            { numRuns: 150 },
          );
        });
      });
    });
  }
}

test('the seeds never appear in what is published', async () => {
  const keys = await deriveOhttpKeys(createHpke('noble'), new Uint8Array(randomBytes(32)), 3);
  const published = Buffer.from(keys.encoded).toString('hex');
  for (const p of keys.pairs) assert.ok(!published.includes(Buffer.from(p.seed).toString('hex')));
});

test('on a busy backend, the KEM step\'s CryptoBusyError passes through: it is not a refusal of the request', async () => {
  // One fast-lane slot and a queue bound of one unit: one decapsulation runs, one waits, the rest are refused at once.
  const busy = createCryptoBackend('auto', { threads: 1, tenantQueueCost: 1 });
  try {
    const hpke = createHpke('auto');
    const keys = await deriveOhttpKeys(hpke, MASTER_KEY, 1);
    const decapsulate = onBackend(busy.kem, { tenant: 'sealed' });
    await openSealedRequest(hpke, keys, (await sealRequest(hpke, keys.configs[0]!, REQUEST)).message, { decapsulate }); // prepares the key
    const messages = await Promise.all(Array.from({ length: 12 }, async () => (await sealRequest(hpke, keys.configs[0]!, REQUEST)).message));
    const results = await Promise.allSettled(messages.map((m) => openSealedRequest(hpke, keys, m, { decapsulate })));
    const opened = results.filter((r) => r.status === 'fulfilled');
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    assert.ok(opened.length >= 1, 'none opened');
    assert.ok(failed.length >= 1, 'none was refused');
    for (const e of failed) assert.ok(e instanceof CryptoBusyError, String(e));
    for (const r of opened) assert.deepEqual(r.value.request, REQUEST);
  } finally {
    await busy.close();
  }
});
