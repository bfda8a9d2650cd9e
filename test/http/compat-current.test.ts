/**
 * The seed vendor's CURRENT example client (/api/v1/pqc/*) over real HTTP with real crypto.
 *
 * First, exactly the calls samuelnsam/js-api-example makes at commit 59ee378 (src/pqc.js,
 * example.js and src/crypto.js; written here from that reading, none of its code copied), in its
 * order, with its headers (`Bearer`, JSON content type), its bodies (an `algorithm` on every call,
 * 'ML-KEM-768' and 'ML-DSA-65' by default, trailing slashes on every path) and its use of the
 * answers: it compares the two `shared_secret` strings, hex-decodes each (two characters at a
 * time) as HKDF-SHA256 input (salt 'pqc-session-v1', info 'aes-256-gcm') for an AES-256-GCM key,
 * and passes keys, ciphertexts and signatures back as the opaque strings it got. Then the error
 * paths, which are the /v1 problems.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { assert422, assertOk, assertProblem, b64, flipBit, startApi, TENANTS, unb64, type TestServer } from './support.ts';

const HEX_KEY = /^[0-9a-f]{64}$/;
const KEM = '/api/v1/pqc/kem';
const SIGN = '/api/v1/pqc/sign';

let api: TestServer;
before(async () => {
  api = await startApi();
});
after(() => api.close());

/** A call as src/pqc.js makes it: POST, `Bearer` token, JSON content type, JSON body; the answer parsed as JSON, status unread. */
async function vendorPost(token: string, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(api.url + path, {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const parsed = (await res.json()) as Record<string, unknown>;
  assert.equal(res.headers.get('cache-control'), 'no-store', `${path} answers must not be cached`);
  return { status: res.status, body: parsed };
}

/** src/pqc.js's six functions, with its defaults; each returns what the client keeps. */
function vendorClient(token: string) {
  const ok = (path: string, res: { status: number; body: Record<string, unknown> }) => {
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return {
    async kemGenerateKeys(algorithm = 'ML-KEM-768') {
      const res = ok('kem/generate-keys', await vendorPost(token, `${KEM}/generate-keys/`, { algorithm }));
      return { encapsulationKey: res.encapsulation_key as string, decapsulationKey: res.decapsulation_key as string, raw: res };
    },
    async kemEncapsulate(encapsulationKey: string, algorithm = 'ML-KEM-768') {
      const res = ok('kem/encapsulate', await vendorPost(token, `${KEM}/encapsulate/`, { algorithm, encapsulation_key: encapsulationKey }));
      return { sharedSecret: res.shared_secret as string, ciphertext: res.ciphertext as string, raw: res };
    },
    async kemDecapsulate(decapsulationKey: string, ciphertext: string, algorithm = 'ML-KEM-768') {
      const res = ok('kem/decapsulate', await vendorPost(token, `${KEM}/decapsulate/`, { algorithm, decapsulation_key: decapsulationKey, ciphertext }));
      assert.deepEqual(Object.keys(res), ['shared_secret']);
      return res.shared_secret as string;
    },
    async dsaGenerateKeys(algorithm = 'ML-DSA-65') {
      const res = ok('sign/generate-keys', await vendorPost(token, `${SIGN}/generate-keys/`, { algorithm }));
      return { publicKey: res.public_key as string, secretKey: res.secret_key as string, raw: res };
    },
    async dsaSign(secretKey: string, message: string, algorithm = 'ML-DSA-65') {
      const res = ok('sign/sign', await vendorPost(token, `${SIGN}/sign/`, { algorithm, secret_key: secretKey, message }));
      assert.deepEqual(Object.keys(res), ['signature']);
      return res.signature as string;
    },
    async dsaVerify(publicKey: string, message: string, signature: string, algorithm = 'ML-DSA-65') {
      const res = ok('sign/verify', await vendorPost(token, `${SIGN}/verify/`, { algorithm, public_key: publicKey, message, signature }));
      assert.deepEqual(Object.keys(res), ['valid']);
      return res.valid as boolean;
    },
  };
}

/** src/crypto.js: hex decoded two characters at a time, HKDF-SHA256 to an AES-256-GCM key. */
function hexPairs(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
async function deriveKey(sharedSecretHex: string) {
  const material = await webcrypto.subtle.importKey('raw', hexPairs(sharedSecretHex), 'HKDF', false, ['deriveKey']);
  const enc = new TextEncoder();
  return webcrypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: enc.encode('pqc-session-v1'), info: enc.encode('aes-256-gcm') }, material, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

describe("the vendor's current example client (example.js), unmodified but for base URL and token", () => {
  for (const kind of ['an API key', 'a temporary token'] as const) {
    test(`with ${kind}: the whole example runs: secrets match, AES-GCM round-trips under the derived keys, the signature is valid`, async () => {
      let token: string = TENANTS.alice;
      if (kind === 'a temporary token') {
        const minted = await api.call('POST', '/v1/tokens', { auth: 'alice', body: { expiry_time: 600, expire_after_attempts: 10 } });
        assertOk(minted, 201);
        token = minted.body.new_token;
      }
      const c = vendorClient(token);
      // 1. KEM.
      const kem = await c.kemGenerateKeys();
      assert.deepEqual(Object.keys(kem.raw).sort(), ['decapsulation_key', 'encapsulation_key']);
      assert.match(kem.decapsulationKey, /^kem_[A-Za-z0-9_-]{22}$/, 'a handle, not a secret key');
      assert.equal(unb64(kem.encapsulationKey).length, 1184, 'a real ML-KEM-768 public key');
      const { sharedSecret: ss1, ciphertext, raw } = await c.kemEncapsulate(kem.encapsulationKey);
      assert.deepEqual(Object.keys(raw).sort(), ['ciphertext', 'shared_secret']);
      assert.equal(unb64(ciphertext).length, 1088);
      const ss2 = await c.kemDecapsulate(kem.decapsulationKey, ciphertext);
      // "Shared secrets match": true, and not because both are undefined.
      assert.match(ss1, HEX_KEY);
      assert.equal(ss1 === ss2, true);
      // 2-4. KDF, encrypt, decrypt.
      const senderKey = await deriveKey(ss1);
      const recipientKey = await deriveKey(ss2);
      const message = 'hello from post-quantum land';
      const iv = webcrypto.getRandomValues(new Uint8Array(12));
      const encrypted = new Uint8Array(await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv }, senderKey, new TextEncoder().encode(message)));
      const decrypted = new TextDecoder().decode(await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv }, recipientKey, encrypted));
      assert.equal(decrypted, message);
      // 5. DSA.
      const dsa = await c.dsaGenerateKeys();
      assert.deepEqual(Object.keys(dsa.raw).sort(), ['public_key', 'secret_key']);
      assert.match(dsa.secretKey, /^dsa_[A-Za-z0-9_-]{22}$/, 'a handle, not a secret key');
      const signature = await c.dsaSign(dsa.secretKey, message);
      assert.equal(await c.dsaVerify(dsa.publicKey, message, signature), true);
      // What the example does not check is right too: a pure ML-DSA-65 signature over the UTF-8 bytes, by that key.
      assert.equal(ml_dsa65.verify(unb64(signature), new TextEncoder().encode(message), unb64(dsa.publicKey)), true);
    });
  }

  test('the shared secret is the real ML-KEM-768 one: encapsulating locally to encapsulation_key, the service decapsulates to the same bytes', async () => {
    const c = vendorClient(TENANTS.alice);
    const kem = await c.kemGenerateKeys();
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(unb64(kem.encapsulationKey));
    assert.equal(await c.kemDecapsulate(kem.decapsulationKey, b64(cipherText)), Buffer.from(sharedSecret).toString('hex'));
  });

  test("the handles are /v1's key_ids: /v1/kem/decapsulate and /v1/dsa/verify accept them", async () => {
    const c = vendorClient(TENANTS.alice);
    const kem = await c.kemGenerateKeys();
    const enc = await c.kemEncapsulate(kem.encapsulationKey);
    const v1 = await api.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { key_id: kem.decapsulationKey, cipher: enc.ciphertext } });
    assertOk(v1);
    assert.equal(Buffer.from(v1.body.shared_key, 'base64').toString('hex'), enc.sharedSecret);
    const dsa = await c.dsaGenerateKeys();
    const signature = await c.dsaSign(dsa.secretKey, 'x');
    assert.deepEqual((await api.call('POST', '/v1/dsa/verify', { auth: 'alice', body: { key_id: dsa.secretKey, data: 'x', signature } })).body.verified, true);
  });

  test('other parameter sets it may name work: ML-KEM-512/1024, ML-DSA-44/87', async () => {
    const c = vendorClient(TENANTS.alice);
    for (const [algorithm, pkLength] of [['ML-KEM-512', 800], ['ML-KEM-1024', 1568]] as const) {
      const kem = await c.kemGenerateKeys(algorithm);
      assert.equal(unb64(kem.encapsulationKey).length, pkLength);
      const enc = await c.kemEncapsulate(kem.encapsulationKey, algorithm);
      assert.equal(await c.kemDecapsulate(kem.decapsulationKey, enc.ciphertext, algorithm), enc.sharedSecret);
    }
    for (const algorithm of ['ML-DSA-44', 'ML-DSA-87']) {
      const dsa = await c.dsaGenerateKeys(algorithm);
      const signature = await c.dsaSign(dsa.secretKey, 'm', algorithm);
      assert.equal(await c.dsaVerify(dsa.publicKey, 'm', signature, algorithm), true);
    }
  });
});

