/**
 * How registered clients and login sessions are shown in answers (the response schemas of the
 * client and session routes): public parts only.
 * @module
 */
import { SCOPES } from '../auth/scopes.ts';
import type { ClientRecord } from '../stores/clients.ts';
import type { SessionRecord } from '../stores/sessions.ts';
import { toExpiresAt } from './schemas.ts';
import { z } from './zod.ts';

export const CLIENT_ID = /^cl_[A-Za-z0-9_-]{22}$/;
export const SESSION_ID = /^ss_[A-Za-z0-9_-]{22}$/;

export const clientIdField = () => z.string().regex(CLIENT_ID, 'must be a client_id returned by POST /v1/clients (cl_ and 22 characters)');
export const sessionIdField = () => z.string().regex(SESSION_ID, 'must be a session_id returned by POST /v1/sessions (ss_ and 22 characters)');

const publicKey = (algorithms: readonly string[]) =>
  z.object({
    algorithm: z.enum(algorithms as [string, ...string[]]).openapi({ example: algorithms[0] }),
    pk: z.string().openapi({ description: 'Standard base64 of the public key.', example: 'MIIB...' }),
  });

export const ClientDescriptionSchema = z
  .object({
    client_id: z.string().openapi({ description: 'Names the client: the `keyid` of its signatures.', example: 'cl_3q2-7wAAAAC6vr6-vr6-vg' }),
    name: z.string().openapi({ example: 'billing backend' }),
    signing_key: publicKey(['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87']).openapi({ description: 'The ML-DSA public key its requests are signed with.' }),
    kem_key: publicKey(['ML-KEM-768', 'ML-KEM-1024', 'X-Wing']).nullable().openapi({ description: 'A KEM public key to seal to it (encrypted challenges), or null.' }),
    scopes: z.array(z.enum(SCOPES)).openapi({ description: 'What its signed requests may do.', example: ['dsa:sign'] }),
    key_ids: z.array(z.string()).nullable().openapi({ description: 'The stored keys it may use; null for any key of the tenant.', example: null }),
    created_at: z.string().openapi({ description: 'RFC 3339 UTC.', example: '2026-12-06T09:00:00.000Z' }),
    expires_at: z.string().nullable().openapi({ description: 'When the registration ends (RFC 3339 UTC), or null for never.', example: null }),
  })
  .openapi('ClientDescription');

export function describeClient(c: ClientRecord): z.input<typeof ClientDescriptionSchema> {
  return {
    client_id: c.id,
    name: c.name,
    signing_key: { algorithm: c.signingKey.algorithm, pk: c.signingKey.pk },
    kem_key: c.kemKey ? { algorithm: c.kemKey.algorithm, pk: c.kemKey.pk } : null,
    scopes: [...c.scopes],
    key_ids: c.keyIds ? [...c.keyIds] : null,
    created_at: c.createdAt,
    expires_at: toExpiresAt(c.expiresAtMs),
  };
}

export const SessionDescriptionSchema = z
  .object({
    session_id: z.string().openapi({ example: 'ss_3q2-7wAAAAC6vr6-vr6-vg' }),
    client_id: z.string().openapi({ example: 'cl_3q2-7wAAAAC6vr6-vr6-vg' }),
    device_description: z.string().openapi({ example: 'laptop, pqc CLI' }),
    created_at: z.string().openapi({ description: 'RFC 3339 UTC.', example: '2026-12-06T09:00:00.000Z' }),
    last_used_at: z
      .string()
      .nullable()
      .openapi({ description: "When the session's token was last used (RFC 3339 UTC; exact to a minute: written at most once a minute per instance), or null when never.", example: null }),
    expires_at: z.string().openapi({ description: 'When the session and its token end (RFC 3339 UTC).', example: '2026-12-06T10:00:00.000Z' }),
  })
  .openapi('SessionDescription');

export function describeSession(s: SessionRecord): z.input<typeof SessionDescriptionSchema> {
  return {
    session_id: s.id,
    client_id: s.clientId,
    device_description: s.deviceDescription,
    created_at: s.createdAt,
    last_used_at: s.lastUsedAtMs === null ? null : new Date(s.lastUsedAtMs).toISOString(),
    expires_at: new Date(s.expiresAtMs).toISOString(),
  };
}
