/**
 * Genuine values the generators mix into hostile requests, made through the API itself before the
 * attack starts: key pairs of two tenants, ciphertexts, signatures, AES blobs, and a range of
 * credentials (API keys, tokens of every scope, key-restricted, exhausted, revoked, expired and
 * forged ones). Not a test file itself.
 */
import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { SCOPES } from '../../../src/auth/scopes.ts';
import type { TestServer } from '../../helpers/server.ts';
import { TENANTS } from '../../helpers/server.ts';

export interface KemFixture {
  readonly keyId: string;
  readonly algorithm: string;
  readonly pk: string;
  readonly signature: string;
  readonly verificationKey: string;
  /** A ciphertext to this key, and the shared key it gives. */
  readonly cipher: string;
  readonly sharedKey: string;
}

export interface Fixtures {
  readonly alice: readonly KemFixture[];
  readonly bob: readonly KemFixture[];
  readonly dsa: { readonly pk: string; readonly signature: string; readonly data: string; readonly context: string; readonly bobPk: string };
  readonly aes: { readonly key: string; readonly ciphertext: string; readonly aad: string; readonly binaryCiphertext: string };
  /** Credentials by label; `api:alice` and `api:bob` are API keys, the rest tokens or forgeries. */
  readonly credentials: Readonly<Record<string, string>>;
  /** Token ids that may be revoked during the attack (nobody else uses them), and bob's. */
  readonly tokenIds: readonly string[];
  /** Every secret handed out, which no answer may echo. */
  readonly secrets: readonly string[];
}

const jwtPart = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

export async function makeFixtures(api: TestServer): Promise<Fixtures> {
  const ok = async (method: string, path: string, auth: string, body?: unknown, status = 200) => {
    const res = await api.call(method, path, { auth, ...(body === undefined ? {} : { body }) });
    assert.equal(res.status, status, `fixture ${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const kem = async (tenant: 'alice' | 'bob', algorithm: string): Promise<KemFixture> => {
    const kp = await ok('POST', '/v1/kem/keypair', tenant, { algorithm }, 201);
    const enc = await ok('POST', '/v1/kem/encapsulate', tenant, { pk: kp.pk });
    return { keyId: kp.key_id, algorithm, pk: kp.pk, signature: kp.signature, verificationKey: kp.verification_key, cipher: enc.cipher, sharedKey: enc.shared_key };
  };
  const alice = [await kem('alice', 'ML-KEM-512'), await kem('alice', 'ML-KEM-768'), await kem('alice', 'ML-KEM-1024')];
  const bob = [await kem('bob', 'ML-KEM-768')];

  const data = 'hostile input, genuine signature';
  const context = 'c'.repeat(255);
  const signed = await ok('POST', '/v1/dsa/sign', 'alice', { data, context });
  const bobSigned = await ok('POST', '/v1/dsa/sign', 'bob', { data });
  const key = alice[1]!.sharedKey;
  const aad = 'order-42';
  const sealed = await ok('POST', '/v1/aes/encrypt', 'alice', { unencrypted: data, key, aad });
  // A plaintext that is not UTF-8: decrypting it with encoding utf8 must be a 422, not garbage.
  const binary = await ok('POST', '/v1/aes/encrypt', 'alice', { unencrypted: 'fffe00c0af80', encoding: 'hex', key });

  const mint = async (auth: string, body: object) => (await ok('POST', '/v1/tokens', auth, { expiry_time: 3600, ...body }, 201)) as { new_token: string; token_id: string };
  const credentials: Record<string, string> = { 'api:alice': TENANTS.alice, 'api:bob': TENANTS.bob };
  credentials['token:all'] = (await mint('alice', {})).new_token;
  for (const scope of SCOPES) credentials[`token:${scope}`] = (await mint('alice', { scopes: [scope] })).new_token;
  credentials['token:decap-key0'] = (await mint('alice', { scopes: ['kem:decapsulate', 'tokens:create'], key_ids: [alice[0]!.keyId] })).new_token;
  credentials['token:child'] = (await mint(credentials['token:all'], { scopes: ['kem:encapsulate', 'aes:encrypt', 'aes:decrypt', 'dsa:verify'] })).new_token;
  credentials['token:bob'] = (await mint('bob', {})).new_token;
  const exhausted = await mint('alice', { expire_after_attempts: 1 });
  await ok('GET', '/v1/tokens/current', exhausted.new_token);
  await ok('POST', '/v1/aes/encrypt', exhausted.new_token, { unencrypted: 'x', key });
  credentials['token:exhausted'] = exhausted.new_token;
  const revoked = await mint('alice', {});
  await ok('DELETE', `/v1/tokens/${revoked.token_id}`, 'alice', undefined, 204);
  credentials['token:revoked'] = revoked.new_token;
  const expiring = await mint('alice', { expiry_time: 1 });

  // Forgeries: right shape, wrong everything else.
  const secret = Buffer.from(api.config.tokenSecret);
  const real = credentials['token:all'];
  const [header, payload] = real.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  const opts = { issuer: 'pq-crypto-api', audience: 'pq-crypto-api/v1' } as const;
  const now = Math.floor(Date.now() / 1000);
  const { iss: _i, aud: _a, iat: _t, ...bare } = claims;
  credentials['forged:wrong-secret'] = jwt.sign(bare, 'not the secret, not the secret!!', { algorithm: 'HS256', ...opts });
  credentials['forged:hs512'] = jwt.sign(bare, secret, { algorithm: 'HS512', ...opts });
  credentials['forged:alg-none'] = `${jwtPart({ alg: 'none', typ: 'JWT' })}.${payload}.`;
  credentials['forged:tenant-swap'] = `${header}.${jwtPart({ ...claims, sub: 'bob' })}.${real.split('.')[2]}`;
  credentials['forged:unknown-jti'] = jwt.sign({ ...bare, jti: 'AAAAAAAAAAAAAAAAAAAAAA' }, secret, { algorithm: 'HS256', ...opts });
  credentials['forged:bad-scope'] = jwt.sign({ ...bare, scp: ['root'] }, secret, { algorithm: 'HS256', ...opts });
  credentials['forged:no-exp'] = jwt.sign({ sub: 'alice', jti: claims.jti, scp: SCOPES, kid: null, anc: [], xms: (now + 60) * 1000 }, secret, { algorithm: 'HS256', ...opts });
  credentials['forged:wrong-audience'] = jwt.sign(bare, secret, { algorithm: 'HS256', issuer: 'pq-crypto-api', audience: 'someone-else' });
  credentials['forged:truncated'] = real.slice(0, -3);
  credentials['forged:api-key-prefix'] = TENANTS.alice.slice(0, -1);
  credentials['forged:api-key-longer'] = `${TENANTS.alice}x`;

  const sacrificial = [await mint('alice', {}), await mint('alice', { scopes: ['aes:encrypt'] }), await mint(credentials['token:all'], {})];
  const bobToken = await mint('bob', {});

  // The short-lived token is dead by now or soon: wait out its second.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  credentials['token:expired'] = expiring.new_token;

  return {
    alice,
    bob,
    dsa: { pk: signed.pk, signature: signed.signature, data, context, bobPk: bobSigned.pk },
    aes: { key, ciphertext: sealed.ciphertext, aad, binaryCiphertext: binary.ciphertext },
    credentials,
    tokenIds: [...sacrificial.map((t) => t.token_id), bobToken.token_id],
    secrets: [TENANTS.alice, TENANTS.bob, ...Object.entries(credentials).filter(([k]) => k.startsWith('token:')).map(([, v]) => v)],
  };
}
