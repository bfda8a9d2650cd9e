/**
 * HPKE (RFC 9180) base mode for the client: the one place its HPKE lives. The protocol (key
 * schedule, nonces and sequence numbers, export) is the `hpke` package (panva, what the service
 * uses too); every primitive is @panva/hpke-noble's, on @noble/* (no Web Cryptography: the same
 * code in browsers, on Node 20, which has no ML-KEM, and on Node 24; ChaCha20-Poly1305 is not in
 * browsers' Web Cryptography at all). Checked against the working group's vectors
 * (test/client/hpke-vectors.test.ts) and against the service (challenges, login, sealed tests).
 *
 * - KEMs (draft-ietf-hpke-pq): ML-KEM-768 (0x0041), ML-KEM-1024 (0x0042), X-Wing "MLKEM768-X25519"
 *   (0x647a). A private key is serialized as its seed (ML-KEM d || z, 64 bytes; X-Wing 32 bytes):
 *   what the service stores and what a client keeps as its `kem_seed`.
 * - KDF HKDF-SHA256 (0x0001) or HKDF-SHA384 (0x0002); AEAD AES-256-GCM (0x0002, the default),
 *   ChaCha20-Poly1305 (0x0003) or AES-128-GCM (0x0001). The service's suites use HKDF-SHA256 with
 *   AES-256-GCM or ChaCha20-Poly1305; the others are here because the library has them and the
 *   vectors use them.
 *
 * Users: challenges.ts (open a kem challenge with the client's seed), signer.ts (a fresh session
 * key, open login_info), sealed.ts (a sender context with export for Oblivious HTTP, and the
 * suite's KDF / AEAD for RFC 9458's response keys).
 * @module
 */
import * as HPKE from 'hpke';
import * as Noble from '@panva/hpke-noble';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js';

/** The KEMs: identifier, and the lengths of a public key, an enc and a private key (seed). */
export const HPKE_KEMS = Object.freeze({
  'ML-KEM-768': Object.freeze({ id: 0x0041, Npk: 1184, Nenc: 1088, Nsk: 64 }),
  'ML-KEM-1024': Object.freeze({ id: 0x0042, Npk: 1568, Nenc: 1568, Nsk: 64 }),
  'X-Wing': Object.freeze({ id: 0x647a, Npk: 1216, Nenc: 1120, Nsk: 32 }),
});
export const HPKE_KDFS = Object.freeze({
  'HKDF-SHA256': Object.freeze({ id: 0x0001, Nh: 32 }),
  'HKDF-SHA384': Object.freeze({ id: 0x0002, Nh: 48 }),
});
export const HPKE_AEADS = Object.freeze({
  'AES-128-GCM': Object.freeze({ id: 0x0001, Nk: 16, Nn: 12, Nt: 16 }),
  'AES-256-GCM': Object.freeze({ id: 0x0002, Nk: 32, Nn: 12, Nt: 16 }),
  'ChaCha20-Poly1305': Object.freeze({ id: 0x0003, Nk: 32, Nn: 12, Nt: 16 }),
});
export type HpkeKemName = keyof typeof HPKE_KEMS;
export type HpkeKdfName = keyof typeof HPKE_KDFS;
export type HpkeAeadName = keyof typeof HPKE_AEADS;

/** A suite by its parts; KDF HKDF-SHA256 and AEAD AES-256-GCM unless named. */
export interface HpkeSuite {
  readonly kem: HpkeKemName;
  readonly kdf?: HpkeKdfName | undefined;
  readonly aead?: HpkeAeadName | undefined;
}

