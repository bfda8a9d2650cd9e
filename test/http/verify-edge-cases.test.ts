/**
 * POST /v1/dsa/verify at the edges the hostile-input suite found (each pinned here by a test seen
 * failing first): an unknown algorithm beside a pk and signature that decode, and verify by key_id
 * where the stored key, not the lengths of pk and signature, says which algorithm applies.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { b64, random, startApi, type TestServer } from './support.ts';

let api: TestServer;
before(async () => {
  api = await startApi();
});
after(() => api.close());

test('verify: an unknown algorithm next to a pk and signature that decode is a 422 naming it, not a 500', async () => {
  // The body's refinement runs even when a field failed: `algorithm` is then still the string sent.
  for (const algorithm of ['ml-dsa-65', 'ML-DSA-66', 'SLH-DSA-SHA2-128F']) {
    const res = await api.call('POST', '/v1/dsa/verify', { auth: 'alice', body: { data: 'x', pk: b64(random(1952)), signature: b64(random(3309)), algorithm } });
    assert.equal(res.status, 422, `${algorithm}: ${res.status} ${JSON.stringify(res.body)}`);
    assert.ok((res.body.errors as { pointer: string }[]).some((e) => e.pointer === '/algorithm'), algorithm);
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
