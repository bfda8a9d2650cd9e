/**
 * Signatures below HTTP: making a signing key, signing with a stored key or the tenant's default
 * one (the default-key rule for restricted tokens lives here), and verifying under a given public
 * key or a stored key's versions. Routes, /v1 and the seed vendor's, only map these answers.
 * @module
 */
import { DSA_SIZES, dsaAlgorithmsMatching, type DsaAlgorithm } from '../crypto/algorithms.ts';
import { KeyForbiddenError } from '../keys/errors.ts';
import type { SigningKey } from '../keys/service.ts';
import type { StoredKey, StoredSigningKey } from '../stores/keys.ts';
import { cryptoJob, type OperationContext, type Resolved } from './context.ts';
import { InvalidInputError, NotAllowedError } from './errors.ts';

/** A new signing key (version 1); its secret stays in the service. */
export function createSigningKey(ctx: OperationContext, input: { readonly algorithm: DsaAlgorithm; readonly expiresIn?: number | undefined }) {
  return ctx.services.keys.createDsaKey(ctx.principal.tenant, input.algorithm, input.expiresIn, cryptoJob(ctx));
}

/** The signing key a request names by id, of the caller's tenant (404) and allowed to it (403); undefined for none. */
export async function resolveSigningKey({ principal, services }: OperationContext, keyId: string | undefined, field = 'key_id'): Promise<Resolved<StoredSigningKey> | undefined> {
  if (keyId === undefined) return undefined;
  const key = await services.keys.resolve(principal, ['dsa'], { id: keyId, field });
  return { keyIds: [key.id], found: key };
}

export interface SignInput {
  readonly data: Uint8Array;
  readonly context?: Uint8Array | undefined;
  /** The set the caller believes the key is (the vendor's current client sends it): must be the key's. */
  readonly algorithm?: DsaAlgorithm | undefined;
}

export interface Signed {
  readonly signature: Uint8Array;
  /** The key and version that signed (the newest). */
  readonly signer: SigningKey;
}

/**
 * Signs with the newest version of `named`, or without it with the tenant's default ML-DSA-65
 * key, made on first use. The default key is a stored key too: a token limited to some keys signs
 * with it only when it is one of them, and such a token never has it made (a refused request
 * writes nothing). Called after the scope check, so a token without dsa:sign is refused for that.
 */
export async function sign(ctx: OperationContext, named: StoredKey | undefined, input: SignInput): Promise<Signed> {
  const { principal, services } = ctx;
  if (!named && principal.keyIds) {
    const existing = await services.keys.findDefaultSigningKey(principal.tenant);
    if (!existing) throw new NotAllowedError("This credential may not use the tenant's default signing key: it is not in the token's key_ids.");
    if (!principal.keyIds.includes(existing.id)) throw new KeyForbiddenError(existing.id, 'the default signing key');
  }
  if (named && input.algorithm && input.algorithm !== named.algorithm) throw new InvalidInputError('algorithm', `is ${named.algorithm} for ${named.id}, not ${input.algorithm}`);
  const key = named ?? (await services.keys.defaultSigningKey(principal.tenant));
  if (!named) ctx.lifecycle?.seen([key.id]); // just read (or made): as good as a check
  const { signature, key: signer } = await services.keys.sign(key, input.data, input.context, cryptoJob(ctx, [key.id]));
  return { signature, signer };
}

export interface VerifyInput {
  readonly data: Uint8Array;
  readonly signature: Uint8Array;
  readonly context?: Uint8Array | undefined;
  /** A public key given by the caller; with a stored key, it must be one of its versions. */
  readonly pk?: Uint8Array | undefined;
  /** With a stored key: only this version. */
  readonly version?: number | undefined;
  /** The algorithm of `pk`; with a stored key, must be the key's. */
  readonly algorithm?: DsaAlgorithm | undefined;
}

/**
 * Whether the signature verifies: under a stored key (any of its versions, or `version`), or
 * under `pk` with `algorithm`, or without it the only set the lengths of pk and signature fit.
 */
export async function verify(ctx: OperationContext, key: StoredSigningKey | undefined, input: VerifyInput): Promise<boolean> {
  const { services } = ctx;
  const { dsa } = services.crypto;
  if (key) {
    const { algorithm } = key;
    if (input.algorithm && input.algorithm !== key.algorithm) throw new InvalidInputError('algorithm', `is ${key.algorithm} for ${key.id}, not ${input.algorithm}: leave it out with key_id`);
    if (input.signature.length !== DSA_SIZES[algorithm].signature) {
      throw new InvalidInputError('signature', `must be ${DSA_SIZES[algorithm].signature} bytes for ${key.algorithm} (the algorithm of key_id), got ${input.signature.length}`);
    }
    // With pk too (as /v1/dsa/sign answers both), it must be one of the key's versions: that one verifies.
    let version = input.version;
    if (input.pk) {
      const pk = Buffer.from(input.pk).toString('base64');
      const match = key.versions.find((v) => v.publicKey === pk && (version === undefined || v.version === version));
      if (!match) throw new InvalidInputError('pk', `is not the public key of ${key.id}${version === undefined ? '' : ` version ${version}`}: give one of them`);
      version = match.version;
    }
    return (await services.keys.verify(key, input.data, input.signature, input.context, version, cryptoJob(ctx, [key.id]))).verified;
  }
  // Validation has made sure the lengths fit exactly one set when no algorithm is named.
  const algorithm = input.algorithm ?? dsaAlgorithmsMatching({ publicKey: input.pk!.length, signature: input.signature.length })[0]!;
  return dsa.verify(algorithm, input.pk!, input.data, input.signature, input.context, cryptoJob(ctx));
}
