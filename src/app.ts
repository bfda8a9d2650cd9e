/**
 * buildApp(deps): the Express application, without listening. The only composition root: every
 * service is built here from the injected configuration, store, logger and clock.
 * @module
 */
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { authenticate } from './auth/authenticate.ts';
import type { Config } from './config.ts';
import { buildOpenApiDocument, mountDocs } from './http/openapi.ts';
import { errorHandler, notFoundHandler, Problem, sendProblem } from './http/problems.ts';
import { mountMethodNotAllowed, mountRoute, type Route } from './http/route.ts';
import { aesDecryptRoute } from './http/routes/aes-decrypt.ts';
import { aesEncryptRoute } from './http/routes/aes-encrypt.ts';
import { dsaSignRoute } from './http/routes/dsa-sign.ts';
import { dsaVerifyRoute } from './http/routes/dsa-verify.ts';
import { kemDecapsulateRoute } from './http/routes/kem-decapsulate.ts';
import { kemEncapsulateRoute } from './http/routes/kem-encapsulate.ts';
import { kemKeypairRoute } from './http/routes/kem-keypair.ts';
import { tokensCreateRoute } from './http/routes/tokens-create.ts';
import { tokensCurrentRoute } from './http/routes/tokens-current.ts';
import { tokensRevokeRoute } from './http/routes/tokens-revoke.ts';
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
  /** Shutdown has begun: /readyz answers 503 from now on (liveness, /healthz, is unaffected). */
  startDraining(): void;
  readonly draining: boolean;
  /**
   * Releases what buildApp made (worker pools and the like), after the last request and before
   * the caller closes the store (which the caller owns). main.ts calls it at shutdown.
   */
  close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function buildRoutes(config: Config): Route<any, any, any>[] {
  return [
    tokensCreateRoute({
      defaultTtlSeconds: config.tokenDefaultTtlSeconds,
      maxTtlSeconds: config.tokenMaxTtlSeconds,
      maxAttempts: config.tokenMaxAttempts,
    }),
    tokensCurrentRoute(),
    tokensRevokeRoute(),
    kemKeypairRoute(),
    kemEncapsulateRoute(),
    kemDecapsulateRoute(),
    dsaSignRoute(config.maxMessageBytes),
    dsaVerifyRoute(config.maxMessageBytes),
    aesEncryptRoute(config.maxMessageBytes),
    aesDecryptRoute(config.maxMessageBytes),
  ];
}

export function buildApp({ config, store, logger, clock = systemClock }: AppDeps): App {
  const services = createServices(config, store, logger, clock);
  const routes = buildRoutes(config);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');

  app.use(requestLog(logger));
  app.use(securityHeaders);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  let draining = false;
  app.get('/readyz', async (_req, res) => {
    if (draining) {
      res.setHeader('Retry-After', '1');
      res.status(503).json({ status: 'draining', store: store.kind });
      return;
    }
    try {
      await store.ping();
      res.json({ status: 'ok', store: store.kind });
    } catch {
      res.setHeader('Retry-After', '1');
      sendProblem(res, new Problem('store-unavailable', `The ${store.kind} store does not answer.`));
    }
  });
  mountDocs(app, buildOpenApiDocument(routes));

  const v1 = express.Router();
  // Authentication first: an unauthenticated request is refused before its body is read, and a
  // token's attempt is used before anything else happens.
  v1.use(
    authenticate({
      apiKeys: services.apiKeys,
      tokens: services.tokens,
      isFree: (method, path) => method === 'GET' && path === '/tokens/current',
    }),
  );
  v1.use(express.json({ limit: config.maxBodyBytes, strict: true, type: ['application/json', 'application/*+json'] }));
  const api = express.Router();
  const relative = routes.map((route) => ({ ...route, path: route.path.replace(/^\/v1/, '') }));
  for (const route of relative) mountRoute(api, route, services);
  mountMethodNotAllowed(api, relative);
  v1.use(api);
  app.use('/v1', v1);

  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return {
    app,
    services,
    startDraining: () => {
      draining = true;
    },
    get draining() {
      return draining;
    },
    close: async () => {},
  };
}

const securityHeaders: RequestHandler = (req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // Answers carry keys and secrets: never cache them.
  if (req.path.startsWith('/v1/')) res.setHeader('Cache-Control', 'no-store');
  next();
};

/** One line per request: method, path (no query string), status, time, tenant and token id. */
function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const principal = req.principal;
      logger.info(
        {
          method: req.method,
          // The full path (req.path is relative to the router that answered), without the query.
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          tenant: principal?.tenant,
          token_id: principal?.token?.id,
        },
        'request',
      );
    });
    next();
  };
}