const post = (path: string, body: unknown, auth: string = 'alice') => api.call('POST', path, { auth, body });

describe('/api/v1/pqc: error paths give the /v1 problems', () => {
  let kem: { encapsulation_key: string; decapsulation_key: string };
  let dsa: { public_key: string; secret_key: string };
  let ciphertext: string;
  before(async () => {
    kem = (await post(`${KEM}/generate-keys/`, { algorithm: 'ML-KEM-768' })).body;
    dsa = (await post(`${SIGN}/generate-keys/`, { algorithm: 'ML-DSA-65' })).body;
    ciphertext = (await post(`${KEM}/encapsulate/`, { algorithm: 'ML-KEM-768', encapsulation_key: kem.encapsulation_key })).body.ciphertext;
  });

  test('an algorithm we do not offer is 422 naming algorithm, on every route', async () => {
    assert422(await post(`${KEM}/generate-keys/`, { algorithm: 'Kyber768' }), '/algorithm');
    assert422(await post(`${KEM}/generate-keys/`, { algorithm: 'X-Wing' }), '/algorithm');
    assert422(await post(`${KEM}/encapsulate/`, { algorithm: 'RSA', encapsulation_key: kem.encapsulation_key }), '/algorithm');
    assert422(await post(`${KEM}/decapsulate/`, { algorithm: 'ML-DSA-65', decapsulation_key: kem.decapsulation_key, ciphertext }), '/algorithm');
    assert422(await post(`${SIGN}/generate-keys/`, { algorithm: 'Dilithium3' }), '/algorithm');
    assert422(await post(`${SIGN}/sign/`, { algorithm: 'ML-KEM-768', secret_key: dsa.secret_key, message: 'x' }), '/algorithm');
    assert422(await post(`${SIGN}/verify/`, { algorithm: 'Falcon-512', public_key: dsa.public_key, message: 'x', signature: b64(new Uint8Array(3309)) }), '/algorithm');
  });

  test('an algorithm that is not the key\'s is 422 naming algorithm, not a wrong answer', async () => {
    assert422(await post(`${KEM}/encapsulate/`, { algorithm: 'ML-KEM-1024', encapsulation_key: kem.encapsulation_key }), '/encapsulation_key');
    assert422(await post(`${KEM}/decapsulate/`, { algorithm: 'ML-KEM-512', decapsulation_key: kem.decapsulation_key, ciphertext }), '/algorithm');
    assert422(await post(`${SIGN}/sign/`, { algorithm: 'ML-DSA-44', secret_key: dsa.secret_key, message: 'x' }), '/algorithm');
    const signature = (await post(`${SIGN}/sign/`, { algorithm: 'ML-DSA-65', secret_key: dsa.secret_key, message: 'x' })).body.signature;
    assert422(await post(`${SIGN}/verify/`, { algorithm: 'ML-DSA-87', public_key: dsa.public_key, message: 'x', signature }), '/public_key', '/signature');
  });

  test("another tenant's handle, an unknown one, and one of the wrong kind are all 404, the same body", async () => {
    const theirs = await post(`${KEM}/decapsulate/`, { algorithm: 'ML-KEM-768', decapsulation_key: kem.decapsulation_key, ciphertext }, 'bob');
    assertProblem(theirs, 404, 'not-found');
    const unknown = await post(`${KEM}/decapsulate/`, { algorithm: 'ML-KEM-768', decapsulation_key: 'kem_AAAAAAAAAAAAAAAAAAAAAA', ciphertext });
    assertProblem(unknown, 404, 'not-found');
    assert.equal(theirs.body.detail, unknown.body.detail);
    assertProblem(await post(`${KEM}/decapsulate/`, { algorithm: 'ML-KEM-768', decapsulation_key: dsa.secret_key, ciphertext }), 404, 'not-found');
    assertProblem(await post(`${SIGN}/sign/`, { algorithm: 'ML-DSA-65', secret_key: dsa.secret_key, message: 'x' }, 'bob'), 404, 'not-found');
    assertProblem(await post(`${SIGN}/sign/`, { algorithm: 'ML-DSA-65', secret_key: kem.decapsulation_key, message: 'x' }), 404, 'not-found');
  });

  test('a handle that is not a key id (e.g. secret key material) is 422, never looked up', async () => {
    const material = b64(new Uint8Array(2400));
    assert422(await post(`${KEM}/decapsulate/`, { algorithm: 'ML-KEM-768', decapsulation_key: material, ciphertext }), '/decapsulation_key');
    assert422(await post(`${SIGN}/sign/`, { algorithm: 'ML-DSA-65', secret_key: material, message: 'x' }), '/secret_key');
  });

  test('bad base64, wrong lengths, missing and unknown fields are 422 naming each', async () => {
    assert422(await post(`${KEM}/encapsulate/`, { algorithm: 'ML-KEM-768', encapsulation_key: '!!' }), '/encapsulation_key');
    assert422(await post(`${KEM}/encapsulate/`, { algorithm: 'ML-KEM-768' }), '/encapsulation_key');
    assert422(await post(`${KEM}/decapsulate/`, { algorithm: 'ML-KEM-768', decapsulation_key: kem.decapsulation_key, ciphertext: b64(new Uint8Array(10)) }), '/ciphertext');
    assert422(await post(`${KEM}/decapsulate/`, { algorithm: 'ML-KEM-768', decapsulation_key: kem.decapsulation_key, ciphertext: b64(new Uint8Array(768)) }), '/cipher');
    assert422(await post(`${SIGN}/verify/`, { algorithm: 'ML-DSA-65', public_key: dsa.public_key, message: 'x', signature: '!!' }), '/signature');
    assert422(await post(`${SIGN}/generate-keys/`, { algorithm: 'ML-DSA-65', secret_key: 'x' }), '/secret_key');
  });

  test('a tampered signature or another message is valid: false, not an error', async () => {
    const signature = (await post(`${SIGN}/sign/`, { algorithm: 'ML-DSA-65', secret_key: dsa.secret_key, message: 'hello' })).body.signature;
    assert.deepEqual((await post(`${SIGN}/verify/`, { algorithm: 'ML-DSA-65', public_key: dsa.public_key, message: 'hellO', signature })).body, { valid: false });
    const tampered = b64(flipBit(unb64(signature), 40));
    assert.deepEqual((await post(`${SIGN}/verify/`, { algorithm: 'ML-DSA-65', public_key: dsa.public_key, message: 'hello', signature: tampered })).body, { valid: false });
  });

  test('without a token, every route is 401; a malformed body 400; another method 405; the path without its slash works too', async () => {
    for (const path of [`${KEM}/generate-keys/`, `${KEM}/encapsulate/`, `${KEM}/decapsulate/`, `${SIGN}/generate-keys/`, `${SIGN}/sign/`, `${SIGN}/verify/`]) {
      assertProblem(await api.call('POST', path, { body: {} }), 401, 'unauthorized');
      const res = await fetch(api.url + path, { method: 'POST', headers: { Authorization: 'Bearer ' + TENANTS.alice, 'Content-Type': 'application/json' }, body: '{"algorithm":' });
      assert.equal(res.status, 400, path);
      assertProblem(await api.call('GET', path, { auth: 'alice' }), 405, 'method-not-allowed');
    }
    assertOk(await post(`${KEM}/generate-keys`, {}));
  });
});

