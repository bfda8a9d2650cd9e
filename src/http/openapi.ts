/**
 * The OpenAPI 3.1 document, generated from the routes' own schemas, and Swagger UI at /docs.
 * @module
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { RequestHandler, Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { ML_DSA_ALGORITHMS } from '../crypto/algorithms.ts';
import { routeLabel } from '../observability/request-context.ts';
import { PROBLEMS, problemExample, type ProblemType } from './problems.ts';
import { problemsOf, type AnyRoute, type Route } from './route.ts';
import { z } from './zod.ts';

export const API_VERSION = '1.0.0';

export function buildOpenApiDocument(routes: readonly AnyRoute[], maxBatch = 100) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (from API_KEYS, or the development key the server prints at start) or a temporary token from POST /v1/tokens.',
  });
  // The health routes below refer to these two.
  // 'sealed-request-refused': POST /ohttp's (documentSealed), which is no route of `routes`.
  documentProblems(registry, new Set<ProblemType>(['store-unavailable', 'unauthorized', 'sealed-request-refused', ...routes.flatMap((route) => problemsOf(route))]));
  for (const route of routes) documentRoute(registry, route, maxBatch);

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
      200: {
        description: 'Ready. `crypto` names the CRYPTO_BACKEND asked for and the implementation serving each family.',
        content: {
          'application/json': {
            schema: health.extend({
              store: z.string().openapi({ example: 'redis' }),
              crypto: z
                .object({
                  backend: z.enum(['native', 'noble', 'mixed']).openapi({ description: '`mixed` when the families differ (as with `auto` on Node 20). X-Wing, noble everywhere, does not count.' }),
                  requested: z.enum(['auto', 'native', 'noble']),
                  ml_kem: z.enum(['native', 'noble']),
                  x_wing: z.enum(['native', 'noble']).openapi({ description: 'Always `noble`: node:crypto has no X-Wing.' }),
                  ml_dsa: z.enum(['native', 'noble']),
                  slh_dsa: z.enum(['native', 'noble']),
                  aes_gcm: z.enum(['native', 'noble']),
                })
                .openapi({ example: { backend: 'native', requested: 'auto', ml_kem: 'native', x_wing: 'noble', ml_dsa: 'native', slh_dsa: 'native', aes_gcm: 'native' } }),
            }),
          },
        },
      },
      503: {
        description: 'The store does not answer.',
        content: { 'application/problem+json': { schema: z.object({}).passthrough(), examples: { 'store-unavailable': { $ref: '#/components/examples/store-unavailable' } } } },
      },
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tags: ['Health'],
    summary: 'Prometheus metrics (text exposition format)',
    description: 'Needs no API key. When METRICS_TOKEN is set, send it as `Authorization: Bearer <METRICS_TOKEN>`. docs/observability.md lists the metrics.',
    security: [],
    responses: {
      200: { description: 'The metrics.', content: { 'text/plain': { schema: z.string() } } },
      401: {
        description: 'METRICS_TOKEN is set and was not given.',
        content: { 'application/problem+json': { schema: z.object({}).passthrough(), examples: { unauthorized: { $ref: '#/components/examples/unauthorized' } } } },
      },
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/.well-known/jwks.json',
    operationId: 'jwks',
    tags: ['Tokens'],
    summary: 'The public keys that verify temporary tokens (JWKS)',
    description:
      'RFC 7517 JWK Set of the keys that sign temporary tokens when TOKEN_SIGNING is an ML-DSA set: RFC 9964 `AKP` keys (`alg`, `pub`, `use: "sig"`, `kid` the RFC 7638 thumbprint a token header names), the current one and, for one TOKEN_MAX_TTL_SECONDS after a rotation, the previous one. Empty with HS256 (the default). No credential; cacheable. A verifier learns that a token is genuine and unexpired, not that it has attempts left or was not revoked (docs/tokens.md).',
    security: [],
    responses: {
      200: {
        description: 'The key set.',
        content: {
          'application/json': {
            schema: z.object({
              keys: z.array(
                z.object({
                  kty: z.literal('AKP'),
                  alg: z.enum(ML_DSA_ALGORITHMS),
                  pub: z.string().openapi({ description: 'The FIPS 204 public key, base64url.' }),
                  use: z.literal('sig'),
                  kid: z.string().openapi({ description: 'RFC 7638 thumbprint (SHA-256).' }),
                }),
              ),
            }),
          },
        },
      },
    },
  });

  documentSealed(registry);

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Post-quantum crypto API',
      version: API_VERSION,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      description: [
        'ML-KEM key exchange, ML-DSA signatures and AES-256-GCM over HTTP, with temporary tokens limited by time and attempts.',
        '',
        'To try it: click **Authorize** and paste the development API key the server printed at start. Then run the operations top to bottom: every default example works as it is (a development server with the embedded store makes the demonstration keys and token the examples name, from public seeds; the banner lists them). To follow one key through, paste from each answer into the next request:',
        '1. `POST /v1/kem/keypair`: copy `key_id` and `pk` from the answer (and `signature` and `verification_key`, to have encapsulate check that the key is this service\'s).',
        '2. `POST /v1/kem/encapsulate`: `{ "pk": ... }` alone is enough; copy `cipher` and `shared_key`.',
        '3. `POST /v1/kem/decapsulate`: paste `cipher` and `key_id`; the `shared_key` matches step 2.',
        '4. `POST /v1/dsa/sign`, then `POST /v1/dsa/verify` with the returned `pk` and `signature`.',
        '5. `POST /v1/aes/encrypt` and `POST /v1/aes/decrypt` with `key` = that `shared_key`.',
        '6. `POST /v1/tokens` mints a temporary token for a third party; **Authorize** again with its `new_token` to act as that party, and `DELETE /v1/tokens/{token_id}` with its `token_id` revokes it.',
        '',
        'Outside development the example ids name nothing of yours (404): use ids from your own answers. Errors are RFC 9457 `application/problem+json`; besides those each operation lists, any request may be answered by the HTTP layer ' +
          REQUEST_LEVEL_PROBLEMS.map((t) => `${PROBLEMS[t].status} \`${t}\``).join(', ') +
          ' (docs/api.md lists every problem type).',
      ].join('\n'),
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    // In the order a person trying the API runs them (the description's steps).
    tags: [
      { name: 'ML-KEM', description: 'FIPS 203 key encapsulation (ML-KEM-512/768/1024) and the X-Wing hybrid (ML-KEM-768 + X25519), with key confirmation and stored shared keys.' },
      { name: 'ML-DSA', description: 'FIPS 204 (ML-DSA) and FIPS 205 (SLH-DSA) signatures with stored, versioned signing keys.' },
      { name: 'AES-256-GCM', description: 'Authenticated encryption under a key derived from a shared secret.' },
      { name: 'HPKE', description: 'RFC 9180 HPKE (base mode) with the post-quantum KEMs of draft-ietf-hpke-pq (ML-KEM-768, ML-KEM-1024, X-Wing): seal to a public key or a stored key, open with a stored key. See docs/sealed.md.' },
      { name: 'Keys', description: 'Stored keys as resources: list, describe, rotate (signing keys), delete. See docs/keys.md.' },
      { name: 'Tokens', description: 'Temporary tokens with expiry, attempt limits, scopes and key restrictions.' },
      { name: 'Clients', description: 'Clients with their own ML-DSA keys: register them, let them sign requests (RFC 9421 HTTP Message Signatures) instead of sending a bearer secret, and log in with a session key (HPKE-sealed token). See docs/clients.md.' },
      { name: 'Challenges', description: 'Challenges for registered clients to answer with their own ML-DSA or ML-KEM key, each valid at most once across instances, with receipts signed by the attestation key. See docs/challenges.md.' },
      { name: 'Audit', description: "The tenant's audit trail: key use, token mints and revocations." },
      { name: 'Compatibility', description: "The seed vendor's paths and field names (hex `shared_key`, `sk` as a key handle), so its clients work after changing only the base URL and token. See docs/compatibility.md." },
      { name: 'Sealed requests', description: 'Oblivious HTTP (RFC 9458) with post-quantum KEMs: any /v1 request, Binary HTTP (RFC 9292) encoded and sealed to the key configurations of GET /ohttp-keys. See docs/sealed.md.' },
      { name: 'Health', description: 'Liveness, readiness and metrics, without an API key.' },
    ],
  });
}

/**
 * GET /ohttp-keys and POST /ohttp: binary media types, no JSON schema to speak of, and no
 * operationId (the generated client and CLI carry every /v1 operation through them with `sealed`).
 */
