/**
 * A key_id is matched whole: anything before its "kem_" prefix or after its 22 characters is a
 * 422 on the field that carries it, not a lookup of a key that could be found. Written to kill
 * mutants StrykerJS found surviving in the key_id pattern's anchors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from '../helpers/server.ts';

test('a key_id with anything before "kem_" or after its 22 characters is a 422 on key_id, not a lookup', async () => {
  const api = await startServer();
  try {
    const kp = (await api.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body;
    const cipher = (await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: kp.pk } })).body.cipher;
    for (const keyId of [`x${kp.key_id}`, `${kp.key_id}x`, ` ${kp.key_id}`]) {
      const res = await api.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { cipher, key_id: keyId } });
      assert.equal(res.status, 422, `${keyId}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.deepEqual(res.body.errors.map((e: { pointer: string }) => e.pointer), ['/key_id']);
      const mint = await api.call('POST', '/v1/tokens', { auth: 'alice', body: { key_ids: [keyId] } });
      assert.equal(mint.status, 422, `${keyId}: ${mint.status} ${JSON.stringify(mint.body)}`);
    }
  } finally {
    await api.close();
  }
});
