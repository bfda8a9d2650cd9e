/**
 * Seed-client compatibility (/api/*) over real HTTP with real crypto.
 *
 * First, exactly the calls the seed vendor's public JavaScript example makes
 * (samuelnsam/js-api-example, src/ml-kem.js and src/aesFuncs.js, read at commit ee1753b; written
 * here from that reading, none of its code copied), in its order, with its headers, and its use of
 * the answers: `shared_key` hex-decoded two characters at a time and imported directly as an
 * AES-256-GCM key (no key derivation), a random 12-byte IV, and the WebCrypto layout (ciphertext
 * with the 16-byte tag appended). Then the error paths, which follow the /v1 rules.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes, webcrypto } from 'node:crypto';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { assert422, assertOk, assertProblem, b64, flipBit, keypair, random, startApi, TENANTS, unb64, type TestServer } from './support.ts';

const HEX_KEY = /^[0-9a-f]{64}$/;

let api: TestServer;
before(async () => {
  api = await startApi();
});
after(() => api.close());

/** A call as the example client makes it: fetch, `bearer` in lower case, JSON content type on every request. */
async function seedFetch(token: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(api.url + path, {
    ...(init.method ? { method: init.method } : {}),
    headers: { Authorization: 'bearer ' + token, 'Content-Type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  // The example parses every answer as JSON and never looks at the status: so must every answer be.
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(res.headers.get('cache-control'), 'no-store', `${path} answers must not be cached`);
  return { status: res.status, headers: res.headers, body };
}

/** The example's hex decoding: two characters at a time, each pair read as a base-16 number. */
function hexPairs(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** AES-256-GCM as the example does it, with node:crypto: random 12-byte IV, output ct || tag(16). */
function seedEncrypt(plainText: string, hexKey: string): { iv: Uint8Array; encryptedData: Uint8Array } {
  const iv = new Uint8Array(randomBytes(12));
  const cipher = createCipheriv('aes-256-gcm', hexPairs(hexKey), iv);
  const encryptedData = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { iv, encryptedData: new Uint8Array(encryptedData) };
}

function seedDecrypt(encryptedData: Uint8Array, iv: Uint8Array, hexKey: string): string {
  const decipher = createDecipheriv('aes-256-gcm', hexPairs(hexKey), iv);
  decipher.setAuthTag(encryptedData.subarray(encryptedData.length - 16));
  return Buffer.concat([decipher.update(encryptedData.subarray(0, encryptedData.length - 16)), decipher.final()]).toString('utf8');
}

/** The example's three KEM calls, in its order; what it keeps from each answer. */
async function seedKeyExchange(token: string) {
  // keyGen: GET (fetch's default method), no body.
  const keys = await seedFetch(token, '/api/kem/generate_keys');
  assert.equal(keys.status, 200, JSON.stringify(keys.body));
  const { sk: privateKey, pk: publicKey, signature: verificationSignature, verification_key: verificationKey } = keys.body;
  // encaps: POST { pk, verification_key, signature }.
  const encaps = await seedFetch(token, '/api/kem/encapsulate_key', {
    method: 'POST',
    body: { pk: publicKey, verification_key: verificationKey, signature: verificationSignature },
  });
  assert.equal(encaps.status, 200, JSON.stringify(encaps.body));
  const { shared_key: ss1, cipher } = encaps.body;
  // decaps: POST { sk, cipher }.
  const decaps = await seedFetch(token, '/api/kem/decapsulate_key', { method: 'POST', body: { sk: privateKey, cipher } });
  assert.equal(decaps.status, 200, JSON.stringify(decaps.body));
  const ss2 = decaps.body.shared_key;
  return { keys: keys.body, encaps: encaps.body, ss1, ss2 };
}

describe("the seed vendor's example client, unmodified but for base URL and token", () => {
  for (const kind of ['an API key', 'a temporary token'] as const) {
    test(`with ${kind}: generate_keys, encapsulate_key, decapsulate_key give matching hex shared keys, and AES-256-GCM under them round-trips`, async () => {
      let token: string = TENANTS.alice;
      if (kind === 'a temporary token') {
        const minted = await api.call('POST', '/v1/tokens', { auth: 'alice', body: { expiry_time: 600, expire_after_attempts: 10 } });
        assertOk(minted, 201);
        token = minted.body.new_token;
      }
      const { keys, encaps, ss1, ss2 } = await seedExchangeChecked(token);
      // The example's "shared secrets match" line: true, and not because both are undefined.
      assert.equal(typeof ss1, 'string');
      assert.equal(typeof ss2, 'string');
      assert.match(ss1 as string, HEX_KEY);
      assert.equal(ss2 == ss1, true);
      assert.equal(hexPairs(ss1 as string).length, 32, 'an AES-256 key');
      assert.deepEqual(hexPairs(ss1 as string), new Uint8Array(Buffer.from(ss1 as string, 'hex')));

      // encryptAES('hello', Ss1), then decryptAES(encryptedData, iv, Ss2).
      const encrypted = seedEncrypt('hello', ss1 as string);
      assert.equal(encrypted.encryptedData.length, 5 + 16, 'ciphertext then a 16-byte tag');
      assert.equal(seedDecrypt(encrypted.encryptedData, encrypted.iv, ss2 as string), 'hello');

      // The same with WebCrypto, which the example itself uses: the layouts agree both ways.
      const key = await webcrypto.subtle.importKey('raw', hexPairs(ss2 as string), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
      const fromWebCrypto = new Uint8Array(await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: encrypted.iv }, key, encrypted.encryptedData));
      assert.equal(Buffer.from(fromWebCrypto).toString('utf8'), 'hello');
      const iv = webcrypto.getRandomValues(new Uint8Array(12));
      const sealed = new Uint8Array(await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode('hello back')));
      assert.equal(seedDecrypt(sealed, iv, ss1 as string), 'hello back');

      // What the example ignores is still right: a real key pair and a real ciphertext.
      assert.equal(unb64(keys.pk as string).length, 1184);
      assert.equal(unb64(encaps.cipher as string).length, 1088);
    });
  }

  test('a shared key of one exchange does not decrypt what another encrypted (the secrets are fresh)', async () => {
    const first = await seedExchangeChecked(TENANTS.alice);
    const second = await seedExchangeChecked(TENANTS.alice);
    assert.notEqual(first.ss1, second.ss1);
    const encrypted = seedEncrypt('hello', first.ss1 as string);
    assert.throws(() => seedDecrypt(encrypted.encryptedData, encrypted.iv, second.ss2 as string));
  });
});

/** seedKeyExchange, also checking the answers carry exactly the documented fields. */
async function seedExchangeChecked(token: string) {
  const result = await seedKeyExchange(token);
  assert.deepEqual(Object.keys(result.keys).sort(), ['pk', 'signature', 'sk', 'verification_key']);
  assert.deepEqual(Object.keys(result.encaps).sort(), ['cipher', 'shared_key']);
  return result;
}

const post = (path: string, body: unknown, auth: string = 'alice') => api.call('POST', `/api${path}`, { auth, body });

interface SeedKeys {
  readonly pk: string;
  readonly sk: string;
  readonly signature: string;
  readonly verification_key: string;
}

async function generateKeys(auth: string = 'alice', method: 'GET' | 'POST' = 'GET', body?: unknown): Promise<SeedKeys> {
  const res = await api.call(method, '/api/kem/generate_keys', { auth, ...(body !== undefined ? { body } : {}) });
  assertOk(res, 200);
  return res.body as SeedKeys;
}

describe('/api/kem/generate_keys', () => {
  test('sk is a key handle (the key_id), never secret material, and /v1/kem/decapsulate accepts it as key_id', async () => {
    const keys = await generateKeys();
    assert.match(keys.sk, /^kem_[A-Za-z0-9_-]{22}$/);
    const enc = await post('/kem/encapsulate_key', { pk: keys.pk });
    assertOk(enc);
    const v1 = await api.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { key_id: keys.sk, cipher: enc.body.cipher } });
    assertOk(v1);
    assert.equal(Buffer.from(v1.body.shared_key, 'base64').toString('hex'), enc.body.shared_key, '/v1 base64 and /api hex are the same 32 bytes');
  });

  test("the signature is the tenant's attestation, made as /v1/kem/keypair makes it: pure ML-DSA-65 over the raw pk, same verification_key", async () => {
    const keys = await generateKeys();
    const v1 = await keypair(api, 'alice');
    assert.equal(keys.verification_key, v1.verification_key, 'one attestation key for both routes');
    assert.equal(ml_dsa65.verify(unb64(keys.signature), unb64(keys.pk), unb64(keys.verification_key)), true);
    assert.equal(ml_dsa65.verify(unb64(keys.signature), unb64(v1.pk), unb64(keys.verification_key)), false);
  });

  test('POST works like GET, and takes an optional algorithm', async () => {
    const keys = await generateKeys('alice', 'POST');
    assert.equal(unb64(keys.pk).length, 1184);
    const small = await generateKeys('alice', 'POST', { algorithm: 'ML-KEM-512' });
    assert.equal(unb64(small.pk).length, 800);
    assert422(await api.call('POST', '/api/kem/generate_keys', { auth: 'alice', body: { algorithm: 'RSA' } }), '/algorithm');
    assert422(await api.call('POST', '/api/kem/generate_keys', { auth: 'alice', body: { secret_key: 'x' } }), '/secret_key');
  });

  test('another method is 405 with Allow: GET, POST', async () => {
    const res = await api.call('DELETE', '/api/kem/generate_keys', { auth: 'alice' });
    assertProblem(res, 405, 'method-not-allowed');
    assert.equal(res.headers.get('allow'), 'GET, HEAD, POST');
  });
});

