/**
 * The request pipeline: `mountRoutes` turns route declarations (route.ts) into an Express router
 * that runs, per route: authentication (401; an unauthenticated request costs no body parsing),
 * then the JSON body parser (only for routes that declare a body: other routes never read one),
 * then the brief's order of checks: the named key (404), scope and key restriction (403),
 * validation (422), and the handler; then the audit entry (audit-trail.ts) and the answer,
 * serialised through the response schema. The batch form is batch.ts.
 * @module
 */
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type Router } from 'express';
import { failsOpenWhenFull } from '../auth/admission.ts';
import { routeLabel } from '../observability/request-context.ts';
import { CryptoBusyError } from '../crypto/errors.ts';
import { Lifecycle } from '../operations/lifecycle.ts';
import { refundAttempt } from '../operations/tokens.ts';
import type { Services } from '../services.ts';
import { AuditTrail, trailOf } from './audit-trail.ts';
import { batchUnits, runBatch } from './batch.ts';
import { prepareOne, runPrepared, zodProblem } from './checks.ts';
import { Problem, validationFailed } from './problems.ts';
import type { AnyRoute, Route, RouteContext } from './route.ts';

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

/** Aborted when the connection closes before the answer is complete: the client has gone away. */
function clientGone(res: Response): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}

function hasBody(req: Request): boolean {
  const length = req.get('content-length');
  return (length !== undefined && length !== '0') || req.get('transfer-encoding') !== undefined;
}

/** What the plumbing needs besides the declarations. */
export interface Plumbing {
  readonly services: Services;
  /**
   * The authentication step (http/authenticate.ts), using a token's attempt or not, and skipping
   * the rate-limit counters a full store cannot write when the route only takes something away
   * (failsOpenWhenFull: revocation and deletion work on a full store).
   */
  readonly authenticate: (usesAttempt: boolean, failOpenWhenFull?: boolean) => RequestHandler;
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
  const trails = new AuditTrail(route, services);

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
    const principal = req.principal!;
    const ctx: RouteContext = { principal, services, requestId: req.id, log: req.log, signal: clientGone(res), lifecycle: new Lifecycle({ principal, services }) };
    const trail = trailOf<I, R>(res);
    const raw = rawInput(req, route.request);
    if (route.batch && 'batch_input' in raw) return runBatch(route, req, res, raw, ctx, trails);
    const prepared = await prepareOne(route, raw, ctx, trail);
    // A costly operation (an SLH-DSA signature) counts what it costs against the rate limits, as
    // a batch does (batch.ts batchUnits); the request itself counted 1.
    const units = batchUnits(route, prepared, ctx);
    if (units > 1) await services.limits.charge(principal, units - 1);
    const result = await runPrepared(route, prepared, ctx, trail).catch(async (error: unknown) => {
      // Refused before anything was done: the attempt this request used is given back.
      if (error instanceof CryptoBusyError && (route.usesAttempt ?? true)) await refundAttempt(ctx);
      throw error;
    });
    // Fails closed: when the entry cannot be written, the answer (a shared key, a new token) is
    // not given; the client gets 503 (as Vault refuses a request its audit device cannot log),
    // and what the handler wrote is taken back.
    if (audit && trails.shouldRecord(trail)) {
      try {
        await trails.write(req, trail, audit.outcome?.(result) ?? 'ok');
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

  const send = (res: Response, result: R) => {
    res.status(route.status);
    if (route.status === 204 || !route.response) {
      res.end();
      return;
    }
    // Serialising through the response schema drops anything not declared (no accidental disclosure).
    res.json(route.response.parse(result));
  };

  const chain: (RequestHandler | ErrorRequestHandler)[] = [label, plumbing.authenticate(route.usesAttempt ?? true, failsOpenWhenFull(route))];
  if (route.request.body) chain.push(plumbing.jsonBody);
  chain.push(handler);
  if (audit) chain.push(trails.recordFailure);
  router[route.method](relativePath(route, prefix), ...chain);
}

/** A handler answering 405 with an Allow header, for a known path (`label`, as in the metrics) asked with another method. */
export function methodNotAllowed(label: string, allowed: readonly string[]): RequestHandler {
  return (req, res) => {
    routeLabel(res, label);
    res.setHeader('Allow', allowed.join(', '));
    throw new Problem('method-not-allowed', `${req.method} is not allowed here; use ${allowed.join(' or ')}.`);
  };
}

/** After the routes: a known path asked with another method is 405 with an Allow header. */
function mountMethodNotAllowed(router: Router, routes: readonly AnyRoute[], prefix: string): void {
  const methods = new Map<string, string[]>();
  for (const route of routes) {
    // Express answers HEAD with the GET route.
    const verbs = route.method === 'get' ? ['GET', 'HEAD'] : [route.method.toUpperCase()];
    methods.set(route.path, [...(methods.get(route.path) ?? []), ...verbs]);
  }
  for (const [path, allowed] of methods) router.all(expressPath(path.slice(prefix.length)), methodNotAllowed(path, allowed));
}
