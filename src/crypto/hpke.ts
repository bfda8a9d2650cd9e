/**
 * HPKE (RFC 9180), base mode only, with the post-quantum KEMs of draft-ietf-hpke-pq: ML-KEM-768
 * (0x0041), ML-KEM-1024 (0x0042) and X-Wing, "MLKEM768-X25519" (0x647a); KDF HKDF-SHA256 (0x0001);
 * AEAD AES-256-GCM (0x0002) or ChaCha20-Poly1305 (0x0003). Suites are named by their parts
 * (HPKE_SUITE_PARTS); nothing outside that frozen table can be asked for.
 *
 * The protocol (key schedule, nonces, sequence numbers, export) is the `hpke` package (panva), the
 * primitives either `native` or `@panva/hpke-noble` (`noble`). `native` is the library's Web
 * Cryptography KEMs and KDF, and node:crypto's synchronous AES-256-GCM and ChaCha20-Poly1305
 * (below: microseconds, where Web Cryptography's async jobs cost several times more CPU for these
 * small calls); `auto` takes noble's synchronous HKDF for the same reason:
 * - Node 20 has no ML-KEM or X-Wing in Web Cryptography: those are noble; the AEADs are native
 *   everywhere.
 * - Node >= 24.7 (OpenSSL 3.5) has the KEMs natively too (X-Wing composed by `hpke` from
 *   ML-KEM-768, X25519 and SHA3-256). Node prints one ExperimentalWarning per Web Cryptography
 *   algorithm on first use there (the server drops those: lib/warnings.ts).
 * `auto` probes each primitive once (lazily) and takes native where it works. Both give the same
 * bytes on the working group's vectors (test/crypto/hpke-vectors.test.ts).
 *
 * Keys (draft-ietf-hpke-pq section 3: SerializePrivateKey / DeserializePrivateKey) are exactly what
 * the service stores for a `kem_` key (algorithms.ts `seed`): the 64-byte ML-KEM seed d || z, the
 * 32-byte X-Wing sk. So a stored seed IS its HPKE private key and `open` takes it as is; public keys
 * are the standard encapsulation keys.
 *
 * Failures, kept apart on purpose:
 * - `open` / `setupRecipient` / a recipient context's `open` throw one HpkeOpenError for anything
 *   that does not open (wrong key, modified enc, ciphertext, aad or info, wrong lengths): ML-KEM's
 *   implicit rejection turns a modified enc into a wrong key, so callers cannot and must not tell
 *   these apart.
 * - `seal` to a public key of the wrong length, or one the KEM refuses (FIPS 203 section 7.2
 *   modulus check; a low-order X25519 part of X-Wing), throws CryptoInputError('pk').
 * - A stored seed of the wrong length is an internal error (RangeError), never the caller's.
 *
 * The KEM step done elsewhere: for these KEMs HPKE's Encap / Decap ARE the KEM's encapsulation /
 * decapsulation, so the service runs them on its scheduled crypto backend (operations/hpke.ts, and
 * the sealed-request gateway: sealed/service.ts) and `sealWithEncapsulation` /
 * `openWithSharedSecret` / `setupRecipientWithSharedSecret` run only the key schedule (RFC 9180
 * section 5.1) and the AEAD, through the same library, given the KEM's output. Where the backend's
 * KEM is worse than the library's (X-Wing on Node 24: noble there, native here), `prepareRecipientKey`
 * deserializes a private key once and `decapsulate` runs Decap alone, as a scheduler's task
 * (sealed/service.ts).
 *
 * Off the event loop: native calls are Web Cryptography jobs on the libuv pool. The noble
 * primitives run on the calling thread (Node 20: ML-KEM and X-Wing, ~1-3 ms per seal or open;
 * docs/decisions/0003-hpke.md has the figures). Every function is async so a scheduler can run
 * them as jobs later without a change of signature.
 * @module
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import * as HPKE from 'hpke';
import * as Noble from '@panva/hpke-noble';
import { ALGORITHMS, type Implementation } from './algorithms.ts';
import { CryptoInputError } from './errors.ts';
import { checkEncapsulationKey } from './kem.ts';
import { withoutStackTraces } from './quiet.ts';

// ---- the suite table ----

export type HpkeKem = 'ML-KEM-768' | 'ML-KEM-1024' | 'X-Wing';
export type HpkeKdf = 'HKDF-SHA256';
export type HpkeAead = 'AES-256-GCM' | 'ChaCha20-Poly1305';

export interface HpkeSuite {
  readonly kem: HpkeKem;
  readonly kdf: HpkeKdf;
  readonly aead: HpkeAead;
}

export interface HpkeKemSpec {
  readonly name: HpkeKem;
  /** draft-ietf-hpke-pq section 7 (IANA HPKE KEM identifiers). */
  readonly id: number;
  /** Bytes of an encapsulation key, an enc, a private key (= the stored seed) and a shared secret. */
  readonly Npk: number;
  readonly Nenc: number;
  readonly Nsk: number;
  readonly Nsecret: number;
}
export interface HpkeKdfSpec {
  readonly name: HpkeKdf;
  readonly id: number;
  readonly Nh: number;
}
export interface HpkeAeadSpec {
  readonly name: HpkeAead;
  readonly id: number;
  readonly Nk: number;
  readonly Nn: number;
  readonly Nt: number;
}

