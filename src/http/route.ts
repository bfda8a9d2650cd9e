/**
 * One route = one operation: its schemas, its OpenAPI description, its handler, and what the
 * plumbing must do around it, declared side by side (as Vault's transit paths are). The
 * plumbing reads the declaration; handlers never repeat it:
 *
 * - `scope`: the scope a token needs (403 without it);
 * - `usesAttempt`: whether presenting a token uses one of its attempts (false only for
 *   GET /v1/tokens/current). It is decided from the matched route, so every spelling that
 *   reaches the route (HEAD, which Express answers with the GET route; /v1/TOKENS/current, as
 *   routing is case-insensitive) behaves the same;
 * - `rateClass`: which rate-limit class the request counts against;
 * - `audit`: the audit event the request records (stores/audit.ts), whatever its outcome;
 * - the problem types it can answer, derived from the declaration (problemsOf), plus the
 *   route's own `extraProblems`; the OpenAPI document shows one example of each.
 *
 * `mountRoutes` turns the declarations into an Express router that runs, per route:
 * authentication (401; an unauthenticated request costs no body parsing), then the JSON body
 * parser (only for routes that declare a body: other routes never read one), then the brief's
 * order of checks: the named key (404), scope and key restriction (403), validation (422), and
 * the handler. `documentRoute` turns the same declarations into OpenAPI paths, so the
 * documentation cannot drift from what is enforced.
 * @module
 */
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { Principal, Scope } from '../auth/scopes.ts';
import { KeyForbiddenError } from '../keys/errors.ts';
import { routeLabel } from '../observability/request-context.ts';
import type { Services } from '../services.ts';
import type { AuditEvent } from '../stores/audit.ts';
import { forbidden, pointerFor, Problem, PROBLEMS, problemExample, toProblem, validationFailed, type ProblemType } from './problems.ts';

/** A batch item's problem: the request's id is on the answer, not repeated in each item. */
function withoutRequestId<T extends { request_id?: string }>(body: T): Omit<T, 'request_id'> {
  const { request_id: _id, ...rest } = body;
  return rest;
}
import { z } from './zod.ts';

export interface RouteContext {
  readonly principal: Principal;
  readonly services: Services;
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
  /** What the request records in the audit trail, whatever its outcome (none when absent). */
  readonly audit?: {
    readonly event: AuditEvent;
    /**
     * What the entry names: the key made (by default the first key resolveKeys found; null for
     * none), the token minted or revoked. `input` is absent when the request failed before it
     * was parsed, `result` when the handler did not return.
     */
    readonly subject?: (input: NoInfer<I> | undefined, result: NoInfer<R> | undefined) => { readonly keyId?: string | null; readonly targetTokenId?: string };
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
  readonly resolve: (refs: any, ctx: RouteContext) => Promise<{ readonly keyIds: readonly string[]; readonly found: K } | undefined>;
}

/** Declares the key references of a route, typing `resolve`'s argument by the schema. */
export function keyRefs<S extends z.ZodType, K>(
  refs: S,
  resolve: (refs: z.output<S>, ctx: RouteContext) => Promise<{ readonly keyIds: readonly string[]; readonly found: K } | undefined>,
): KeysDeclaration<K> {
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
  for (const t of route.extraProblems ?? []) types.add(t);
  return (Object.keys(PROBLEMS) as ProblemType[]).filter((t) => types.has(t));
}

const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/**
 * The route's declared inputs merged into one object: query (only where the route declares one),
 * then the body (a body field wins over a query field of the same name), then path parameters,
 * which nothing overrides: `DELETE /v1/tokens/T1` acts on T1 whatever else the request says.
 */
function rawInput(req: Request, declared: Route<unknown>['request']): Record<string, unknown> {
  // Only routes that declare a body have it parsed; for the others req.body stays undefined.
  const body: unknown = declared.body ? req.body : undefined;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw validationFailed([{ pointer: '/', detail: 'the request body must be a JSON object' }]);
  }
  let query: Record<string, unknown> = {};
  if (declared.query) {
    // Query values are strings: the query schema converts them, so the body schema (which wants
    // real numbers and arrays) can check the merged input without loosening its own types.
    const parsed = declared.query.safeParse(req.query);
    if (!parsed.success) throw zodProblem(parsed.error);
    query = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
  }
  const params = declared.params ? { ...req.params } : {};
  return { ...query, ...(body as Record<string, unknown> | undefined), ...params };
}

