/**
 * Every official vector in ../shared/vectors through BOTH crypto backends (crypto/backend.ts):
 * NIST ACVP ML-KEM / ML-DSA, Wycheproof ML-KEM / ML-DSA / AES-256-GCM, and C2SP CCTV ML-KEM. Each
 * backend must reproduce the expected bytes exactly, so the two are byte-identical wherever the
 * vectors fix the output (keys from seeds, ciphertexts, shared keys, deterministic signatures,
 * verification outcomes, refusals).
 *
 * What node:crypto cannot be given, and how the native runs make up for it:
 * - the encapsulation randomness m: native encapsulates to the vector's ek (accepted or refused as
 *   expected), and where the vector gives dk the noble decapsulation of native's ciphertext must
 *   yield native's shared key (and the other way round);
 * - the signing randomness (deterministic or given rnd): native verifies the vector's signature,
 *   and its own hedged signature with the same key, message and context verifies under noble.
 * Cases through FIPS 204's internal interface (external mu, Wycheproof flag `Internal`) have no
 * counterpart in either backend: each test counts them so none goes missing silently.
 *
 * The native runs skip, with the reason, on runtimes without native ML-KEM / ML-DSA (Node 20).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { createCryptoBackend, nativeUnavailableReason } from '../../src/crypto/select.ts';
import type { CryptoBackend } from '../../src/crypto/backend.ts';
import { CryptoInputError, DecryptionError } from '../../src/crypto/errors.ts';
import type { NobleKem } from '../../src/crypto/noble.ts';
import { ML_DSA_ALGORITHMS, ML_KEM_ALGORITHMS, KEM_SIZES, type KemAlgorithm, type MlDsaAlgorithm, type MlKemAlgorithm } from '../../src/crypto/algorithms.ts';
import {
  VECTORS_DIR,
  VECTORS_SKIP,
  concat,
  hex,
  loadVectors,
  type AcvpFile,
  type MlDsaKeygenCase,
  type MlDsaSigGenCase,
  type MlDsaSigVerCase,
  type MlKemEncapDecapCase,
  type MlKemKeygenCase,
  type WycheproofAeadFile,
} from '../helpers/vectors.ts';

/** Only to derive pk from an ACVP sigGen sk (the file has no pk) and as the independent verifier of native's hedged signatures. */
const NOBLE_DSA = Object.freeze({ 'ML-DSA-44': ml_dsa44, 'ML-DSA-65': ml_dsa65, 'ML-DSA-87': ml_dsa87 });
const KEM_BITS = Object.freeze({ 512: 'ML-KEM-512', 768: 'ML-KEM-768', 1024: 'ML-KEM-1024' } as const);
const DSA_BITS = Object.freeze({ 44: 'ML-DSA-44', 65: 'ML-DSA-65', 87: 'ML-DSA-87' } as const);

const NATIVE_SKIP = nativeUnavailableReason();

const eq = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

