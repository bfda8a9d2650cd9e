/**
 * The OpenAPI document served at /openapi.json against the brief's table: the documented request
 * and 2xx response fields of every operation, security, examples, and that the examples Swagger UI
 * would send actually work against the running API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, hkdfSync } from 'node:crypto';
import { assertOk, startApi, type TestServer } from './support.ts';

// The document is JSON of a known shape; tests walk it freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let api: TestServer;
let doc: Json;
before(async () => {
  api = await startApi();
  const res = await api.call('GET', '/openapi.json');
  assertOk(res);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  doc = res.body;
});
after(() => api.close());

/** Follows a local $ref ("#/components/schemas/X") to what it names. */
function resolve(node: Json): Json {
  let current = node;
  for (let hops = 0; current && typeof current === 'object' && typeof current.$ref === 'string'; hops++) {
    assert.ok(hops < 10, 'a $ref cycle');
    const ref: string = current.$ref;
    assert.ok(ref.startsWith('#/'), `only local refs are expected, got ${ref}`);
    current = ref
      .slice(2)
      .split('/')
      .reduce((at: Json, key) => at?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    assert.ok(current, `unresolved $ref ${ref}`);
  }
  return current;
}

const operation = (method: string, path: string) => {
  const op = doc.paths?.[path]?.[method];
  assert.ok(op, `${method.toUpperCase()} ${path} is not documented`);
  return op;
};

function requestSchema(method: string, path: string): Json {
  const body = resolve(operation(method, path).requestBody);
  assert.ok(body?.content?.['application/json']?.schema, `${method} ${path} documents no JSON request body`);
  return resolve(body.content['application/json'].schema);
}

function responseSchema(method: string, path: string, status: string): Json {
  const response = resolve(operation(method, path).responses?.[status]);
  assert.ok(response, `${method} ${path} documents no ${status} response`);
  return resolve(response.content?.['application/json']?.schema);
}

const keys = (schema: Json) => Object.keys(schema?.properties ?? {}).sort();
const sorted = (xs: readonly string[]) => [...xs].sort();

/**
 * The brief's tables (v1 and its "Keys as resources" additions): request fields, the 2xx
 * response's fields, those of them always present, and whether the batch form is offered.
 */
interface Row {
  readonly method: string;
  readonly path: string;
  readonly request: readonly string[] | null;
  readonly status: string;
  readonly response: readonly string[] | null;
  /** Response fields present in every answer (default: all of them). */
  readonly always?: readonly string[];
  readonly batch?: boolean;
}
const TABLE: readonly Row[] = [
  { method: 'post', path: '/v1/kem/keypair', request: ['algorithm', 'expires_in'], status: '201', response: ['key_id', 'algorithm', 'pk', 'verification_key', 'signature', 'expires_at'] },
  {
    method: 'post',
    path: '/v1/kem/encapsulate',
    request: ['pk', 'signature', 'verif_key', 'verification_key', 'store'],
    status: '200',
    response: ['cipher', 'shared_key', 'shared_key_id', 'confirmation'],
    always: ['cipher', 'confirmation'],
    batch: true,
  },
  { method: 'post', path: '/v1/kem/decapsulate', request: ['cipher', 'key_id', 'pk', 'confirmation', 'store'], status: '200', response: ['shared_key', 'shared_key_id'], always: [] },
  { method: 'post', path: '/v1/dsa/keypair', request: ['algorithm', 'expires_in'], status: '201', response: ['key_id', 'algorithm', 'pk', 'version', 'expires_at'] },
  { method: 'post', path: '/v1/dsa/sign', request: ['data', 'encoding', 'context', 'context_encoding', 'key_id'], status: '200', response: ['signature', 'pk', 'key_id', 'version', 'algorithm'], batch: true },
  {
    method: 'post',
    path: '/v1/dsa/verify',
    request: ['data', 'pk', 'key_id', 'version', 'algorithm', 'signature', 'encoding', 'context', 'context_encoding'],
    status: '200',
    response: ['verified'],
    batch: true,
  },
  { method: 'post', path: '/v1/aes/encrypt', request: ['unencrypted', 'encoding', 'key', 'key_id', 'aad'], status: '200', response: ['ciphertext'], batch: true },
  { method: 'post', path: '/v1/aes/decrypt', request: ['ciphertext', 'key', 'key_id', 'aad', 'encoding'], status: '200', response: ['decrypted'], batch: true },
  { method: 'post', path: '/v1/hpke/seal', request: ['plaintext', 'encoding', 'pk', 'kem', 'key_id', 'info', 'aad', 'suite'], status: '200', response: ['suite', 'enc', 'ciphertext'], batch: true },
  { method: 'post', path: '/v1/hpke/open', request: ['key_id', 'enc', 'ciphertext', 'info', 'aad', 'suite', 'encoding'], status: '200', response: ['plaintext'], batch: true },
  {
    method: 'post',
    path: '/v1/tokens',
    request: ['expiry_time', 'expire_after_attempts', 'scopes', 'key_ids'],
    status: '201',
    response: ['new_token', 'token_id', 'expires_at', 'attempts_left', 'scopes'],
  },
  { method: 'get', path: '/v1/tokens/current', request: null, status: '200', response: ['token_id', 'expires_at', 'attempts_left', 'scopes'] },
  { method: 'delete', path: '/v1/tokens/{token_id}', request: null, status: '204', response: null },
  { method: 'get', path: '/v1/keys', request: null, status: '200', response: ['keys', 'next_cursor'] },
  { method: 'get', path: '/v1/keys/attestation', request: null, status: '200', response: ['kty', 'alg', 'pub', 'kid', 'use'] },
  {
    method: 'get',
    path: '/v1/keys/{key_id}',
    request: null,
    status: '200',
    response: ['key_id', 'type', 'algorithm', 'created_at', 'expires_at', 'pk', 'version', 'versions', 'origin_key_id'],
    always: ['key_id', 'type', 'algorithm', 'created_at', 'expires_at'],
  },
  { method: 'delete', path: '/v1/keys/{key_id}', request: null, status: '204', response: null },
  { method: 'post', path: '/v1/keys/{key_id}/rotate', request: null, status: '200', response: ['key_id', 'version', 'pk'] },
  { method: 'get', path: '/v1/audit', request: null, status: '200', response: ['entries', 'next_cursor'] },
  {
    method: 'post',
    path: '/v1/clients',
    request: ['name', 'signing_key', 'kem_key', 'scopes', 'key_ids', 'expires_in'],
    status: '201',
    response: ['client_id', 'name', 'signing_key', 'kem_key', 'scopes', 'key_ids', 'created_at', 'expires_at'],
  },
  { method: 'get', path: '/v1/clients', request: null, status: '200', response: ['clients', 'next_cursor'] },
  { method: 'get', path: '/v1/clients/{client_id}', request: null, status: '200', response: ['client_id', 'name', 'signing_key', 'kem_key', 'scopes', 'key_ids', 'created_at', 'expires_at'] },
  { method: 'delete', path: '/v1/clients/{client_id}', request: null, status: '204', response: null },
  {
    method: 'post',
    path: '/v1/sessions',
    request: ['session_kem', 'session_pk', 'device_description', 'expiry_time', 'expire_after_attempts', 'scopes'],
    status: '201',
    response: ['session_id', 'login_info', 'login_info_signature'],
  },
  { method: 'get', path: '/v1/sessions', request: null, status: '200', response: ['sessions', 'next_cursor'] },
  { method: 'delete', path: '/v1/sessions/{session_id}', request: null, status: '204', response: null },
  {
    method: 'post',
    path: '/v1/challenges',
    request: ['client_id', 'method', 'ttl'],
    status: '201',
    response: ['challenge_id', 'client_id', 'method', 'expires_at', 'challenge', 'encrypted_challenge'],
    always: ['challenge_id', 'client_id', 'method', 'expires_at'],
  },
  { method: 'post', path: '/v1/challenges/{challenge_id}/validate', request: ['response'], status: '200', response: ['valid', 'reason', 'challenge_id', 'client_id', 'validated_at', 'receipt_signature'] },
];

/** The single form of a schema that may also be a batch (anyOf [single, batch]). */
function singleForm(schema: Json): Json {
  const forms = schema?.anyOf ?? schema?.oneOf;
  if (!forms) return schema;
  const single = forms.map(resolve).find((f: Json) => !('batch_input' in (f.properties ?? {})) && !('batch_results' in (f.properties ?? {})));
  assert.ok(single, 'a union without a single form');
  return single;
}

/** The batch form of a schema, if it has one. */
function batchForm(schema: Json, field: 'batch_input' | 'batch_results'): Json {
  const forms: Json[] = (schema?.anyOf ?? schema?.oneOf ?? []).map(resolve);
  return forms.find((f) => field in (f.properties ?? {}));
}

/** Every documented operation, as [method, path, operation]. */
function allOperations(): [string, string, Json][] {
  return Object.entries<Json>(doc.paths).flatMap(([path, item]) =>
    Object.entries<Json>(item)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, op]): [string, string, Json] => [method, path, op]),
  );
}