const KEM_FACTORIES: Readonly<Record<HpkeKemName, HPKE.KEMFactory>> = {
  'ML-KEM-768': Noble.KEM_ML_KEM_768,
  'ML-KEM-1024': Noble.KEM_ML_KEM_1024,
  'X-Wing': Noble.KEM_MLKEM768_X25519,
};
const KDF_FACTORIES: Readonly<Record<HpkeKdfName, HPKE.KDFFactory>> = { 'HKDF-SHA256': Noble.KDF_HKDF_SHA256, 'HKDF-SHA384': Noble.KDF_HKDF_SHA384 };
const AEAD_FACTORIES: Readonly<Record<HpkeAeadName, HPKE.AEADFactory>> = {
  'AES-128-GCM': Noble.AEAD_AES_128_GCM,
  'AES-256-GCM': Noble.AEAD_AES_256_GCM,
  'ChaCha20-Poly1305': Noble.AEAD_ChaCha20Poly1305,
};
/** FIPS 203 / X-Wing key generation from the seed (the public key of a stored seed). */
const KEYGEN: Readonly<Record<HpkeKemName, (seed: Uint8Array) => { publicKey: Uint8Array }>> = {
  'ML-KEM-768': (s) => ml_kem768.keygen(s),
  'ML-KEM-1024': (s) => ml_kem1024.keygen(s),
  'X-Wing': (s) => ml_kem768_x25519.keygen(s),
};

/**
 * Bytes as this realm's Uint8Array: the library checks `instanceof Uint8Array`, which a
 * Uint8Array of another realm (an iframe, node:vm, a test environment's TextEncoder) fails.
 * Copies only such foreign arrays. @throws TypeError for anything that is not a Uint8Array
 */
function own(bytes: Uint8Array, name: string): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (ArrayBuffer.isView(bytes) && Object.prototype.toString.call(bytes) === '[object Uint8Array]') return new Uint8Array(bytes as ArrayLike<number>);
  throw new TypeError(`${name} must be a Uint8Array`);
}
const ownOr = (bytes: Uint8Array | undefined, name: string): Uint8Array => (bytes === undefined ? new Uint8Array(0) : own(bytes, name));
const isBytes = (x: unknown): x is Uint8Array => x instanceof Uint8Array || (ArrayBuffer.isView(x) && Object.prototype.toString.call(x) === '[object Uint8Array]');

const has = (table: object, name: unknown): boolean => typeof name === 'string' && Object.hasOwn(table, name);

/** The suite with its defaults filled in. @throws RangeError for a part this module does not have */
export function hpkeSuite(suite: HpkeKemName | HpkeSuite): Required<HpkeSuite> {
  const s = typeof suite === 'string' ? { kem: suite } : suite;
  const full = { kem: s.kem, kdf: s.kdf ?? 'HKDF-SHA256', aead: s.aead ?? 'AES-256-GCM' } as const;
  if (!has(HPKE_KEMS, full.kem) || !has(HPKE_KDFS, full.kdf) || !has(HPKE_AEADS, full.aead)) throw new RangeError(`not an HPKE suite of this client: ${JSON.stringify(full)}`);
  return Object.freeze(full);
}

/** The suite with these identifiers (as an OHTTP key configuration names them), or undefined. */
export function hpkeSuiteFromIds(kemId: number, kdfId: number, aeadId: number): Required<HpkeSuite> | undefined {
  const find = <T extends string>(table: Readonly<Record<T, { readonly id: number }>>, id: number) => (Object.keys(table) as T[]).find((name) => table[name].id === id);
  const kem = find(HPKE_KEMS, kemId);
  const kdf = find(HPKE_KDFS, kdfId);
  const aead = find(HPKE_AEADS, aeadId);
  return kem && kdf && aead ? hpkeSuite({ kem, kdf, aead }) : undefined;
}

const suites = new Map<string, HPKE.CipherSuite>();
function cipherSuite(suite: HpkeKemName | HpkeSuite): HPKE.CipherSuite {
  const s = hpkeSuite(suite);
  const key = `${s.kem}/${s.kdf}/${s.aead}`;
  let cs = suites.get(key);
  if (!cs) {
    cs = new HPKE.CipherSuite(KEM_FACTORIES[s.kem], KDF_FACTORIES[s.kdf], AEAD_FACTORIES[s.aead]);
    suites.set(key, cs);
  }
  return cs;
}

/** Anything that does not open: one failure, whatever the cause (wrong key, modified enc or ciphertext, other info or aad). */
export class HpkeOpenError extends Error {
  override name = 'HpkeOpenError';
  constructor(options?: { cause?: unknown }) {
    super('HPKE: the message does not open (wrong key, or a modified enc, ciphertext, aad or info)', options);
  }
}

