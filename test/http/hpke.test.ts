/**
 * /v1/hpke/seal and /v1/hpke/open over real HTTP: round trips with stored keys; every offered
 * suite (ML-KEM-768, ML-KEM-1024, X-Wing x AES-256-GCM, ChaCha20-Poly1305, with HKDF-SHA256)
 * checked on the wire against an independent implementation, hpke-js (@hpke/core, @hpke/ml-kem,
 * @hpke/hybridkem-x-wing, @hpke/chacha20poly1305), in both directions: hpke-js seals to the pk of
 * POST /v1/kem/keypair and the service opens; the service seals to an hpke-js key and hpke-js
 * opens. The X-Wing + HKDF-SHA256 + AES-256-GCM suite has no working-group vector: this is its
 * check. Then scopes and key_ids, the one uniform 400 for everything that does not open (bodies
 * compared), validation (422), the batch form and the audit trail.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { XWing } from '@hpke/hybridkem-x-wing';
import { MlKem1024, MlKem768 } from '@hpke/ml-kem';
import { assert422, assertOk, assertProblem, b64, b64url, flipBit, random, startApi, unb64, utf8, type CallResult, type TestServer } from './support.ts';

let api: TestServer;
before(async () => {
  api = await startApi();
});
after(() => api.close());

type Kem = 'ML-KEM-768' | 'ML-KEM-1024' | 'X-Wing';
type Aead = 'AES-256-GCM' | 'ChaCha20-Poly1305';
const KEMS: readonly Kem[] = ['ML-KEM-768', 'ML-KEM-1024', 'X-Wing'];
const AEADS: readonly Aead[] = ['AES-256-GCM', 'ChaCha20-Poly1305'];

/** hpke-js's suite for these parts (its own KEM, KDF and AEAD code). */
function hpkeJs(kem: Kem, aead: Aead): CipherSuite {
  const k = kem === 'ML-KEM-768' ? new MlKem768() : kem === 'ML-KEM-1024' ? new MlKem1024() : new XWing();
  return new CipherSuite({ kem: k, kdf: new HkdfSha256(), aead: aead === 'AES-256-GCM' ? new Aes256Gcm() : new Chacha20Poly1305() });
}

const seal = (body: Record<string, unknown>, auth = 'alice') => api.call('POST', '/v1/hpke/seal', { auth, body });
const open = (body: Record<string, unknown>, auth = 'alice') => api.call('POST', '/v1/hpke/open', { auth, body });

async function keypair(algorithm: string, auth = 'alice'): Promise<{ key_id: string; pk: string }> {
  const res = await api.call('POST', '/v1/kem/keypair', { auth, body: { algorithm } });
  assertOk(res, 201);
  return res.body;
}

async function mint(body: Record<string, unknown>): Promise<string> {
  const res = await api.call('POST', '/v1/tokens', { auth: 'alice', body });
  assertOk(res, 201);
  return res.body.new_token;
}

const info = b64(utf8('pq-crypto-api/test/hpke'));
const aad = b64(utf8('order-42'));

