/**
 * X-Wing (draft-connolly-cfrg-xwing-kem-10): the hybrid of ML-KEM-768 and X25519, with the
 * combiner SHA3-256(ss_M || ss_X || ct_X || pk_X || "\.//^\"). Computed by @noble/post-quantum
 * (`ml_kem768_x25519` in hybrid.js) on both backends, since node:crypto has no X-Wing. This file
 * holds the layout of its encodings and the X25519 input check both backends share; kem.ts applies
 * the ML-KEM-768 part's FIPS 203 section 7.2 check (the draft's section 4 demands it).
 *
 * - Encapsulation key pk = pk_M (1184) || pk_X (32); ciphertext ct = ct_M (1088) || ct_X (32);
 *   decapsulation key sk = 32 bytes, expanded with SHAKE256 to (d, z, sk_X) on every use (5.2).
 * - Low-order X25519 points are refused. X25519 of such a point is the all-zero string: the
 *   draft's reference computes on with it, while noble (like libsodium) rejects the point before
 *   the ladder; RFC 7748 section 6.1 allows this check. It is made here, explicitly, so the refusal
 *   is a CryptoInputError naming the field, not a library failure: a pk whose pk_X is low-order
 *   ('pk'), a ciphertext whose ct_X is ('cipher'). An honest encapsulation never yields such a
 *   ct_X (it is ek_X times the base point), and the check reads only public bytes, so refusing
 *   tells a sender nothing about the key.
 * - Decapsulation of a well-formed ciphertext never fails: a modified ct_M gives another key by
 *   ML-KEM's implicit rejection, which the combiner carries through.
 * @module
 */

/** Byte lengths of the two halves (draft section 5.1). */
export const XWING_ML_KEM_PUBLIC_KEY_BYTES = 1184;
export const XWING_ML_KEM_CIPHERTEXT_BYTES = 1088;
export const X25519_BYTES = 32;

/** RFC 7748 section 4.1: p = 2^255 - 19. */
const P = (1n << 255n) - 19n;

/**
 * The u-coordinates of the points whose order divides the cofactor, on Curve25519 and on its
 * twist (0, 1, p - 1, and the two points of order 8): exactly the inputs for which X25519 with a
 * clamped scalar gives zero. The same list as noble-curves' `lowOrderU` and libsodium's
 * blocklist.
 */
const LOW_ORDER_U: ReadonlySet<bigint> = new Set([
  0n,
  1n,
  P - 1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
]);

/**
 * Whether a 32-byte X25519 u-coordinate is a low-order point. It is decoded as RFC 7748 section 5
 * says: little-endian, the top bit masked, reduced mod p (so the non-canonical p and p + 1 count
 * as 0 and 1).
 */
export function isLowOrderX25519(u: Uint8Array): boolean {
  if (u.length !== X25519_BYTES) throw new RangeError(`an X25519 u-coordinate is 32 bytes, got ${u.length}`);
  let value = 0n;
  for (let i = X25519_BYTES - 1; i >= 0; i--) value = (value << 8n) | BigInt(i === X25519_BYTES - 1 ? u[i]! & 0x7f : u[i]!);
  return LOW_ORDER_U.has(value % P);
}