describe('/api/kem/encapsulate_key checks the signature over pk', () => {
  let alice: SeedKeys;
  let bob: SeedKeys;
  before(async () => {
    alice = await generateKeys('alice');
    bob = await generateKeys('bob');
  });

  test('a forged signature (one bit flipped) is 422 naming signature', async () => {
    const forged = b64(flipBit(unb64(alice.signature), 100));
    const res = await post('/kem/encapsulate_key', { pk: alice.pk, verification_key: alice.verification_key, signature: forged });
    assert422(res, '/signature');
    assert.equal(res.body.shared_key, undefined);
  });

  test("another key pair's genuine signature (over another pk) is 422", async () => {
    assert422(await post('/kem/encapsulate_key', { pk: alice.pk, verification_key: alice.verification_key, signature: bob.signature }), '/signature');
  });

  test("a signature checked against another tenant's verification_key is 422", async () => {
    assert.notEqual(alice.verification_key, bob.verification_key);
    assert422(await post('/kem/encapsulate_key', { pk: alice.pk, verification_key: bob.verification_key, signature: alice.signature }), '/signature');
  });

  test('a pk substituted under a genuine signature is 422', async () => {
    const other = b64(ml_kem768.keygen().publicKey);
    assert422(await post('/kem/encapsulate_key', { pk: other, verification_key: alice.verification_key, signature: alice.signature }), '/signature');
  });

  test('signature without verification_key is 422 naming verification_key', async () => {
    assert422(await post('/kem/encapsulate_key', { pk: alice.pk, signature: alice.signature }), '/verification_key');
  });

  test("verif_key (the seed documentation's name) works as verification_key; both, differing, is 422", async () => {
    const res = await post('/kem/encapsulate_key', { pk: alice.pk, verif_key: alice.verification_key, signature: alice.signature });
    assertOk(res);
    assert.match(res.body.shared_key, HEX_KEY);
    assert422(await post('/kem/encapsulate_key', { pk: alice.pk, verif_key: b64(flipBit(unb64(alice.verification_key), 0)), signature: alice.signature }), '/signature');
    assert422(await post('/kem/encapsulate_key', { pk: alice.pk, verification_key: alice.verification_key, verif_key: bob.verification_key, signature: alice.signature }), '/verif_key');
  });

  test('a verification key that does not decode, beside one that does, is 422 naming it (not a 500)', async () => {
    for (const [bad, good] of [['verif_key', 'verification_key'], ['verification_key', 'verif_key']] as const) {
      const res = await post('/kem/encapsulate_key', { pk: alice.pk, signature: alice.signature, [good]: alice.verification_key, [bad]: `*${alice.verification_key.slice(1)}` });
      assert422(res, `/${bad}`);
    }
  });

  test("bob may encapsulate to alice's signed pk (encapsulation needs no ownership); only alice can decapsulate", async () => {
    const enc = await post('/kem/encapsulate_key', { pk: alice.pk, verification_key: alice.verification_key, signature: alice.signature }, 'bob');
    assertOk(enc);
    const dec = await post('/kem/decapsulate_key', { sk: alice.sk, cipher: enc.body.cipher }, 'alice');
    assertOk(dec);
    assert.equal(dec.body.shared_key, enc.body.shared_key);
  });
});

