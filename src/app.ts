/**
 * buildApp(deps): the Express application, without listening. The only composition root: every
 * service is built here from the injected configuration, store, logger and clock.
 * @module
 */
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { authenticate } from './http/authenticate.ts';
import { backendVerifier } from './clients/service.ts';
import { clientSignaturePolicy } from './httpsig/verify.ts';
import type { Config } from './config.ts';
import { buildOpenApiDocument, mountDocs } from './http/openapi.ts';
import { errorHandler, notFoundHandler, Problem, sendProblem } from './http/problems.ts';
import { mountRoutes } from './http/pipeline.ts';
import { mountSealed } from './http/sealed.ts';
import { buildRoutes } from './http/routes.ts';
import { instrumentedStore, Metrics } from './observability/metrics.ts';
import { metricsEndpoint } from './http/metrics-endpoint.ts';
import { requestContext, routeLabel } from './observability/request-context.ts';
import { createServices, type Services } from './services.ts';
import { systemClock, type Clock, type Store } from './stores/store.ts';

export interface AppDeps {
  readonly config: Config;
  readonly store: Store;
  readonly logger: Logger;
  readonly clock?: Clock;
}

export interface App {
  readonly app: Express;
  readonly services: Services;
  readonly metrics: Metrics;
  /**
   * With METRICS_PORT: an app serving only GET /metrics, for a listener of its own on loopback
   * (server.ts); /metrics is then not served by `app`. Undefined otherwise.
   */
  readonly metricsApp: Express | undefined;
  /** Shutdown has begun: /readyz answers 503 from now on (liveness, /healthz, is unaffected). */
  startDraining(): void;
  readonly draining: boolean;
  /**
   * Releases what buildApp made (worker pools and the like), after the last request and before
   * the caller closes the store (which the caller owns). main.ts calls it at shutdown.
   */
  close(): Promise<void>;
}