/** A private key held by the library (not extractable): what a fresh key pair opens with. */
export type HpkePrivateKey = HPKE.Key;

/** A key pair: the public key to send, the private key to open with. */
export interface HpkeKeyPair {
  readonly kem: HpkeKemName;
  readonly publicKey: Uint8Array;
  readonly privateKey: HpkePrivateKey;
}

/** A recipient: the private key as its seed (ML-KEM 64 bytes, X-Wing 32), or a key pair of this module. */
export type HpkeRecipientKey = Uint8Array | HpkeKeyPair;

/** The public key of a seed (to register it as the client's kem_key). @throws RangeError for a seed of the wrong length */
export function hpkePublicKey(kem: HpkeKemName, seed: Uint8Array): Uint8Array {
  const spec = HPKE_KEMS[kem];
  if (!spec) throw new RangeError(`not an HPKE KEM of this client: ${String(kem)}`);
  if (!isBytes(seed) || seed.length !== spec.Nsk) throw new RangeError(`an ${kem} seed is ${spec.Nsk} bytes, got ${(seed as Uint8Array | undefined)?.length}`);
  return KEYGEN[kem](own(seed, 'seed')).publicKey;
}

/** A fresh key pair (GenerateKeyPair); its private key never leaves the library. */
export async function hpkeGenerateKeyPair(kem: HpkeKemName): Promise<HpkeKeyPair> {
  const cs = cipherSuite(kem);
  const { publicKey, privateKey } = await cs.GenerateKeyPair(false);
  return Object.freeze({ kem, publicKey: await cs.SerializePublicKey(publicKey), privateKey });
}

/** DeriveKeyPair (draft-ietf-hpke-pq section 3) from input keying material; the private key is extractable (its seed: hpkeSerializePrivateKey). */
export async function hpkeDeriveKeyPair(kem: HpkeKemName, ikm: Uint8Array): Promise<HpkeKeyPair> {
  const cs = cipherSuite(kem);
  const { publicKey, privateKey } = await cs.DeriveKeyPair(own(ikm, 'ikm'), true);
  return Object.freeze({ kem, publicKey: await cs.SerializePublicKey(publicKey), privateKey });
}

/** The seed of an extractable private key (hpkeDeriveKeyPair). */
export async function hpkeSerializePrivateKey(pair: HpkeKeyPair): Promise<Uint8Array> {
  return cipherSuite(pair.kem).SerializePrivateKey(pair.privateKey);
}

async function privateKeyOf(cs: HPKE.CipherSuite, kem: HpkeKemName, recipient: HpkeRecipientKey): Promise<HPKE.Key> {
  if (isBytes(recipient)) {
    const Nsk = HPKE_KEMS[kem].Nsk;
    if (recipient.length !== Nsk) throw new RangeError(`an ${kem} seed is ${Nsk} bytes, got ${recipient.length}`);
    return cs.DeserializePrivateKey(own(recipient, 'seed'), false);
  }
  if (recipient.kem !== kem) throw new RangeError(`an ${recipient.kem} key cannot open an ${kem} message`);
  return recipient.privateKey;
}

export interface HpkeOpenOptions {
  /** RFC 9180 `info`, bound into the key schedule. Default: empty. */
  readonly info?: Uint8Array | undefined;
  /** Associated data of the message. Default: empty. */
  readonly aad?: Uint8Array | undefined;
}

/**
 * Single-shot open (RFC 9180 section 6.1, base mode) of `enc` and `ciphertext` with the
 * recipient's seed or key pair, under `info` and `aad`.
 * @throws HpkeOpenError when it does not open; RangeError for a seed of the wrong length
 */
export async function hpkeOpen(suite: HpkeKemName | HpkeSuite, recipient: HpkeRecipientKey, enc: Uint8Array, ciphertext: Uint8Array, options: HpkeOpenOptions = {}): Promise<Uint8Array> {
  const ctx = await hpkeSetupRecipient(suite, recipient, enc, options);
  return ctx.open(ciphertext, options.aad);
}