function hasBody(req: Request): boolean {
  const length = req.get('content-length');
  return (length !== undefined && length !== '0') || req.get('transfer-encoding') !== undefined;
}

export function authorize(principal: Principal, scope: Scope | null): void {
  if (scope && !principal.scopes.includes(scope)) {
    throw forbidden(`This credential does not have the scope ${scope}.`);
  }
}

export function zodProblem(error: z.ZodError): Problem {
  return validationFailed(
    error.issues.flatMap((issue) =>
      // An unknown field is named by its own pointer ("/foo"), not by its parent's ("/").
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ pointer: pointerFor([...issue.path, key]), detail: 'is not a field of this operation' }))
        : [{ pointer: pointerFor(issue.path), detail: issue.message }],
    ),
  );
}

/** What the plumbing needs besides the declarations. */
export interface Plumbing {
  readonly services: Services;
  /** The authentication step (auth/authenticate.ts), using a token's attempt or not. */
  readonly authenticate: (usesAttempt: boolean) => RequestHandler;
  /** The JSON body parser, run only for routes that declare a body. */
  readonly jsonBody: RequestHandler;
}

/**
 * A router with every route under `prefix` (e.g. '/v1', where the router is mounted), then, for
 * requests that matched none: authentication (so an unknown path or a wrong method answers 401
 * to a caller without a valid credential, and routes cannot be probed anonymously; a token
 * presented there uses an attempt), then 405 with Allow for a known path asked with another
 * method. An unknown path falls through (to the app's 404).
 */
export function mountRoutes(routes: readonly AnyRoute[], plumbing: Plumbing, prefix: string): Router {
  const router = express.Router();
  for (const route of routes) mountRoute(router, route, plumbing, prefix);
  router.use(plumbing.authenticate(true));
  mountMethodNotAllowed(router, routes, prefix);
  return router;
}

const relativePath = (route: AnyRoute, prefix: string) => {
  if (!route.path.startsWith(prefix + '/')) throw new Error(`route ${route.path} is not under ${prefix}`);
  return expressPath(route.path.slice(prefix.length));
};