describe('/api error paths follow the /v1 rules', () => {
  let keys: SeedKeys;
  let cipher: string;
  before(async () => {
    keys = await generateKeys();
    const enc = await post('/kem/encapsulate_key', { pk: keys.pk, verification_key: keys.verification_key, signature: keys.signature });
    assertOk(enc);
    cipher = enc.body.cipher;
  });

  const ROUTES = [
    ['GET', '/api/kem/generate_keys'],
    ['POST', '/api/kem/generate_keys'],
    ['POST', '/api/kem/encapsulate_key'],
    ['POST', '/api/kem/decapsulate_key'],
    ['POST', '/api/signature/sign'],
    ['POST', '/api/signature/verify'],
  ] as const;

  test('without a token, or with an unknown one, every route is 401 with the one uniform body /v1 gives', async () => {
    const v1 = await api.call('POST', '/v1/kem/keypair', {});
    assertProblem(v1, 401, 'unauthorized');
    for (const [method, path] of ROUTES) {
      for (const auth of [undefined, 'not-a-key', `${TENANTS.alice}x`]) {
        const res = await api.call(method, path, { ...(auth ? { auth } : {}), ...(method === 'POST' ? { body: {} } : {}) });
        assertProblem(res, 401, 'unauthorized');
        assert.deepEqual({ ...res.body, request_id: undefined }, { ...v1.body, request_id: undefined }, `${method} ${path}`);
        assert.equal(res.headers.get('cache-control'), 'no-store');
      }
    }
  });

  test("another tenant's sk is 404, with the very body of an unknown sk, before the cipher is validated", async () => {
    const res = await post('/kem/decapsulate_key', { sk: keys.sk, cipher }, 'bob');
    assertProblem(res, 404, 'not-found');
    assert.equal(res.body.shared_key, undefined);
    const unknown = await post('/kem/decapsulate_key', { sk: 'kem_AAAAAAAAAAAAAAAAAAAAAA', cipher }, 'bob');
    assertProblem(unknown, 404, 'not-found');
    assert.equal(res.body.detail, unknown.body.detail);
    assertProblem(await post('/kem/decapsulate_key', { sk: keys.sk, cipher: '!!' }, 'bob'), 404, 'not-found');
    assert422(await post('/kem/decapsulate_key', { sk: keys.sk, cipher: '!!' }, 'alice'), '/cipher');
  });

  test('decapsulate_key also finds the key by pk (as the seed documentation has it); sk and pk naming two keys is 422', async () => {
    const byPk = await post('/kem/decapsulate_key', { pk: keys.pk, cipher });
    assertOk(byPk);
    const bySk = await post('/kem/decapsulate_key', { sk: keys.sk, cipher });
    assert.equal(byPk.body.shared_key, bySk.body.shared_key);
    assertOk(await post('/kem/decapsulate_key', { sk: keys.sk, pk: keys.pk, cipher }));
    const other = await generateKeys();
    assert422(await post('/kem/decapsulate_key', { sk: other.sk, pk: keys.pk, cipher }), '/pk');
    assertProblem(await post('/kem/decapsulate_key', { pk: keys.pk, cipher }, 'bob'), 404, 'not-found');
  });

  test('bad base64 and wrong lengths are 422 naming each field', async () => {
    assert422(await post('/kem/encapsulate_key', { pk: 'not base64!' }), '/pk');
    assert422(await post('/kem/encapsulate_key', { pk: b64(random(1000)) }), '/pk');
    assert422(await post('/kem/encapsulate_key', { pk: keys.pk, verification_key: b64(random(10)), signature: '%%%' }), '/signature', '/verification_key');
    assert422(await post('/kem/decapsulate_key', { sk: keys.sk, cipher: b64(random(100)) }), '/cipher');
    // A ciphertext of another set's length (ML-KEM-512's 768 bytes for a 768 key) names cipher.
    assert422(await post('/kem/decapsulate_key', { sk: keys.sk, cipher: b64(random(768)) }), '/cipher');
    assert422(await post('/kem/decapsulate_key', { cipher }), '/sk');
    assert422(await post('/signature/verify', { data: 'x', pk: b64(random(1952)), signature: b64(random(10)) }), '/signature');
    assert422(await post('/signature/verify', { data: 'x', pk: 'AAAA', signature: 'AAAA' }), '/pk', '/signature');
    assert422(await post('/signature/sign', { data: 42 }), '/data');
    assert422(await post('/signature/sign', { data: 'zz', encoding: 'hex' }), '/data');
  });

  test('an sk that is not a handle (e.g. a vendor secret key) is 422 saying what sk must be', async () => {
    const res = await post('/kem/decapsulate_key', { sk: b64(random(2400)), cipher });
    assert422(res, '/sk');
    assert.match(res.body.errors[0].detail, /handle/);
  });

  test('a malformed JSON body is 400, a non-JSON body 415', async () => {
    const bad = await api.call('POST', '/api/kem/encapsulate_key', { auth: 'alice', raw: '{"pk":', headers: { 'content-type': 'application/json' } });
    assertProblem(bad, 400, 'malformed-request');
    const text = await api.call('POST', '/api/kem/encapsulate_key', { auth: 'alice', raw: 'pk=1', headers: { 'content-type': 'text/plain' } });
    assertProblem(text, 415, 'unsupported-media-type');
  });

  test('an unknown /api path is 404 after authentication, 401 before', async () => {
    assertProblem(await api.call('POST', '/api/kem/nope', { auth: 'alice', body: {} }), 404, 'not-found');
    assertProblem(await api.call('POST', '/api/kem/nope', { body: {} }), 401, 'unauthorized');
  });
});

