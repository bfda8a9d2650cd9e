/**
 * The problem catalogue against the documentation and the running API, in the spirit of
 * Fastify's error tests: every problem type of the catalogue is documented (an example in the
 * OpenAPI document with its own status, type and title, and a row in docs/api.md), and every
 * documented type can actually be produced by some request.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { PROBLEMS, type ProblemType } from '../../src/http/problems.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { RedisStore } from '../../src/stores/redis.ts';
import { Redis } from 'ioredis';
import { freePort, startRedis } from '../helpers/redis.ts';
import { startServer, type CallResult, type TestServer } from '../helpers/server.ts';
import { assertOk, PROBLEM_BASE } from './support.ts';

// The document is JSON of a known shape; tests walk it freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const TYPES = Object.keys(PROBLEMS) as ProblemType[];

let api: TestServer;
let doc: Json;
before(async () => {
  api = await startServer({ env: { MAX_BODY_BYTES: '2048' } });
  doc = (await api.call('GET', '/openapi.json')).body;
});
after(() => api.close());

describe('every problem type is documented', () => {
  test('the OpenAPI document has one example per type an operation answers, with its own status, type and title; the description names the others', () => {
    const examples = doc.components.examples as Record<string, Json>;
    // 405 and 500 belong to no operation; the HTTP layer answers 417 and 431 before any is matched.
    const requestLevel = ['method-not-allowed', 'internal-error', 'expectation-failed', 'headers-too-large'];
    assert.deepEqual(Object.keys(examples).sort(), TYPES.filter((t) => !requestLevel.includes(t)).sort());
    for (const type of requestLevel) assert.match(doc.info.description, new RegExp(`${PROBLEMS[type as ProblemType].status} \`${type}\``), type);
    for (const type of Object.keys(examples) as ProblemType[]) {
      const value = examples[type].value;
      assert.equal(value.type, PROBLEM_BASE + type);
      assert.equal(value.status, PROBLEMS[type].status);
      assert.equal(value.title, PROBLEMS[type].title);
      assert.equal(typeof value.detail, 'string');
      assert.equal(typeof value.request_id, 'string');
    }
  });

  test('operations refer only to catalogue examples, under the status of each', () => {
    const referenced = new Set<string>();
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      for (const [method, op] of Object.entries<Json>(item)) {
        for (const [status, response] of Object.entries<Json>(op.responses ?? {})) {
          for (const [name, example] of Object.entries<Json>(response.content?.['application/problem+json']?.examples ?? {})) {
            assert.equal(example.$ref, `#/components/examples/${name}`, `${method} ${path} ${status}`);
            assert.equal(PROBLEMS[name as ProblemType]?.status, Number(status), `${method} ${path} ${status} ${name}`);
            referenced.add(name);
          }
        }
      }
    }
    // Every type an operation can answer is referenced by one; 405 and 500 belong to no operation.
    // The HTTP layer answers 417 and 431 before any operation is matched.
    const unmatched = ['method-not-allowed', 'internal-error', 'expectation-failed', 'headers-too-large'];
    assert.deepEqual([...referenced].sort(), TYPES.filter((t) => !unmatched.includes(t)).sort());
  });

  test('docs/api.md has a row for every type, with its status', () => {
    const guide = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    for (const type of TYPES) {
      assert.match(guide, new RegExp(`^\\| \`${type}\` \\| ${PROBLEMS[type].status} \\|`, 'm'), type);
    }
  });
});

/** A store whose key lookups fail with a plain error: what a bug looks like to the error handler. */
class BuggyStore extends MemoryStore {
  constructor() {
    super();
    this.keys.get = async () => {
      throw new Error('a bug in the store');
    };
  }
}

async function once(opts: Parameters<typeof startServer>[0], run: (server: TestServer) => Promise<CallResult>): Promise<CallResult> {
  const server = await startServer(opts);
  try {
    return await run(server);
  } finally {
    await server.close();
    await opts?.store?.close();
  }
}

