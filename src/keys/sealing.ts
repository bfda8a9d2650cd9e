/**
 * Secret keys at rest: each seed is sealed with AES-256-GCM under the master key, with the
 * tenant, the key id and the purpose bound as associated data. A sealed seed copied to another
 * tenant's or another key's record does not open, and a modified one does not open either.
 *
 * The master key itself is never used directly: a sealing key is derived from it with HKDF, so
 * the master key could later serve other purposes under other labels.
 * @module
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { aeadOpen, aeadSeal } from '../crypto/aead.ts';
import { encodeUtf8 } from '../crypto/encoding.ts';

const SEAL_INFO = encodeUtf8('pq-crypto-api/v1/seal-secret-keys');
/** Format version, first byte of every sealed blob, so the scheme can change later. */
const VERSION = 1;

/** Bound into each seal: a seed sealed for one purpose does not open for another. */
export type SealPurpose = 'kem' | 'dsa' | 'attestation' | 'shared';

/** A stored secret key that cannot be unsealed. An internal error (500, logged), not a client's. */
export class SealedKeyError extends Error {
  constructor(keyId: string, reason: string) {
    super(`stored key ${keyId} cannot be unsealed: ${reason}`);
    this.name = 'SealedKeyError';
  }
}

export class Sealer {
  readonly #key: Uint8Array;

  constructor(masterKey: Uint8Array) {
    this.#key = hkdf(sha256, masterKey, new Uint8Array(0), SEAL_INFO, 32);
  }

  seal(seed: Uint8Array, tenant: string, keyId: string, purpose: SealPurpose): Uint8Array {
    const blob = aeadSeal(this.#key, seed, associatedData(tenant, keyId, purpose));
    const out = new Uint8Array(1 + blob.length);
    out[0] = VERSION;
    out.set(blob, 1);
    return out;
  }

  /**
   * @throws SealedKeyError when the blob was not sealed by this master key for this tenant, key
   * and purpose: a server-side fault (most likely a changed MASTER_KEY), never the caller's.
   */
  open(sealed: Uint8Array, tenant: string, keyId: string, purpose: SealPurpose): Uint8Array {
    if (sealed[0] !== VERSION) throw new SealedKeyError(keyId, `unknown format version ${sealed[0]}`);
    try {
      return aeadOpen(this.#key, sealed.subarray(1), associatedData(tenant, keyId, purpose));
    } catch {
      throw new SealedKeyError(keyId, 'it does not open under MASTER_KEY (was MASTER_KEY changed, or the record altered?)');
    }
  }
}

// Length-prefixed fields, so ("ab", "c") and ("a", "bc") cannot produce the same bytes.
function associatedData(tenant: string, keyId: string, purpose: SealPurpose): Uint8Array {
  const parts = [`v${VERSION}`, purpose, tenant, keyId].map(encodeUtf8);
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p.length);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}