describe('the document', () => {
  test('is OpenAPI 3.1, served without credentials, with a bearer security scheme', () => {
    assert.match(doc.openapi, /^3\.1\./);
    assert.equal(typeof doc.info?.title, 'string');
    assert.equal(doc.components?.securitySchemes?.bearerAuth?.type, 'http');
    assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
  });

  test('documents exactly the brief\'s /v1 operations', () => {
    const documented = allOperations()
      .filter(([, path]) => path.startsWith('/v1/'))
      .map(([method, path]) => `${method} ${path}`)
      .sort();
    assert.deepEqual(documented, TABLE.map((row) => `${row.method} ${row.path}`).sort());
  });

  for (const row of TABLE) {
    const name = `${row.method.toUpperCase()} ${row.path}`;
    if (row.request) {
      test(`${name}: the request body has exactly the fields ${row.request.join(', ')}, and no others are allowed`, () => {
        const schema = singleForm(requestSchema(row.method, row.path));
        assert.equal(schema.type, 'object');
        assert.deepEqual(keys(schema), sorted(row.request!));
        assert.equal(schema.additionalProperties, false);
      });
    } else {
      test(`${name}: takes no request body`, () => {
        assert.equal(operation(row.method, row.path).requestBody, undefined);
      });
    }
    if (row.response) {
      test(`${name}: ${row.status} answers exactly (and always) ${row.response.join(', ')}`, () => {
        const responses = operation(row.method, row.path).responses;
        assert.deepEqual(Object.keys(responses).filter((s) => s.startsWith('2')), [row.status], 'one documented success status');
        const schema = singleForm(responseSchema(row.method, row.path, row.status));
        assert.deepEqual(keys(schema), sorted(row.response!));
        assert.deepEqual(sorted(schema.required ?? []), sorted(row.always ?? row.response!), 'the fields always present');
      });
    } else {
      test(`${name}: ${row.status} with no body`, () => {
        const responses = operation(row.method, row.path).responses;
        assert.deepEqual(Object.keys(responses).filter((s) => s.startsWith('2')), [row.status]);
        assert.equal(resolve(responses[row.status]).content, undefined);
      });
    }
  }

  test('the batch forms are documented where the brief offers them, and only there', () => {
    for (const row of TABLE) {
      if (!row.request) continue;
      const input = batchForm(requestSchema(row.method, row.path), 'batch_input');
      const output = row.response ? batchForm(responseSchema(row.method, row.path, row.status), 'batch_results') : undefined;
      assert.equal(Boolean(input), Boolean(row.batch), `${row.method} ${row.path}: batch_input`);
      assert.equal(Boolean(output), Boolean(row.batch), `${row.method} ${row.path}: batch_results`);
      if (!row.batch) continue;
      assert.equal(input.additionalProperties, false);
      assert.deepEqual(keys(resolve(input.properties.batch_input.items)), sorted(row.request), 'items of the single form');
      assert.ok(input.properties.batch_input.maxItems >= 1);
    }
  });

  test('POST /v1/tokens also documents its fields as query parameters', () => {
    const params = (operation('post', '/v1/tokens').parameters ?? []).map(resolve);
    assert.deepEqual(sorted(params.filter((p: Json) => p.in === 'query').map((p: Json) => p.name)), sorted(['expiry_time', 'expire_after_attempts', 'scopes', 'key_ids']));
  });

  test('DELETE /v1/tokens/{token_id} documents token_id as a required path parameter', () => {
    const params = (operation('delete', '/v1/tokens/{token_id}').parameters ?? []).map(resolve);
    const tokenId = params.find((p: Json) => p.name === 'token_id');
    assert.equal(tokenId?.in, 'path');
    assert.equal(tokenId?.required, true);
  });

  test('every operation under /v1 declares bearer security; /healthz and /readyz need none', () => {
    for (const [method, path, op] of allOperations()) {
      if (path.startsWith('/v1/')) {
        assert.deepEqual(op.security, [{ bearerAuth: [] }], `${method} ${path}`);
        const unauthorized = resolve(op.responses['401']);
        assert.ok(unauthorized?.content?.['application/problem+json'], `${method} ${path} documents its 401 as a problem`);
      }
    }
    // An explicit empty list: without it the document-wide bearer requirement would apply.
    for (const path of ['/healthz', '/readyz']) assert.deepEqual(operation('get', path).security, [], path);
  });

  test('every operation that validates input documents its 422 as application/problem+json', () => {
    for (const row of TABLE) {
      if (row.method === 'get') continue;
      const problem = resolve(operation(row.method, row.path).responses['422']);
      const schema = resolve(problem?.content?.['application/problem+json']?.schema);
      assert.ok(schema, `${row.method} ${row.path}`);
      assert.deepEqual(keys(schema), ['detail', 'errors', 'request_id', 'status', 'title', 'type']);
    }
  });

  test('every documented error shows, per problem type it can be, an example with that status, type and title', () => {
    let checked = 0;
    for (const [method, path, op] of allOperations()) {
      for (const [status, ref] of Object.entries<Json>(op.responses)) {
        if (!/^[45]/.test(status)) continue;
        const media = resolve(ref).content?.['application/problem+json'];
        const examples = Object.entries<Json>(media?.examples ?? {});
        assert.ok(examples.length > 0, `${method} ${path} ${status}: no example`);
        const types = new Set<string>();
        for (const [name, example] of examples) {
          const value = resolve(example).value;
          assert.equal(value.status, Number(status), `${method} ${path} ${status}: example ${name} has status ${value.status}`);
          assert.equal(value.type, `urn:pq-crypto-api:problem:${name}`, `${method} ${path} ${status}: example ${name}`);
          assert.equal(typeof value.title, 'string');
          types.add(value.type);
          checked++;
        }
        assert.equal(types.size, examples.length, `${method} ${path} ${status}: two examples of one type`);
      }
    }
    assert.ok(checked > 30, `only ${checked} examples`);
  });

  test('problems follow from the declaration: a body adds 400/413/415/422, a scope 403, named keys 404, an audit entry 507, every /v1 route 401/429/503', () => {
    const statuses = (method: string, path: string) => Object.keys(operation(method, path).responses).filter((s) => /^[45]/.test(s)).sort();
    assert.deepEqual(statuses('post', '/v1/kem/decapsulate'), ['400', '401', '403', '404', '413', '415', '422', '429', '503', '507']);
    assert.deepEqual(statuses('post', '/v1/dsa/verify'), ['400', '401', '403', '404', '413', '415', '422', '429', '503', '507']);
    assert.deepEqual(statuses('post', '/v1/keys/{key_id}/rotate'), ['400', '401', '403', '404', '409', '422', '429', '503', '507']);
    assert.deepEqual(statuses('post', '/v1/aes/encrypt'), ['400', '401', '403', '404', '409', '413', '415', '422', '429', '503', '507']);
    assert.deepEqual(statuses('get', '/v1/tokens/current'), ['401', '429', '503']);
    // No body: never parsed, so neither 413 nor 415; its path parameter can be 400 or 422; 404 is its own.
    assert.deepEqual(statuses('delete', '/v1/tokens/{token_id}'), ['400', '401', '403', '404', '422', '429', '503']);
    const keypair429 = Object.keys(resolve(operation('post', '/v1/kem/keypair').responses['429']).content['application/problem+json'].examples).sort();
    assert.deepEqual(keypair429, ['quota-exceeded', 'rate-limited']);
    const decrypt400 = Object.keys(resolve(operation('post', '/v1/aes/decrypt').responses['400']).content['application/problem+json'].examples).sort();
    assert.deepEqual(decrypt400, ['decryption-failed', 'malformed-request']);
  });

  test('decapsulate documents its 404 (a key the tenant does not own)', () => {
    assert.ok(resolve(operation('post', '/v1/kem/decapsulate').responses['404']));
  });

  test('every request-body property and every path parameter has an example; query parameters beside a body, and cursors, have none', () => {
    for (const [method, path, op] of allOperations()) {
      // POST /ohttp's body is binary (message/ohttp-req), not JSON: nothing to give examples for.
      if (op.requestBody && path !== '/ohttp') {
        const schema = singleForm(requestSchema(method, path));
        for (const [name, prop] of Object.entries<Json>(schema.properties ?? {})) {
          const p = resolve(prop);
          assert.ok(p.example !== undefined || (Array.isArray(p.examples) && p.examples.length > 0), `${method} ${path}: ${name} has no example`);
        }
      }
      for (const param of (op.parameters ?? []).map(resolve)) {
        const example = param.example !== undefined || param.schema?.example !== undefined;
        // Swagger UI sends the query examples it shows along with the body, where they would
        // quietly fill in what the body leaves out (found clicking through /docs in Chromium).
        if (param.in === 'query' && op.requestBody) {
          assert.ok(!example, `${method} ${path}: query parameter ${param.name} has an example Swagger UI would send`);
          continue;
        }
        // A cursor comes from the previous page: an example one would show a page that looks wrong.
        if (param.name === 'cursor') {
          assert.ok(!example, `${method} ${path}: the cursor has an example`);
          continue;
        }
        assert.ok(example, `${method} ${path}: parameter ${param.name} has no example`);
      }
    }
  });
});