describe('round trips through the service', () => {
  for (const kem of KEMS) {
    test(`${kem}: seal to key_id, open with it, with info and aad; the suite answered is the key's KEM with the defaults`, async () => {
      const key = await keypair(kem);
      const sealed = await seal({ plaintext: 'hello, post-quantum world', key_id: key.key_id, info, aad });
      assertOk(sealed);
      assert.deepEqual(Object.keys(sealed.body).sort(), ['ciphertext', 'enc', 'suite']);
      assert.deepEqual(sealed.body.suite, { kem, kdf: 'HKDF-SHA256', aead: 'AES-256-GCM' });
      assert.equal(unb64(sealed.body.ciphertext).length, 'hello, post-quantum world'.length + 16);
      const opened = await open({ key_id: key.key_id, enc: sealed.body.enc, ciphertext: sealed.body.ciphertext, info, aad });
      assertOk(opened);
      assert.deepEqual(opened.body, { plaintext: 'hello, post-quantum world' });
    });
  }

  test('sealing to the pk gives what the key_id opens; binary plaintexts in base64 and hex, base64url input accepted', async () => {
    const key = await keypair('ML-KEM-768');
    const bytes = random(300);
    const sealed = await seal({ plaintext: Buffer.from(bytes).toString('hex'), encoding: 'hex', pk: key.pk, kem: 'ML-KEM-768', suite: { aead: 'ChaCha20-Poly1305' } });
    assertOk(sealed);
    const body = { key_id: key.key_id, enc: b64url(unb64(sealed.body.enc)), ciphertext: sealed.body.ciphertext, suite: { aead: 'ChaCha20-Poly1305' } };
    const asBase64 = await open({ ...body, encoding: 'base64' });
    assertOk(asBase64);
    assert.deepEqual(unb64(asBase64.body.plaintext), bytes);
    const asHex = await open({ ...body, encoding: 'hex' });
    assert.equal(asHex.body.plaintext, Buffer.from(bytes).toString('hex'));
  });

  test('an empty plaintext seals to a bare tag and opens to ""', async () => {
    const key = await keypair('X-Wing');
    const sealed = await seal({ plaintext: '', key_id: key.key_id });
    assertOk(sealed);
    assert.equal(unb64(sealed.body.ciphertext).length, 16);
    const opened = await open({ key_id: key.key_id, enc: sealed.body.enc, ciphertext: sealed.body.ciphertext });
    assert.deepEqual(opened.body, { plaintext: '' });
  });

  test('opening bytes that are not UTF-8 as utf8 is 422 naming encoding; base64 gives them', async () => {
    const key = await keypair('ML-KEM-768');
    const sealed = await seal({ plaintext: '/w==', encoding: 'base64', key_id: key.key_id });
    const body = { key_id: key.key_id, enc: sealed.body.enc, ciphertext: sealed.body.ciphertext };
    assert422(await open(body), '/encoding');
    assert.equal((await open({ ...body, encoding: 'base64' })).body.plaintext, '/w==');
  });
});

describe('on the wire with an independent implementation (hpke-js), every offered suite, both ways', () => {
  for (const kem of KEMS) {
    for (const aead of AEADS) {
      test(`${kem} + HKDF-SHA256 + ${aead}: hpke-js seals to the pk of POST /v1/kem/keypair, the service opens`, async () => {
        const key = await keypair(kem);
        const suite = hpkeJs(kem, aead);
        const recipientPublicKey = await suite.kem.deserializePublicKey(unb64(key.pk));
        const message = random(100);
        // hpke-js takes aad as seal's and open's third argument, not among the context's parameters.
        const { ct, enc } = await suite.seal({ recipientPublicKey, info: unb64(info) }, message, unb64(aad));
        const opened = await open({ key_id: key.key_id, enc: b64(new Uint8Array(enc)), ciphertext: b64(new Uint8Array(ct)), info, aad, suite: { kem, kdf: 'HKDF-SHA256', aead }, encoding: 'base64' });
        assertOk(opened);
        assert.deepEqual(unb64(opened.body.plaintext), message);
        // And with another aad it does not open: the service really checked it.
        assertProblem(await open({ key_id: key.key_id, enc: b64(new Uint8Array(enc)), ciphertext: b64(new Uint8Array(ct)), info, suite: { aead } }), 400, 'hpke-open-failed');
      });

      test(`${kem} + HKDF-SHA256 + ${aead}: the service seals to an hpke-js key, hpke-js opens`, async () => {
        const suite = hpkeJs(kem, aead);
        const pair = await suite.kem.generateKeyPair();
        const pk = new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey));
        const message = random(100);
        const sealed = await seal({ plaintext: b64(message), encoding: 'base64', pk: b64(pk), info, aad, suite: { aead } });
        assertOk(sealed);
        assert.deepEqual(sealed.body.suite, { kem, kdf: 'HKDF-SHA256', aead });
        const opened = await suite.open({ recipientKey: pair.privateKey, enc: unb64(sealed.body.enc), info: unb64(info) }, unb64(sealed.body.ciphertext), unb64(aad));
        assert.deepEqual(new Uint8Array(opened), message);
      });
    }
  }
});

