/**
 * A stored key's public description, as GET /v1/keys and GET /v1/keys/{key_id} answer it: never
 * secret material (no sealed seeds, no shared key bytes).
 * @module
 */
import type { StoredKey } from '../stores/keys.ts';
import { KEY_TYPES } from '../stores/keys.ts';
import { examples } from './examples.ts';
import { expiresAtField, toExpiresAt } from './schemas.ts';
import { z } from './zod.ts';

export const KeyDescriptionSchema = z
  .object({
    key_id: z.string().openapi({ example: 'dsa_3q2-7wAAAAC6vr6-vr6-vg' }),
    type: z.enum(KEY_TYPES).openapi({ description: '`kem` (a KEM key pair), `dsa` (a signing key) or `shared` (a stored shared key).', example: 'dsa' }),
    algorithm: z.string().openapi({ description: 'e.g. ML-KEM-768, X-Wing, ML-DSA-65, SLH-DSA-SHA2-128s; AES-256-GCM for a stored shared key.', example: 'ML-DSA-65' }),
    created_at: z.string().openapi({ description: 'RFC 3339 UTC.', example: '2026-12-01T20:13:20.000Z' }),
    expires_at: expiresAtField(),
    pk: z.string().optional().openapi({ description: 'The public key (for a signing key: of its newest version), base64. Absent for a shared key.', example: examples().dsaPublicKey }),
    version: z.number().int().optional().openapi({ description: 'Signing keys: the newest version, the one that signs.', example: 1 }),
    versions: z
      .array(z.object({ version: z.number().int(), pk: z.string(), created_at: z.string() }))
      .optional()
      .openapi({ description: 'Signing keys: every version, oldest first; each still verifies.' }),
    origin_key_id: z.string().optional().openapi({ description: 'Stored shared keys from decapsulation: the KEM key they came from.', example: 'kem_3q2-7wAAAAC6vr6-vr6-vg' }),
  })
  .openapi('KeyDescription');

export type KeyDescription = z.output<typeof KeyDescriptionSchema>;

export function describeKey(key: StoredKey): KeyDescription {
  const newest = key.versions[key.versions.length - 1]!;
  return {
    key_id: key.id,
    type: key.type,
    algorithm: key.algorithm,
    created_at: key.createdAt,
    expires_at: toExpiresAt(key.expiresAtMs),
    ...(key.type !== 'shared' ? { pk: newest.publicKey } : {}),
    ...(key.type === 'dsa'
      ? { version: newest.version, versions: key.versions.map((v) => ({ version: v.version, pk: v.publicKey, created_at: v.createdAt })) }
      : {}),
    ...(key.origin !== undefined ? { origin_key_id: key.origin } : {}),
  };
}
