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
import { compatKemDecapsulateKeyRoute } from './http/routes/compat-kem-decapsulate-key.ts';
import { compatKemEncapsulateKeyRoute } from './http/routes/compat-kem-encapsulate-key.ts';
import { compatKemGenerateKeysRoutes } from './http/routes/compat-kem-generate-keys.ts';
import { compatSignatureSignRoute } from './http/routes/compat-signature-sign.ts';
import { compatSignatureVerifyRoute } from './http/routes/compat-signature-verify.ts';
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
    // The seed vendor's paths, over the same handlers (docs/compatibility.md).
    ...compatKemGenerateKeysRoutes(),
    compatKemEncapsulateKeyRoute(),
    compatKemDecapsulateKeyRoute(),
    compatSignatureSignRoute(config.maxMessageBytes),
    compatSignatureVerifyRoute(config.maxMessageBytes),
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
  app.get('/readyz', async (_req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ok', store: store.kind });
    } catch {
      res.setHeader('Retry-After', '1');
      sendProblem(res, new Problem('store-unavailable', `The ${store.kind} store does not answer.`));
    }
  });
  mountDocs(app, buildOpenApiDocument(routes));

  // /v1, and /api for the seed vendor's clients: the same chain, each with the routes under it.
  for (const prefix of ['/v1', '/api']) {
    const router = express.Router();
    // Authentication first: an unauthenticated request is refused before its body is read, and a
    // token's attempt is used before anything else happens.
    router.use(
      authenticate({
        apiKeys: services.apiKeys,
        tokens: services.tokens,
        isFree: (method, path) => prefix === '/v1' && method === 'GET' && path === '/tokens/current',
      }),
    );
    router.use(express.json({ limit: config.maxBodyBytes, strict: true, type: ['application/json', 'application/*+json'] }));
    const api = express.Router();
    const relative = routes.filter((route) => route.path.startsWith(`${prefix}/`)).map((route) => ({ ...route, path: route.path.slice(prefix.length) }));
    for (const route of relative) mountRoute(api, route, services);
    mountMethodNotAllowed(api, relative);
    router.use(api);
    app.use(prefix, router);
  }

  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return { app, services };
}

const securityHeaders: RequestHandler = (req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // Answers carry keys and secrets: never cache them.
  if (req.path.startsWith('/v1/') || req.path.startsWith('/api/')) res.setHeader('Cache-Control', 'no-store');
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
