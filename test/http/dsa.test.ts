/**
 * /v1/dsa/sign and /v1/dsa/verify over real HTTP: message encodings, FIPS 204 context strings,
 * parameter sets inferred from key lengths (checked against keys and signatures made locally with
 * noble), and every validation refusal.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { assert422, assertOk, b64, flipBit, random, startApi, unb64, utf8, type TestServer } from './support.ts';

let api: TestServer;
before(async () => {
  api = await startApi();
});
after(() => api.close());

const sign = (body: Record<string, unknown>, auth = 'alice') => api.call('POST', '/v1/dsa/sign', { auth, body });
const verify = (body: Record<string, unknown>, auth = 'alice') => api.call('POST', '/v1/dsa/verify', { auth, body });

async function signed(body: Record<string, unknown>): Promise<{ signature: string; pk: string }> {
  const res = await sign(body);
  assertOk(res);
  return res.body;
}

async function verified(body: Record<string, unknown>): Promise<boolean> {
  const res = await verify(body);
  assertOk(res);
  assert.deepEqual(Object.keys(res.body), ['verified']);
  assert.equal(typeof res.body.verified, 'boolean');
  return res.body.verified;
}

describe('POST /v1/dsa/sign', () => {
  test('answers signature, pk, key_id, version and algorithm: an ML-DSA-65 signature that noble verifies over the UTF-8 bytes', async () => {
    const res = await sign({ data: 'hello' });
    assertOk(res);
    assert.deepEqual(Object.keys(res.body).sort(), ['algorithm', 'key_id', 'pk', 'signature', 'version']);
    const sig = unb64(res.body.signature);
    const pk = unb64(res.body.pk);
    assert.equal(sig.length, 3309);
    assert.equal(pk.length, 1952);
    assert.equal(ml_dsa65.verify(sig, utf8('hello'), pk), true);
    assert.equal(ml_dsa65.verify(sig, utf8('hellO'), pk), false);
  });

  test("signs with the tenant's one key: the same pk on every call", async () => {
    const a = await signed({ data: 'one' });
    const b = await signed({ data: 'two' });
    assert.equal(a.pk, b.pk);
  });

  test('is hedged: signing the same data twice gives two different signatures, both valid', async () => {
    const a = await signed({ data: 'same' });
    const b = await signed({ data: 'same' });
    assert.notEqual(a.signature, b.signature);
    assert.equal(await verified({ data: 'same', pk: a.pk, signature: a.signature }), true);
    assert.equal(await verified({ data: 'same', pk: b.pk, signature: b.signature }), true);
  });

  test('signs the empty message', async () => {
    const s = await signed({ data: '' });
    assert.equal(ml_dsa65.verify(unb64(s.signature), new Uint8Array(0), unb64(s.pk)), true);
  });
});

describe('message encodings: utf8, base64 and hex name the same bytes', () => {
  test("'hello' signed as utf8 verifies as base64 (padded or not) and as hex of the same bytes", async () => {
    const s = await signed({ data: 'hello', encoding: 'utf8' });
    assert.equal(await verified({ data: 'aGVsbG8=', encoding: 'base64', pk: s.pk, signature: s.signature }), true);
    assert.equal(await verified({ data: 'aGVsbG8', encoding: 'base64', pk: s.pk, signature: s.signature }), true);
    assert.equal(await verified({ data: '68656c6c6f', encoding: 'hex', pk: s.pk, signature: s.signature }), true);
    assert.equal(await verified({ data: '68656C6C6F', encoding: 'hex', pk: s.pk, signature: s.signature }), true);
    assert.equal(await verified({ data: 'hello', pk: s.pk, signature: s.signature }), true, 'utf8 is the default');
    // The text itself read as another encoding is other bytes.
    assert.equal(await verified({ data: 'aGVsbG8=', encoding: 'utf8', pk: s.pk, signature: s.signature }), false);
  });

  test('bytes signed as hex and as base64 verify as utf8 and against noble', async () => {
    const fromHex = await signed({ data: '68656c6c6f', encoding: 'hex' });
    assert.equal(await verified({ data: 'hello', pk: fromHex.pk, signature: fromHex.signature }), true);
    const fromB64 = await signed({ data: 'aGVsbG8=', encoding: 'base64' });
    assert.equal(await verified({ data: 'hello', pk: fromB64.pk, signature: fromB64.signature }), true);
    assert.equal(ml_dsa65.verify(unb64(fromB64.signature), utf8('hello'), unb64(fromB64.pk)), true);
  });

  test('binary data that is not UTF-8 signs and verifies via base64 and hex', async () => {
    const bytes = new Uint8Array([0xff, 0x00, 0xfe, 0x80]);
    const s = await signed({ data: b64(bytes), encoding: 'base64' });
    assert.equal(ml_dsa65.verify(unb64(s.signature), bytes, unb64(s.pk)), true);
    assert.equal(await verified({ data: 'ff00fe80', encoding: 'hex', pk: s.pk, signature: s.signature }), true);
  });

  test('non-ASCII text is signed as its UTF-8 bytes (an astral character, a surrogate pair in JSON, is fine)', async () => {
    const text = 'héllo 🌍';
    const s = await signed({ data: text });
    assert.equal(ml_dsa65.verify(unb64(s.signature), utf8(text), unb64(s.pk)), true);
  });
});

describe('FIPS 204 context strings', () => {
  test("signed with context 'a': verifies with 'a', not with 'b', not without a context", async () => {
    const s = await signed({ data: 'msg', context: 'a' });
    assert.equal(await verified({ data: 'msg', pk: s.pk, signature: s.signature, context: 'a' }), true);
    assert.equal(await verified({ data: 'msg', pk: s.pk, signature: s.signature, context: 'b' }), false);
    assert.equal(await verified({ data: 'msg', pk: s.pk, signature: s.signature }), false);
    assert.equal(ml_dsa65.verify(unb64(s.signature), utf8('msg'), unb64(s.pk), { context: utf8('a') }), true);
  });

  test('signed without a context: verifies with none and with an empty one, not with a context', async () => {
    const s = await signed({ data: 'msg' });
    assert.equal(await verified({ data: 'msg', pk: s.pk, signature: s.signature, context: '' }), true);
    assert.equal(await verified({ data: 'msg', pk: s.pk, signature: s.signature, context: 'a' }), false);
  });

  test('a context of 255 bytes is accepted on sign and verify', async () => {
    const context = 'c'.repeat(255);
    const s = await signed({ data: 'msg', context });
    assert.equal(await verified({ data: 'msg', pk: s.pk, signature: s.signature, context }), true);
  });

  test('a context of 256 bytes is 422 naming /context, on sign and on verify', async () => {
    const context = 'c'.repeat(256);
    assert422(await sign({ data: 'msg', context }), '/context');
    const s = await signed({ data: 'msg' });
    assert422(await verify({ data: 'msg', pk: s.pk, signature: s.signature, context }), '/context');
  });

  test('the context limit counts UTF-8 bytes, not characters: 128 x "é" (256 bytes) is 422, 127 x "é" + "a" is fine', async () => {
    assert422(await sign({ data: 'msg', context: 'é'.repeat(128) }), '/context');
    const context = `${'é'.repeat(127)}a`;
    const s = await signed({ data: 'msg', context });
    assert.equal(ml_dsa65.verify(unb64(s.signature), utf8('msg'), unb64(s.pk), { context: utf8(context) }), true);
  });

  test('a context with a lone surrogate is 422 naming /context', async () => {
    assert422(await sign({ data: 'msg', context: '\ud800' }), '/context');
  });
});

describe('POST /v1/dsa/verify', () => {
  test('a signature with one bit flipped is 200 verified:false', async () => {
    const s = await signed({ data: 'msg' });
    const bad = b64(flipBit(unb64(s.signature), 10, 2));
    assert.equal(await verified({ data: 'msg', pk: s.pk, signature: bad }), false);
  });

  test('a well-sized signature of random bytes is 200 verified:false', async () => {
    const s = await signed({ data: 'msg' });
    assert.equal(await verified({ data: 'msg', pk: s.pk, signature: b64(random(3309)) }), false);
  });

  test('other data is 200 verified:false', async () => {
    const s = await signed({ data: 'msg' });
    assert.equal(await verified({ data: 'msh', pk: s.pk, signature: s.signature }), false);
  });

  const LOCAL = [
    { name: 'ML-DSA-44', impl: ml_dsa44, pk: 1312, sig: 2420 },
    { name: 'ML-DSA-65', impl: ml_dsa65, pk: 1952, sig: 3309 },
    { name: 'ML-DSA-87', impl: ml_dsa87, pk: 2592, sig: 4627 },
  ] as const;
  for (const set of LOCAL) {
    test(`infers ${set.name} from a ${set.pk}-byte key: a local signature verifies, a wrong message does not`, async () => {
      const { publicKey, secretKey } = set.impl.keygen(random(32));
      assert.equal(publicKey.length, set.pk);
      const message = utf8(`signed locally with ${set.name}`);
      const signature = set.impl.sign(message, secretKey, { context: utf8('ctx') });
      assert.equal(signature.length, set.sig);
      const body = { data: b64(message), encoding: 'base64', pk: b64(publicKey), signature: b64(signature), context: 'ctx' };
      assert.equal(await verified(body), true);
      assert.equal(await verified({ ...body, data: b64(flipBit(message, 0)) }), false);
      assert.equal(await verified({ ...body, context: 'other' }), false);
    });
  }

  test('a pk of a length matching no ML-DSA set is 422 naming /pk', async () => {
    const s = await signed({ data: 'msg' });
    for (const length of [1000, 1951, 1953]) {
      assert422(await verify({ data: 'msg', pk: b64(random(length)), signature: s.signature }), '/pk');
    }
  });

  test("a signature whose length is another set's (an ML-DSA-44 size with an ML-DSA-65 key) is 422 naming /signature", async () => {
    const s = await signed({ data: 'msg' });
    const res = await verify({ data: 'msg', pk: s.pk, signature: b64(random(2420)) });
    assert422(res, '/signature');
    assert.match(res.body.errors[0].detail, /3309/);
  });

  test('a signature of a length matching no set is 422 naming /signature', async () => {
    const s = await signed({ data: 'msg' });
    assert422(await verify({ data: 'msg', pk: s.pk, signature: b64(unb64(s.signature).subarray(1)) }), '/signature');
  });

  test('missing pk (or key_id) and signature are 422 naming both', async () => {
    assert422(await verify({ data: 'msg' }), '/pk', '/signature');
  });
});

describe('message validation', () => {
  test('bad hex is 422 naming /data (odd length, non-hex characters)', async () => {
    assert422(await sign({ data: 'abc', encoding: 'hex' }), '/data');
    assert422(await sign({ data: 'zz', encoding: 'hex' }), '/data');
    const s = await signed({ data: 'msg' });
    assert422(await verify({ data: '0x00', encoding: 'hex', pk: s.pk, signature: s.signature }), '/data');
  });

  test('bad base64 is 422 naming /data', async () => {
    assert422(await sign({ data: 'a', encoding: 'base64' }), '/data');
    assert422(await sign({ data: 'no spaces allowed', encoding: 'base64' }), '/data');
  });

  test('a lone surrogate in utf8 data is 422 naming /data, not silently replaced', async () => {
    assert422(await sign({ data: '\ud800' }), '/data');
    assert422(await sign({ data: 'abc\udfffdef' }), '/data');
    const s = await signed({ data: 'msg' });
    assert422(await verify({ data: '\ud800', pk: s.pk, signature: s.signature }), '/data');
  });

  test('an unknown encoding is 422 naming /encoding', async () => {
    assert422(await sign({ data: 'msg', encoding: 'latin1' }), '/encoding');
  });

  test('data that is missing or not a string is 422 naming /data', async () => {
    assert422(await sign({}), '/data');
    assert422(await sign({ data: 42 }), '/data');
    assert422(await sign({ data: ['a'] }), '/data');
  });
});

describe('MAX_MESSAGE_BYTES=100', () => {
  let small: TestServer;
  before(async () => {
    small = await startApi({ env: { MAX_MESSAGE_BYTES: '100' } });
  });
  after(() => small.close());

  test('data of 100 bytes is signed; 101 bytes is 422 naming /data', async () => {
    const ok = await small.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x'.repeat(100) } });
    assertOk(ok);
    assert422(await small.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x'.repeat(101) } }), '/data');
    assert422(
      await small.call('POST', '/v1/dsa/verify', { auth: 'alice', body: { data: 'x'.repeat(101), pk: ok.body.pk, signature: ok.body.signature } }),
      '/data',
    );
  });

  test('the limit counts decoded bytes: 100 bytes as 200 hex characters pass, 101 bytes of multi-byte UTF-8 in 51 characters do not', async () => {
    assertOk(await small.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'ab'.repeat(100), encoding: 'hex' } }));
    assert422(await small.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: `${'é'.repeat(50)}x` } }), '/data');
  });
});
