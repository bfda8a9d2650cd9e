/**
 * Defects the hostile suite found, each pinned by a plain test (written first, seen failing).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RedisStore } from '../../src/stores/redis.ts';
import { startServer } from '../helpers/server.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { assert422, b64, random, startApi, TENANTS, type TestServer } from '../http/support.ts';

let api: TestServer;
let redis: TestRedis;
before(async () => {
  api = await startApi();
  redis = await startRedis();
});
after(async () => {
  await api.close();
  await redis.dispose();
});

test('encapsulate: verif_key plus a verification_key that does not decode is a 422 naming it, not a 500', async () => {
  const kp = (await api.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body;
  // Refinements of the whole body run even when a field failed: the failed one is still a string.
  const notBase64 = `*${kp.verification_key.slice(1)}`;
  const res = await api.call('POST', '/v1/kem/encapsulate', {
    auth: 'alice',
    body: { pk: kp.pk, signature: kp.signature, verif_key: kp.verification_key, verification_key: notBase64 },
  });
  assert422(res, '/verification_key');
  const tooLong = await api.call('POST', '/v1/kem/encapsulate', {
    auth: 'alice',
    body: { pk: kp.pk, verif_key: b64(random(1952)), verification_key: 'A'.repeat(5000) },
  });
  assert422(tooLong, '/verification_key');
});

test('Cache-Control: no-store on /v1 answers however the path is spelt (routing ignores case)', async () => {
  for (const [method, path] of [
    ['POST', '/V1/kem/encapsulate'],
    ['GET', '/V1/TOKENS/CURRENT'],
    ['GET', '/v1'],
    ['GET', '/V1'],
  ] as const) {
    const res = await fetch(api.url + path, { method, headers: { authorization: `Bearer ${TENANTS.alice}`, 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) });
    await res.arrayBuffer();
    assert.equal(res.headers.get('cache-control'), 'no-store', `${method} ${path} -> ${res.status}`);
  }
});

test('a request head over 16 KiB is a 431 problem with no-store; to a HEAD, without a body a HEAD client would choke on', async () => {
  const { request } = await import('node:http');
  const send = (method: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request(`${api.url}/v1/audit?cursor=${'A'.repeat(300_000)}`, { method }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject); // a body after a HEAD answer is a parse error here
      req.end();
    });
  for (const method of ['GET', 'HEAD']) {
    const res = await send(method);
    assert.equal(res.status, 431, method);
    assert.equal(res.headers['cache-control'], 'no-store', method);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/, method);
    assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/, method);
    if (method === 'HEAD') assert.equal(res.body, '');
    else assert.equal(JSON.parse(res.body).type, 'urn:pq-crypto-api:problem:headers-too-large');
  }
});

test('verify: an unknown algorithm next to a pk and signature that decode is a 422 naming it, not a 500', async () => {
  // The body's refinement runs even when a field failed: `algorithm` is then still the string sent.
  for (const algorithm of ['ml-dsa-65', 'ML-DSA-66', 'SLH-DSA-SHA2-128F']) {
    const res = await api.call('POST', '/v1/dsa/verify', { auth: 'alice', body: { data: 'x', pk: b64(random(1952)), signature: b64(random(3309)), algorithm } });
    assert.equal(res.status, 422, `${algorithm}: ${res.status} ${JSON.stringify(res.body)}`);
    assert.ok((res.body.errors as { pointer: string }[]).some((e) => e.pointer === '/algorithm'), algorithm);
  }
});

test('GET /v1/keys: a cursor the route accepts but no store made (an id without its score) is answered alike on both stores, never a 5xx', async () => {
  const store = new RedisStore({ url: redis.url, keyPrefix: 'regressions:' });
  const onRedis = await startServer({ store });
  try {
    // base64url of "kem_" and 22 characters: what the route's cursor check lets through without a score.
    const cursor = Buffer.from('kem_AAAAAAAAAAAAAAAAAAAAAA').toString('base64url');
    const answers = [];
    for (const server of [api, onRedis]) {
      await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: { algorithm: 'ML-KEM-512' } });
      const res = await server.call('GET', `/v1/keys?cursor=${cursor}`, { auth: 'alice' });
      assert.ok(res.status < 500, `${server.store.kind}: ${res.status} ${JSON.stringify(res.body)}`);
      answers.push([res.status, res.body.type]);
    }
    assert.deepEqual(answers[1], answers[0], 'the memory and the Redis store answer the same cursor alike');
  } finally {
    await onRedis.close();
    await store.close();
  }
});

test('verify by key_id: pk and signature from sign (as it answers them) verify an SLH-DSA key without algorithm, the stored key says which', async () => {
  const key = (await api.call('POST', '/v1/dsa/keypair', { auth: 'alice', body: { algorithm: 'SLH-DSA-SHA2-128f' } })).body;
  const signed = (await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x', key_id: key.key_id } })).body;
  const byId = await api.call('POST', '/v1/dsa/verify', { auth: 'alice', body: { data: 'x', key_id: key.key_id, signature: signed.signature } });
  assert.deepEqual([byId.status, byId.body], [200, { verified: true }]);
  // The same with the pk that sign answered: the lengths alone fit SHA2 and SHAKE, but key_id does not.
  const withPk = await api.call('POST', '/v1/dsa/verify', { auth: 'alice', body: { data: 'x', key_id: key.key_id, pk: signed.pk, signature: signed.signature } });
  assert.deepEqual([withPk.status, withPk.body], [200, { verified: true }], JSON.stringify(withPk.body));
});

test('verify by key_id: an algorithm other than the stored key\'s is a 422 naming it, with or without pk', async () => {
  const key = (await api.call('POST', '/v1/dsa/keypair', { auth: 'alice', body: { algorithm: 'ML-DSA-44' } })).body;
  const signed = (await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x', key_id: key.key_id } })).body;
  const withPk = await api.call('POST', '/v1/dsa/verify', { auth: 'alice', body: { data: 'x', key_id: key.key_id, pk: signed.pk, signature: signed.signature, algorithm: 'ML-DSA-87' } });
  assert.equal(withPk.status, 422); // today: refused, naming /pk
  const withoutPk = await api.call('POST', '/v1/dsa/verify', { auth: 'alice', body: { data: 'x', key_id: key.key_id, signature: signed.signature, algorithm: 'ML-DSA-87' } });
  assert.equal(withoutPk.status, 422, `algorithm ML-DSA-87 for an ML-DSA-44 key_id is silently ignored: ${withoutPk.status} ${JSON.stringify(withoutPk.body)}`);
  assert.ok((withoutPk.body.errors as { pointer: string }[]).some((e) => e.pointer === '/algorithm'));
});