describe('/api with temporary tokens: attempts and scopes as on /v1', () => {
  async function mint(body: Record<string, unknown>): Promise<string> {
    const res = await api.call('POST', '/v1/tokens', { auth: 'alice', body });
    assertOk(res, 201);
    return res.body.new_token as string;
  }
  const attemptsLeft = async (token: string) => (await api.call('GET', '/v1/tokens/current', { auth: token })).body.attempts_left as number;

  test('a token for 3 attempts runs the example exchange once, then is dead on /api and /v1 alike', async () => {
    const token = await mint({ expire_after_attempts: 3 });
    const { ss1, ss2 } = await seedKeyExchange(token);
    assert.equal(ss1, ss2);
    // Its last attempt used, the token is gone: even the free GET /v1/tokens/current refuses it.
    assertProblem(await api.call('GET', '/v1/tokens/current', { auth: token }), 401, 'unauthorized');
    const res = await seedFetch(token, '/api/kem/generate_keys');
    assert.equal(res.status, 401);
    assert.equal(res.body.shared_key, undefined);
    assertProblem(await api.call('POST', '/v1/kem/keypair', { auth: token, body: {} }), 401, 'unauthorized');
  });

  test('every /api request uses one attempt, before its body is validated, whether it succeeds or fails', async () => {
    const token = await mint({ expire_after_attempts: 5 });
    assertOk(await api.call('GET', '/api/kem/generate_keys', { auth: token }));
    assert.equal(await attemptsLeft(token), 4);
    assert422(await post('/kem/encapsulate_key', { pk: '!' }, token), '/pk');
    assert.equal(await attemptsLeft(token), 3);
    assertProblem(await post('/kem/decapsulate_key', { sk: 'kem_AAAAAAAAAAAAAAAAAAAAAA', cipher: 'AAAA' }, token), 404, 'not-found');
    assert.equal(await attemptsLeft(token), 2);
    assertOk(await post('/signature/sign', { data: 'x' }, token));
    assert.equal(await attemptsLeft(token), 1);
    assertOk(await post('/signature/sign', { data: 'x' }, token));
    assertProblem(await post('/signature/sign', { data: 'x' }, token), 401, 'unauthorized');
  });

  test('each route needs the scope of its /v1 twin (403 otherwise)', async () => {
    const twins: [string, string, unknown, string][] = [
      ['GET', '/api/kem/generate_keys', undefined, 'kem:keypair'],
      ['POST', '/api/kem/encapsulate_key', { pk: b64(ml_kem768.keygen().publicKey) }, 'kem:encapsulate'],
      ['POST', '/api/signature/sign', { data: 'x' }, 'dsa:sign'],
    ];
    for (const [method, path, body, scope] of twins) {
      const allowed = await mint({ scopes: [scope] });
      const res = await api.call(method, path, { auth: allowed, ...(body ? { body } : {}) });
      assertOk(res);
      const others = await mint({ scopes: ['kem:keypair', 'kem:encapsulate', 'kem:decapsulate', 'dsa:sign', 'dsa:verify'].filter((s) => s !== scope) });
      assertProblem(await api.call(method, path, { auth: others, ...(body ? { body } : {}) }), 403, 'forbidden');
    }
    const signed = await post('/signature/sign', { data: 'x' });
    const verifyBody = { data: 'x', pk: signed.body.pk, signature: signed.body.signature };
    assertOk(await post('/signature/verify', verifyBody, await mint({ scopes: ['dsa:verify'] })));
    assertProblem(await post('/signature/verify', verifyBody, await mint({ scopes: ['dsa:sign'] })), 403, 'forbidden');
  });

  test("decapsulate_key needs kem:decapsulate and respects the token's key_ids", async () => {
    const mine = await generateKeys();
    const other = await generateKeys();
    const enc = await post('/kem/encapsulate_key', { pk: mine.pk });
    const restricted = await mint({ scopes: ['kem:decapsulate'], key_ids: [mine.sk] });
    const ok = await post('/kem/decapsulate_key', { sk: mine.sk, cipher: enc.body.cipher }, restricted);
    assertOk(ok);
    assert.equal(ok.body.shared_key, enc.body.shared_key);
    assertProblem(await post('/kem/decapsulate_key', { sk: other.sk, cipher: enc.body.cipher }, restricted), 403, 'forbidden');
    assertProblem(await post('/kem/decapsulate_key', { sk: mine.sk, cipher: enc.body.cipher }, await mint({ scopes: ['kem:encapsulate'] })), 403, 'forbidden');
  });
});