function documentSealed(registry: OpenAPIRegistry): void {
  const binary = (description: string) => z.string().openapi({ format: 'binary', description });
  const problem = (type: ProblemType) => ({ schema: z.object({}).passthrough(), examples: { [type]: { $ref: `#/components/examples/${type}` } } });
  registry.registerPath({
    method: 'get',
    path: '/ohttp-keys',
    tags: ['Sealed requests'],
    summary: 'The key configurations for sealed requests (application/ohttp-keys)',
    description:
      'RFC 9458 section 3: a list of key configurations, each a 2-byte length then the configuration. X-Wing (KEM 0x647a) first, then ML-KEM-768 (0x0041), both with HKDF-SHA256 (0x0001) and AES-256-GCM (0x0002) or ChaCha20-Poly1305 (0x0003), under the key id OHTTP_KEY_ID. Derived from MASTER_KEY: every instance publishes the same keys. No credential; cacheable for 5 minutes.',
    security: [],
    responses: { 200: { description: 'The key configurations.', content: { 'application/ohttp-keys': { schema: binary('RFC 9458 section 3.2 key configurations.') } } } },
  });
  registry.registerPath({
    method: 'post',
    path: '/ohttp',
    tags: ['Sealed requests'],
    summary: 'A sealed request (message/ohttp-req) to any /v1 route',
    description:
      'RFC 9458 section 4.3: an Encapsulated Request holding a Binary HTTP (RFC 9292) request to a `/v1` route, with its own `Authorization` and a `Date` within OHTTP_WINDOW_SECONDS of the server clock. The inner request is handled as a plain one (scopes, attempts, rate limits, audit). The answer is `200 message/ohttp-res` (section 4.4) holding the inner response, whatever its status. No credential on the outer request. Every refusal of the outer request (unknown key id or suite, does not open, not Binary HTTP, stale or missing Date, replayed, not a /v1 target) is one `400 sealed-request-refused` with one body, counted against the address as a failed authentication.',
    security: [],
    request: { body: { required: true, content: { 'message/ohttp-req': { schema: binary('RFC 9458 section 4.3 Encapsulated Request.') } } } },
    responses: {
      200: { description: 'The inner response, sealed (whatever its status).', content: { 'message/ohttp-res': { schema: binary('RFC 9458 section 4.4 Encapsulated Response.') } } },
      400: { description: PROBLEMS['sealed-request-refused'].title, content: { 'application/problem+json': problem('sealed-request-refused') } },
      413: { description: PROBLEMS['payload-too-large'].title, content: { 'application/problem+json': problem('payload-too-large') } },
      415: { description: PROBLEMS['unsupported-media-type'].title, content: { 'application/problem+json': problem('unsupported-media-type') } },
      429: { description: 'This address has failed too often (AUTH_FAILURES_PER_MINUTE).', content: { 'application/problem+json': problem('rate-limited') } },
      503: { description: PROBLEMS['store-unavailable'].title, content: { 'application/problem+json': problem('store-unavailable') } },
    },
  });
}