describe('refusals', () => {
  test('scopes: hpke:seal and hpke:open are needed, each for its own route (403)', async () => {
    const key = await keypair('ML-KEM-768');
    const sealOnly = await mint({ scopes: ['hpke:seal'] });
    const openOnly = await mint({ scopes: ['hpke:open'] });
    const sealed = await seal({ plaintext: 'x', pk: key.pk }, sealOnly);
    assertOk(sealed);
    assertProblem(await seal({ plaintext: 'x', pk: key.pk }, openOnly), 403, 'forbidden');
    const body = { key_id: key.key_id, enc: sealed.body.enc, ciphertext: sealed.body.ciphertext };
    assertProblem(await open(body, sealOnly), 403, 'forbidden');
    assertOk(await open(body, openOnly));
    const kemOnly = await mint({ scopes: ['kem:encapsulate', 'kem:decapsulate'] });
    assertProblem(await open(body, kemOnly), 403, 'forbidden');
  });

  test('key_ids: a restricted token opens and seals only to its keys (403 for another), and may still seal to a pk', async () => {
    const mine = await keypair('ML-KEM-768');
    const other = await keypair('ML-KEM-768');
    const token = await mint({ scopes: ['hpke:seal', 'hpke:open'], key_ids: [mine.key_id] });
    const toOther = await seal({ plaintext: 'x', key_id: other.key_id });
    assertProblem(await open({ key_id: other.key_id, enc: toOther.body.enc, ciphertext: toOther.body.ciphertext }, token), 403, 'forbidden');
    assertProblem(await seal({ plaintext: 'x', key_id: other.key_id }, token), 403, 'forbidden');
    assertOk(await seal({ plaintext: 'x', pk: other.pk }, token));
    const toMine = await seal({ plaintext: 'y', key_id: mine.key_id }, token);
    assertOk(toMine);
    assert.equal((await open({ key_id: mine.key_id, enc: toMine.body.enc, ciphertext: toMine.body.ciphertext }, token)).body.plaintext, 'y');
  });

  test("another tenant's key, a deleted key and an unknown one are 404, for seal and open alike", async () => {
    const bobs = await keypair('ML-KEM-768', 'bob');
    const gone = await keypair('ML-KEM-768');
    const sealed = await seal({ plaintext: 'x', key_id: gone.key_id });
    assertOk(sealed);
    assert.equal((await api.call('DELETE', `/v1/keys/${gone.key_id}`, { auth: 'alice' })).status, 204);
    for (const key_id of [bobs.key_id, gone.key_id, 'kem_AAAAAAAAAAAAAAAAAAAAAA']) {
      assertProblem(await seal({ plaintext: 'x', key_id }), 404, 'not-found');
      assertProblem(await open({ key_id, enc: sealed.body.enc, ciphertext: sealed.body.ciphertext }), 404, 'not-found');
    }
  });

  test('everything that does not open is ONE 400 hpke-open-failed, the same body whatever the cause', async () => {
    const failures: { why: string; res: CallResult }[] = [];
    for (const kem of KEMS) {
      const key = await keypair(kem);
      const twin = await keypair(kem);
      const sealed = await seal({ plaintext: 'secret', key_id: key.key_id, info, aad });
      assertOk(sealed);
      const enc = unb64(sealed.body.enc);
      const ct = unb64(sealed.body.ciphertext);
      const good = { key_id: key.key_id, enc: sealed.body.enc, ciphertext: sealed.body.ciphertext, info, aad };
      assertOk(await open(good));
      const cases: [string, Record<string, unknown>][] = [
        ['another key of the same KEM', { ...good, key_id: twin.key_id }],
        ['enc modified (first byte)', { ...good, enc: b64(flipBit(enc, 0)) }],
        ['enc modified (last byte)', { ...good, enc: b64(flipBit(enc, enc.length - 1)) }],
        ['ciphertext modified', { ...good, ciphertext: b64(flipBit(ct, 0)) }],
        ['tag modified', { ...good, ciphertext: b64(flipBit(ct, ct.length - 1)) }],
        ['ciphertext truncated', { ...good, ciphertext: b64(ct.subarray(1)) }],
        ['another info', { ...good, info: b64(utf8('other')) }],
        ['info left out', { ...good, info: undefined }],
        ['another aad', { ...good, aad: b64(utf8('order-43')) }],
        ['aad left out', { ...good, aad: undefined }],
        ['another AEAD', { ...good, suite: { aead: 'ChaCha20-Poly1305' } }],
      ];
      // X-Wing's enc ends with an X25519 point: a low-order one (all zeros) is refused by the KEM itself.
      if (kem === 'X-Wing') cases.push(['X-Wing enc with a low-order X25519 part', { ...good, enc: b64(new Uint8Array([...enc.subarray(0, 1088), ...new Uint8Array(32)])) }]);
      for (const [why, body] of cases) failures.push({ why: `${kem}: ${why}`, res: await open(body) });
    }
    const bodies = failures.map(({ why, res }) => {
      assertProblem(res, 400, 'hpke-open-failed');
      const { request_id: _id, ...rest } = res.body;
      return { why, body: JSON.stringify(rest) };
    });
    for (const { why, body } of bodies) assert.equal(body, bodies[0]!.body, `${why} answers differently`);
  });

  test('validation: bad base64, wrong lengths, unoffered KEMs and suites, mismatched kem, pk and key_id together or neither (422 naming each)', async () => {
    const key = await keypair('ML-KEM-768');
    const xwing = await keypair('X-Wing');
    const small = await keypair('ML-KEM-512');
    const sealed = await seal({ plaintext: 'x', key_id: key.key_id });
    const good = { key_id: key.key_id, enc: sealed.body.enc, ciphertext: sealed.body.ciphertext };
    assert422(await seal({ plaintext: 'x', pk: 'not base64!' }), '/pk');
    assert422(await seal({ plaintext: 'x', pk: b64(random(800)) }), '/pk'); // an ML-KEM-512 key: no HPKE KEM
    assert422(await seal({ plaintext: 'x', pk: b64(random(1183)) }), '/pk');
    assert422(await seal({ plaintext: 'x', pk: key.pk, kem: 'X-Wing' }), '/kem');
    assert422(await seal({ plaintext: 'x', pk: key.pk, kem: 'ML-KEM-512' }), '/kem');
    assert422(await seal({ plaintext: 'x', key_id: xwing.key_id, suite: { kem: 'ML-KEM-768' } }), '/suite');
    assert422(await seal({ plaintext: 'x', key_id: small.key_id }), '/key_id');
    assert422(await seal({ plaintext: 'x', pk: key.pk, key_id: key.key_id }), '/key_id');
    assert422(await seal({ plaintext: 'x' }), '/pk');
    assert422(await seal({ plaintext: 'x', pk: key.pk, suite: { aead: 'AES-128-GCM', kdf: 'HKDF-SHA384' } }), '/suite/aead', '/suite/kdf');
    assert422(await seal({ plaintext: 'x', pk: key.pk, suite: { aead: 'AES-256-GCM', mode: 'psk' } }), '/suite/mode');
    assert422(await seal({ plaintext: 'x', pk: key.pk, info: b64(random(1025)) }), '/info');
    assert422(await seal({ plaintext: 'x', pk: key.pk, aad: b64(random(4097)) }), '/aad');
    assert422(await seal({ plaintext: 'zz', encoding: 'hex', pk: key.pk }), '/plaintext');
    assert422(await open({ ...good, enc: 'AA==' }), '/enc');
    assert422(await open({ ...good, enc: b64(random(1120)) }), '/enc'); // an X-Wing enc for an ML-KEM-768 key
    assert422(await open({ ...good, ciphertext: b64(random(15)) }), '/ciphertext');
    assert422(await open({ ...good, suite: { kem: 'X-Wing' } }), '/suite');
    assert422(await open({ ...good, key_id: small.key_id, enc: b64(random(768)) }), '/enc');
    assert422(await open({ ...good, key_id: small.key_id }), '/key_id');
    assert422(await open({ enc: good.enc, ciphertext: good.ciphertext }), '/key_id');
    assert422(await open({ ...good, extra: 1 }), '/extra');
  });

  test('a public key that fails the FIPS 203 section 7.2 modulus check is 422 naming pk, not a 500', async () => {
    const bad = new Uint8Array(1184).fill(0xff); // every coefficient 4095 > q - 1
    assert422(await seal({ plaintext: 'x', pk: b64(bad) }), '/pk');
  });
});