describe('/api/v1/pqc with temporary tokens: scopes, key restrictions and audit as on /v1', () => {
  const mint = async (body: Record<string, unknown>) => {
    const res = await api.call('POST', '/v1/tokens', { auth: 'alice', body });
    assertOk(res, 201);
    return res.body.new_token as string;
  };

  test('each route needs the scope of its /v1 twin (403 otherwise)', async () => {
    const kem = (await post(`${KEM}/generate-keys/`, {})).body;
    const dsa = (await post(`${SIGN}/generate-keys/`, {})).body;
    const enc = (await post(`${KEM}/encapsulate/`, { encapsulation_key: kem.encapsulation_key })).body;
    const signature = (await post(`${SIGN}/sign/`, { secret_key: dsa.secret_key, message: 'x' })).body.signature;
    const twins: [string, unknown, string][] = [
      [`${KEM}/generate-keys/`, {}, 'kem:keypair'],
      [`${KEM}/encapsulate/`, { encapsulation_key: kem.encapsulation_key }, 'kem:encapsulate'],
      [`${KEM}/decapsulate/`, { decapsulation_key: kem.decapsulation_key, ciphertext: enc.ciphertext }, 'kem:decapsulate'],
      [`${SIGN}/generate-keys/`, {}, 'dsa:keypair'],
      [`${SIGN}/sign/`, { secret_key: dsa.secret_key, message: 'x' }, 'dsa:sign'],
      [`${SIGN}/verify/`, { public_key: dsa.public_key, message: 'x', signature }, 'dsa:verify'],
    ];
    const all = twins.map(([, , scope]) => scope);
    for (const [path, body, scope] of twins) {
      assertOk(await post(path, body, await mint({ scopes: [scope] })));
      assertProblem(await post(path, body, await mint({ scopes: all.filter((s) => s !== scope) })), 403, 'forbidden');
    }
  });

  test("a token limited to some key_ids may not use another key's handle (403)", async () => {
    const mine = (await post(`${SIGN}/generate-keys/`, {})).body;
    const other = (await post(`${SIGN}/generate-keys/`, {})).body;
    const restricted = await mint({ scopes: ['dsa:sign'], key_ids: [mine.secret_key] });
    assertOk(await post(`${SIGN}/sign/`, { secret_key: mine.secret_key, message: 'x' }, restricted));
    assertProblem(await post(`${SIGN}/sign/`, { secret_key: other.secret_key, message: 'x' }, restricted), 403, 'forbidden');
  });

  test('key making, decapsulation and signing are audited with the key as on /v1', async () => {
    const kem = (await post(`${KEM}/generate-keys/`, {}, 'bob')).body;
    const enc = (await post(`${KEM}/encapsulate/`, { encapsulation_key: kem.encapsulation_key }, 'bob')).body;
    assertOk(await post(`${KEM}/decapsulate/`, { decapsulation_key: kem.decapsulation_key, ciphertext: enc.ciphertext }, 'bob'));
    const dsa = (await post(`${SIGN}/generate-keys/`, {}, 'bob')).body;
    assertOk(await post(`${SIGN}/sign/`, { secret_key: dsa.secret_key, message: 'x' }, 'bob'));
    const res = await api.call('GET', '/v1/audit?limit=100', { auth: 'bob' });
    assertOk(res);
    const seen = (res.body.entries as { operation: string; key_id?: string | null }[]).map((e) => `${e.operation} ${e.key_id ?? ''}`);
    for (const expected of [`kem.keypair ${kem.decapsulation_key}`, `kem.decapsulate ${kem.decapsulation_key}`, `dsa.keypair ${dsa.secret_key}`, `dsa.sign ${dsa.secret_key}`]) {
      assert.ok(seen.includes(expected), `${expected} in ${JSON.stringify(seen)}`);
    }
  });
});