function mountRoute<I, R, K>(router: Router, route: Route<I, R, K>, plumbing: Plumbing, prefix: string): void {
  const { services } = plumbing;
  const audit = route.audit;
  /** What the audit entry of this request names, gathered as the request goes. */
  interface Trail {
    keyIds: readonly string[];
    /** Whether the request named a stored key (well-formed), found or not. */
    namedKey: boolean;
    input?: I;
    result?: R;
    written: boolean;
  }
  const trailOf = (res: Response): Trail => (res.locals.auditTrail ??= { keyIds: [], written: false, namedKey: false }) as Trail;
  const shouldRecord = (trail: Trail) => !audit?.onlyWhen || audit.onlyWhen(trail.input, trail.namedKey);

  const record = (req: Request, res: Response, outcome: string) => writeEntry(req, trailOf(res), outcome);

  const writeEntry = async (req: Request, trail: Trail, outcome: string) => {
    trail.written = true;
    const principal = req.principal!;
    const subject = audit!.subject?.(trail.input, trail.result) ?? {};
    const entry = {
      timeMs: services.clock(),
      tenant: principal.tenant,
      operation: audit!.event,
      outcome,
      requestId: req.serverRequestId,
      clientRequestId: req.clientRequestId,
      tokenId: principal.token?.id ?? null,
      tokenAncestors: principal.token?.ancestors ?? [],
      keyId: subject.keyId !== undefined ? subject.keyId : (trail.keyIds[0] ?? null),
      keyIds: subject.keyId !== undefined ? (subject.keyId === null ? [] : [subject.keyId]) : trail.keyIds,
      itemCount: 1,
      targetTokenId: subject.targetTokenId ?? null,
    };
    try {
      await services.audit.append(entry);
      services.metrics.auditWrite(true);
    } catch (error) {
      services.metrics.auditWrite(false);
      // The entry itself holds no secret: logging it keeps the trail in the logs at least.
      req.log.error({ audit: entry, cause: error instanceof Error ? error.message : String(error) }, 'audit entry not written');
      throw error;
    }
  };

  const label: RequestHandler = (_req, res, next) => {
    routeLabel(res, route.path);
    // For the rate limiter and anything else that needs the matched route's declaration.
    res.locals.route = route;
    next();
  };

  const handler: RequestHandler = async (req, res) => {
    if (route.request.body && hasBody(req) && !req.is('application/json')) {
      throw new Problem('unsupported-media-type', 'Send the body as JSON with Content-Type: application/json.');
    }
    const ctx: RouteContext = { principal: req.principal!, services, requestId: req.id, log: req.log };
    const trail = trailOf(res);
    const raw = rawInput(req, route.request);
    if (route.batch && 'batch_input' in raw) return runBatch(req, res, raw, ctx);
    const result = await runOne(raw, ctx, trail);
    // Fails closed: when the entry cannot be written, the answer (a shared key, a new token) is
    // not given; the client gets 503 (as Vault refuses a request its audit device cannot log),
    // and what the handler wrote is taken back.
    if (audit && shouldRecord(trail)) {
      try {
        await record(req, res, 'ok');
      } catch (error) {
        if (audit.bestEffort) return send(res, result);
        await audit.undo?.(result, ctx).catch((undoError: unknown) => {
          req.log.error({ cause: undoError instanceof Error ? undoError.message : String(undoError) }, 'could not take back the refused request');
        });
        throw error;
      }
    }
    send(res, result);
  };

  /** One operation: the named keys (404, 403), the scope (403), validation (422), the handler. */
  const runOne = async (raw: Record<string, unknown>, ctx: RouteContext, trail: Trail): Promise<R> => {
    /** A key refused to the credential is named in the audit entry of the refusal. */
    const nameRefusedKey = (error: unknown): never => {
      if (error instanceof KeyForbiddenError) trail.keyIds = [error.keyId];
      throw error;
    };
    let found: K | undefined;
    if (route.keys) {
      const refs = route.keys.refs.safeParse(raw);
      if (refs.success) {
        trail.namedKey = true;
        const resolved = await route.keys.resolve(refs.data, ctx).catch(nameRefusedKey);
        if (resolved) {
          trail.keyIds = resolved.keyIds;
          found = resolved.found;
        } else {
          trail.namedKey = false;
        }
      }
    }
    authorize(ctx.principal, route.scope);
    const parsed = route.input.safeParse(raw);
    if (!parsed.success) throw zodProblem(parsed.error);
    trail.input = parsed.data;
    const result = await route.handle(parsed.data, ctx, found).catch(nameRefusedKey);
    trail.result = result;
    return result;
  };

  /**
   * The batch form: the scope once, then each item as the single form would run it, at most
   * MAX_BATCH at a time. An item's client error (404, 403, 409, 422, 400) is its own result; an
   * unavailable or full store, or an internal error, fails the whole request (nothing is
   * answered that the store could not stand behind). Each item that names a stored key is
   * audited as a request of its own would be.
   */
  const runBatch = async (req: Request, res: Response, raw: Record<string, unknown>, ctx: RouteContext) => {
    const max = services.config.maxBatch;
    const items = raw.batch_input;
    const extra = Object.keys(raw).filter((k) => k !== 'batch_input');
    if (extra.length > 0) throw validationFailed(extra.map((k) => ({ pointer: pointerFor(k), detail: 'is not a field of a batch request: put it in each item of batch_input' })));
    if (!Array.isArray(items) || items.length === 0 || items.length > max) {
      throw validationFailed([{ pointer: '/batch_input', detail: `must be an array of 1 to ${max} items (MAX_BATCH)` }]);
    }
    const notObjects = items.flatMap((item, i) => (typeof item === 'object' && item !== null && !Array.isArray(item) ? [] : [{ pointer: `/batch_input/${i}`, detail: 'must be an object of the single form' }]));
    if (notObjects.length > 0) throw validationFailed(notObjects);
    authorize(ctx.principal, route.scope);
    trailOf(res).written = true; // entries are written per item below
    const outcomes = await Promise.all(
      (items as Record<string, unknown>[]).map(async (item, index) => {
        const trail: Trail = { keyIds: [], written: false, namedKey: false };
        try {
          const result = await runOne({ ...item }, ctx, trail);
          return { ok: true as const, index, result, trail };
        } catch (error) {
          return { ok: false as const, index, error, problem: toProblem(error), trail };
        }
      }),
    );
    // Every item has finished (none is still writing): an item the store or a bug failed fails
    // the whole request, and what the other items wrote is taken back.
    const fatal = outcomes.find((o) => !o.ok && o.problem.status >= 500);
    if (fatal && !fatal.ok) {
      for (const o of outcomes) if (o.ok) await audit?.undo?.(o.result, ctx).catch(() => {});
      throw fatal.error;
    }
    if (audit) {
      try {
        for (const o of outcomes) {
          if (shouldRecord(o.trail)) await writeEntry(req, o.trail, o.ok ? 'ok' : o.problem.type);
        }
      } catch (error) {
        if (!audit.bestEffort) {
          // As for a single request: what was given out is taken back, and nothing is answered.
          for (const o of outcomes) if (o.ok) await audit.undo?.(o.result, ctx).catch(() => {});
          throw error;
        }
      }
    }
    res.status(200).json({
      batch_results: outcomes.map((o) =>
        o.ok ? (route.response ? route.response.parse(o.result) : {}) : { error: withoutRequestId(o.problem.body(req.id)) },
      ),
    });
  };

  const send = (res: Response, result: R) => {
    res.status(route.status);
    if (route.status === 204 || !route.response) {
      res.end();
      return;
    }
    // Serialising through the response schema drops anything not declared (no accidental disclosure).
    res.json(route.response.parse(result));
  };

  /**
   * A request that failed after authentication is recorded with its problem type. If that entry
   * cannot be written either, the failure is logged and counted, and the client still gets the
   * original problem: nothing was given out.
   */
  const recordFailure: ErrorRequestHandler = async (err, req, res, next) => {
    if (req.principal && !trailOf(res).written && shouldRecord(trailOf(res))) {
      try {
        await record(req, res, toProblem(err).type);
      } catch {
        // logged and counted by record()
      }
    }
    next(err);
  };

  const chain: (RequestHandler | ErrorRequestHandler)[] = [label, plumbing.authenticate(route.usesAttempt ?? true)];
  if (route.request.body) chain.push(plumbing.jsonBody);
  chain.push(handler);
  if (audit) chain.push(recordFailure);
  router[route.method](relativePath(route, prefix), ...chain);
}