describe('Swagger examples work', () => {
  /**
   * The request Swagger UI shows and sends: the request schema's own example when it has one,
   * else one built from the property examples.
   */
  function exampleBody(path: string): Record<string, unknown> {
    const schema = singleForm(requestSchema('post', path));
    if (schema.example) return schema.example;
    return Object.fromEntries(Object.entries<Json>(schema.properties).map(([name, prop]) => [name, resolve(prop).example]));
  }

  /** Posts the example body with alice's key; the answer has exactly the documented fields. */
  async function postExample(path: string, status = '200') {
    const res = await api.call('POST', path, { auth: 'alice', body: exampleBody(path) });
    assert.equal(res.status, Number(status), `${path}: ${JSON.stringify(res.body)}`);
    const documented = singleForm(responseSchema('post', path, status));
    assert.deepEqual(Object.keys(res.body).filter((k) => !keys(documented).includes(k)), [], 'only documented fields');
    for (const field of documented.required ?? []) assert.ok(field in res.body, `${path}: ${field} is missing`);
    return res.body;
  }

  test('POST /v1/kem/keypair with its example makes a key', async () => {
    const body = await postExample('/v1/kem/keypair', '201');
    assert.equal(body.algorithm, exampleBody('/v1/kem/keypair').algorithm);
  });

  test('POST /v1/kem/encapsulate with its examples: the example signature verifies over the example pk', async () => {
    const body = await postExample('/v1/kem/encapsulate');
    assert.equal(Buffer.from(body.shared_key, 'base64').length, 32);
  });

  test('POST /v1/dsa/sign with its examples', async () => {
    const body = await postExample('/v1/dsa/sign');
    assert.equal(Buffer.from(body.signature, 'base64').length, 3309);
  });

  test('POST /v1/dsa/verify with its examples answers verified: true', async () => {
    const body = await postExample('/v1/dsa/verify');
    assert.equal(body.verified, true);
  });

  test('POST /v1/aes/encrypt with its examples', async () => {
    const body = await postExample('/v1/aes/encrypt');
    assert.ok(Buffer.from(body.ciphertext, 'base64').length > 28);
  });

  test('POST /v1/aes/decrypt with its examples gives back the example message', async () => {
    const body = await postExample('/v1/aes/decrypt');
    assert.equal(body.decrypted, exampleBody('/v1/aes/encrypt').unencrypted);
    assert.equal(body.decrypted, 'hello, post-quantum world');
  });

  test('POST /v1/hpke/seal with its examples seals to the example ML-KEM-768 key', async () => {
    const body = await postExample('/v1/hpke/seal');
    assert.deepEqual(body.suite, { kem: 'ML-KEM-768', kdf: 'HKDF-SHA256', aead: 'AES-256-GCM' });
    assert.equal(Buffer.from(body.enc, 'base64').length, 1088);
    assert.equal(Buffer.from(body.ciphertext, 'base64').length, Buffer.from(exampleBody('/v1/hpke/seal').plaintext as string).length + 16);
  });

  test('POST /v1/dsa/keypair with its example makes a signing key; the keys operations work on it as documented', async () => {
    const made = await postExample('/v1/dsa/keypair', '201');
    assert.equal(made.algorithm, exampleBody('/v1/dsa/keypair').algorithm);
    const listed = await api.call('GET', '/v1/keys?type=dsa', { auth: 'alice' });
    assertOk(listed);
    assert.ok(listed.body.keys.some((k: { key_id: string }) => k.key_id === made.key_id));
    const rotated = await api.call('POST', `/v1/keys/${made.key_id}/rotate`, { auth: 'alice' });
    assertOk(rotated);
    assert.deepEqual(Object.keys(rotated.body).sort(), keys(responseSchema('post', '/v1/keys/{key_id}/rotate', '200')));
    const described = await api.call('GET', `/v1/keys/${made.key_id}`, { auth: 'alice' });
    assert.deepEqual(Object.keys(described.body).filter((k) => !keys(responseSchema('get', '/v1/keys/{key_id}', '200')).includes(k)), []);
    assert.equal((await api.call('DELETE', `/v1/keys/${made.key_id}`, { auth: 'alice' })).status, 204);
  });

  test('POST /v1/kem/decapsulate with its example confirmation: the example cipher, key and confirmation agree', async () => {
    const ex = exampleBody('/v1/kem/decapsulate');
    const shared = exampleBody('/v1/aes/encrypt').key as string;
    const expected = createHmac('sha256', Buffer.from(hkdfSync('sha256', Buffer.from(shared, 'base64'), Buffer.alloc(0), 'pq-crypto-api/v1/key-confirmation', 32)))
      .update(Buffer.from(ex.cipher as string, 'base64'))
      .digest('base64');
    assert.equal(ex.confirmation, expected);
  });

  test('the documented examples chain: the example shared_key decrypts what the example encrypt produced', async () => {
    const encrypted = await postExample('/v1/aes/encrypt');
    const decrypt = exampleBody('/v1/aes/decrypt');
    const res = await api.call('POST', '/v1/aes/decrypt', { auth: 'alice', body: { ...decrypt, ciphertext: encrypted.ciphertext } });
    assertOk(res);
    assert.equal(res.body.decrypted, exampleBody('/v1/aes/encrypt').unencrypted);
  });

  test('a whole-body example, where a request schema has one, uses only documented fields', () => {
    for (const [method, path, op] of allOperations()) {
      if (!op.requestBody || path === '/ohttp') continue;
      const schema = requestSchema(method, path);
      if (schema.example === undefined) continue;
      for (const field of Object.keys(schema.example)) assert.ok(field in schema.properties, `${method} ${path}: example field ${field}`);
    }
  });
});

describe('/docs', () => {
  test('/docs/ serves the Swagger UI page', async () => {
    const res = await fetch(`${api.url}/docs/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.match(html, /swagger/i);
    assert.match(html, /<div id="swagger-ui">/);
  });

  test('the Swagger UI initialiser carries this document', async () => {
    const res = await fetch(`${api.url}/docs/swagger-ui-init.js`);
    assert.equal(res.status, 200);
    const js = await res.text();
    assert.ok(js.includes('/v1/kem/encapsulate'));
  });
});
