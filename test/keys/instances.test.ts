/**
 * Keys as resources on two API instances sharing one Redis (issue 9): deletion, expiry and
 * rotation take effect on every instance at once, although each instance keeps its own cache of
 * prepared secret keys; a stored shared key's encryption bound is counted across instances.
 * Real redis-server (throwaway, free port), two real HTTP servers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTwoInstances, type TwoInstances } from '../helpers/instances.ts';
import type { TestServer } from '../helpers/server.ts';

describe('keys on two instances sharing one Redis', () => {
  let a: TestServer;
  let b: TestServer;
  let instances: TwoInstances;

  before(async () => {
    instances = await startTwoInstances({ MAX_ENCRYPTIONS_PER_KEY: '4' });
    ({ a, b } = instances);
  });
  after(() => instances.close());

  const post = (server: TestServer, path: string, body: unknown) => server.call('POST', path, { auth: 'alice', body });

  test('a key deleted on one instance is 404 on the other at once, though the other had just used it', async () => {
    const kp = (await post(a, '/v1/kem/keypair', {})).body;
    const enc = (await post(b, '/v1/kem/encapsulate', { pk: kp.pk })).body;
    // B decapsulates (and so caches the prepared secret key), then A deletes the key.
    assert.equal((await post(b, '/v1/kem/decapsulate', { key_id: kp.key_id, cipher: enc.cipher })).status, 200);
    assert.equal((await a.call('DELETE', `/v1/keys/${kp.key_id}`, { auth: 'alice' })).status, 204);
    for (const server of [a, b]) {
      assert.equal((await post(server, '/v1/kem/decapsulate', { key_id: kp.key_id, cipher: enc.cipher })).status, 404);
      assert.equal((await post(server, '/v1/kem/decapsulate', { pk: kp.pk, cipher: enc.cipher })).status, 404);
      assert.equal((await server.call('GET', `/v1/keys/${kp.key_id}`, { auth: 'alice' })).status, 404);
    }
  });

  test('a key that expires is gone on both instances at its expiry, by the store\'s clock', async () => {
    const signing = await post(a, '/v1/dsa/keypair', { expires_in: 1 });
    assert.equal(signing.status, 201);
    assert.equal((await post(b, '/v1/dsa/sign', { data: 'x', key_id: signing.body.key_id })).status, 200, 'alive before');
    await sleep(Date.parse(signing.body.expires_at) + 200 - Date.now());
    for (const server of [a, b]) {
      assert.equal((await post(server, '/v1/dsa/sign', { data: 'x', key_id: signing.body.key_id })).status, 404);
      const listed = await server.call('GET', '/v1/keys?type=dsa&limit=500', { auth: 'alice' });
      assert.equal(listed.body.keys.some((k: { key_id: string }) => k.key_id === signing.body.key_id), false);
    }
  });

  test('after a rotation on one instance, the other signs with the new version', async () => {
    const key = (await post(a, '/v1/dsa/keypair', {})).body;
    const before = (await post(b, '/v1/dsa/sign', { data: 'x', key_id: key.key_id })).body;
    assert.equal(before.version, 1);
    const rotated = await a.call('POST', `/v1/keys/${key.key_id}/rotate`, { auth: 'alice' });
    assert.equal(rotated.body.version, 2);
    const after = (await post(b, '/v1/dsa/sign', { data: 'x', key_id: key.key_id })).body;
    assert.deepEqual([after.version, after.pk], [2, rotated.body.pk]);
    assert.equal((await post(a, '/v1/dsa/verify', { data: 'x', key_id: key.key_id, signature: before.signature })).body.verified, true);
  });

  test("a stored shared key's encryption bound holds across instances: exactly 4 of 12 concurrent encryptions", async () => {
    const kp = (await post(a, '/v1/kem/keypair', {})).body;
    const stored = (await post(a, '/v1/kem/encapsulate', { pk: kp.pk, store: true })).body;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => post(i % 2 ? a : b, '/v1/aes/encrypt', { unencrypted: `m${i}`, key_id: stored.shared_key_id })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [...Array(4).fill(200), ...Array(8).fill(409)]);
  });
});
