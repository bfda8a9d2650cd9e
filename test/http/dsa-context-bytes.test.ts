/**
 * `context_encoding` (issue 18): FIPS 204 / 205 allow a context of any 0-255 bytes, and NIST's own
 * test data uses contexts that are not text. sign and verify (single, batch and key_id forms)
 * take `context` as UTF-8 text by default, or as base64 or hex bytes. Checked against the ACVP
 * ML-DSA sigVer vectors over HTTP (their contexts are arbitrary bytes) and against noble locally.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { describeVectors, hex, type AcvpFile, type MlDsaSigVerCase } from '../helpers/vectors.ts';
import { assert422, assertOk, b64, startApi, unb64, utf8, type TestServer } from './support.ts';

let api: TestServer;
before(async () => {
  api = await startApi();
});
after(() => api.close());

const BYTES = new Uint8Array([0x00, 0xff, 0x80, 0xc3, 0x28]); // not UTF-8

describe('context as bytes', () => {
  test('base64 and hex contexts sign bytes that are not text; the signature verifies with exactly those bytes', async () => {
    for (const [context, context_encoding] of [[Buffer.from(BYTES).toString('base64'), 'base64'], [Buffer.from(BYTES).toString('hex'), 'hex']] as const) {
      const res = await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'msg', context, context_encoding } });
      assertOk(res);
      assert.equal(ml_dsa65.verify(unb64(res.body.signature), utf8('msg'), unb64(res.body.pk), { context: BYTES }), true, context_encoding);
      assert.equal(ml_dsa65.verify(unb64(res.body.signature), utf8('msg'), unb64(res.body.pk)), false);
      const verify = (body: Record<string, unknown>) => api.call('POST', '/v1/dsa/verify', { auth: 'alice', body: { data: 'msg', pk: res.body.pk, signature: res.body.signature, ...body } });
      assert.equal((await verify({ context, context_encoding })).body.verified, true);
      assert.equal((await verify({ context })).body.verified, false, 'the same text read as UTF-8 is another context');
      // The key_id form and the batch form take it too.
      assert.equal((await api.call('POST', '/v1/dsa/verify', { auth: 'alice', body: { data: 'msg', key_id: res.body.key_id, signature: res.body.signature, context, context_encoding } })).body.verified, true);
      const batch = await api.call('POST', '/v1/dsa/verify', { auth: 'alice', body: { batch_input: [{ data: 'msg', pk: res.body.pk, signature: res.body.signature, context, context_encoding }, { data: 'msg', pk: res.body.pk, signature: res.body.signature }] } });
      assert.deepEqual(batch.body.batch_results, [{ verified: true }, { verified: false }]);
    }
  });

  test('utf8 stays the default: a text context and the same text with context_encoding utf8 are one context', async () => {
    const res = await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'msg', context: 'é' } });
    assertOk(res);
    const verified = async (body: Record<string, unknown>) => (await api.call('POST', '/v1/dsa/verify', { auth: 'alice', body: { data: 'msg', pk: res.body.pk, signature: res.body.signature, ...body } })).body.verified;
    assert.equal(await verified({ context: 'é', context_encoding: 'utf8' }), true);
    assert.equal(await verified({ context: 'w6k=', context_encoding: 'base64' }), true, 'é is c3 a9 in UTF-8');
  });

  test('a context that does not decode, or decodes to over 255 bytes, is 422 naming /context; an unknown encoding names /context_encoding', async () => {
    assert422(await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'm', context: 'zz', context_encoding: 'hex' } }), '/context');
    assert422(await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'm', context: '!!', context_encoding: 'base64' } }), '/context');
    assert422(await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'm', context: 'ab'.repeat(256), context_encoding: 'hex' } }), '/context');
    assertOk(await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'm', context: 'ab'.repeat(255), context_encoding: 'hex' } }));
    assert422(await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'm', context: 'a', context_encoding: 'latin1' } }), '/context_encoding');
  });
});

describeVectors<AcvpFile<MlDsaSigVerCase>>('ACVP ML-DSA sigVer over HTTP, contexts as hex bytes', 'mldsa-sigver.json', (file) => {
  test('every case answers verified as its testPassed says', async () => {
    for (const t of file.tests) {
      const res = await api.call('POST', '/v1/dsa/verify', {
        auth: 'alice',
        body: { data: t.message.toLowerCase(), encoding: 'hex', pk: b64(hex(t.pk)), signature: b64(hex(t.signature)), context: t.context.toLowerCase(), context_encoding: 'hex' },
      });
      // A signature of the wrong length for its set is 422 (malformed), not verified: false.
      if (res.status === 422) {
        assert.equal(t.testPassed, false, `tc ${t.tcId}: ${JSON.stringify(res.body.errors)}`);
        continue;
      }
      assertOk(res);
      assert.equal(res.body.verified, t.testPassed, `tc ${t.tcId} (${t.parameterSet})`);
    }
  });
});
