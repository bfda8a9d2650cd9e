/**
 * The token a mint answers is a JWT for this service, HS256 or (TEST_TOKEN_SIGNING) ML-DSA (RFC 7519 claims iss, aud, sub, jti,
 * exp, plus xms, the exact expiry in milliseconds), and a correctly signed token whose claims have
 * the wrong shape is refused like a forged one. Written to kill mutants StrykerJS found surviving:
 * without the claims check such tokens were accepted or answered with a 500.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import jwt from 'jsonwebtoken';
import { startServer, TENANTS } from '../helpers/server.ts';
import { expectedHeader, signAsServer } from '../helpers/tokens.ts';

test('a minted token is a JWT for this service (HS256, or the configured ML-DSA set with the signing key\'s kid), expiring at the next whole second after its exact expiry', async () => {
  const api = await startServer();
  try {
    const res = await api.call('POST', '/v1/tokens', { auth: 'alice', body: { expiry_time: 600 } });
    assert.equal(res.status, 201);
    const decoded = jwt.decode(res.body.new_token, { complete: true }) as unknown as { header: Record<string, unknown>; payload: Record<string, unknown> };
    assert.deepEqual(decoded.header, expectedHeader(api.config));
    assert.equal(decoded.payload.iss, 'pq-crypto-api');
    assert.equal(decoded.payload.aud, 'pq-crypto-api/v1');
    assert.equal(decoded.payload.sub, 'alice');
    assert.equal(decoded.payload.jti, res.body.token_id);
    assert.equal(decoded.payload.xms, Date.parse(res.body.expires_at));
    assert.equal(decoded.payload.exp, Math.ceil(Number(decoded.payload.xms) / 1000));
  } finally {
    await api.close();
  }
});

test('a correctly signed token whose claims have the wrong shape is refused like a forged one (401), never a 500', async () => {
  const api = await startServer();
  try {
    const minted = (await api.call('POST', '/v1/tokens', { auth: 'alice', body: { expiry_time: 600 } })).body;
    // The same live token id, so only the claims check can refuse these.
    const { iat: _iat, ...claims } = jwt.decode(minted.new_token) as Record<string, unknown>;
    const sign = (payload: Record<string, unknown>) => signAsServer(api.config, payload);
    const omit = (name: string) => Object.fromEntries(Object.entries(claims).filter(([k]) => k !== name));
    const variants: Record<string, Record<string, unknown>> = {
      'sub a number': { ...claims, sub: 123 },
      'sub missing': omit('sub'),
      'scp a string': { ...claims, scp: 'kem:encapsulate' },
      'scp with an unknown scope': { ...claims, scp: ['dsa:sign', 'root'] },
      'scp missing': omit('scp'),
      'kys a string': { ...claims, kys: 'kem_AAAAAAAAAAAAAAAAAAAAAA' },
      'kys holding a number': { ...claims, kys: [1] },
      // Tokens minted before the key restriction was renamed carry it as kid: checked alike.
      'the old kid a string': { ...omit('kys'), kid: 'kem_AAAAAAAAAAAAAAAAAAAAAA' },
      'the old kid holding a number': { ...omit('kys'), kid: [1] },
      'no key restriction claim at all': omit('kys'),
      'exp missing': omit('exp'),
      'xms missing': omit('xms'),
      'xms a string': { ...claims, xms: String(claims.xms) },
      'anc missing': omit('anc'),
    };
    const control = await api.call('GET', '/v1/tokens/current', { auth: sign(claims) });
    assert.equal(control.status, 200, 're-signed unchanged claims are accepted');
    for (const [what, payload] of Object.entries(variants)) {
      const token = sign(payload);
      for (const [method, path, body] of [['GET', '/v1/tokens/current', undefined], ['POST', '/v1/aes/encrypt', { unencrypted: 'x', key: Buffer.alloc(32).toString('base64') }]] as const) {
        const res = await api.call(method, path, { auth: token, ...(body ? { body } : {}) });
        assert.equal(res.status, 401, `${what}: ${method} ${path} -> ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    assert.equal((await api.call('GET', '/v1/tokens/current', { auth: TENANTS.alice })).status, 200);
  } finally {
    await api.close();
  }
});

test('a token carries its key restriction as kys; one minted before the rename, with kid, still works and stays restricted', async (t) => {
  const api = await startServer();
  // Tokens with the restriction under kid were only ever HS256: ML-DSA tokens began with kys.
  if (api.config.tokenSigning !== 'HS256') {
    await api.close();
    t.skip('tokens with the old kid claim were all HS256');
    return;
  }
  try {
    const mine = (await api.call('POST', '/v1/dsa/keypair', { auth: 'alice', body: {} })).body.key_id as string;
    const other = (await api.call('POST', '/v1/dsa/keypair', { auth: 'alice', body: {} })).body.key_id as string;
    const minted = (await api.call('POST', '/v1/tokens', { auth: 'alice', body: { expiry_time: 600, key_ids: [mine] } })).body;
    const { iat: _iat, ...claims } = jwt.decode(minted.new_token) as Record<string, unknown>;
    assert.deepEqual(claims.kys, [mine], 'the key restriction is the kys claim');
    assert.equal('kid' in claims, false, 'kid is left to JOSE (the signing key id)');

    // The same token as the release before the rename wrote it: the restriction under kid.
    const { kys, ...rest } = claims;
    const old = jwt.sign({ ...rest, kid: kys }, Buffer.from(api.config.tokenSecret), { algorithm: 'HS256', header: { alg: 'HS256', typ: 'JWT' } });
    const sign = (key_id: string) => api.call('POST', '/v1/dsa/sign', { auth: old, body: { data: 'x', key_id } });
    assert.equal((await sign(mine)).status, 200, 'the old token signs with its key');
    assert.equal((await sign(other)).status, 403, 'and only with its key');
    assert.deepEqual((await api.call('GET', '/v1/keys', { auth: old })).body.keys.map((k: { key_id: string }) => k.key_id), [mine]);
  } finally {
    await api.close();
  }
});
