/** GET /v1/audit: the caller tenant's audit trail, newest first, a page at a time. */
import { AUDIT_CURSOR, AUDIT_EVENTS, AUDIT_MAX_KEY_IDS, type AuditEntry } from '../../stores/audit.ts';
import { listAudit } from '../../operations/audit.ts';
import { defineRoute } from '../route.ts';
import { pageLimitField } from '../schemas.ts';
import { z } from '../zod.ts';

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 500;

export function auditListRoute() {
  const query = z.strictObject({
    cursor: z
      .string()
      .regex(AUDIT_CURSOR, 'must be a next_cursor returned by GET /v1/audit')
      .optional()
      .openapi({ description: 'The `next_cursor` of the previous page; omit for the newest entries.' }),
    limit: pageLimitField(AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, 'Entries'),
  });
  const entry = z
    .object({
      id: z.string().openapi({ description: 'Unique and increasing within the tenant.', example: '1764620000000-0' }),
      time: z.string().openapi({ description: 'RFC 3339 UTC.', example: '2026-12-01T20:13:20.000Z' }),
      tenant: z.string().openapi({ example: 'alice' }),
      operation: z.enum(AUDIT_EVENTS).openapi({ example: 'kem.decapsulate' }),
      outcome: z.string().openapi({ description: '`ok`, or the problem type the request was answered with (`not-found`, `forbidden`, ...); for `challenges.validate` answered 200, `ok` when valid, else the reason (`mismatch`, `used`, `expired`).', example: 'ok' }),
      request_id: z.string().openapi({
        description: "The server's own id of the request (never one the client chose): the X-Request-Id it answered when the client sent none, else `server_request_id` in its log lines.",
        example: '5f0c6f2e-8d5b-4b0e-9d43-2a6f1c0de001',
      }),
      client_request_id: z.string().nullable().openapi({ description: 'The X-Request-Id the client sent (kept as the answer\'s X-Request-Id), as the client chose it; null when it sent none.', example: null }),
      token_id: z.string().nullable().openapi({ description: 'The token that made the request; null for an API key.', example: 'mC2sX0b5t4vXkq9Yw3m0Qg' }),
      key_id: z.string().nullable().openapi({ description: "The (first) stored key used or made; null when none (or the tenant's default signing key).", example: 'kem_3q2-7wAAAAC6vr6-vr6-vg' }),
      key_ids: z.array(z.string()).openapi({ description: `Every stored key the request named, each once (at most ${AUDIT_MAX_KEY_IDS}); \`key_id\` is the first.`, example: ['kem_3q2-7wAAAAC6vr6-vr6-vg'] }),
      item_count: z.number().int().openapi({ description: "1, or a batch's number of items; for `audit.suppressed`, the items of the entries it counts.", example: 1 }),
      suppressed: z.number().int().openapi({ description: 'For `audit.suppressed`: how many entries of the token, past AUDIT_ENTRIES_PER_TOKEN_PER_MINUTE in that minute, it counts; 0 otherwise.', example: 0 }),
      target_token_id: z.string().nullable().openapi({ description: 'The token minted or revoked; null for key use.', example: null }),
      client_id: z.string().nullable().openapi({ description: 'The registered client that made the request (signed with its key, or with a token issued to it); null otherwise.', example: null }),
      target_client_id: z.string().nullable().openapi({ description: 'The client registered or deleted (clients.register, clients.delete); null otherwise.', example: null }),
      target_session_id: z.string().nullable().openapi({ description: 'The session opened or ended (sessions.open, sessions.end); null otherwise.', example: null }),
    })
    .openapi('AuditEntry');
  const response = z
    .object({
      entries: z.array(entry).openapi({ description: 'Newest first.' }),
      next_cursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next (older) page; null when there is none.', example: '1764619990000-3' }),
    })
    .openapi('AuditListResponse');

  return defineRoute({
    method: 'get',
    path: '/v1/audit',
    operationId: 'auditList',
    tag: 'Audit',
    summary: "Page through the tenant's audit trail",
    description:
      "Every use of a stored key (decapsulation, key-pair creation, signing with the tenant's key) and every token mint or revocation of the caller's tenant, newest first: time, operation, outcome, the server's and the client's request ids, the token that acted, the keys and the token concerned. Never a secret. Security events (keys and tokens made, rotated, deleted, revoked) and use entries are kept apart, the newest AUDIT_MAX_SECURITY_ENTRIES and AUDIT_MAX_ENTRIES per tenant; a token's use entries past AUDIT_ENTRIES_PER_TOKEN_PER_MINUTE are counted in one `audit.suppressed` entry. A token restricted to key_ids sees only entries naming its keys (other keys left out) and those of its own lineage; its pages may then hold fewer than `limit` entries before the last. See docs/observability.md.",
    scope: 'audit:read',
    rateClass: 'read',
    request: { query },
    // The query schema has converted the strings already (see rawInput).
    input: z.strictObject({ cursor: z.string().optional(), limit: z.number().int().optional() }),
    status: 200,
    response,
    responseDescription: 'A page of entries.',
    async handle(input, ctx) {
      const page = await listAudit(ctx, { cursor: input.cursor, limit: input.limit ?? AUDIT_PAGE_DEFAULT });
      return { entries: page.entries.map(toJson), next_cursor: page.nextCursor };
    },
  });
}

function toJson(e: AuditEntry) {
  return {
    id: e.id,
    time: new Date(e.timeMs).toISOString(),
    tenant: e.tenant,
    operation: e.operation,
    outcome: e.outcome,
    request_id: e.requestId,
    client_request_id: e.clientRequestId,
    token_id: e.tokenId,
    key_id: e.keyId,
    key_ids: [...e.keyIds],
    item_count: e.itemCount,
    suppressed: e.suppressed,
    target_token_id: e.targetTokenId,
    client_id: e.clientId ?? null,
    target_client_id: e.targetClientId ?? null,
    target_session_id: e.targetSessionId ?? null,
  };
}