/** One request (or a few) that produces each type. A new type in the catalogue needs one here. */
const PRODUCERS: Record<ProblemType, () => Promise<CallResult>> = {
  'malformed-request': () => api.call('POST', '/v1/dsa/sign', { auth: 'alice', raw: '{"data":', headers: { 'content-type': 'application/json' } }),
  'decryption-failed': async () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const enc = await api.call('POST', '/v1/aes/encrypt', { auth: 'alice', body: { unencrypted: 'x', key } });
    assertOk(enc);
    return api.call('POST', '/v1/aes/decrypt', { auth: 'alice', body: { ciphertext: enc.body.ciphertext, key: Buffer.alloc(32, 8).toString('base64') } });
  },
  'hpke-open-failed': async () => {
    const key = await api.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} });
    assertOk(key, 201);
    const sealed = await api.call('POST', '/v1/hpke/seal', { auth: 'alice', body: { plaintext: 'x', key_id: key.body.key_id } });
    assertOk(sealed);
    return api.call('POST', '/v1/hpke/open', { auth: 'alice', body: { key_id: key.body.key_id, enc: sealed.body.enc, ciphertext: sealed.body.ciphertext, aad: 'AA' } });
  },
  unauthorized: () => api.call('POST', '/v1/dsa/sign', { body: { data: 'x' } }),
  forbidden: async () => {
    const t = await api.call('POST', '/v1/tokens', { auth: 'alice', body: { scopes: ['dsa:verify'] } });
    return api.call('POST', '/v1/dsa/sign', { auth: t.body.new_token, body: { data: 'x' } });
  },
  'not-found': () => api.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { key_id: 'kem_AAAAAAAAAAAAAAAAAAAAAA', cipher: 'AA' } }),
  'sealed-request-refused': () => api.call('POST', '/ohttp', { raw: 'not a sealed request', headers: { 'content-type': 'message/ohttp-req' } }),
  'method-not-allowed': () => api.call('GET', '/v1/kem/keypair', { auth: 'alice' }),
  'payload-too-large': () => api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x'.repeat(3000) } }),
  'unsupported-media-type': () => api.call('POST', '/v1/dsa/sign', { auth: 'alice', raw: 'data=x', headers: { 'content-type': 'text/plain' } }),
  'validation-failed': () => api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 5 } }),
  'rate-limited': () =>
    once({ env: { RATE_LIMIT_PER_TOKEN: '1' } }, async (server) => {
      const t = await server.call('POST', '/v1/tokens', { auth: 'alice', body: {} });
      const answers = await Promise.all(Array.from({ length: 10 }, () => server.call('GET', '/v1/tokens/current', { auth: t.body.new_token })));
      return answers.find((a) => a.status === 429) ?? answers[0]!;
    }),
  'quota-exceeded': () =>
    once({ env: { QUOTA_KEYS: '1' } }, async (server) => {
      assertOk(await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} }), 201);
      return server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} });
    }),
  // One slow-lane thread busy with SLH-DSA signatures, and a queue deadline shorter than one of them.
  'crypto-busy': () =>
    once({ env: { CRYPTO_SLOW_THREADS: '1', CRYPTO_QUEUE_TIMEOUT_MS: '5' } }, async (server) => {
      const key = await server.call('POST', '/v1/dsa/keypair', { auth: 'alice', body: { algorithm: 'SLH-DSA-SHA2-128f' } });
      assertOk(key, 201);
      const answers = await Promise.all(Array.from({ length: 6 }, () => server.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x', key_id: key.body.key_id } })));
      return answers.find((a) => a.status === 503) ?? answers[0]!;
    }),
  'store-full': async () => {
    const redis = await startRedis(['--maxmemory-policy', 'noeviction']);
    const admin = new Redis(redis.url);
    try {
      const store = new RedisStore({ url: redis.url });
      await store.ping();
      await admin.config('SET', 'maxmemory', '1');
      return await once({ store }, (server) => server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} }));
    } finally {
      admin.disconnect();
      await redis.dispose();
    }
  },
  // fetch refuses to send Expect: a plain node:http request does.
  'expectation-failed': () =>
    new Promise<CallResult>((resolve, reject) => {
      const req = request(`${api.url}/v1/dsa/sign`, { method: 'POST', headers: { expect: '200-ok', 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk));
        res.on('end', () => {
          const headers = new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)] as [string, string]));
          resolve({ status: res.statusCode!, headers, body: JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.end('{"data":"x"}');
    }),
  'headers-too-large': () => api.call('GET', '/v1/tokens/current', { auth: 'alice', headers: { 'x-padding': 'p'.repeat(20_000) } }),
  'key-confirmation-failed': async () => {
    const pair = await api.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} });
    assertOk(pair, 201);
    const enc = await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: pair.body.pk } });
    assertOk(enc);
    const other = await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: pair.body.pk } });
    // The confirmation of another encapsulation: the shared keys differ, so it cannot match.
    return api.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { key_id: pair.body.key_id, cipher: enc.body.cipher, confirmation: other.body.confirmation } });
  },
  'key-conflict': () =>
    once({ env: { MAX_ENCRYPTIONS_PER_KEY: '1' } }, async (server) => {
      const pair = await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} });
      const stored = await server.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: pair.body.pk, store: true } });
      assertOk(await server.call('POST', '/v1/aes/encrypt', { auth: 'alice', body: { unencrypted: 'x', key_id: stored.body.shared_key_id } }));
      // Past MAX_ENCRYPTIONS_PER_KEY.
      return server.call('POST', '/v1/aes/encrypt', { auth: 'alice', body: { unencrypted: 'y', key_id: stored.body.shared_key_id } });
    }),
  'internal-error': () => once({ store: new BuggyStore() }, (server) => server.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { key_id: 'kem_AAAAAAAAAAAAAAAAAAAAAA', cipher: 'AA' } })),
  'store-unavailable': async () => {
    const store = new RedisStore({ url: `redis://127.0.0.1:${await freePort()}`, operationTimeoutMs: 300 });
    return once({ store }, (server) => server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} }));
  },
};

describe('every documented problem type can be produced', () => {
  test('there is a producer for every type of the catalogue', () => {
    assert.deepEqual(Object.keys(PRODUCERS).sort(), [...TYPES].sort());
  });

  for (const type of TYPES) {
    test(`${type} (${PROBLEMS[type].status})`, async () => {
      const res = await PRODUCERS[type]();
      assert.equal(res.status, PROBLEMS[type].status, JSON.stringify(res.body));
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(res.body.type, PROBLEM_BASE + type);
      assert.equal(res.body.title, PROBLEMS[type].title);
      assert.equal(res.body.status, PROBLEMS[type].status);
      assert.equal(res.body.request_id, res.headers.get('x-request-id'));
      if (type === 'internal-error') assert.doesNotMatch(res.body.detail, /bug in the store/, 'internal detail reaches the client');
    });
  }
});
