/**
 * One route = one operation: its schemas, its OpenAPI description, its handler, and what the
 * plumbing must do around it, declared side by side (as Vault's transit paths are, in OpenBao's
 * `sdk/framework/path.go`). This file is the declaration only; the plumbing reads it:
 * pipeline.ts runs a request through it (batch.ts the batch form, audit-trail.ts its audit
 * entry), openapi.ts documents it. Handlers parse nothing and decide nothing: they call one
 * operation (src/operations/) and map its answer.
 *
 * - `scope`: the scope a token needs (403 without it);
 * - `usesAttempt`: whether presenting a token uses one of its attempts (false only for
 *   GET /v1/tokens/current). It is decided from the matched route, so every spelling that
 *   reaches the route (HEAD, which Express answers with the GET route; /v1/TOKENS/current, as
 *   routing is case-insensitive) behaves the same;
 * - `rateClass`: `crypto` for operations that run scheduled cryptography (they may answer
 *   503 crypto-busy, and count their `cost` against the rate limits and a batch's budget), `read`
 *   and `tokens` for the others (one each);
 * - `cost`: what one operation costs in batch units (batch.ts batchUnits), from its algorithm
 *   and the measured cost table (crypto/costs.ts); 1 when absent;
 * - `audit`: the audit event the request records (stores/audit.ts), whatever its outcome;
 * - the problem types it can answer, derived from the declaration (problemsOf), plus the
 *   route's own `extraProblems`; the OpenAPI document shows one example of each.
 * @module
 */
import type { Logger } from 'pino';
import type { Scope } from '../auth/scopes.ts';
import type { OperationContext, Resolved } from '../operations/context.ts';
import type { AuditEvent } from '../stores/audit.ts';
import { PROBLEMS, type ProblemType } from './problems.ts';
import type { z } from './zod.ts';

/** What a handler is given besides its input: the operation's context, and the request's id and logger. */
export interface RouteContext extends OperationContext {
  /** This request's id (X-Request-Id) and its logger, which carries it. */
  readonly requestId: string;
  readonly log: Logger;
}

/** Rate-limit classes: what a request costs against its tenant's and token's limits. */
export type RateClass = 'crypto' | 'read' | 'tokens';

