/** GET /v1/keys: the caller tenant's stored keys, a page at a time. */
import { KEY_TYPES } from '../../stores/keys.ts';
import { describeKey, KeyDescriptionSchema } from '../key-view.ts';
import { listKeys } from '../../operations/keys.ts';
import { defineRoute } from '../route.ts';
import { pageLimitField } from '../schemas.ts';
import { z } from '../zod.ts';

export const KEYS_PAGE_DEFAULT = 50;
export const KEYS_PAGE_MAX = 500;

/** The store's cursor, opaque to callers: base64url of "<created ms> <id>", as both stores make it. */
const CURSOR = /^[A-Za-z0-9_-]{1,200}$/;
const STORE_CURSOR = /^\d{1,16}(\.\d+)? (kem|dsa|sk)_[A-Za-z0-9_-]{22}$/;
const encodeCursor = (cursor: string) => Buffer.from(cursor).toString('base64url');

export function keysListRoute() {
  const query = z.strictObject({
    type: z.enum(KEY_TYPES).optional().openapi({ description: 'Only keys of this type: `kem`, `dsa` or `shared`.', example: 'kem' }),
    cursor: z
      .string()
      .regex(CURSOR, 'must be a next_cursor returned by GET /v1/keys')
      .transform((text, ctx) => {
        const decoded = Buffer.from(text, 'base64url').toString();
        if (!STORE_CURSOR.test(decoded)) {
          ctx.addIssue({ code: 'custom', message: 'must be a next_cursor returned by GET /v1/keys' });
          return z.NEVER;
        }
        return decoded;
      })
      .optional()
      .openapi({ type: 'string', description: 'The `next_cursor` of the previous page; omit for the first page.' }),
    limit: pageLimitField(KEYS_PAGE_DEFAULT, KEYS_PAGE_MAX, 'Keys'),
  });
  const response = z
    .object({
      keys: z.array(KeyDescriptionSchema).openapi({ description: "The tenant's own keys (never the attestation key), oldest first." }),
      next_cursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last.', example: null }),
    })
    .openapi('KeysListResponse');

  return defineRoute({
    method: 'get',
    path: '/v1/keys',
    operationId: 'keysList',
    tag: 'Keys',
    summary: "List the tenant's stored keys",
    description:
      "The caller tenant's stored keys (KEM key pairs, signing keys, stored shared keys), public descriptions only, in creation order, a page at a time. Expired and deleted keys are not listed. A page may hold fewer than `limit` keys (when filtering by `type`) and still have a `next_cursor`.",
    scope: 'keys:read',
    rateClass: 'read',
    request: { query },
    // The query schema has converted the strings already (see rawInput).
    input: z.strictObject({ type: z.enum(KEY_TYPES).optional(), cursor: z.string().optional(), limit: z.number().int().optional() }),
    status: 200,
    response,
    responseDescription: 'A page of keys.',
    async handle(input, ctx) {
      const page = await listKeys(ctx, { type: input.type, cursor: input.cursor, limit: input.limit ?? KEYS_PAGE_DEFAULT });
      return { keys: page.keys.map(describeKey), next_cursor: page.nextCursor === null ? null : encodeCursor(page.nextCursor) };
    },
  });
}
