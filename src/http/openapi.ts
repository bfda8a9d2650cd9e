/**
 * The OpenAPI 3.1 document, generated from the routes' own schemas, and Swagger UI at /docs.
 * @module
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { documentRoute, type Route } from './route.ts';
import { z } from './zod.ts';

export const API_VERSION = '1.0.0';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function buildOpenApiDocument(routes: readonly Route<any, any, any>[]) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (from API_KEYS, or the development key the server prints at start) or a temporary token from POST /v1/tokens.',
  });
  for (const route of routes) documentRoute(registry, route);

  const health = z.object({ status: z.string().openapi({ example: 'ok' }) });
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    tags: ['Health'],
    summary: 'Liveness: the process answers (never touches the store)',
    security: [],
    responses: { 200: { description: 'Alive.', content: { 'application/json': { schema: health } } } },
  });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    operationId: 'readyz',
    tags: ['Health'],
    summary: 'Readiness: 200 only when the store answers',
    security: [],
    responses: {
      200: { description: 'Ready.', content: { 'application/json': { schema: health.extend({ store: z.string().openapi({ example: 'redis' }) }) } } },
      503: { description: 'The store does not answer.', content: { 'application/problem+json': { schema: z.object({}).passthrough() } } },
    },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Post-quantum crypto API',
      version: API_VERSION,
      description: [
        'ML-KEM key exchange, ML-DSA signatures and AES-256-GCM over HTTP, with temporary tokens limited by time and attempts.',
        '',
        'To try it: click **Authorize** and paste the development API key the server printed at start. Then run, in order:',
        '1. `POST /v1/kem/keypair`: copy `key_id`, `pk`, `signature` and `verification_key` from the answer.',
        '2. `POST /v1/kem/encapsulate`: paste `pk`, `signature` and `verification_key` (as `verif_key`); copy `cipher` and `shared_key`.',
        '3. `POST /v1/kem/decapsulate`: paste `cipher` and `key_id`; the `shared_key` matches step 2.',
        '4. `POST /v1/aes/encrypt` and `POST /v1/aes/decrypt` with `key` = that `shared_key`.',
        '5. `POST /v1/dsa/sign`, then `POST /v1/dsa/verify` with the returned `pk` and `signature`.',
        '',
        'Every example value works as it is, except `key_id` in step 3, which must come from step 1. Errors are RFC 9457 `application/problem+json`.',
      ].join('\n'),
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: 'Tokens', description: 'Temporary tokens with expiry, attempt limits, scopes and key restrictions.' },
      { name: 'ML-KEM', description: 'FIPS 203 key encapsulation.' },
      { name: 'ML-DSA', description: 'FIPS 204 signatures.' },
      { name: 'AES-256-GCM', description: 'Authenticated encryption under a key derived from a shared secret.' },
      { name: 'Compatibility', description: "The seed vendor's paths and field names (hex `shared_key`, `sk` as a key handle), so its clients work after changing only the base URL and token. See docs/compatibility.md." },
      { name: 'Health', description: 'Liveness and readiness, without authentication.' },
    ],
  });
}

export function mountDocs(router: Router, document: object): void {
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use(
    '/docs',
    swaggerUi.serve,
    swaggerUi.setup(document, {
      customSiteTitle: 'Post-quantum crypto API',
      swaggerOptions: { persistAuthorization: true, displayRequestDuration: true, tryItOutEnabled: true },
    }),
  );
}