export function buildApp(deps: AppDeps): App {
  const { config, logger, clock = systemClock } = deps;
  // One registry per app; every store call (audit trail included) is timed and its failures counted.
  const metrics = new Metrics();
  const store = instrumentedStore(deps.store, metrics);
  const services = createServices(config, store, logger, clock, { audit: store.audit, metrics });
  const routes = buildRoutes(config);
  const app = express();
  app.disable('x-powered-by');
  // No ETag: every answer but the docs' static assets (which serve-static tags itself) is
  // Cache-Control: no-store, so no client revalidates one, and Express would hash every body for it.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');

  app.use(requestContext(logger, metrics));
  app.use(securityHeaders);
  app.use(noFragment);

  app.get('/healthz', (_req, res) => {
    routeLabel(res, '/healthz');
    res.json({ status: 'ok' });
  });
  // RFC 7517 section 5: the keys that verify tokens (empty with TOKEN_SIGNING=HS256), for
  // gateways and third parties; public, no credential (docs/tokens.md "verify a token offline").
  app.get('/.well-known/jwks.json', async (_req, res) => {
    routeLabel(res, '/.well-known/jwks.json');
    const jwks = await services.tokens.jwks();
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(jwks);
  });
  // /metrics on the API port, or (METRICS_PORT) only on its own loopback listener.
  const metricsApp = config.metricsPort === undefined ? undefined : buildMetricsApp(config, logger, metrics);
  if (!metricsApp) app.get('/metrics', metricsEndpoint(metrics, config.metricsToken));
  let draining = false;
  app.get('/readyz', async (_req, res) => {
    routeLabel(res, '/readyz');
    if (draining) {
      res.setHeader('Retry-After', '1');
      res.status(503).json({ status: 'draining', store: store.kind });
      return;
    }
    try {
      await store.ping();
      res.json({ status: 'ok', store: store.kind, crypto: services.crypto.info });
    } catch {
      res.setHeader('Retry-After', '1');
      sendProblem(res, new Problem('store-unavailable', `The ${store.kind} store does not answer.`));
    }
  });
  mountDocs(app, buildOpenApiDocument(routes, config.maxBatch));

  // Sealed requests (docs/sealed.md): GET /ohttp-keys and POST /ohttp, whose inner request
  // re-enters this app from the top, as a plain request does.
  mountSealed(app, services);

  // Per route: authentication first (an unauthenticated request is refused before its body is
  // read; a token's attempt is used, or not, as the matched route declares), then the body.
  // /v1, and /api for the seed vendor's clients (docs/compatibility.md): the same chain.
  // The JSON parser keeps the raw bytes (req.rawBody): a signed request's Content-Digest covers them.
  const parseJson = express.json({
    limit: config.maxBodyBytes,
    strict: true,
    type: ['application/json', 'application/*+json'],
    verify: (req, _res, raw) => {
      (req as express.Request).rawBody = raw;
    },
  });
  const signed = {
    deps: {
      clients: store.clients,
      replay: store.replay,
      policy: clientSignaturePolicy({ windowSeconds: config.signatureWindowSeconds, clock }),
      isLive: (tenant: string, apiKeyId: string) => services.apiKeys.isLive(tenant, apiKeyId),
      verify: backendVerifier(services.crypto.dsa),
      onRefused: (reason: string) => {
        logger.debug({ reason }, 'signed request refused');
        services.metrics.refused('signed-request', reason);
      },
    },
    publicUrl: config.publicUrl,
    jsonBody: parseJson,
    rawBody: express.raw({ limit: config.maxBodyBytes, type: () => true }),
  };
  const plumbing = {
    services,
    authenticate: (usesAttempt: boolean, failOpenWhenFull = false) =>
      authenticate({
        apiKeys: services.apiKeys,
        tokens: services.tokens,
        limits: services.limits,
        usesAttempt,
        failOpenWhenFull,
        signed,
        onAuthenticated: (principal) => services.sessions.noteUse(principal),
        onAttempt: (outcome) => metrics.attempt(outcome),
        onRateLimited: (policy) => metrics.rateLimited(policy),
      }),
    // A signed request's body was read (and any error kept) while authenticating it.
    jsonBody: ((req, res, next) => (req.bodyError !== undefined ? next(req.bodyError) : parseJson(req, res, next))) as RequestHandler,
  };
  for (const prefix of ['/v1', '/api']) {
    app.use(prefix, mountRoutes(routes.filter((route) => route.path.startsWith(`${prefix}/`)), plumbing, prefix));
  }

  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return {
    app,
    metricsApp,
    services,
    metrics,
    startDraining: () => {
      draining = true;
    },
    get draining() {
      return draining;
    },
    // The crypto worker pool (noble backend); the store is the caller's to close.
    close: () => services.crypto.close(),
  };
}

/** GET /metrics and nothing else (METRICS_PORT); METRICS_TOKEN, when set, is still required. */
function buildMetricsApp(config: Config, logger: Logger, metrics: Metrics): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext(logger, metrics));
  app.use(noFragment);
  app.get('/metrics', metricsEndpoint(metrics, config.metricsToken));
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}

/**
 * A request target has no fragment (RFC 9112 s3.2): a client strips `#...` before sending. A raw
 * `#` reaching us would otherwise be read as the start of one and the rest of the target dropped,
 * so `GET /v1/keys/#x` would list the keys instead of naming one. Refused instead, as an invalid
 * request line (s3: 400), with a hint for a value that really holds a `#`.
 */
const noFragment: RequestHandler = (req, _res, next) => {
  if (req.url.includes('#')) return next(new Problem('malformed-request', "The request target contains '#', which HTTP does not allow there: a URL fragment is never sent, and a '#' inside a value is percent-encoded as %23."));
  next();
};

const securityHeaders: RequestHandler = (req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // Answers carry keys and secrets: never cache them. Routing ignores case and repeated slashes,
  // so this must not depend on how the path is spelt: everything but the Swagger UI's static
  // assets is no-store.
  if (!/^\/docs\//i.test(req.path)) res.setHeader('Cache-Control', 'no-store');
  next();
};
