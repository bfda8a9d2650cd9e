/**
 * TOKEN_SIGNING=ML-DSA-65 over real HTTP: tokens are RFC 9964 compact JWS whose `kid` is in the
 * public JWKS (/.well-known/jwks.json), a third party verifies them with `jose` and that JWKS alone,
 * and every kind of forgery (a flipped bit, `alg` changed to HS256 or none, another ML-DSA set, an
 * unknown `kid`, another deployment's key) gets the one 401. The attestation key is served as a
 * JWK at /v1/keys/attestation. These run whatever TEST_TOKEN_SIGNING says (they set their own).
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { webCryptoHasMlDsa } from '../../src/auth/jws.ts';
import { dsaVerify } from '../../src/crypto/dsa.ts';
import { akpPublicKey, akpThumbprint } from '../../src/crypto/jwk.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const ML_DSA = { TOKEN_SIGNING: 'ML-DSA-65' };
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;

describe('TOKEN_SIGNING=ML-DSA-65', () => {
  let api: TestServer;
  before(async () => {
    api = await startServer({ env: ML_DSA });
  });
  after(() => api.close());

  const mint = async (body: Record<string, unknown> = {}) => {
    const res = await api.call('POST', '/v1/tokens', { auth: 'alice', body: { expiry_time: 600, ...body } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { new_token: string; token_id: string };
  };

  test('the JWKS holds the signing key (AKP, ML-DSA-65, use sig, kid its thumbprint), cacheable, without a credential', async () => {
    const res = await api.call('GET', '/.well-known/jwks.json');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('cache-control') ?? '', /^public, max-age=\d+$/);
    assert.equal(res.body.keys.length, 1);
    const [jwk] = res.body.keys;
    assert.deepEqual(Object.keys(jwk).sort(), ['alg', 'kid', 'kty', 'pub', 'use']);
    assert.equal(jwk.kty, 'AKP');
    assert.equal(jwk.alg, 'ML-DSA-65');
    assert.equal(jwk.use, 'sig');
    const { publicKey } = akpPublicKey(jwk)!;
    assert.equal(jwk.kid, akpThumbprint('ML-DSA-65', publicKey));
  });

  test('a minted token is a JWS with alg ML-DSA-65, the JWKS kid and typ JWT, with the same claims as HS256 tokens plus iat', async () => {
    const t = await mint();
    const [h, p] = t.new_token.split('.') as [string, string];
    const jwks = (await api.call('GET', '/.well-known/jwks.json')).body;
    assert.deepEqual(decode(h), { alg: 'ML-DSA-65', kid: jwks.keys[0].kid, typ: 'JWT' });
    const claims = decode(p);
    assert.deepEqual(Object.keys(claims).sort(), ['akf', 'anc', 'aud', 'exp', 'iat', 'iss', 'jti', 'kys', 'scp', 'sub', 'xms']);
    assert.equal(claims.jti, t.token_id);
    assert.equal(claims.sub, 'alice');
    assert.equal((await api.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 200);
  });

  test('a token verifies offline with only the JWKS: jose createLocalJWKSet where WebCrypto has ML-DSA, else noble with the JWKS key', async () => {
    const t = await mint();
    const jwks = (await api.call('GET', '/.well-known/jwks.json')).body;
    if (webCryptoHasMlDsa('ML-DSA-65')) {
      const { payload, protectedHeader } = await jwtVerify(t.new_token, createLocalJWKSet(jwks), { issuer: 'pq-crypto-api', audience: 'pq-crypto-api/v1', algorithms: ['ML-DSA-65'] });
      assert.equal(payload.jti, t.token_id);
      assert.equal(protectedHeader.kid, jwks.keys[0].kid);
      const flipped = t.new_token.slice(0, -5) + (t.new_token.at(-5) === 'A' ? 'B' : 'A') + t.new_token.slice(-4);
      await assert.rejects(jwtVerify(flipped, createLocalJWKSet(jwks)));
    } else {
      // jose 6 needs WebCrypto ML-DSA (Node >= 24.7): on this runtime it refuses the key type.
      await assert.rejects(jwtVerify(t.new_token, createLocalJWKSet(jwks)), (e: Error) => /JOSENotSupported|ERR_JOSE_NOT_SUPPORTED|Unrecognized|not supported/i.test(`${e.name} ${(e as { code?: string }).code} ${e.message}`));
    }
    const [h, p, s] = t.new_token.split('.') as [string, string, string];
    const { publicKey } = akpPublicKey(jwks.keys[0])!;
    assert.equal(dsaVerify(publicKey, Buffer.from(`${h}.${p}`), Buffer.from(s, 'base64url'), undefined, 'ML-DSA-65'), true);
  });

  test('forgeries get the one 401: flipped bits, alg HS256 (under TOKEN_SECRET or the public key), none, another ML-DSA set, extra header members, an unknown kid', async () => {
    const t = await mint();
    const [h, p, s] = t.new_token.split('.') as [string, string, string];
    const header = decode(h);
    const claims = decode(p);
    const jwks = (await api.call('GET', '/.well-known/jwks.json')).body;
    const hs256 = (secret: Buffer | string, hdr: string, payload: string) => `${hdr}.${payload}.${createHmac('sha256', secret).update(`${hdr}.${payload}`).digest('base64url')}`;
    const flip = (part: string, at: number) => {
      const bytes = Buffer.from(part, 'base64url');
      bytes[at]! ^= 1;
      return bytes.toString('base64url');
    };
    const forged: Record<string, string> = {
      'a flipped signature bit': `${h}.${p}.${flip(s, 500)}`,
      'a flipped payload bit': `${h}.${flip(p, 10)}.${s}`,
      'the signature cut short': `${h}.${p}.${s.slice(0, -8)}`,
      'no signature': `${h}.${p}.`,
      'alg HS256 under TOKEN_SECRET': hs256(Buffer.from(api.config.tokenSecret), b64({ alg: 'HS256', typ: 'JWT' }), p),
      'alg HS256 under the public key (key confusion)': hs256(jwks.keys[0].pub, b64({ ...header, alg: 'HS256' }), p),
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
      'alg ML-DSA-44 over the same signature': `${b64({ ...header, alg: 'ML-DSA-44' })}.${p}.${s}`,
      'a crit header member': `${b64({ ...header, crit: ['exp'], exp: 1 })}.${p}.${s}`,
      'an unknown kid': `${b64({ ...header, kid: 'x'.repeat(43) })}.${p}.${s}`,
      'another tenant in the claims': `${h}.${b64({ ...claims, sub: 'bob' })}.${s}`,
    };
    const reference = await api.call('GET', '/v1/tokens/current', { auth: 'garbage-that-is-not-a-key-at-all', headers: { 'x-request-id': 'mldsa-forged' } });
    for (const [what, token] of Object.entries(forged)) {
      const res = await api.call('GET', '/v1/tokens/current', { auth: token, headers: { 'x-request-id': 'mldsa-forged' } });
      assert.equal(res.status, 401, what);
      assert.deepEqual(res.body, reference.body, what);
    }
    // The genuine token is untouched (its signature was cached as verified: the forgeries differ from it).
    assert.equal((await api.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 200);
  });

  test('the algorithm is pinned both ways: an HS256 deployment refuses ML-DSA tokens and an ML-DSA one HS256 tokens, on one store', async () => {
    const hs = await startServer({ store: api.store, env: { TOKEN_SIGNING: 'HS256' } });
    try {
      const mldsaToken = (await mint()).new_token;
      const hsToken = (await hs.call('POST', '/v1/tokens', { auth: 'alice', body: { expiry_time: 600 } })).body.new_token as string;
      assert.equal((await hs.call('GET', '/v1/tokens/current', { auth: mldsaToken })).status, 401);
      assert.equal((await api.call('GET', '/v1/tokens/current', { auth: hsToken })).status, 401);
      assert.equal((await hs.call('GET', '/v1/tokens/current', { auth: hsToken })).status, 200);
      assert.deepEqual((await hs.call('GET', '/.well-known/jwks.json')).body, { keys: [] }, 'HS256 publishes no keys');
    } finally {
      await hs.close();
    }
  });

  test('another deployment (another MASTER_KEY) has another key: its tokens are refused; the same MASTER_KEY and version is the same key', async () => {
    const other = await startServer({ store: api.store, env: { ...ML_DSA, MASTER_KEY: randomBytes(32).toString('base64') } });
    const twin = await startServer({ store: api.store, env: ML_DSA });
    try {
      const foreign = (await other.call('POST', '/v1/tokens', { auth: 'alice', body: { expiry_time: 600 } })).body.new_token as string;
      assert.equal((await api.call('GET', '/v1/tokens/current', { auth: foreign })).status, 401);
      assert.deepEqual((await twin.call('GET', '/.well-known/jwks.json')).body, (await api.call('GET', '/.well-known/jwks.json')).body);
      assert.equal((await twin.call('GET', '/v1/tokens/current', { auth: (await mint()).new_token })).status, 200);
    } finally {
      await other.close();
      await twin.close();
    }
  });

  test('attempts, revocation and lineage are still the store\'s: a verified signature does not outlive them', async () => {
    const once = await mint({ expire_after_attempts: 1 });
    assert.equal((await api.call('POST', '/v1/aes/encrypt', { auth: once.new_token, body: { unencrypted: 'x', key: Buffer.alloc(32).toString('base64') } })).status, 200);
    assert.equal((await api.call('POST', '/v1/aes/encrypt', { auth: once.new_token, body: { unencrypted: 'x', key: Buffer.alloc(32).toString('base64') } })).status, 401);
    const revoked = await mint();
    assert.equal((await api.call('GET', '/v1/tokens/current', { auth: revoked.new_token })).status, 200);
    assert.equal((await api.call('DELETE', `/v1/tokens/${revoked.token_id}`, { auth: 'alice' })).status, 204);
    assert.equal((await api.call('GET', '/v1/tokens/current', { auth: revoked.new_token })).status, 401);
  });
});

describe('GET /v1/keys/attestation', () => {
  let api: TestServer;
  before(async () => {
    api = await startServer();
  });
  after(() => api.close());

  test('is the tenant\'s attestation key as an AKP JWK, the key that signs its KEM key attestations', async () => {
    const kem = await api.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} });
    assert.equal(kem.status, 201, JSON.stringify(kem.body));
    const res = await api.call('GET', '/v1/keys/attestation', { auth: 'alice' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const jwk = res.body;
    assert.deepEqual(Object.keys(jwk).sort(), ['alg', 'kid', 'kty', 'pub', 'use']);
    const { alg, publicKey } = akpPublicKey(jwk)!;
    assert.equal(alg, 'ML-DSA-65');
    assert.equal(jwk.kid, akpThumbprint(alg, publicKey));
    assert.equal(Buffer.from(publicKey).toString('base64'), kem.body.verification_key);
    assert.equal(dsaVerify(publicKey, Buffer.from(kem.body.pk, 'base64'), Buffer.from(kem.body.signature, 'base64')), true);
    assert.deepEqual((await api.call('GET', '/v1/keys/attestation', { auth: 'alice' })).body, jwk, 'the same key every time');
    assert.notEqual((await api.call('GET', '/v1/keys/attestation', { auth: 'bob' })).body.kid, jwk.kid, 'each tenant its own');
  });

  test('is made on first use, needs keys:read, and needs a credential', async () => {
    const first = await api.call('GET', '/v1/keys/attestation', { auth: 'bob' });
    assert.equal(first.status, 200);
    const narrow = (await api.call('POST', '/v1/tokens', { auth: 'alice', body: { expiry_time: 60, scopes: ['kem:encapsulate'] } })).body.new_token as string;
    assert.equal((await api.call('GET', '/v1/keys/attestation', { auth: narrow })).status, 403);
    assert.equal((await api.call('GET', '/v1/keys/attestation')).status, 401);
  });
});

describe('the largest token', () => {
  test('ML-DSA-87 with 64 key ids, 9 deep: the credential (about 10 KB) is accepted, and used', async () => {
    const api = await startServer({ env: { TOKEN_SIGNING: 'ML-DSA-87' } });
    try {
      const keyIds: string[] = [];
      for (let i = 0; i < 64; i++) keyIds.push((await api.call('POST', '/v1/dsa/keypair', { auth: 'alice', body: {} })).body.key_id);
      let parent = 'alice';
      let token = '';
      for (let depth = 0; depth < 9; depth++) {
        const res = await api.call('POST', '/v1/tokens', { auth: parent, body: { expiry_time: 600, key_ids: keyIds } });
        assert.equal(res.status, 201, `depth ${depth}: ${JSON.stringify(res.body)}`);
        parent = token = res.body.new_token;
      }
      assert.ok(token.length > 8192, `${token.length} characters`);
      const res = await api.call('POST', '/v1/dsa/sign', { auth: token, body: { data: 'x', key_id: keyIds[63] } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    } finally {
      await api.close();
    }
  });
});