const kemSpec = (name: HpkeKem, id: number): HpkeKemSpec => {
  const sizes = ALGORITHMS[name].sizes;
  return Object.freeze({ name, id, Npk: sizes.publicKey, Nenc: sizes.cipherText, Nsk: sizes.seed, Nsecret: sizes.sharedSecret });
};

/** The parts a suite can be made of (RFC 9180 section 7, draft-ietf-hpke-pq section 7). Frozen. */
export const HPKE_SUITE_PARTS = Object.freeze({
  kem: Object.freeze({
    'ML-KEM-768': kemSpec('ML-KEM-768', 0x0041),
    'ML-KEM-1024': kemSpec('ML-KEM-1024', 0x0042),
    'X-Wing': kemSpec('X-Wing', 0x647a),
  }) satisfies Readonly<Record<HpkeKem, HpkeKemSpec>>,
  kdf: Object.freeze({
    'HKDF-SHA256': Object.freeze({ name: 'HKDF-SHA256', id: 0x0001, Nh: 32 }),
  }) satisfies Readonly<Record<HpkeKdf, HpkeKdfSpec>>,
  aead: Object.freeze({
    'AES-256-GCM': Object.freeze({ name: 'AES-256-GCM', id: 0x0002, Nk: 32, Nn: 12, Nt: 16 }),
    'ChaCha20-Poly1305': Object.freeze({ name: 'ChaCha20-Poly1305', id: 0x0003, Nk: 32, Nn: 12, Nt: 16 }),
  }) satisfies Readonly<Record<HpkeAead, HpkeAeadSpec>>,
});

export const HPKE_KEMS: readonly HpkeKem[] = Object.freeze(Object.keys(HPKE_SUITE_PARTS.kem) as HpkeKem[]);
export const HPKE_KDFS: readonly HpkeKdf[] = Object.freeze(Object.keys(HPKE_SUITE_PARTS.kdf) as HpkeKdf[]);
export const HPKE_AEADS: readonly HpkeAead[] = Object.freeze(Object.keys(HPKE_SUITE_PARTS.aead) as HpkeAead[]);
export const DEFAULT_HPKE_KDF: HpkeKdf = 'HKDF-SHA256';
export const DEFAULT_HPKE_AEAD: HpkeAead = 'AES-256-GCM';

const has = (table: object, name: unknown): boolean => typeof name === 'string' && Object.hasOwn(table, name);
export const isHpkeKem = (name: unknown): name is HpkeKem => has(HPKE_SUITE_PARTS.kem, name);
export const isHpkeKdf = (name: unknown): name is HpkeKdf => has(HPKE_SUITE_PARTS.kdf, name);
export const isHpkeAead = (name: unknown): name is HpkeAead => has(HPKE_SUITE_PARTS.aead, name);

/** A frozen suite: the KEM of the key, and (the brief's default) HKDF-SHA256 with AES-256-GCM unless named. */
export function hpkeSuite(kem: HpkeKem, parts: { readonly kdf?: HpkeKdf | undefined; readonly aead?: HpkeAead | undefined } = {}): HpkeSuite {
  const suite = { kem, kdf: parts.kdf ?? DEFAULT_HPKE_KDF, aead: parts.aead ?? DEFAULT_HPKE_AEAD };
  if (!isHpkeKem(suite.kem) || !isHpkeKdf(suite.kdf) || !isHpkeAead(suite.aead)) throw new RangeError(`not an offered HPKE suite: ${JSON.stringify(suite)}`);
  return Object.freeze(suite);
}

