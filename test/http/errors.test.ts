/**
 * The error model over real HTTP: RFC 9457 problems for malformed, oversized, mistyped and
 * unauthenticated requests, the uniform 401, 422s that name every bad field, unknown routes,
 * health endpoints and caching headers. Every answer in this file (as in every file using
 * support.ts) is also checked for the global invariants: never a 500, always a well-formed problem.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import {
  assert422,
  assertOk,
  assertProblem,
  b64,
  checkInvariants,
  pointersOf,
  random,
  startApi,
  TENANTS,
  type TestServer,
} from './support.ts';

let api: TestServer;
before(async () => {
  api = await startApi({ env: { MAX_BODY_BYTES: '2048' } });
});
after(() => api.close());

/** The crypto operations. */
const OPERATIONS = [
  '/v1/kem/keypair',
  '/v1/kem/encapsulate',
  '/v1/kem/decapsulate',
  '/v1/dsa/sign',
  '/v1/dsa/verify',
  '/v1/aes/encrypt',
  '/v1/aes/decrypt',
] as const;

/**
 * fetch without the JSON parsing of call(), for byte-level comparisons. Every request carries
 * the same X-Request-Id, which the problem body echoes as request_id: bodies can then be compared
 * byte for byte.
 */
const SAME_REQUEST_ID = 'errors-test-1';
async function rawFetch(path: string, init: RequestInit): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(api.url + path, { ...init, headers: { 'x-request-id': SAME_REQUEST_ID, ...(init.headers as Record<string, string> | undefined) } });
  const text = await res.text();
  checkInvariants(init.method ?? 'GET', path, { status: res.status, headers: res.headers, body: JSON.parse(text) });
  return { status: res.status, headers: res.headers, text };
}

const jwtPart = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

