/**
 * POST /v1/tokens: a temporary token that lives `expiry_time` seconds and works for
 * `expire_after_attempts` requests, optionally limited to some scopes and some keys.
 */
import { SCOPES } from '../../auth/scopes.ts';
import { mint, resolveKeyIds } from '../../operations/tokens.ts';
import { defineRoute, keyRefs } from '../route.ts';
import { anyKeyId } from '../schemas.ts';
import { z } from '../zod.ts';

export interface TokenLimits {
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
  readonly maxAttempts: number;
}

/** An integer: a JSON number in the body; digits in the query string. */
const integer = (min: number, max: number, from: 'body' | 'query') =>
  (from === 'body' ? z.number() : z.string().regex(/^-?\d{1,16}$/, 'must be an integer').transform(Number)).pipe(
    z.number().int('must be an integer').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`),
  );

/** At most this many key ids in one token (the schema's limit). */
const MAX_KEY_IDS = 64;

/** A list: a JSON array in the body; comma-separated (or repeated) in the query string. */
const list = <T extends z.ZodType<unknown, string>>(item: T, from: 'body' | 'query') =>
  (from === 'body'
    ? z.array(z.string())
    : z.union([z.array(z.string()), z.string()]).transform((v) => (Array.isArray(v) ? v : v.split(',')).flatMap((s) => s.split(',')).filter(Boolean))
  ).pipe(z.array(item).max(MAX_KEY_IDS, `at most ${MAX_KEY_IDS} entries`));

export function tokensCreateRoute(limits: TokenLimits) {
  // Examples only in the body: Swagger UI sends the query examples it shows, and a query field
  // holds when the body omits it, so an example scope there would quietly narrow the token.
  const fields = (from: 'body' | 'query') => {
    const ex = <T>(value: T) => (from === 'body' ? { example: value } : {});
    return {
      expiry_time: integer(1, limits.maxTtlSeconds, from)
        .optional()
        .openapi({
          type: 'integer',
          description: `Lifetime in seconds (default ${limits.defaultTtlSeconds}, at most ${limits.maxTtlSeconds}). A token minted by a token never outlives its parent: a longer lifetime is cut to the parent's.`,
          ...ex(600),
        }),
      expire_after_attempts: integer(1, limits.maxAttempts, from)
        .optional()
        .openapi({
          type: 'integer',
          description:
            "How many requests the token may make (each request that presents it uses one, whatever its outcome). Omit for a token limited by time only. A token minted by a limited token also uses its parent's attempts, so it gets at most what the parent has left (and that by default).",
          ...ex(3),
        }),
      scopes: list(z.enum(SCOPES), from)
        .optional()
        .openapi({
          type: 'array',
          items: { type: 'string', enum: [...SCOPES] },
          description: "What the token may do: a subset of the caller's scopes (default: all of them). In the query string, comma-separated.",
          ...ex(['kem:decapsulate']),
        }),
      key_ids: list(anyKeyId(), from)
        .optional()
        .openapi({
          type: 'array',
          items: { type: 'string' },
          description: "Restrict the token to these keys of yours (default: the caller's restriction, or none). In the query string, comma-separated.",
          ...ex([]),
        }),
    };
  };
  const body = z.strictObject(fields('body')).openapi('TokenCreateRequest', { example: { expiry_time: 600, expire_after_attempts: 3, scopes: ['kem:decapsulate'] } });
  const query = z.strictObject(fields('query'));
  const response = z
    .object({
      new_token: z.string().openapi({ description: 'The token: send it as `Authorization: Bearer <new_token>`. Secret.', example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...' }),
      token_id: z.string().openapi({ description: 'Names the token for `DELETE /v1/tokens/{token_id}`; not a credential.', example: 'mC2sX0b5t4vXkq9Yw3m0Qg' }),
      expires_at: z.string().openapi({ description: 'RFC 3339 UTC instant after which the token is dead.', example: '2026-11-23T14:10:00.000Z' }),
      attempts_left: z.number().int().nullable().openapi({ description: 'Requests left; null when only time limits the token.', example: 3 }),
      scopes: z.array(z.enum(SCOPES)).openapi({ example: ['kem:decapsulate'] }),
    })
    .openapi('TokenCreateResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/tokens',
    operationId: 'tokensCreate',
    tag: 'Tokens',
    summary: 'Mint a temporary token',
    description:
      'Mints a token for a third party: it lives `expiry_time` seconds, works for `expire_after_attempts` requests, and may be limited to some scopes and some keys. Parameters may come as a JSON body or as query parameters. A token can mint tokens only with the `tokens:create` scope, and never one that outlives or out-scopes it. See docs/tokens.md.',
    scope: 'tokens:create',
    request: { body, query },
    input: body,
    // Each key must be the caller tenant's (404) before anything else; whether the caller may
    // hand it on is mint's to decide (403). A list the schema refuses is left to validation (422)
    // without a single store read.
    keys: keyRefs(z.object({ key_ids: z.array(anyKeyId()).max(MAX_KEY_IDS).optional() }), ({ key_ids }, ctx) => resolveKeyIds(ctx, key_ids)),
    status: 201,
    response,
    responseDescription: 'The new token.',
    extraProblems: ['quota-exceeded'],
    rateClass: 'tokens',
    // The keys the token is restricted to are not used by minting: no key_id.
    audit: {
      event: 'tokens.mint',
      subject: (_input: unknown, result?: { token_id: string }) => ({ targetTokenId: result?.token_id, keyId: null }),
      undo: (result, { principal, services }) => services.tokens.revoke(principal, result.token_id),
    },
    async handle(input, ctx) {
      const minted = await mint(ctx, {
        expirySeconds: input.expiry_time ?? limits.defaultTtlSeconds,
        attempts: input.expire_after_attempts,
        scopes: input.scopes,
        keyIds: input.key_ids,
      });
      return {
        new_token: minted.token,
        token_id: minted.tokenId,
        expires_at: new Date(minted.expiresAtMs).toISOString(),
        attempts_left: minted.attemptsLeft,
        scopes: [...minted.scopes],
      };
    },
  });
}