describe('batch form and audit', () => {
  test('a batch of seals and opens: one result per item, a failing open its own hpke-open-failed', async () => {
    const key = await keypair('ML-KEM-1024');
    const seals = await seal({ batch_input: [{ plaintext: 'a', key_id: key.key_id }, { plaintext: 'b', pk: key.pk, suite: { aead: 'ChaCha20-Poly1305' } }, { plaintext: 'c', pk: 'AA' }] } as never);
    assertOk(seals);
    const [a, b, c] = seals.body.batch_results;
    assert.ok(a.enc && b.enc);
    assert.equal(c.error.status, 422);
    const opens = await open({
      batch_input: [
        { key_id: key.key_id, enc: a.enc, ciphertext: a.ciphertext },
        { key_id: key.key_id, enc: b.enc, ciphertext: b.ciphertext, suite: { aead: 'ChaCha20-Poly1305' } },
        { key_id: key.key_id, enc: b.enc, ciphertext: b.ciphertext },
      ],
    } as never);
    assertOk(opens);
    assert.deepEqual(opens.body.batch_results.slice(0, 2), [{ plaintext: 'a' }, { plaintext: 'b' }]);
    assert.equal(opens.body.batch_results[2].error.type, 'urn:pq-crypto-api:problem:hpke-open-failed');
  });

  test('the audit trail records opens (outcome and key) and seals to a stored key, not seals to a pk', async () => {
    const key = await keypair('X-Wing');
    const sealed = await seal({ plaintext: 'x', key_id: key.key_id });
    assertOk(sealed);
    assertOk(await seal({ plaintext: 'x', pk: key.pk }));
    assertOk(await open({ key_id: key.key_id, enc: sealed.body.enc, ciphertext: sealed.body.ciphertext }));
    assertProblem(await open({ key_id: key.key_id, enc: sealed.body.enc, ciphertext: sealed.body.ciphertext, aad: 'AA' }), 400, 'hpke-open-failed');
    const page = await api.call('GET', '/v1/audit?limit=10', { auth: 'alice' });
    assertOk(page);
    const mine = page.body.entries.filter((e: { key_id: string | null; operation: string }) => e.key_id === key.key_id && e.operation.startsWith('hpke.'));
    assert.deepEqual(
      mine.map((e: { operation: string; outcome: string }) => `${e.operation} ${e.outcome}`),
      ['hpke.open hpke-open-failed', 'hpke.open ok', 'hpke.seal ok'],
    );
    const sealsByPk = page.body.entries.filter((e: { operation: string; key_id: string | null }) => e.operation === 'hpke.seal' && e.key_id === null);
    assert.equal(sealsByPk.length, 0);
  });
});