describe('OpenAPI: the examples work as Swagger UI sends them', () => {
  test('generate-keys with their examples; encapsulate and verify with theirs', async () => {
    const doc = (await api.call('GET', '/openapi.json')).body;
    const example = (path: string) => {
      let schema = doc.paths[path].post.requestBody.content['application/json'].schema;
      if (schema.$ref) schema = doc.components.schemas[schema.$ref.split('/').pop()];
      if (schema.example) return schema.example;
      return Object.fromEntries(Object.entries<{ example: unknown }>(schema.properties).map(([name, p]) => [name, p.example]));
    };
    assertOk(await post(`${KEM}/generate-keys/`, example(`${KEM}/generate-keys/`)));
    assertOk(await post(`${SIGN}/generate-keys/`, example(`${SIGN}/generate-keys/`)));
    const enc = await post(`${KEM}/encapsulate/`, example(`${KEM}/encapsulate/`));
    assertOk(enc);
    assert.match(enc.body.shared_secret, HEX_KEY);
    assert.deepEqual((await post(`${SIGN}/verify/`, example(`${SIGN}/verify/`))).body, { valid: true });
    // The handle examples name the development server's demonstration keys (src/http/examples.ts
    // DEMO; test/browser/swagger.test.ts clicks them there): well-formed, and no key of this
    // tenant's, so a lookup that finds nothing here.
    for (const path of [`${KEM}/decapsulate/`, `${SIGN}/sign/`]) {
      const res = await post(path, example(path));
      assert.equal(res.status, 404, `${path}: ${JSON.stringify(res.body)}`);
    }
  });
});