export function mountDocs(router: Router, document: object): void {
  router.get('/openapi.json', (_req, res) => {
    routeLabel(res, '/openapi.json');
    res.json(document);
  });
  router.use(
    '/docs',
    ((_req, res, next) => {
      routeLabel(res, '/docs');
      next();
    }) satisfies RequestHandler,
    swaggerUi.serve,
    swaggerUi.setup(document, {
      customSiteTitle: 'Post-quantum crypto API',
      // Long base64 values wrap instead of running under the copy button, one screen wide.
      customCss: [
        '.swagger-ui .microlight { white-space: pre-wrap !important; word-break: break-all; padding-right: 3em !important; }',
        '.swagger-ui .highlight-code { position: relative; }',
        '.swagger-ui .copy-to-clipboard { right: 4px !important; bottom: auto !important; top: 4px; }',
      ].join('\n'),
      swaggerOptions: { persistAuthorization: true, displayRequestDuration: true, tryItOutEnabled: true },
    }),
  );
}

// ---- the document of each route, from its declaration (OpenBao's framework/openapi.go) ----

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
 * The problem types no operation answers by itself: the HTTP layer's, for any request (the info
 * description names them; docs/api.md lists every type).
 */
export const REQUEST_LEVEL_PROBLEMS: readonly ProblemType[] = ['method-not-allowed', 'expectation-failed', 'headers-too-large', 'internal-error'];

/**
 * Registers one example per problem type that an operation answers (components.examples; `used`),
 * each with its own status, type and title; operations refer to the ones they can answer.
 */
export function documentProblems(registry: OpenAPIRegistry, used: ReadonlySet<ProblemType>): void {
  for (const type of Object.keys(PROBLEMS) as ProblemType[]) {
    if (used.has(type)) registry.registerComponent('examples', type, { summary: PROBLEMS[type].title, value: problemExample(type) });
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
