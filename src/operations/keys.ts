/**
 * Keys as resources below HTTP: the key a path names, listing (a restricted token sees only its
 * keys), rotating and deleting.
 * @module
 */
import { isMlDsaAlgorithm } from '../crypto/algorithms.ts';
import { akpPublicJwk, type AkpPublicJwk } from '../crypto/jwk.ts';
import type { KeyPage, KeyType, StoredKey } from '../stores/keys.ts';
import type { OperationContext, Resolved } from './context.ts';

/** The key a request names by id, of one of `types`, of the caller's tenant (404) and allowed to it (403). */
export async function resolveKey({ principal, services }: OperationContext, types: readonly KeyType[], keyId: string): Promise<Resolved<StoredKey>> {
  const key = await services.keys.resolve(principal, types, { id: keyId, field: 'key_id' });
  return { keyIds: [key.id], found: key };
}

/** One page of the caller tenant's keys; a token restricted to some keys sees only those. */
export async function listKeys({ principal, services }: OperationContext, options: { readonly type?: KeyType | undefined; readonly cursor?: string | undefined; readonly limit: number }): Promise<KeyPage> {
  const page = await services.keys.listKeys(principal.tenant, {
    ...(options.type ? { type: options.type } : {}),
    ...(options.cursor ? { cursor: options.cursor } : {}),
    limit: options.limit,
  });
  const allowed = principal.keyIds;
  return allowed ? { keys: page.keys.filter((k) => allowed.includes(k.id)), nextCursor: page.nextCursor } : page;
}

/** A new version of a signing key, which signs from now on. */
export async function rotateKey({ principal, services }: OperationContext, key: StoredKey) {
  const rotated = await services.keys.rotate(principal.tenant, key);
  services.metrics.cryptoOp(rotated.algorithm, services.crypto.dsa.implementationFor(rotated.algorithm), 'dsa.keygen');
  return rotated;
}

/** Deletes the key everywhere. Deleted by someone else meanwhile: the caller's intent holds, nothing to report. */
export async function deleteKey({ principal, services }: OperationContext, key: StoredKey): Promise<void> {
  await services.keys.deleteKey(principal.tenant, key.id);
}

/**
 * The caller tenant's attestation key as an RFC 9964 AKP JWK (`kid` its RFC 7638 thumbprint), made
 * on first use: the key clients pin to check KEM key attestations with standard JOSE tooling.
 */
export async function attestationKeyJwk({ principal, services }: OperationContext): Promise<AkpPublicJwk> {
  const key = await services.keys.attestationKey(principal.tenant);
  // The attestation key is ML-DSA-65 (keys/service.ts); an SLH-DSA key would have no AKP form here.
  if (!isMlDsaAlgorithm(key.algorithm)) throw new Error(`attestation key ${key.id} is ${key.algorithm}, not ML-DSA`);
  return akpPublicJwk(key.algorithm, key.publicKey, 'sig');
}
