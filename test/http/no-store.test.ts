/**
 * Answers under /v1 (shared keys, decapsulated secrets, tokens) are never cacheable, however the
 * path is spelt: Express matches routes without regard to case, so `/V1/...` reaches the same
 * handler and must carry the same Cache-Control: no-store. Attack 4 of 2026-11-23 (issue 6)
 * replayed on both stores, and the spelling the hostile-input suite found answered without it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeOnEachStore } from '../helpers/stores.ts';
import { startApi, TENANTS, type TestServer } from './support.ts';

describeOnEachStore('no-store on secrets', (on) => {
  test('answers carrying secrets are never cacheable, however the path is spelt', async () => {
    const server = on.server;
    const { pk } = (await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body;
    for (const path of ['/v1/kem/encapsulate', '/V1/kem/encapsulate', '/v1/KEM/Encapsulate', '/v1//kem/encapsulate']) {
      const res = await server.call('POST', path, { auth: 'alice', body: { pk } });
      assert.equal(res.headers.get('cache-control'), 'no-store', `${path} -> ${res.status}`);
    }
    for (const path of ['/V1/nope', '/v1', '/V1', '/healthz', '/openapi.json']) {
      const res = await server.call('GET', path, { auth: 'alice' });
      assert.equal(res.headers.get('cache-control'), 'no-store', `${path} -> ${res.status}`);
    }
  });
});

let api: TestServer;
before(async () => {
  api = await startApi();
});
after(() => api.close());

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