/** The suite with these identifiers (as an OHTTP request header names them), or undefined when it is not offered. */
export function hpkeSuiteFromIds(kemId: number, kdfId: number, aeadId: number): HpkeSuite | undefined {
  const find = <T extends { readonly id: number; readonly name: string }>(table: Readonly<Record<string, T>>, id: number) => Object.values(table).find((p) => p.id === id)?.name;
  const kem = find(HPKE_SUITE_PARTS.kem, kemId) as HpkeKem | undefined;
  const kdf = find(HPKE_SUITE_PARTS.kdf, kdfId) as HpkeKdf | undefined;
  const aead = find(HPKE_SUITE_PARTS.aead, aeadId) as HpkeAead | undefined;
  return kem && kdf && aead ? hpkeSuite(kem, { kdf, aead }) : undefined;
}

/** The three identifiers of a suite. */
export function hpkeSuiteIds(suite: HpkeSuite): { readonly kem: number; readonly kdf: number; readonly aead: number } {
  return Object.freeze({ kem: HPKE_SUITE_PARTS.kem[suite.kem].id, kdf: HPKE_SUITE_PARTS.kdf[suite.kdf].id, aead: HPKE_SUITE_PARTS.aead[suite.aead].id });
}

// ---- failures ----

/** Anything that does not open: one failure, whatever the cause, so none can be told apart. */
export class HpkeOpenError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('HPKE: the message does not open (wrong key, or a modified enc, ciphertext, aad or info)', options);
    this.name = 'HpkeOpenError';
  }
}

/** The runtime lacks a primitive that was asked for as `native`. */
export class HpkeUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HpkeUnavailableError';
  }
}

/** The library's own "this input does not work" failures; anything else is internal and passes through. */
const isInputFailure = (e: unknown): boolean =>
  e instanceof HPKE.OpenError || e instanceof HPKE.DecapError || e instanceof HPKE.DeserializeError || e instanceof HPKE.EncapError || e instanceof HPKE.ValidationError;

// ---- the service ----

export type HpkeImplementationChoice = 'auto' | Implementation;

export interface HpkeOptions {
  /** RFC 9180 `info`, bound into the key schedule. Default: empty. */
  readonly info?: Uint8Array | undefined;
  /** Associated data of the (single) AEAD call. Default: empty. */
  readonly aad?: Uint8Array | undefined;
}

export interface HpkeSealed {
  /** The KEM ciphertext (Nenc bytes). */
  readonly enc: Uint8Array;
  /** The AEAD ciphertext, plaintext length + 16. */
  readonly ciphertext: Uint8Array;
}