/** Runs `check` for every case, collects the failing ids, and fails once listing them all. */
async function everyCase<T>(cases: readonly T[], id: (t: T) => string, check: (t: T) => Promise<string | undefined>): Promise<void> {
  assert.ok(cases.length > 0, 'no cases: the vector file is empty or was misread');
  const failures: string[] = [];
  for (const t of cases) {
    try {
      const problem = await check(t);
      if (problem) failures.push(`${id(t)}: ${problem}`);
    } catch (err) {
      failures.push(`${id(t)}: threw ${(err as Error).message}`);
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases failed`);
}

/** undefined when `promise` rejects with a CryptoInputError (naming one of `fields`, when given); else what happened. */
async function refused(promise: Promise<unknown>, ...fields: string[]): Promise<string | undefined> {
  try {
    await promise;
    return 'accepted, expected a refusal';
  } catch (err) {
    if (!(err instanceof CryptoInputError)) return `refused with ${String(err)}, expected CryptoInputError`;
    if (fields.length > 0 && !fields.includes(err.field)) return `refused naming ${err.field}, expected ${fields.join(' or ')}`;
    return undefined;
  }
}

/** undefined when `promise` rejects at all (any error): for inputs the service never takes, such as malformed expanded keys. */
async function rejected(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return 'accepted, expected a rejection';
  } catch {
    return undefined;
  }
}

/** `name = hex` lines (CCTV text files); the first occurrence of a name wins. */
function keyValues(text: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const line of text.split('\n')) {
    const match = /^(\S+) = ([0-9a-fA-F]+)$/.exec(line.trim());
    if (match && !out.has(match[1]!)) out.set(match[1]!, hex(match[2]!));
  }
  return out;
}

interface WycheproofFile<G> {
  readonly testGroups: readonly G[];
}
type Group<T, Extra = object> = Extra & { readonly tests: readonly T[] };
interface WpCase {
  readonly tcId: number;
  readonly result: 'valid' | 'invalid' | 'acceptable';
  readonly flags: readonly string[];
  readonly comment?: string;
}
const wp = <G>(file: string) => loadVectors<WycheproofFile<G>>(`wycheproof/${file}`);
const cctv = (path: string) => readFileSync(join(VECTORS_DIR, 'cctv', path));

for (const name of ['noble', 'native'] as const) {
  const skip = VECTORS_SKIP || (name === 'native' && NATIVE_SKIP ? `native backend not available here: ${NATIVE_SKIP}` : false);
  // A skipped test, not a skipped suite, so the runner's "skipped" count shows it.
  if (skip) {
    test(`${name} backend: every official vector`, { skip }, () => {});
    continue;
  }
  describe(`${name} backend: every official vector`, () => {
    let backend: CryptoBackend;
    before(() => {
      backend = createCryptoBackend(name);
      assert.equal(backend.info.backend, name);
    });
    after(() => backend.close());

    const native = name === 'native';
    /** noble also encapsulates with given randomness m (known-answer tests only). */
    const encapsulateWith = (alg: KemAlgorithm, ek: Uint8Array, m: Uint8Array) => (backend.kem as NobleKem).encapsulateWithRandomness(alg, ek, m);

    // ---------------- ML-KEM ----------------

    test('ACVP ML-KEM keyGen: d || z gives ek and the expanded dk, byte for byte', async () => {
      const { tests } = loadVectors<AcvpFile<MlKemKeygenCase>>('mlkem-keygen.json');
      await everyCase(tests, (t) => `tcId ${t.tcId}`, async (t) => {
        const seed = concat(hex(t.d), hex(t.z));
        if (!eq((await backend.kem.keygen(t.parameterSet, seed)).publicKey, hex(t.ek))) return 'ek differs';
        if (!eq(await backend.kem.expandedSecretKey(t.parameterSet, seed), hex(t.dk))) return 'dk differs';
      });
    });

    test('ACVP ML-KEM encapDecap: encapsulation, decapsulation (incl. implicit rejection), modulus and hash checks', async () => {
      const { tests } = loadVectors<AcvpFile<MlKemEncapDecapCase>>('mlkem-encapdecap.json');
      await everyCase(tests, (t) => `tcId ${t.tcId} ${t.function}`, async (t) => {
        const alg = t.parameterSet;
        switch (t.function) {
          case 'encapsulation': {
            if (native) {
              const out = await backend.kem.encapsulate(alg, hex(t.ek));
              return out.cipherText.length === hex(t.c).length && out.sharedSecret.length === 32 ? undefined : 'wrong lengths';
            }
            const out = await encapsulateWith(alg, hex(t.ek), hex(t.m));
            return eq(out.cipherText, hex(t.c)) && eq(out.sharedSecret, hex(t.k)) ? undefined : 'c or k differs';
          }
          case 'decapsulation': {
            const key = await backend.kem.importExpandedSecretKey(alg, hex(t.dk));
            return eq(await backend.kem.decapsulate(key, hex(t.c)), hex(t.k)) ? undefined : `k differs (${t.reason})`;
          }
          case 'encapsulationKeyCheck':
            return t.testPassed ? ((await backend.kem.encapsulate(alg, hex(t.ek))).sharedSecret.length === 32 ? undefined : 'no secret') : refused(backend.kem.encapsulate(alg, hex(t.ek)), 'pk');
          case 'decapsulationKeyCheck': {
            if (!t.testPassed) return refused(backend.kem.importExpandedSecretKey(alg, hex(t.dk)), 'sk');
            const key = await backend.kem.importExpandedSecretKey(alg, hex(t.dk));
            return (await backend.kem.decapsulate(key, new Uint8Array(KEM_SIZES[alg].cipherText).fill(0x5a))).length === 32 ? undefined : 'no secret';
          }
        }
      });
    });

    for (const bits of [512, 768, 1024] as const) {
      const alg: MlKemAlgorithm = KEM_BITS[bits];

      test(`Wycheproof mlkem_${bits}_keygen_seed_test.json: seed gives ek and dk; ${name} encapsulations decapsulate alike in both`, async () => {
        const groups = wp<Group<WpCase & { seed: string; ek: string; dk: string }>>(`mlkem_${bits}_keygen_seed_test.json`).testGroups;
        const noble = native ? createCryptoBackend('noble') : backend;
        try {
          await everyCase(groups.flatMap((g) => g.tests), (t) => `tcId ${t.tcId}`, async (t) => {
            const seed = hex(t.seed);
            if (!eq((await backend.kem.keygen(alg, seed)).publicKey, hex(t.ek))) return 'ek differs';
            if (!eq(await backend.kem.expandedSecretKey(alg, seed), hex(t.dk))) return 'dk differs';
            // A round trip across the backends: this backend encapsulates, the other decapsulates.
            const enc = await backend.kem.encapsulate(alg, hex(t.ek));
            const nobleKey = await noble.kem.importExpandedSecretKey(alg, hex(t.dk));
            if (!eq(await noble.kem.decapsulate(nobleKey, enc.cipherText), enc.sharedSecret)) return 'noble decapsulation of its ciphertext differs';
            const back = await noble.kem.encapsulate(alg, hex(t.ek));
            const mine = await backend.kem.prepareSecretKey(alg, seed);
            if (!eq(await backend.kem.decapsulate(mine, back.cipherText), back.sharedSecret)) return 'its decapsulation of a noble ciphertext differs';
          });
        } finally {
          if (native) await noble.close();
        }
      });

      test(`Wycheproof mlkem_${bits}_test.json: decapsulation from the seed gives K (implicit rejection, strcmp, unlucky rho); bad lengths refused`, async () => {
        const groups = wp<Group<WpCase & { seed: string; ek?: string; c: string; K: string }>>(`mlkem_${bits}_test.json`).testGroups;
        await everyCase(groups.flatMap((g) => g.tests), (t) => `tcId ${t.tcId} ${t.comment ?? ''}`, async (t) => {
          const seed = hex(t.seed);
          const c = hex(t.c);
          if (t.result === 'invalid') {
            if (seed.length !== 64) return refused(backend.kem.prepareSecretKey(alg, seed), 'seed');
            return refused(backend.kem.prepareSecretKey(alg, seed).then((key) => backend.kem.decapsulate(key, c)), 'cipher');
          }
          if (t.ek && !eq((await backend.kem.keygen(alg, seed)).publicKey, hex(t.ek))) return 'ek differs';
          return eq(await backend.kem.decapsulate(await backend.kem.prepareSecretKey(alg, seed), c), hex(t.K)) ? undefined : 'K differs';
        });
      });

      test(`Wycheproof mlkem_${bits}_encaps_test.json: (c, K) from ek and m${native ? ' (native: ek accepted; m cannot be given)' : ''}; unreduced and mis-sized keys refused`, async () => {
        const groups = wp<Group<WpCase & { ek: string; m: string; c: string; K: string }>>(`mlkem_${bits}_encaps_test.json`).testGroups;
        await everyCase(groups.flatMap((g) => g.tests), (t) => `tcId ${t.tcId}`, async (t) => {
          const ek = hex(t.ek);
          if (t.result === 'invalid') return refused(backend.kem.encapsulate(alg, ek), 'pk');
          if (native) return (await backend.kem.encapsulate(alg, ek)).cipherText.length === hex(t.c).length ? undefined : 'wrong ciphertext length';
          const out = await encapsulateWith(alg, ek, hex(t.m));
          return eq(out.cipherText, hex(t.c)) && eq(out.sharedSecret, hex(t.K)) ? undefined : 'c or K differs';
        });
      });

      test(`Wycheproof mlkem_${bits}_semi_expanded_decaps_test.json: expanded dk decapsulates; bad lengths and failed hash checks refused`, async () => {
        const groups = wp<Group<WpCase & { dk: string; c: string; K?: string }>>(`mlkem_${bits}_semi_expanded_decaps_test.json`).testGroups;
        await everyCase(groups.flatMap((g) => g.tests), (t) => `tcId ${t.tcId} ${t.comment ?? ''}`, async (t) => {
          const attempt = backend.kem.importExpandedSecretKey(alg, hex(t.dk)).then((key) => backend.kem.decapsulate(key, hex(t.c)));
          if (t.result === 'invalid') return refused(attempt, 'sk', 'cipher');
          return eq(await attempt, hex(t.K!)) ? undefined : 'K differs';
        });
      });

      test(`CCTV ML-KEM-${bits}: every modulus-overflow key refused; strcmp, unlucky-sample and intermediate cases decapsulate to K`, async () => {
        const modulus = gunzipSync(cctv(`ML-KEM/modulus/ML-KEM-${bits}.txt.gz`)).toString('utf8').split('\n').filter(Boolean);
        assert.ok(modulus.length >= 775, `${modulus.length} modulus keys`);
        await everyCase(modulus, (line) => `modulus key ${line.slice(0, 16)}…`, (line) => refused(backend.kem.encapsulate(alg, hex(line)), 'pk'));
        const files = ['strcmp', 'unluckysample', 'intermediate'].map((kind) => ({ kind, v: keyValues(cctv(`ML-KEM/${kind}/ML-KEM-${bits}.txt`).toString('utf8')) }));
        await everyCase(files, (f) => f.kind, async ({ kind, v }) => {
          const key = await backend.kem.importExpandedSecretKey(alg, v.get('dk')!);
          if (!eq(await backend.kem.decapsulate(key, v.get('c')!), v.get('K')!)) return 'Decaps(dk, c) differs from K';
          if (kind !== 'strcmp' && !native) {
            const out = await encapsulateWith(alg, v.get('ek')!, v.get('m')!);
            if (!eq(out.cipherText, v.get('c')!) || !eq(out.sharedSecret, v.get('K')!)) return 'Encaps(ek, m) differs';
          }
        });
      });
    }

    // ---------------- ML-DSA ----------------

    test('ACVP ML-DSA keyGen: xi gives pk and the expanded sk, byte for byte', async () => {
      const { tests } = loadVectors<AcvpFile<MlDsaKeygenCase>>('mldsa-keygen.json');
      await everyCase(tests, (t) => `tcId ${t.tcId}`, async (t) => {
        if (!eq((await backend.dsa.keygen(t.parameterSet, hex(t.seed))).publicKey, hex(t.pk))) return 'pk differs';
        if (!eq(await backend.dsa.expandedSecretKey(t.parameterSet, hex(t.seed)), hex(t.sk))) return 'sk differs';
      });
    });

    test('ACVP ML-DSA sigVer (external, pure, with context): every outcome as expected', async () => {
      const { tests } = loadVectors<AcvpFile<MlDsaSigVerCase>>('mldsa-sigver.json');
      await everyCase(tests, (t) => `tcId ${t.tcId}`, async (t) =>
        (await backend.dsa.verify(t.parameterSet, hex(t.pk), hex(t.message), hex(t.signature), hex(t.context))) === t.testPassed ? undefined : `not ${t.testPassed}`,
      );
    });

    /** Signs as the vector asks; native (which cannot take chosen randomness) instead proves agreement on both sides. */
    async function signCase(alg: MlDsaAlgorithm, key: Awaited<ReturnType<CryptoBackend['dsa']['prepareSecretKey']>>, pk: Uint8Array, msg: Uint8Array, ctx: Uint8Array, sig: Uint8Array, rnd?: Uint8Array) {
      if (!native) {
        const made = await backend.dsa.sign(key, msg, rnd ? { context: ctx, randomness: rnd } : { context: ctx, deterministic: true });
        return eq(made, sig) ? undefined : 'signature differs';
      }
      if (!(await backend.dsa.verify(alg, pk, msg, sig, ctx))) return 'the expected signature does not verify natively';
      const hedged = await backend.dsa.sign(key, msg, { context: ctx });
      return NOBLE_DSA[alg].verify(hedged, msg, pk, { context: ctx }) ? undefined : 'its hedged signature does not verify under noble';
    }

    test(`ACVP ML-DSA sigGen (deterministic)${native ? ': native verifies each signature, and its own hedged ones verify under noble' : ': every signature byte for byte'}`, async () => {
      const { tests } = loadVectors<AcvpFile<MlDsaSigGenCase>>('mldsa-siggen.json');
      await everyCase(tests, (t) => `tcId ${t.tcId}`, async (t) => {
        const key = await backend.dsa.importExpandedSecretKey(t.parameterSet, hex(t.sk));
        return signCase(t.parameterSet, key, NOBLE_DSA[t.parameterSet].getPublicKey(hex(t.sk)), hex(t.message), hex(t.context), hex(t.signature));
      });
    });

    for (const bits of [44, 65, 87] as const) {
      const alg: MlDsaAlgorithm = DSA_BITS[bits];
      type SignCase = WpCase & { msg?: string; ctx?: string; rnd?: string; sig: string };

      test(`Wycheproof mldsa_${bits}_verify_test.json: every outcome as expected (invalid: false, or refused for a bad pk length or a 256-byte context)`, async () => {
        const groups = wp<Group<WpCase & { msg: string; ctx?: string; sig: string }, { publicKey: string }>>(`mldsa_${bits}_verify_test.json`).testGroups;
        await everyCase(groups.flatMap((g) => g.tests.map((t) => ({ ...t, pk: g.publicKey }))), (t) => `tcId ${t.tcId} ${t.flags.join(',')}`, async (t) => {
          const verifying = backend.dsa.verify(alg, hex(t.pk), hex(t.msg), hex(t.sig), hex(t.ctx ?? ''));
          if (t.result === 'valid') return (await verifying) ? undefined : 'false, expected true';
          try {
            return (await verifying) ? 'true, expected false' : undefined;
          } catch (err) {
            return err instanceof CryptoInputError && ['pk', 'context'].includes(err.field) ? undefined : `threw ${String(err)}`;
          }
        });
      });

      for (const kind of ['seed', 'noseed'] as const) {
        test(`Wycheproof mldsa_${bits}_sign_${kind}_test.json: ${native ? 'pk from the key; the expected signatures verify natively, hedged native ones under noble' : 'every signature byte for byte'}; bad keys and contexts refused; external-mu cases counted`, async () => {
          const groups = wp<Group<SignCase, { privateSeed?: string; privateKey?: string; publicKey: string | null }>>(`mldsa_${bits}_sign_${kind}_test.json`).testGroups;
          const cases = groups.flatMap((g) => g.tests.map((t) => ({ ...t, g })));
          const internal = cases.filter((t) => t.msg === undefined);
          // FIPS 204's internal interface (ML-DSA.Sign_internal with an external mu): not offered by either backend.
          assert.ok(internal.every((t) => t.flags.includes('Internal')), 'only Internal-flagged cases lack a message');
          await everyCase(cases.filter((t) => t.msg !== undefined), (t) => `tcId ${t.tcId} ${t.flags.join(',')}`, async (t) => {
            const material = hex(t.g.privateSeed ?? t.g.privateKey!);
            const preparing = kind === 'seed' ? backend.dsa.prepareSecretKey(alg, material) : backend.dsa.importExpandedSecretKey(alg, material);
            const ctx = hex(t.ctx ?? '');
            if (t.result === 'invalid') {
              if (t.flags.includes('IncorrectPrivateKeyLength')) return refused(preparing, kind === 'seed' ? 'seed' : 'sk');
              if (t.flags.includes('InvalidContext')) return refused(preparing.then((key) => backend.dsa.sign(key, hex(t.msg!), { context: ctx })), 'context');
              // InvalidPrivateKey (noseed): s1 or s2 out of range. The service never imports expanded keys; any refusal will do.
              return rejected(preparing.then((key) => backend.dsa.sign(key, hex(t.msg!), { context: ctx, ...(native ? {} : { deterministic: true }) })));
            }
            const pk = hex(t.g.publicKey!);
            if (kind === 'seed' && !eq((await backend.dsa.keygen(alg, material)).publicKey, pk)) return 'pk from the seed differs';
            return signCase(alg, await preparing, pk, hex(t.msg!), ctx, hex(t.sig), t.rnd === undefined ? undefined : hex(t.rnd));
          });
        });
      }
    }

    // ---------------- AES-256-GCM ----------------

    test('Wycheproof AES-256-GCM (96-bit nonce, 128-bit tag): valid cases seal and open exactly; modified tags fail authentication', async () => {
      const { testGroups } = loadVectors<WycheproofAeadFile>('aes-256-gcm-wycheproof.json');
      await everyCase(testGroups.flatMap((g) => g.tests), (t) => `tcId ${t.tcId}`, async (t) => {
        const key = hex(t.key);
        const blob = concat(hex(t.iv), hex(t.ct), hex(t.tag));
        if (t.result === 'valid') {
          if (!eq(await backend.aead.seal(key, hex(t.msg), hex(t.aad), hex(t.iv)), blob)) return 'sealed bytes differ';
          return eq(await backend.aead.open(key, blob, hex(t.aad)), hex(t.msg)) ? undefined : 'opened bytes differ';
        }
        try {
          await backend.aead.open(key, blob, hex(t.aad));
          return 'opened, expected an authentication failure';
        } catch (err) {
          return err instanceof DecryptionError ? undefined : `threw ${String(err)}`;
        }
      });
    });
  });
}

if (NATIVE_SKIP) test('the backends agree with each other on fresh material', { skip: `native backend not available here: ${NATIVE_SKIP}` }, () => {});
else describe('the backends agree with each other on fresh material', () => {
  let noble: CryptoBackend;
  let native: CryptoBackend;
  before(() => {
    noble = createCryptoBackend('noble');
    native = createCryptoBackend('native');
  });
  after(async () => {
    await noble.close();
    await native.close();
  });

  for (const alg of ML_KEM_ALGORITHMS) {
    test(`${alg}: a native key pair works with noble and a noble one with native, both directions`, async () => {
      for (const [maker, other] of [[native, noble], [noble, native]] as const) {
        const pair = await maker.kem.keygen(alg);
        assert.deepEqual((await other.kem.keygen(alg, pair.seed)).publicKey, pair.publicKey);
        const enc = await other.kem.encapsulate(alg, pair.publicKey);
        assert.deepEqual(await maker.kem.decapsulate(await maker.kem.prepareSecretKey(alg, pair.seed), enc.cipherText), enc.sharedSecret);
      }
    });
  }

  for (const alg of ML_DSA_ALGORITHMS) {
    test(`${alg}: signatures of each backend verify under the other, with a context; a changed context fails in both`, async () => {
      const message = new TextEncoder().encode('attack at dawn');
      const context = new TextEncoder().encode('ctx');
      for (const [maker, other] of [[native, noble], [noble, native]] as const) {
        const pair = await maker.dsa.keygen(alg);
        const signature = await maker.dsa.sign(await maker.dsa.prepareSecretKey(alg, pair.seed), message, { context });
        assert.equal(await other.dsa.verify(alg, pair.publicKey, message, signature, context), true);
        assert.equal(await other.dsa.verify(alg, pair.publicKey, message, signature), false);
      }
    });
  }

  test('AES-256-GCM: what one backend seals the other opens; HKDF gives the same key', async () => {
    const shared = new Uint8Array(32).fill(3);
    const key = await native.aead.deriveAesKey(shared);
    assert.deepEqual(await noble.aead.deriveAesKey(shared), key);
    const aad = new TextEncoder().encode('order-42');
    assert.deepEqual(await noble.aead.open(key, await native.aead.seal(key, new Uint8Array([1, 2, 3]), aad), aad), new Uint8Array([1, 2, 3]));
    assert.deepEqual(await native.aead.open(key, await noble.aead.seal(key, new Uint8Array([4, 5]), aad), aad), new Uint8Array([4, 5]));
  });

  test('native refuses deterministic signing with a clear error instead of signing hedged', async () => {
    const pair = await native.dsa.keygen('ML-DSA-44');
    const key = await native.dsa.prepareSecretKey('ML-DSA-44', pair.seed);
    await assert.rejects(native.dsa.sign(key, new Uint8Array(1), { deterministic: true }), /not available through node:crypto/);
  });
});