function hs256(payload: object, secret: Buffer): string {
  const signingInput = `${jwtPart({ alg: 'HS256', typ: 'JWT' })}.${jwtPart(payload)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

describe('malformed, oversized and non-JSON bodies', () => {
  test('malformed JSON is 400 application/problem+json with type, title, status and detail', async () => {
    const res = await api.call('POST', '/v1/kem/keypair', { auth: 'alice', raw: '{"algorithm": ', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400);
    assert.match(res.headers.get('content-type')!, /^application\/problem\+json(;|$)/);
    assert.equal(res.body.type, 'urn:pq-crypto-api:problem:malformed-request');
    assert.equal(res.body.title, 'Malformed request');
    assert.equal(res.body.status, 400);
    assert.equal(typeof res.body.detail, 'string');
  });

  test('a JSON scalar at the top level is 400 (strict JSON bodies)', async () => {
    for (const raw of ['42', '"text"', 'null']) {
      assertProblem(await api.call('POST', '/v1/dsa/sign', { auth: 'alice', raw, headers: { 'content-type': 'application/json' } }), 400, 'malformed-request');
    }
  });

  test('a body over MAX_BODY_BYTES (2048) is 413; one just under is processed', async () => {
    const over = await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x'.repeat(2100) } });
    assertProblem(over, 413, 'payload-too-large');
    assert.match(over.body.detail, /2048/);
    assertOk(await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x'.repeat(2000) } }));
  });

  test('the size limit applies after decompression: a 2 KB-inflating gzip body is 413, a small one is accepted', async () => {
    const headers = { authorization: `Bearer ${TENANTS.alice}`, 'content-type': 'application/json', 'content-encoding': 'gzip' };
    const bomb = gzipSync(Buffer.from(`{"data":"${'x'.repeat(100_000)}"}`));
    assert.ok(bomb.length < 2048);
    const big = await rawFetch('/v1/dsa/sign', { method: 'POST', headers, body: bomb });
    assert.equal(big.status, 413);
    const small = await fetch(`${api.url}/v1/dsa/sign`, { method: 'POST', headers, body: gzipSync(Buffer.from('{"data":"zipped"}')) });
    assert.equal(small.status, 200);
  });

  test('a body whose Content-Encoding does not decode is 400 malformed-request, not 500', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const res = await api.call('POST', '/v1/kem/keypair', {
        auth: 'alice',
        raw: '{"algorithm":"ML-KEM-512"}',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
      });
      assertProblem(res, 400, 'malformed-request');
    }
  });

  test('an unknown Content-Encoding is 415', async () => {
    const res = await api.call('POST', '/v1/kem/keypair', { auth: 'alice', raw: '{}', headers: { 'content-type': 'application/json', 'content-encoding': 'zstd-x' } });
    assertProblem(res, 415, 'unsupported-media-type');
  });

  test('a body that is not JSON by Content-Type is 415, even when it looks like JSON', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await api.call('POST', '/v1/kem/keypair', { auth: 'alice', raw: '{"algorithm":"ML-KEM-512"}', headers: { 'content-type': type } });
      assertProblem(res, 415, 'unsupported-media-type');
    }
  });

  test('a JSON array body is 422 with pointer "/"', async () => {
    const res = await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: [{ data: 'x' }] });
    assert422(res, '/');
  });

  test('an unknown field is 422 naming that field, even next to valid ones', async () => {
    assert422(await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x', datum: 'y' } }), '/datum');
    assert422(await api.call('POST', '/v1/kem/keypair', { auth: 'alice', body: { algorithm: 'ML-KEM-768', alg: 'x', b: 1 } }), '/alg', '/b');
  });

  test('"__proto__" and "constructor" keys are unknown fields, not prototype pollution', async () => {
    const res = await api.call('POST', '/v1/kem/keypair', {
      auth: 'alice',
      raw: '{"__proto__":{"algorithm":"ML-KEM-512"},"constructor":{"x":1}}',
      headers: { 'content-type': 'application/json' },
    });
    assert422(res, '/__proto__', '/constructor');
  });

  test('a path parameter that is not valid percent-encoding is 400, not 500', async () => {
    assertProblem(await api.call('DELETE', '/v1/tokens/%E0%A4%A', { auth: 'alice' }), 400, 'malformed-request');
  });

  test("a raw '#' in the request target is 400, not the rest of the path dropped (GET /v1/keys/#x is not the key list)", async () => {
    // fetch, and node:http given a URL, strip a fragment before sending; given a path, node:http sends it as written.
    const { hostname, port } = new URL(api.url);
    const send = (method: string, target: string) =>
      new Promise<{ status: number; type: string; body: { type?: string; detail?: string } }>((resolve, reject) => {
        const req = request({ hostname, port, path: target, method, headers: { authorization: `Bearer ${TENANTS.alice}` } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: JSON.parse(text) }));
        });
        req.on('error', reject);
        req.end();
      });
    for (const [method, target] of [['GET', '/v1/keys/#x'], ['GET', '/v1/keys/#'], ['DELETE', '/v1/tokens/#'], ['GET', '/healthz#']] as const) {
      const res = await send(method, target);
      assert.equal(res.status, 400, `${method} ${target}: ${JSON.stringify(res.body)}`);
      assert.match(res.type, /^application\/problem\+json/);
      assert.equal(res.body.type, 'urn:pq-crypto-api:problem:malformed-request');
      assert.match(res.body.detail ?? '', /%23/);
    }
    // Percent-encoded, it is part of the key_id (which is then not one).
    assert422(await api.call('GET', '/v1/keys/%23x', { auth: 'alice' }), '/key_id');
  });
});

describe('wrong JSON types are 422, never a 500', () => {
  const WRONG = [null, 42, true, [], {}, ['a']];
  const FIELDS: Record<string, string[]> = {
    '/v1/kem/keypair': ['algorithm'],
    '/v1/kem/encapsulate': ['pk', 'signature', 'verif_key', 'verification_key'],
    '/v1/kem/decapsulate': ['cipher', 'key_id', 'pk'],
    '/v1/dsa/sign': ['data', 'encoding', 'context'],
    '/v1/dsa/verify': ['data', 'pk', 'signature', 'encoding', 'context'],
    '/v1/aes/encrypt': ['unencrypted', 'encoding', 'key', 'aad'],
    '/v1/aes/decrypt': ['ciphertext', 'key', 'aad', 'encoding'],
  };
  for (const [path, fields] of Object.entries(FIELDS)) {
    test(`${path}: every field given null, a number, a boolean, an array or an object is 422 naming it`, async () => {
      for (const field of fields) {
        for (const value of WRONG) {
          const res = await api.call('POST', path, { auth: 'alice', body: { [field]: value } });
          assert.equal(res.status, 422, `${field} = ${JSON.stringify(value)}: ${JSON.stringify(res.body)}`);
          assert.ok(pointersOf(res).includes(`/${field}`), `${field} = ${JSON.stringify(value)}: ${JSON.stringify(res.body)}`);
        }
      }
    });
  }
});

describe('422 names every bad field in one answer', () => {
  test('verify with a bad pk, a bad signature, bad hex data, a long context and an unknown field names all five', async () => {
    const res = await api.call('POST', '/v1/dsa/verify', {
      auth: 'alice',
      body: { data: 'zz', encoding: 'hex', pk: 'AAAA', signature: '!!', context: 'c'.repeat(256), extra: 1 },
    });
    assert422(res, '/context', '/data', '/extra', '/pk', '/signature');
    assert.equal(res.body.detail, '5 fields are invalid.');
  });

  test('encrypt with a bad key, a bad aad and bad unencrypted names all three', async () => {
    const res = await api.call('POST', '/v1/aes/encrypt', { auth: 'alice', body: { unencrypted: '\ud800', key: b64(random(16)), aad: 5 } });
    assert422(res, '/aad', '/key', '/unencrypted');
  });

  test('decrypt with a short ciphertext, a bad key, a bad aad and a bad encoding names all four', async () => {
    const res = await api.call('POST', '/v1/aes/decrypt', { auth: 'alice', body: { ciphertext: 'AAAA', key: '', aad: '\ud800', encoding: 'utf16' } });
    assert422(res, '/aad', '/ciphertext', '/encoding', '/key');
  });

  test('encapsulate with a bad pk, a bad signature and a bad verif_key names all three', async () => {
    const res = await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: 'AAAA', signature: '!!', verif_key: b64(random(10)) } });
    assert422(res, '/pk', '/signature', '/verif_key');
  });

  test('sign with lone-surrogate data and a 300-byte context names both', async () => {
    const res = await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: '\ud800', context: 'c'.repeat(300) } });
    assert422(res, '/context', '/data');
  });
});

describe('authentication: one uniform 401', () => {
  const jwtWrongSecret = hs256(
    { sub: 'alice', jti: randomBytes(16).toString('base64url'), scopes: ['dsa:sign'], exp: Math.floor(Date.now() / 1000) + 600 },
    randomBytes(48),
  );
  const CASES: Record<string, Record<string, string>> = {
    'no Authorization header': {},
    'an unknown API key': { authorization: `Bearer wrong-key-${'w'.repeat(40)}` },
    "alice's key with one character changed": { authorization: `Bearer ${TENANTS.alice.slice(0, -1)}b` },
    "alice's key with a suffix": { authorization: `Bearer ${TENANTS.alice}x` },
    "alice's key under the Basic scheme": { authorization: `Basic ${TENANTS.alice}` },
    "alice's key with no scheme": { authorization: TENANTS.alice },
    '"Bearer" alone': { authorization: 'Bearer' },
    '"Bearer " and spaces': { authorization: 'Bearer    ' },
    '"Bearer" with garbage': { authorization: 'Bearer garbage' },
    'a JWT-shaped garbage token': { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' },
    'a well-formed HS256 JWT signed with another secret': { authorization: `Bearer ${jwtWrongSecret}` },
    'an unsigned JWT (alg none)': { authorization: `Bearer ${jwtPart({ alg: 'none', typ: 'JWT' })}.${jwtPart({ sub: 'alice', exp: 9_999_999_999 })}.` },
    'a 10000-character credential': { authorization: `Bearer ${'x'.repeat(10_000)}` },
  };

  test('every kind of bad credential gets a byte-identical 401 body and a WWW-Authenticate: Bearer header', async () => {
    const bodies = new Set<string>();
    for (const [name, headers] of Object.entries(CASES)) {
      const res = await rawFetch('/v1/dsa/sign', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"data":"x"}' });
      assert.equal(res.status, 401, name);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer\b/, name);
      bodies.add(res.text);
    }
    assert.equal(bodies.size, 1, [...bodies].join('\n'));
    const body = JSON.parse([...bodies][0]!);
    assert.equal(body.type, 'urn:pq-crypto-api:problem:unauthorized');
    assert.equal(body.status, 401);
  });

  test('every /v1 operation refuses an unauthenticated request with that same 401', async () => {
    const reference = await rawFetch('/v1/kem/keypair', { method: 'POST' });
    const ops: [string, string][] = [
      ...OPERATIONS.map((path): [string, string] => ['POST', path]),
      ['POST', '/v1/tokens'],
      ['GET', '/v1/tokens/current'],
      ['DELETE', '/v1/tokens/AAAAAAAAAAAAAAAAAAAAAA'],
      ['GET', '/v1/audit'],
    ];
    for (const [method, path] of ops) {
      const res = await rawFetch(path, { method });
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal(res.text, reference.text, `${method} ${path}`);
    }
  });

  test('authentication comes before the body: no credential with malformed JSON or an oversized body is still 401', async () => {
    const malformed = await rawFetch('/v1/dsa/sign', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data":' });
    assert.equal(malformed.status, 401);
    const huge = await rawFetch('/v1/dsa/sign', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: 'x'.repeat(5000) }) });
    assert.equal(huge.status, 401);
    const notJson = await rawFetch('/v1/dsa/sign', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    assert.equal(notJson.status, 401);
  });

  test("the scheme name is case-insensitive, and bob's key works as well as alice's", async () => {
    const res = await fetch(`${api.url}/v1/dsa/sign`, {
      method: 'POST',
      headers: { authorization: `bearer ${TENANTS.bob}`, 'content-type': 'application/json' },
      body: '{"data":"x"}',
    });
    assert.equal(res.status, 200);
  });
});

describe('routes, health and headers', () => {
  test('an unknown route is a 404 problem, with or without /v1', async () => {
    assertProblem(await api.call('GET', '/nope'), 404, 'not-found');
    assertProblem(await api.call('POST', '/v1/kem/nope', { auth: 'alice', body: {} }), 404, 'not-found');
  });

  test('a known path asked with the wrong method is 405 with an Allow header', async () => {
    const res = await api.call('GET', '/v1/kem/keypair', { auth: 'alice' });
    assertProblem(res, 405, 'method-not-allowed');
    assert.equal(res.headers.get('allow'), 'POST');
    const tokens = await api.call('PUT', '/v1/tokens/AAAAAAAAAAAAAAAAAAAAAA', { auth: 'alice' });
    assertProblem(tokens, 405, 'method-not-allowed');
    assert.equal(tokens.headers.get('allow'), 'DELETE');
  });

  test('an unknown /v1 route without credentials is 401: routes cannot be probed anonymously', async () => {
    assertProblem(await api.call('POST', '/v1/kem/nope'), 401, 'unauthorized');
  });

  test('/healthz is 200 without credentials', async () => {
    const res = await api.call('GET', '/healthz');
    assertOk(res);
    assert.deepEqual(res.body, { status: 'ok' });
  });

  test('/readyz is 200 and names the memory store and the crypto backend of each family', async () => {
    const res = await api.call('GET', '/readyz');
    assertOk(res);
    const { crypto, ...rest } = res.body;
    assert.deepEqual(rest, { status: 'ok', store: 'memory' });
    assert.equal(crypto.requested, 'auto');
    for (const family of ['ml_kem', 'ml_dsa', 'aes_gcm']) assert.ok(['native', 'noble'].includes(crypto[family]), family);
    const used = new Set([crypto.ml_kem, crypto.ml_dsa, crypto.aes_gcm]);
    assert.equal(crypto.backend, used.size === 1 ? [...used][0] : 'mixed');
  });

  test('answers on /v1 carry Cache-Control: no-store, whether 2xx, 401, 404 or 422', async () => {
    const answers = [
      await api.call('POST', '/v1/kem/keypair', { auth: 'alice' }),
      await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x' } }),
      await api.call('POST', '/v1/dsa/sign', { body: { data: 'x' } }),
      await api.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { cipher: '', key_id: 'kem_AAAAAAAAAAAAAAAAAAAAAA' } }),
      await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: {} }),
    ];
    assert.deepEqual(answers.map((a) => a.status), [201, 200, 401, 404, 422]);
    for (const a of answers) assert.equal(a.headers.get('cache-control'), 'no-store');
  });

  test('answers carry X-Content-Type-Options: nosniff and no X-Powered-By', async () => {
    const res = await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x' } });
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-powered-by'), null);
  });
});