describe('/api/signature/*', () => {
  test('sign { data } answers { signature, pk } with the tenant key that /v1/dsa/sign uses; verify says true, then false for other data', async () => {
    const signed = await post('/signature/sign', { data: 'hello' });
    assertOk(signed);
    assert.deepEqual(Object.keys(signed.body).sort(), ['pk', 'signature']);
    const v1 = await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'hello' } });
    assert.equal(signed.body.pk, v1.body.pk);
    assert.equal(ml_dsa65.verify(unb64(signed.body.signature), Buffer.from('hello'), unb64(signed.body.pk)), true);
    const good = await post('/signature/verify', { data: 'hello', pk: signed.body.pk, signature: signed.body.signature });
    assertOk(good);
    assert.deepEqual(good.body, { verified: true });
    const bad = await post('/signature/verify', { data: 'hellO', pk: signed.body.pk, signature: signed.body.signature });
    assert.deepEqual(bad.body, { verified: false });
  });
});

describe('OpenAPI', () => {
  test('lists the /api operations under the Compatibility tag, with 200 and exactly the seed fields', async () => {
    const doc = (await api.call('GET', '/openapi.json')).body;
    assert.ok(doc.tags.some((t: { name: string }) => t.name === 'Compatibility'));
    const expected: Record<string, string[]> = {
      'get /api/kem/generate_keys': ['pk', 'signature', 'sk', 'verification_key'],
      'post /api/kem/generate_keys': ['pk', 'signature', 'sk', 'verification_key'],
      'post /api/kem/encapsulate_key': ['cipher', 'shared_key'],
      'post /api/kem/decapsulate_key': ['shared_key'],
      'post /api/signature/sign': ['pk', 'signature'],
      'post /api/signature/verify': ['verified'],
      // The vendor's current client (test/http/compat-current.test.ts).
      'post /api/v1/pqc/kem/generate-keys/': ['decapsulation_key', 'encapsulation_key'],
      'post /api/v1/pqc/kem/encapsulate/': ['ciphertext', 'shared_secret'],
      'post /api/v1/pqc/kem/decapsulate/': ['shared_secret'],
      'post /api/v1/pqc/sign/generate-keys/': ['public_key', 'secret_key'],
      'post /api/v1/pqc/sign/sign/': ['signature'],
      'post /api/v1/pqc/sign/verify/': ['valid'],
    };
    const documented = Object.entries<Record<string, unknown>>(doc.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
      .sort();
    assert.deepEqual(documented, Object.keys(expected).sort());
    for (const [op, fields] of Object.entries(expected)) {
      const [method, path] = op.split(' ') as [string, string];
      const operation = doc.paths[path][method];
      assert.deepEqual(operation.tags, ['Compatibility'], op);
      assert.deepEqual(Object.keys(operation.responses).filter((s) => s.startsWith('2')), ['200'], op);
      let schema = operation.responses['200'].content['application/json'].schema;
      if (schema.$ref) schema = doc.components.schemas[schema.$ref.split('/').pop()];
      assert.deepEqual(Object.keys(schema.properties).sort(), fields, op);
      assert.deepEqual(operation.security, [{ bearerAuth: [] }], op);
    }
  });

  test('the documented examples work as Swagger UI would send them: encapsulate_key (signature checked), sign, verify', async () => {
    const doc = (await api.call('GET', '/openapi.json')).body;
    const example = (path: string) => {
      let schema = doc.paths[path].post.requestBody.content['application/json'].schema;
      if (schema.$ref) schema = doc.components.schemas[schema.$ref.split('/').pop()];
      return Object.fromEntries(Object.entries<{ example: unknown }>(schema.properties).filter(([name]) => name !== 'verif_key').map(([name, p]) => [name, p.example]));
    };
    const enc = await post('/kem/encapsulate_key', example('/api/kem/encapsulate_key'));
    assertOk(enc);
    assert.match(enc.body.shared_key, HEX_KEY);
    assertOk(await post('/signature/sign', example('/api/signature/sign')));
    const verified = await post('/signature/verify', example('/api/signature/verify'));
    assert.deepEqual(verified.body, { verified: true });
  });
});
