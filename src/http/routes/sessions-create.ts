/**
 * POST /v1/sessions: a registered client logs in (a request signed with its own key, RFC 9421)
 * with a fresh session KEM public key, and gets a token sealed to that key (docs/clients.md).
 */
import { SCOPES } from '../../auth/scopes.ts';
import { ALGORITHMS } from '../../crypto/algorithms.ts';
import { openSession } from '../../operations/sessions.ts';
import { LOGIN_INFO_HPKE_INFO, SESSION_KEMS } from '../../sessions/service.ts';
import { defineRoute } from '../route.ts';
import { base64Bytes } from '../schemas.ts';
import { z } from '../zod.ts';

/** The token settings a session's token is made under (TOKEN_DEFAULT_TTL_SECONDS, ...), as for POST /v1/tokens. */
export interface SessionTokenLimits {
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
  readonly maxAttempts: number;
}

export function sessionsCreateRoute(limits: SessionTokenLimits) {
  const body = z
    .strictObject({
      session_kem: z.enum(SESSION_KEMS).default('X-Wing').openapi({ description: 'The KEM of `session_pk` (HPKE, draft-ietf-hpke-pq): X-Wing (default) or ML-KEM-768.', example: 'X-Wing' }),
      session_pk: base64Bytes({
        description: 'A fresh public key of `session_kem` (base64), made for this login: `login_info` is sealed to it. Throw its secret away once login_info is open (forward secrecy).',
        example: 'paste a fresh X-Wing public key',
        lengths: [...new Set(SESSION_KEMS.map((k) => ALGORITHMS[k].sizes.publicKey))],
        what: 'an X-Wing or ML-KEM-768 public key',
      }),
      device_description: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').openapi({ description: 'What the client is, for the open-sessions overview (GET /v1/sessions).', example: 'laptop, pqc CLI' }),
      expiry_time: z
        .number()
        .int('must be an integer')
        .min(1, 'must be at least 1')
        .max(limits.maxTtlSeconds, `must be at most ${limits.maxTtlSeconds}`)
        .optional()
        .openapi({ description: `The session's (and its token's) lifetime in seconds (default ${limits.defaultTtlSeconds}); never past the client's own expiry.`, example: 3600 }),
      expire_after_attempts: z
        .number()
        .int('must be an integer')
        .min(1, 'must be at least 1')
        .max(limits.maxAttempts, `must be at most ${limits.maxAttempts}`)
        .optional()
        .openapi({ description: "How many requests the session's token may make; omit for a token limited by time only.", example: 1000 }),
      scopes: z.array(z.enum(SCOPES)).max(SCOPES.length * 2).optional().openapi({ description: "The token's scopes: a subset of the client's (default: all of them).", example: ['dsa:sign'] }),
    })
    .openapi('SessionCreateRequest');
  const response = z
    .object({
      session_id: z.string().openapi({ example: 'ss_3q2-7wAAAAC6vr6-vr6-vg' }),
      login_info: z.string().openapi({
        description: `base64(enc || ciphertext): HPKE (RFC 9180 base mode; session_kem, HKDF-SHA256, AES-256-GCM; info "${LOGIN_INFO_HPKE_INFO}") to session_pk, opening to JSON { session_id, client_id, token, token_id, expires_at, attempts_left, scopes }.`,
        example: 'base64...',
      }),
      login_info_signature: z.string().openapi({
        description: 'base64 ML-DSA-65 signature by the tenant\'s attestation key (GET /v1/keys/attestation; the `verification_key` of key pairs) over the login_info bytes, with FIPS 204 context "pq-crypto-api/v1/login-info".',
        example: 'base64...',
      }),
    })
    .openapi('SessionCreateResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/sessions',
    operationId: 'sessionsCreate',
    tag: 'Clients',
    summary: 'Log in: open a session (signed request)',
    description:
      "A registered client, in a request signed with its own key (RFC 9421; a bearer credential is 403 here), opens a session: a temporary token within the client's scopes and key_ids (expiry and attempts as asked), sealed with HPKE to the fresh `session_pk`, and signed by the tenant's attestation key. The session shows in GET /v1/sessions; DELETE /v1/sessions/{session_id} or deleting the client ends it and its token everywhere. Each session holds a token: QUOTA_LIVE_TOKENS bounds them. See docs/clients.md.",
    scope: null,
    request: { body },
    input: body,
    status: 201,
    response,
    responseDescription: 'The session, its sealed login info and the attestation signature over it.',
    extraProblems: ['quota-exceeded'],
    rateClass: 'crypto',
    audit: {
      event: 'sessions.open',
      subject: (_input, result) => ({ keyId: null, targetSessionId: result?.session_id }),
      undo: (result, { principal, services }) => services.sessions.end(principal.tenant, result.session_id),
    },
    async handle(input, ctx) {
      const opened = await openSession(ctx, {
        kem: input.session_kem,
        sessionPk: input.session_pk,
        deviceDescription: input.device_description,
        expirySeconds: input.expiry_time ?? limits.defaultTtlSeconds,
        attempts: input.expire_after_attempts,
        scopes: input.scopes,
      });
      return { session_id: opened.sessionId, login_info: opened.loginInfo, login_info_signature: opened.loginInfoSignature };
    },
  });
}