describe('scheduled like every crypto operation', () => {
  test("a batch past the tenant's queued-cost bound: the items the scheduler refuses are crypto-busy results, the others open, none is anything else", async () => {
    // One fast-lane slot and a queue bound of one unit: one item runs, one waits, the rest are refused at once.
    const busy = await startApi({ env: { CRYPTO_THREADS: '1', CRYPTO_TENANT_QUEUE_COST: '1' } });
    try {
      const pair = await busy.call('POST', '/v1/kem/keypair', { auth: 'alice', body: { algorithm: 'X-Wing' } });
      assertOk(pair, 201);
      const sealed = await busy.call('POST', '/v1/hpke/seal', { auth: 'alice', body: { plaintext: 'x', key_id: pair.body.key_id } });
      assertOk(sealed);
      const item = { key_id: pair.body.key_id, enc: sealed.body.enc, ciphertext: sealed.body.ciphertext };
      const res = await busy.call('POST', '/v1/hpke/open', { auth: 'alice', body: { batch_input: Array.from({ length: 12 }, () => item) } });
      assertOk(res);
      const results = res.body.batch_results as ({ plaintext: string } | { error: { type: string; status: number } })[];
      const opened = results.filter((r) => 'plaintext' in r);
      const refused = results.filter((r) => 'error' in r);
      assert.ok(opened.length >= 1, JSON.stringify(results));
      assert.ok(refused.length >= 1, `no item was refused: ${JSON.stringify(results)}`);
      for (const r of opened) assert.deepEqual(r, { plaintext: 'x' });
      for (const r of refused) assert.equal((r as { error: { type: string } }).error.type, 'urn:pq-crypto-api:problem:crypto-busy');
    } finally {
      await busy.close();
    }
  });
});