export interface Route<I, R = undefined, K = undefined> {
  readonly method: 'get' | 'post' | 'delete';
  /** OpenAPI form: /v1/tokens/{token_id}. Also the route's label in the metrics. */
  readonly path: string;
  readonly operationId: string;
  readonly tag: string;
  readonly summary: string;
  readonly description: string;
  /** The scope a token needs; null for none (any valid credential). */
  readonly scope: Scope | null;
  /** Whether presenting a token uses one attempt (default true). */
  readonly usesAttempt?: boolean;
  readonly rateClass: RateClass;
  /**
   * The cost of one parsed operation in crypto cost units (crypto/costs.ts costOf: an ML-KEM-768
   * encapsulation on noble is 1), given the key it names; for the batch budget and the rate limits.
   */
  readonly cost?: (input: NoInfer<I>, found: NoInfer<K> | undefined, ctx: RouteContext) => number;
  /** What the request records in the audit trail, whatever its outcome (none when absent). */
  readonly audit?: {
    readonly event: AuditEvent;
    /**
     * What the entry names: the key made (by default the first key resolveKeys found; null for
     * none), the token minted or revoked, the client or session made or ended. `input` is absent when the request failed before it
     * was parsed, `result` when the handler did not return.
     */
    readonly subject?: (
      input: NoInfer<I> | undefined,
      result: NoInfer<R> | undefined,
    ) => { readonly keyId?: string | null; readonly targetTokenId?: string; readonly targetClientId?: string | undefined; readonly targetSessionId?: string | undefined };
    /**
     * The outcome a successful request records, when it is not simply `ok`: a 200 that says no
     * (a challenge validation's `mismatch`, `used` or `expired`) is worth telling apart in the
     * trail. Failed requests record their problem type whatever this says.
     */
    readonly outcome?: (result: NoInfer<R>) => string;
    /**
     * Takes back what a successful handler wrote when its audit entry then cannot be written, so
     * the refused request leaves nothing behind (the token it minted, the key it stored). Best
     * effort: the client is told 503 (or 507) either way.
     */
    readonly undo?: (result: NoInfer<R>, ctx: RouteContext) => Promise<unknown>;
    /**
     * For operations that only take something away (revocation): the answer stands when the
     * entry cannot be written (logged and counted), since a 503 would tell the caller that the
     * token still lives. Everything that gives something out fails closed instead.
     */
    readonly bestEffort?: boolean;
    /**
     * When only some requests are recorded: those for which this answers true, given the parsed
     * input (absent when the request failed before it was parsed) and whether it named a stored
     * key. E.g. AES is recorded when it uses a stored key, not when the caller brings its own.
     */
    readonly onlyWhen?: (input: NoInfer<I> | undefined, namedKey: boolean) => boolean;
  };
  /** Where the input comes from; its schemas are also what OpenAPI shows. */
  readonly request: {
    readonly body?: z.ZodType;
    readonly query?: z.ZodObject;
    readonly params?: z.ZodObject;
  };
  /** Parses the raw input (body, query and params merged, see rawInput) into what the handler gets. */
  readonly input: z.ZodType<I>;
  /**
   * The stored keys the request names. `refs` validates only the fields that name them (a
   * non-strict object schema); when those are well-formed, `resolve` finds the keys through the
   * key service, which answers 404 (not the caller tenant's) or 403 (not in the token's key_ids),
   * before scopes and before the rest is validated (the brief's order of checks). Malformed
   * naming fields resolve nothing and are reported with every other bad field (422). `resolve`
   * answers undefined when the request names no stored key.
   */
  readonly keys?: KeysDeclaration<K>;
  /**
   * The body may also be `{ batch_input: [item, ...] }` (at most MAX_BATCH items of the single
   * form), answered `{ batch_results: [...] }` in input order, each the item's result or
   * `{ error: <problem> }`. One attempt of a token per request.
   */
  readonly batch?: boolean;
  readonly status: 200 | 201 | 204;
  readonly response?: z.ZodType<R>;
  readonly responseDescription: string;
  /** Problem types this operation answers beyond those its declaration implies (problemsOf). */
  readonly extraProblems?: readonly ProblemType[];
  readonly handle: (input: I, ctx: RouteContext, found: K | undefined) => Promise<R>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = Route<any, any, any>;

export interface KeysDeclaration<K> {
  readonly refs: z.ZodType;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly resolve: (refs: any, ctx: RouteContext) => Promise<Resolved<K> | undefined>;
}

/** Declares the key references of a route, typing `resolve`'s argument by the schema. */
export function keyRefs<S extends z.ZodType, K>(refs: S, resolve: (refs: z.output<S>, ctx: RouteContext) => Promise<Resolved<K> | undefined>): KeysDeclaration<K> {
  return { refs, resolve };
}

/** Declares a route; the identity function, there for type inference. */
export function defineRoute<I, R = undefined, K = undefined>(route: Route<I, R, K>): Route<I, R, K> {
  return route;
}

/** Every /v1 route: a credential is needed, requests are limited, and the store may be down. */
const EVERY_ROUTE: readonly ProblemType[] = ['unauthorized', 'rate-limited', 'store-unavailable'];
/** A route with a JSON body: it can be malformed, too large, not JSON, or invalid. */
const WITH_BODY: readonly ProblemType[] = ['malformed-request', 'payload-too-large', 'unsupported-media-type', 'validation-failed'];

/**
 * The problem types a route can answer, from its declaration: every /v1 route 401, 429 and
 * 503; one with a body 400, 413, 415 and 422; one with query or path parameters 422 (and 400
 * for a path that is not valid percent-encoding); one with a scope 403; one naming stored keys
 * 404 and 403 (the token's key restriction); one that is audited (so writes) 507; then the
 * route's extras. In catalogue order.
 */
export function problemsOf(route: AnyRoute): ProblemType[] {
  const types = new Set<ProblemType>(EVERY_ROUTE);
  if (route.request.body) WITH_BODY.forEach((t) => types.add(t));
  if (route.request.query || route.request.params) types.add('validation-failed');
  if (route.request.params) types.add('malformed-request');
  if (route.scope) types.add('forbidden');
  if (route.keys) types.add('not-found').add('forbidden');
  // An audited route writes its entry; a full Redis refuses that (and the route's own writes).
  if (route.audit && !route.audit.bestEffort) types.add('store-full');
  // Cryptography is scheduled fairly among tenants: work that cannot start in time is refused.
  if (route.rateClass === 'crypto') types.add('crypto-busy');
  for (const t of route.extraProblems ?? []) types.add(t);
  return (Object.keys(PROBLEMS) as ProblemType[]).filter((t) => types.has(t));
}