/** After the routes: a known path asked with another method is 405 with an Allow header. */
function mountMethodNotAllowed(router: Router, routes: readonly AnyRoute[], prefix: string): void {
  const methods = new Map<string, string[]>();
  for (const route of routes) {
    // Express answers HEAD with the GET route.
    const verbs = route.method === 'get' ? ['GET', 'HEAD'] : [route.method.toUpperCase()];
    methods.set(route.path, [...(methods.get(route.path) ?? []), ...verbs]);
  }
  for (const [path, allowed] of methods) {
    router.all(expressPath(path.slice(prefix.length)), (req, res) => {
      routeLabel(res, path);
      res.setHeader('Allow', allowed.join(', '));
      throw new Problem('method-not-allowed', `${req.method} is not allowed here; use ${allowed.join(' or ')}.`);
    });
  }
}

const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:pq-crypto-api:problem:validation-failed' }),
    title: z.string().openapi({ example: 'Validation failed' }),
    status: z.number().int().openapi({ example: 422 }),
    detail: z.string().openapi({ example: 'must decode to 800, 1184 or 1568 bytes (an ML-KEM public key), got 12' }),
    errors: z
      .array(z.object({ pointer: z.string().openapi({ example: '/pk' }), detail: z.string() }))
      .optional()
      .openapi({ description: 'For 422: every invalid field, as a JSON pointer into the request.' }),
    request_id: z.string().openapi({ description: "The request's X-Request-Id: quote it to find the request in the logs and the audit trail.", example: '5f0c6f2e-8d5b-4b0e-9d43-2a6f1c0de001' }),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details.' });