/** A recipient context (RFC 9180 section 5.2): opens messages in order; exports secrets (section 5.3). */
export interface HpkeRecipientContext {
  /** @throws HpkeOpenError */
  open(ciphertext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
  export(exporterContext: Uint8Array, length: number): Promise<Uint8Array>;
}

/** SetupBaseR. @throws HpkeOpenError when enc does not decapsulate; RangeError for a seed of the wrong length */
export async function hpkeSetupRecipient(suite: HpkeKemName | HpkeSuite, recipient: HpkeRecipientKey, enc: Uint8Array, options: { readonly info?: Uint8Array | undefined } = {}): Promise<HpkeRecipientContext> {
  const s = hpkeSuite(suite);
  const cs = cipherSuite(s);
  const sk = await privateKeyOf(cs, s.kem, recipient);
  let ctx: HPKE.RecipientContext;
  try {
    if (!isBytes(enc) || enc.length !== HPKE_KEMS[s.kem].Nenc) throw new HPKE.DecapError('wrong enc length');
    ctx = await cs.SetupRecipient(sk, own(enc, 'enc'), { info: ownOr(options.info, 'info') });
  } catch (cause) {
    throw new HpkeOpenError({ cause });
  }
  return Object.freeze({
    async open(ciphertext: Uint8Array, aad?: Uint8Array) {
      try {
        return await ctx.Open(own(ciphertext, 'ciphertext'), ownOr(aad, 'aad'));
      } catch (cause) {
        throw new HpkeOpenError({ cause });
      }
    },
    export: async (exporterContext: Uint8Array, length: number) => ctx.Export(own(exporterContext, 'exporterContext'), length),
  });
}

/** A sender context (RFC 9180 section 5.2): `enc` for the recipient; seals messages in order; exports secrets (section 5.3). */
export interface HpkeSenderContext {
  readonly enc: Uint8Array;
  seal(plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
  export(exporterContext: Uint8Array, length: number): Promise<Uint8Array>;
}

/** SetupBaseS to a public key. @throws RangeError for a public key of the wrong length or one the KEM refuses */
export async function hpkeSetupSender(suite: HpkeKemName | HpkeSuite, recipientPublicKey: Uint8Array, options: { readonly info?: Uint8Array | undefined } = {}): Promise<HpkeSenderContext> {
  const s = hpkeSuite(suite);
  const cs = cipherSuite(s);
  const Npk = HPKE_KEMS[s.kem].Npk;
  if (!isBytes(recipientPublicKey) || recipientPublicKey.length !== Npk) throw new RangeError(`an ${s.kem} public key is ${Npk} bytes`);
  let setup: Awaited<ReturnType<HPKE.CipherSuite['SetupSender']>>;
  try {
    setup = await cs.SetupSender(await cs.DeserializePublicKey(own(recipientPublicKey, 'public key')), { info: ownOr(options.info, 'info') });
  } catch (cause) {
    throw new RangeError(`not a valid ${s.kem} public key`, { cause });
  }
  const { ctx, encapsulatedSecret } = setup;
  return Object.freeze({
    enc: encapsulatedSecret,
    seal: async (plaintext: Uint8Array, aad?: Uint8Array) => ctx.Seal(own(plaintext, 'plaintext'), ownOr(aad, 'aad')),
    export: async (exporterContext: Uint8Array, length: number) => ctx.Export(own(exporterContext, 'exporterContext'), length),
  });
}

/**
 * The KDF and AEAD of a suite, for keys derived outside HPKE from an exported secret (RFC 9458
 * section 4.4: the Oblivious HTTP response): the same @panva/hpke-noble primitives HPKE runs on.
 */
export function hpkeSuitePrimitives(suite: HpkeKemName | HpkeSuite): { readonly kdf: Pick<HPKE.KDF, 'Extract' | 'Expand' | 'Nh'>; readonly aead: Pick<HPKE.AEAD, 'Seal' | 'Open' | 'Nk' | 'Nn' | 'Nt'> } {
  const s = hpkeSuite(suite);
  return Object.freeze({ kdf: KDF_FACTORIES[s.kdf](), aead: AEAD_FACTORIES[s.aead]() });
}