/** A sender context (RFC 9180 section 5.2): seals messages in order; exports secrets (section 5.3). */
export interface HpkeSenderContext {
  readonly enc: Uint8Array;
  seal(plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
  export(exporterContext: Uint8Array, length: number): Promise<Uint8Array>;
}

/** A recipient context: opens messages in order (HpkeOpenError otherwise); exports secrets. */
export interface HpkeRecipientContext {
  open(ciphertext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
  export(exporterContext: Uint8Array, length: number): Promise<Uint8Array>;
}

export interface HpkeKeyPair {
  /** The private key as draft-ietf-hpke-pq serializes it: the seed the service stores. Secret. */
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

/**
 * A recipient's private key deserialized once by the library (on `native`, its Web Cryptography
 * key object), for many decapsulations without rebuilding it from the seed. Secret: an opaque
 * handle, the key itself is held inside this module.
 */
export interface HpkePreparedKey {
  readonly kem: HpkeKem;
  /** Whose KEM decapsulates with it. */
  readonly implementation: Implementation;
}

export interface Hpke {
  /** Single-shot seal (RFC 9180 section 6.1, base mode). @throws CryptoInputError('pk') */
  seal(suite: HpkeSuite, recipientPublicKey: Uint8Array, plaintext: Uint8Array, options?: HpkeOptions): Promise<HpkeSealed>;
  /** Single-shot open with the stored seed as private key. @throws HpkeOpenError */
  open(suite: HpkeSuite, recipientSeed: Uint8Array, enc: Uint8Array, ciphertext: Uint8Array, options?: HpkeOptions): Promise<Uint8Array>;
  /** SetupBaseS: for several messages, or to export a secret (OHTTP responses). @throws CryptoInputError('pk') */
  setupSender(suite: HpkeSuite, recipientPublicKey: Uint8Array, options?: { readonly info?: Uint8Array | undefined }): Promise<HpkeSenderContext>;
  /** SetupBaseR. @throws HpkeOpenError when enc does not decapsulate (wrong length, or refused by the KEM) */
  setupRecipient(suite: HpkeSuite, recipientSeed: Uint8Array, enc: Uint8Array, options?: { readonly info?: Uint8Array | undefined }): Promise<HpkeRecipientContext>;
  /** DeriveKeyPair (draft-ietf-hpke-pq section 3): a key pair from input keying material of at least Nsk bytes. */
  deriveKeyPair(kem: HpkeKem, ikm: Uint8Array): Promise<HpkeKeyPair>;
  /**
   * Single-shot seal whose KEM step was done elsewhere: `encapsulation` is the KEM's Encap(pkR)
   * output (its ciphertext is `enc`). For the post-quantum KEMs of draft-ietf-hpke-pq, Encap is
   * the KEM's own encapsulation (ML-KEM.Encaps, X-Wing Encapsulate) with nothing derived on top,
   * so the service's crypto backend can do it as a scheduled job (operations/hpke.ts) and this
   * runs only the key schedule (RFC 9180 section 5.1) and the AEAD, which are cheap.
   */
  sealWithEncapsulation(suite: HpkeSuite, encapsulation: { readonly enc: Uint8Array; readonly sharedSecret: Uint8Array }, plaintext: Uint8Array, options?: HpkeOptions): Promise<HpkeSealed>;
  /**
   * Single-shot open whose KEM step was done elsewhere: `sharedSecret` is Decap(enc, skR).
   * @throws HpkeOpenError when the ciphertext does not open (or enc has the wrong length)
   */
  openWithSharedSecret(suite: HpkeSuite, sharedSecret: Uint8Array, enc: Uint8Array, ciphertext: Uint8Array, options?: HpkeOptions): Promise<Uint8Array>;
  /**
   * SetupBaseR whose KEM step was done elsewhere (`sharedSecret` is Decap(enc, skR)): the key
   * schedule only, through the library, giving a context that opens in order and exports (an
   * OHTTP gateway keys its response from it, RFC 9458 section 4.4).
   * @throws HpkeOpenError when enc has the wrong length; RangeError for a shared secret of the wrong length
   */
  setupRecipientWithSharedSecret(suite: HpkeSuite, sharedSecret: Uint8Array, enc: Uint8Array, options?: { readonly info?: Uint8Array | undefined }): Promise<HpkeRecipientContext>;
  /** The private key of a stored seed, deserialized once, for decapsulate(). @throws RangeError for a seed of the wrong length */
  prepareRecipientKey(kem: HpkeKem, seed: Uint8Array): Promise<HpkePreparedKey>;
  /**
   * Decap(enc, skR) alone (the library's KEM, native where the runtime has it): the shared
   * secret, for setupRecipientWithSharedSecret. Runs where it is called (a scheduler's task).
   * @throws HpkeOpenError when the KEM refuses enc (wrong length; an X-Wing enc whose X25519 part is low-order)
   */
  decapsulate(key: HpkePreparedKey, enc: Uint8Array): Promise<Uint8Array>;
  /** Which implementation serves each part of a suite on this runtime (probes on first call). */
  implementationsFor(suite: HpkeSuite): Promise<{ readonly kem: Implementation; readonly kdf: Implementation; readonly aead: Implementation }>;
}

type Factories<F> = Readonly<Record<Implementation, F>>;
const KEM_FACTORIES: Readonly<Record<HpkeKem, Factories<HPKE.KEMFactory>>> = Object.freeze({
  'ML-KEM-768': { native: HPKE.KEM_ML_KEM_768, noble: Noble.KEM_ML_KEM_768 },
  'ML-KEM-1024': { native: HPKE.KEM_ML_KEM_1024, noble: Noble.KEM_ML_KEM_1024 },
  'X-Wing': { native: HPKE.KEM_MLKEM768_X25519, noble: Noble.KEM_MLKEM768_X25519 },
});

/**
 * The AEADs on node:crypto's synchronous ciphers (OpenSSL, every supported Node): AES-256-GCM and
 * ChaCha20-Poly1305 (RFC 8439) with 16-byte tags, a few microseconds each, where each Web
 * Cryptography call is an async job costing about 0.05 ms of CPU (a single-shot seal makes about
 * ten: measured, docs/decisions/0003-hpke.md). The protocol around them stays the library's, and
 * the KDF is a library's too (KDF_FACTORIES; `auto` takes @noble/hashes' synchronous HKDF through
 * @panva/hpke-noble rather than Web Cryptography's async one, for the same reason): no key
 * schedule or KDF is written here.
 */
const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
const nodeAead = (name: HpkeAead, cipher: 'aes-256-gcm' | 'chacha20-poly1305'): HPKE.AEADFactory => {
  const spec = HPKE_SUITE_PARTS.aead[name];
  return () =>
    Object.freeze({
      id: spec.id,
      type: 'AEAD' as const,
      name,
      Nk: spec.Nk,
      Nn: spec.Nn,
      Nt: spec.Nt,
      async Seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array) {
        const c = withoutStackTraces(() => createCipheriv(cipher as 'aes-256-gcm', key, nonce, { authTagLength: spec.Nt }));
        c.setAAD(aad);
        return u8(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
      },
      async Open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array) {
        if (ct.length < spec.Nt) throw new Error('shorter than the tag');
        const d = withoutStackTraces(() => createDecipheriv(cipher as 'aes-256-gcm', key, nonce, { authTagLength: spec.Nt }));
        d.setAAD(aad);
        d.setAuthTag(ct.subarray(ct.length - spec.Nt));
        return u8(Buffer.concat([d.update(ct.subarray(0, ct.length - spec.Nt)), d.final()]));
      },
    });
};

const KDF_FACTORIES: Readonly<Record<HpkeKdf, Factories<HPKE.KDFFactory>>> = Object.freeze({
  'HKDF-SHA256': { native: HPKE.KDF_HKDF_SHA256, noble: Noble.KDF_HKDF_SHA256 },
});
const AEAD_FACTORIES: Readonly<Record<HpkeAead, Factories<HPKE.AEADFactory>>> = Object.freeze({
  'AES-256-GCM': { native: nodeAead('AES-256-GCM', 'aes-256-gcm'), noble: Noble.AEAD_AES_256_GCM },
  'ChaCha20-Poly1305': { native: nodeAead('ChaCha20-Poly1305', 'chacha20-poly1305'), noble: Noble.AEAD_ChaCha20Poly1305 },
});

/** Small real operations that fail with NotSupportedError where the runtime lacks the primitive. */
const probes = {
  kem: async (f: HPKE.KEMFactory) => void (await f().DeriveKeyPair(new Uint8Array(64), false)),
  kdf: async (f: HPKE.KDFFactory) => void (await f().Extract(new Uint8Array(0), new Uint8Array(32))),
  aead: async (f: HPKE.AEADFactory) => {
    const a = f();
    await a.Seal(new Uint8Array(a.Nk), new Uint8Array(a.Nn), new Uint8Array(0), new Uint8Array(0));
  },
};

/**
 * The HPKE operations, with primitives chosen by `choice`: `noble` everywhere, `native` (fails with
 * HpkeUnavailableError on a runtime without one of the suite's primitives), or `auto` (native where
 * the runtime has it, probed once per primitive).
 */
export function createHpke(choice: HpkeImplementationChoice = 'auto'): Hpke {
  const chosen = new Map<string, Promise<Implementation>>();

  function pick<F>(part: keyof typeof probes, name: string, factories: Factories<F>): Promise<Implementation> {
    const key = `${part}:${name}`;
    let found = chosen.get(key);
    if (!found) {
      found = (async (): Promise<Implementation> => {
        if (choice === 'noble') return 'noble';
        // HKDF: @noble/hashes' synchronous one (vector-tested, a few microseconds) costs less CPU
        // than Web Cryptography's async jobs; `native` still means Web Cryptography's.
        if (choice === 'auto' && part === 'kdf') return 'noble';
        try {
          await (probes[part] as (f: F) => Promise<void>)(factories.native);
          return 'native';
        } catch (e) {
          if (!(e instanceof HPKE.NotSupportedError)) throw e;
          if (choice === 'native') throw new HpkeUnavailableError(`HPKE: ${name} is not in this runtime's Web Cryptography (Node ${process.version})`);
          return 'noble';
        }
      })();
      // A failed probe is not cached: the next call tries again (and fails the same way).
      found.catch(() => chosen.delete(key));
      chosen.set(key, found);
    }
    return found;
  }

  async function implementationsFor(suite: HpkeSuite) {
    const [kem, kdf, aead] = await Promise.all([
      pick('kem', suite.kem, KEM_FACTORIES[suite.kem]),
      pick('kdf', suite.kdf, KDF_FACTORIES[suite.kdf]),
      pick('aead', suite.aead, AEAD_FACTORIES[suite.aead]),
    ]);
    return Object.freeze({ kem, kdf, aead });
  }

  async function cipherSuite(suite: HpkeSuite): Promise<HPKE.CipherSuite> {
    const valid = hpkeSuite(suite.kem, suite); // refuses anything outside the table, whatever its type said
    const impl = await implementationsFor(valid);
    return new HPKE.CipherSuite(KEM_FACTORIES[valid.kem][impl.kem], KDF_FACTORIES[valid.kdf][impl.kdf], AEAD_FACTORIES[valid.aead][impl.aead]);
  }

  async function publicKeyOf(cs: HPKE.CipherSuite, suite: HpkeSuite, bytes: Uint8Array): Promise<HPKE.Key> {
    const Npk = HPKE_SUITE_PARTS.kem[suite.kem].Npk;
    if (!(bytes instanceof Uint8Array) || bytes.length !== Npk) throw new CryptoInputError('pk', `an ${suite.kem} public key is ${Npk} bytes`);
    // FIPS 203 section 7.2 (for X-Wing: of its ML-KEM-768 part, and its X25519 part not low-order),
    // made here because @panva/hpke-noble's ML-KEM (noble 0.5) encapsulates to such a key without
    // complaint (hpke.test.ts shows it): the one check of kem.ts.
    checkEncapsulationKey(suite.kem, bytes);
    try {
      return await cs.DeserializePublicKey(bytes);
    } catch (e) {
      if (isInputFailure(e)) throw new CryptoInputError('pk', `not a valid ${suite.kem} public key`);
      throw e;
    }
  }

  async function privateKeyOf(cs: HPKE.CipherSuite, suite: HpkeSuite, seed: Uint8Array): Promise<HPKE.Key> {
    const Nsk = HPKE_SUITE_PARTS.kem[suite.kem].Nsk;
    if (!(seed instanceof Uint8Array) || seed.length !== Nsk) throw new RangeError(`an ${suite.kem} seed is ${Nsk} bytes, got ${seed?.length}`);
    return cs.DeserializePrivateKey(seed, false);
  }

  async function setupSender(suite: HpkeSuite, recipientPublicKey: Uint8Array, options: { readonly info?: Uint8Array | undefined } = {}): Promise<HpkeSenderContext> {
    const cs = await cipherSuite(suite);
    const pk = await publicKeyOf(cs, suite, recipientPublicKey);
    let setup: Awaited<ReturnType<HPKE.CipherSuite['SetupSender']>>;
    try {
      setup = await cs.SetupSender(pk, { info: options.info ?? new Uint8Array(0) });
    } catch (e) {
      // noble refuses a pk that fails FIPS 203 section 7.2 or has a low-order X25519 part at Encap.
      if (isInputFailure(e)) throw new CryptoInputError('pk', `not a valid ${suite.kem} public key`);
      throw e;
    }
    const { ctx } = setup;
    return Object.freeze({
      enc: setup.encapsulatedSecret,
      seal: (plaintext: Uint8Array, aad?: Uint8Array) => ctx.Seal(plaintext, aad ?? new Uint8Array(0)),
      export: (exporterContext: Uint8Array, length: number) => ctx.Export(exporterContext, length),
    });
  }

  async function setupRecipient(suite: HpkeSuite, recipientSeed: Uint8Array, enc: Uint8Array, options: { readonly info?: Uint8Array | undefined } = {}): Promise<HpkeRecipientContext> {
    const cs = await cipherSuite(suite);
    const sk = await privateKeyOf(cs, suite, recipientSeed);
    let ctx: HPKE.RecipientContext;
    try {
      if (!(enc instanceof Uint8Array) || enc.length !== HPKE_SUITE_PARTS.kem[suite.kem].Nenc) throw new HPKE.DecapError('wrong enc length');
      ctx = await cs.SetupRecipient(sk, enc, { info: options.info ?? new Uint8Array(0) });
    } catch (e) {
      if (isInputFailure(e)) throw new HpkeOpenError({ cause: e });
      throw e;
    }
    return recipientContext(ctx);
  }

  /** A library recipient context, its failures to open turned into HpkeOpenError. */
  function recipientContext(ctx: HPKE.RecipientContext): HpkeRecipientContext {
    return Object.freeze({
      open: async (ciphertext: Uint8Array, aad?: Uint8Array) => {
        try {
          return await ctx.Open(ciphertext, aad ?? new Uint8Array(0));
        } catch (e) {
          if (isInputFailure(e)) throw new HpkeOpenError({ cause: e });
          throw e;
        }
      },
      export: (exporterContext: Uint8Array, length: number) => ctx.Export(exporterContext, length),
    });
  }

  /**
   * A KEM that answers what was computed elsewhere: Encap gives `given`, Decap gives `given`'s
   * shared secret for its enc. Keys are placeholders (the library checks their shape only); the
   * KDF and AEAD are the runtime's, as for any suite.
   */
  function givenKem(kem: HpkeKem, given: { readonly enc: Uint8Array; readonly sharedSecret: Uint8Array }): HPKE.KEMFactory {
    const spec = HPKE_SUITE_PARTS.kem[kem];
    if (!(given.enc instanceof Uint8Array) || given.enc.length !== spec.Nenc) throw new RangeError(`an ${kem} enc is ${spec.Nenc} bytes`);
    if (!(given.sharedSecret instanceof Uint8Array) || given.sharedSecret.length !== spec.Nsecret) throw new RangeError(`an ${kem} shared secret is ${spec.Nsecret} bytes`);
    const refuse = async (): Promise<never> => {
      throw new Error('HPKE: a given KEM has no keys of its own');
    };
    return () =>
      Object.freeze({
        id: spec.id,
        type: 'KEM' as const,
        name: spec.name,
        Nsecret: spec.Nsecret,
        Nenc: spec.Nenc,
        Npk: spec.Npk,
        Nsk: spec.Nsk,
        DeriveKeyPair: refuse,
        GenerateKeyPair: refuse,
        SerializePublicKey: refuse,
        DeserializePublicKey: refuse,
        SerializePrivateKey: refuse,
        DeserializePrivateKey: refuse,
        Encap: async () => ({ shared_secret: given.sharedSecret, enc: given.enc }),
        Decap: async () => given.sharedSecret,
      });
  }
  const placeholder = (kem: HpkeKem, type: 'public' | 'private'): HPKE.Key => Object.freeze({ algorithm: { name: kem }, extractable: false, type });

  /** A cipher suite over a given KEM, with the runtime's KDF and AEAD (no KEM probe). */
  async function givenSuite(suite: HpkeSuite, given: { readonly enc: Uint8Array; readonly sharedSecret: Uint8Array }): Promise<HPKE.CipherSuite> {
    const valid = hpkeSuite(suite.kem, suite);
    const [kdf, aead] = await Promise.all([pick('kdf', valid.kdf, KDF_FACTORIES[valid.kdf]), pick('aead', valid.aead, AEAD_FACTORIES[valid.aead])]);
    return new HPKE.CipherSuite(givenKem(valid.kem, given), KDF_FACTORIES[valid.kdf][kdf], AEAD_FACTORIES[valid.aead][aead]);
  }

  const preparedKeys = new WeakMap<HpkePreparedKey, { readonly kem: Readonly<HPKE.KEM>; readonly sk: HPKE.Key }>();

  return Object.freeze({
    async prepareRecipientKey(kem: HpkeKem, seed: Uint8Array): Promise<HpkePreparedKey> {
      const suite = hpkeSuite(kem);
      const implementation = (await implementationsFor(suite)).kem;
      const kemImpl = KEM_FACTORIES[kem][implementation]();
      const Nsk = HPKE_SUITE_PARTS.kem[kem].Nsk;
      if (!(seed instanceof Uint8Array) || seed.length !== Nsk) throw new RangeError(`an ${kem} seed is ${Nsk} bytes, got ${seed?.length}`);
      const sk = await kemImpl.DeserializePrivateKey(seed, false);
      const handle: HpkePreparedKey = Object.freeze({ kem, implementation });
      preparedKeys.set(handle, { kem: kemImpl, sk });
      return handle;
    },
    async decapsulate(key: HpkePreparedKey, enc: Uint8Array): Promise<Uint8Array> {
      const held = preparedKeys.get(key);
      if (!held) throw new Error('HPKE: not a key of prepareRecipientKey');
      if (!(enc instanceof Uint8Array) || enc.length !== HPKE_SUITE_PARTS.kem[key.kem].Nenc) throw new HpkeOpenError();
      try {
        return await held.kem.Decap(enc, held.sk, undefined);
      } catch (e) {
        // As the library's SetupRecipient does: any failure of Decap (noble refuses a low-order X25519 point with a plain Error) is a DecapError.
        if (e instanceof HPKE.NotSupportedError) throw e;
        throw new HpkeOpenError({ cause: e });
      }
    },
    async sealWithEncapsulation(suite: HpkeSuite, encapsulation: { readonly enc: Uint8Array; readonly sharedSecret: Uint8Array }, plaintext: Uint8Array, options: HpkeOptions = {}): Promise<HpkeSealed> {
      const cs = await givenSuite(suite, encapsulation);
      const sealed = await cs.Seal(placeholder(suite.kem, 'public'), plaintext, { info: options.info ?? new Uint8Array(0), aad: options.aad ?? new Uint8Array(0) });
      return Object.freeze({ enc: sealed.encapsulatedSecret, ciphertext: sealed.ciphertext });
    },
    async openWithSharedSecret(suite: HpkeSuite, sharedSecret: Uint8Array, enc: Uint8Array, ciphertext: Uint8Array, options: HpkeOptions = {}): Promise<Uint8Array> {
      if (!(enc instanceof Uint8Array) || enc.length !== HPKE_SUITE_PARTS.kem[suite.kem]?.Nenc) throw new HpkeOpenError();
      const cs = await givenSuite(suite, { enc, sharedSecret });
      try {
        return await cs.Open(placeholder(suite.kem, 'private'), enc, ciphertext, { info: options.info ?? new Uint8Array(0), aad: options.aad ?? new Uint8Array(0) });
      } catch (e) {
        if (isInputFailure(e)) throw new HpkeOpenError({ cause: e });
        throw e;
      }
    },
    async setupRecipientWithSharedSecret(suite: HpkeSuite, sharedSecret: Uint8Array, enc: Uint8Array, options: { readonly info?: Uint8Array | undefined } = {}): Promise<HpkeRecipientContext> {
      if (!(enc instanceof Uint8Array) || enc.length !== HPKE_SUITE_PARTS.kem[suite.kem]?.Nenc) throw new HpkeOpenError();
      const cs = await givenSuite(suite, { enc, sharedSecret });
      let ctx: HPKE.RecipientContext;
      try {
        ctx = await cs.SetupRecipient(placeholder(suite.kem, 'private'), enc, { info: options.info ?? new Uint8Array(0) });
      } catch (e) {
        if (isInputFailure(e)) throw new HpkeOpenError({ cause: e });
        throw e;
      }
      return recipientContext(ctx);
    },
    async seal(suite: HpkeSuite, recipientPublicKey: Uint8Array, plaintext: Uint8Array, options: HpkeOptions = {}): Promise<HpkeSealed> {
      const sender = await setupSender(suite, recipientPublicKey, options);
      return Object.freeze({ enc: sender.enc, ciphertext: await sender.seal(plaintext, options.aad) });
    },
    async open(suite: HpkeSuite, recipientSeed: Uint8Array, enc: Uint8Array, ciphertext: Uint8Array, options: HpkeOptions = {}): Promise<Uint8Array> {
      const recipient = await setupRecipient(suite, recipientSeed, enc, options);
      return recipient.open(ciphertext, options.aad);
    },
    setupSender,
    setupRecipient,
    async deriveKeyPair(kem: HpkeKem, ikm: Uint8Array): Promise<HpkeKeyPair> {
      const spec = HPKE_SUITE_PARTS.kem[kem];
      if (!spec) throw new RangeError(`not an HPKE KEM here: ${String(kem)}`);
      if (ikm.length < spec.Nsk) throw new RangeError(`DeriveKeyPair needs at least ${spec.Nsk} bytes of ikm for ${kem}`);
      const cs = await cipherSuite(hpkeSuite(kem));
      const pair = await cs.DeriveKeyPair(ikm, true);
      return Object.freeze({ seed: await cs.SerializePrivateKey(pair.privateKey), publicKey: await cs.SerializePublicKey(pair.publicKey) });
    },
    implementationsFor: (suite: HpkeSuite) => implementationsFor(hpkeSuite(suite.kem, suite)),
  });
}