/** The name under which a problem type's example is a component of the document. */
const exampleRef = (type: ProblemType) => ({ $ref: `#/components/examples/${type}` });

/**
 * Registers one example per problem type of the catalogue (components.examples), each with its
 * own status, type and title; operations refer to the ones they can answer.
 */
export function documentProblems(registry: OpenAPIRegistry): void {
  for (const type of Object.keys(PROBLEMS) as ProblemType[]) {
    registry.registerComponent('examples', type, { summary: PROBLEMS[type].title, value: problemExample(type) });
  }
}

/** The batch form of a route's body and response, for the document. */
function batchSchemas(route: AnyRoute, maxBatch: number) {
  const name = route.operationId[0]!.toUpperCase() + route.operationId.slice(1);
  const request = z
    .strictObject({
      batch_input: z.array(route.request.body!).min(1).max(maxBatch).openapi({ description: `1 to ${maxBatch} items (MAX_BATCH), each a request of the single form.` }),
    })
    .openapi(`${name}BatchRequest`, { description: 'The batch form: one attempt of a token for the whole request.' });
  const response = z
    .object({
      batch_results: z
        .array(z.union([route.response!, z.object({ error: ProblemSchema.omit({ request_id: true }) }).openapi({ description: "This item's problem, as the single form would have answered it." })]))
        .openapi({ description: 'One per item, in input order: its result, or `{ error }`.' }),
    })
    .openapi(`${name}BatchResponse`);
  return { request, response };
}

export function documentRoute<I, R, K>(registry: OpenAPIRegistry, route: Route<I, R, K>, maxBatch = 100): void {
  const batch = route.batch && route.request.body && route.response ? batchSchemas(route as AnyRoute, maxBatch) : undefined;
  const success = batch ? z.union([route.response!, batch.response]) : route.response;
  const responses: RouteConfig['responses'] = {
    [route.status]: success && route.status !== 204
      ? { description: route.responseDescription, content: { 'application/json': { schema: success } } }
      : { description: route.responseDescription },
  };
  const byStatus = new Map<number, ProblemType[]>();
  for (const type of problemsOf(route as AnyRoute)) {
    const status = PROBLEMS[type].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), type]);
  }
  for (const [status, types] of byStatus) {
    responses[status] = {
      description: types.map((t) => PROBLEMS[t].title).join('; '),
      content: {
        'application/problem+json': {
          schema: ProblemSchema,
          examples: Object.fromEntries(types.map((t) => [t, exampleRef(t)])),
        },
      },
    };
  }
  const notes = [
    route.scope ? `Scope: \`${route.scope}\`.` : 'Scope: none (any valid credential).',
    route.usesAttempt === false ? 'Uses no attempt of a token.' : 'Uses one attempt of a token.',
    ...(route.audit ? [`Recorded in the audit trail as \`${route.audit.event}\`${route.audit.onlyWhen ? ' when it uses or makes a stored key' : ''}, whatever the outcome.`] : []),
    ...(batch ? [`Batch form: \`{ "batch_input": [ ... ] }\` (at most ${maxBatch} items) answers \`{ "batch_results": [ ... ] }\`, each item its result or \`{ "error": <problem> }\`; one attempt for the whole request.`] : []),
  ];
  registry.registerPath({
    method: route.method,
    path: route.path,
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: `${route.description}\n\n${notes.join(' ')}`,
    security: [{ bearerAuth: [] }],
    request: {
      // A body is required when an empty one would not do (keypair's has only defaults).
      ...(route.request.body
        ? {
            body: {
              required: !route.request.body.safeParse({}).success,
              content: { 'application/json': { schema: batch ? z.union([route.request.body, batch.request]) : route.request.body } },
            },
          }
        : {}),
      ...(route.request.query ? { query: route.request.query } : {}),
      ...(route.request.params ? { params: route.request.params } : {}),
    },
    responses,
  });
}
