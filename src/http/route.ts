/**
 * One route = one operation: its schemas, its OpenAPI description and its handler, declared side
 * by side (as Vault's transit paths are). `mountRoute` turns a declaration into an Express handler
 * that runs the brief's order of checks, and `documentRoute` into its OpenAPI path, from the same
 * schemas, so the documentation cannot drift from what is enforced.
 *
 * Order of checks: authentication (401, done before this, in auth/authenticate.ts), then the
 * named key (404), then scope and key restriction (403), then validation of the rest (422).
 * @module
 */
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Request, Router } from 'express';
import type { Principal, Scope } from '../auth/scopes.ts';
import type { Services } from '../services.ts';
import { forbidden, pointerFor, Problem, PROBLEMS, validationFailed, type ProblemType } from './problems.ts';
import { z } from './zod.ts';

export interface RouteContext {
  readonly principal: Principal;
  readonly services: Services;
}

export interface Route<I, R = undefined, K = undefined> {
  readonly method: 'get' | 'post' | 'delete';
  /** OpenAPI form: /v1/tokens/{token_id}. */
  readonly path: string;
  readonly operationId: string;
  readonly tag: string;
  readonly summary: string;
  readonly description: string;
  /** The scope a token needs; null for none (any valid credential). */
  readonly scope: Scope | null;
  /** Where the input comes from; its schemas are also what OpenAPI shows. */
  readonly request: {
    readonly body?: z.ZodType;
    readonly query?: z.ZodObject;
    readonly params?: z.ZodObject;
  };
  /** Parses the raw input (body, query and params merged, see rawInput) into what the handler gets. */
  readonly input: z.ZodType<I>;
  /**
   * Finds the stored keys the request names (404 when the caller's tenant has none by that name),
   * before scopes and before validation. Returns the ids to check against a token's key list, and
   * what was found, which the handler then receives.
   */
  readonly resolveKeys?: (raw: Record<string, unknown>, ctx: RouteContext) => Promise<{ readonly keyIds: readonly string[]; readonly found: K }>;
  readonly status: 200 | 201 | 204;
  readonly response?: z.ZodType<R>;
  readonly responseDescription: string;
  /** Problem types this operation can answer, for the documentation. */
  readonly problems: readonly ProblemType[];
  readonly handle: (input: I, ctx: RouteContext, found: K | undefined) => Promise<R>;
}

/** Declares a route; the identity function, there for type inference. */
export function defineRoute<I, R = undefined, K = undefined>(route: Route<I, R, K>): Route<I, R, K> {
  return route;
}

const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/**
 * The route's declared inputs merged into one object: query (only where the route declares one),
 * then path parameters, then the body (a body field wins over a query field of the same name).
 */
function rawInput(req: Request, declared: Route<unknown>['request']): Record<string, unknown> {
  const body: unknown = req.body;
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
  return { ...query, ...req.params, ...(body as Record<string, unknown> | undefined) };
}

function hasBody(req: Request): boolean {
  const length = req.get('content-length');
  return (length !== undefined && length !== '0') || req.get('transfer-encoding') !== undefined;
}

export function authorize(principal: Principal, scope: Scope | null, keyIds: readonly string[]): void {
  if (scope && !principal.scopes.includes(scope)) {
    throw forbidden(`This credential does not have the scope ${scope}.`);
  }
  const allowed = principal.keyIds;
  if (allowed) {
    const denied = keyIds.filter((id) => !allowed.includes(id));
    if (denied.length > 0) throw forbidden(`This credential may not use key ${denied.join(', ')}.`);
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

export function mountRoute<I, R, K>(router: Router, route: Route<I, R, K>, services: Services): void {
  router[route.method](expressPath(route.path), async (req, res) => {
    if (hasBody(req) && !req.is('application/json')) {
      throw new Problem('unsupported-media-type', 'Send the body as JSON with Content-Type: application/json.');
    }
    const ctx: RouteContext = { principal: req.principal!, services };
    const raw = rawInput(req, route.request);
    const resolved = route.resolveKeys ? await route.resolveKeys(raw, ctx) : undefined;
    authorize(ctx.principal, route.scope, resolved?.keyIds ?? []);
    const parsed = route.input.safeParse(raw);
    if (!parsed.success) throw zodProblem(parsed.error);
    const result = await route.handle(parsed.data, ctx, resolved?.found);
    res.status(route.status);
    if (route.status === 204 || !route.response) {
      res.end();
      return;
    }
    // Serialising through the response schema drops anything not declared (no accidental disclosure).
    res.json(route.response.parse(result));
  });
}

/**
 * After the routes: a known path asked with another method is 405 with an Allow header (an
 * unknown path falls through to 404).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function mountMethodNotAllowed(router: Router, routes: readonly Route<any, any, any>[]): void {
  const methods = new Map<string, string[]>();
  for (const route of routes) methods.set(route.path, [...(methods.get(route.path) ?? []), route.method.toUpperCase()]);
  for (const [path, allowed] of methods) {
    router.all(expressPath(path), (req, res) => {
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
  })
  .openapi('Problem', { description: 'RFC 9457 problem details.' });

export function documentRoute<I, R, K>(registry: OpenAPIRegistry, route: Route<I, R, K>): void {
  const responses: RouteConfig['responses'] = {
    [route.status]: route.response && route.status !== 204
      ? { description: route.responseDescription, content: { 'application/json': { schema: route.response } } }
      : { description: route.responseDescription },
  };
  const always: ProblemType[] = ['unauthorized', 'store-unavailable'];
  for (const type of [...route.problems, ...always]) {
    const { status, title } = PROBLEMS[type];
    const existing = responses[status];
    const description = existing && 'description' in existing ? `${existing.description}; ${title}` : title;
    responses[status] = { description, content: { 'application/problem+json': { schema: ProblemSchema } } };
  }
  registry.registerPath({
    method: route.method,
    path: route.path,
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: route.scope ? `${route.description}\n\nScope: \`${route.scope}\`.` : route.description,
    security: [{ bearerAuth: [] }],
    request: {
      // A body is required when an empty one would not do (keypair's has only defaults).
      ...(route.request.body
        ? { body: { required: !route.request.body.safeParse({}).success, content: { 'application/json': { schema: route.request.body } } } }
        : {}),
      ...(route.request.query ? { query: route.request.query } : {}),
      ...(route.request.params ? { params: route.request.params } : {}),
    },
    responses,
  });
}
