/**
 * Genuine values the generators mix into hostile requests, made through the API itself before the
 * attack starts: key pairs of two tenants (every ML-KEM set and X-Wing), ciphertexts with their
 * key confirmations, signatures, stored signing keys (ML-DSA-44, SLH-DSA-SHA2-128f, one rotated
 * to two versions), stored shared keys (one used up to MAX_ENCRYPTIONS_PER_KEY), AES blobs, ids of
 * deleted and expired keys, keys that the attack may delete or rotate (nobody else uses them),
 * listing cursors, and a range of credentials (API keys, tokens of every scope, key-restricted,
 * exhausted, revoked, expired and forged ones). Not a test file itself.
 */
import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { SCOPES } from '../../../src/auth/scopes.ts';
import type { TestServer } from '../../helpers/server.ts';
import { TENANTS } from '../../helpers/server.ts';
import { fetchKeyConfigs, httpDate, sealRequest, AEAD } from '../../sealed/independent-client.ts';
import { registerClient, signChallenge } from '../../challenges/support.ts';

export interface KemFixture {
  readonly keyId: string;
  readonly algorithm: string;
  readonly pk: string;
  readonly signature: string;
  readonly verificationKey: string;
  /** A ciphertext to this key, the shared key it gives, and its key confirmation. */
  readonly cipher: string;
  readonly sharedKey: string;
  readonly confirmation: string;
}

/** A stored signing key and a signature by each of its versions over `Fixtures.dsa.data` (no context). */
export interface DsaKeyFixture {
  readonly keyId: string;
  readonly algorithm: string;
  /** Oldest first: version 1 is [0]. */
  readonly versions: readonly { readonly pk: string; readonly signature: string }[];
}

/**
 * Encryptions allowed under one stored shared key during the attack (MAX_ENCRYPTIONS_PER_KEY): low
 * enough that the fixtures use one key up (409 key-conflict), high enough that the others last.
 */
export const HOSTILE_MAX_ENCRYPTIONS = 500;

export interface Fixtures {
  readonly alice: readonly KemFixture[];
  readonly bob: readonly KemFixture[];
  readonly dsa: { readonly pk: string; readonly signature: string; readonly data: string; readonly context: string; readonly bobPk: string; readonly defaultKeyId: string };
  /** Alice's stored signing keys (never rotated nor deleted by the attack), and one of bob's. */
  readonly signing: { readonly mlDsa44: DsaKeyFixture; readonly slh: DsaKeyFixture; readonly rotated: DsaKeyFixture; readonly bob: DsaKeyFixture };
  readonly aes: { readonly key: string; readonly ciphertext: string; readonly aad: string; readonly binaryCiphertext: string };
  /** Stored shared keys: alice's (from encapsulate and from decapsulate with store: true), one used up, bob's; a blob under alice's. */
  readonly shared: { readonly keyId: string; readonly fromDecapsulate: string; readonly exhausted: string; readonly bob: string; readonly ciphertext: string; readonly aad: string };
  /** HPKE messages sealed to alice's ML-KEM-768, ML-KEM-1024 and X-Wing keys (POST /v1/hpke/seal), with what opens them. */
  readonly hpke: readonly { readonly keyId: string; readonly enc: string; readonly ciphertext: string; readonly info: string; readonly aad: string; readonly aead: string }[];
  /** Ids in the right form that name no key any more: deleted and expired ones, of each type. */
  readonly goneKeyIds: readonly string[];
  /** Alice's keys the attack may delete (each type), or rotate (signing keys): nothing else uses them. */
  readonly sacrificial: { readonly deletable: readonly string[]; readonly rotatable: readonly string[] };
  /** Genuine next_cursor values of GET /v1/keys. */
  readonly cursors: readonly string[];
  /** Credentials by label; `api:alice` and `api:bob` are API keys, the rest tokens or forgeries. */
  readonly credentials: Readonly<Record<string, string>>;
  /** The key-restricted tokens (by token) and the key ids each may use. */
  readonly restricted: ReadonlyMap<string, readonly string[]>;
  /** Every key id of alice's fixtures, and the KEM key each of her public keys names. */
  readonly aliceKeyIds: ReadonlySet<string>;
  readonly aliceKemByPk: ReadonlyMap<string, string>;
  /** Token ids that may be revoked during the attack (nobody else uses them), and bob's. */
  readonly tokenIds: readonly string[];
  /** Every secret handed out, which no answer may echo. */
  readonly secrets: readonly string[];
  /**
   * Genuine `message/ohttp-req` bodies (sealed by the independent client of test/sealed/) of
   * harmless inner requests (a key pair, an encapsulation, a listing; none names a fixture key for
   * deletion): the fuzzer truncates, flips, pads and replays them. Each runs once at most.
   */
  readonly sealedRequests: readonly Buffer[];
  /**
   * Registered clients (alice's: ML-DSA-65 with an X-Wing key, ML-DSA-44 without; bob's), and
   * challenges to alice's with their right answers (used up as the attack goes: then `used`).
   */
  readonly challenges: { readonly clientIds: readonly string[]; readonly bobClientId: string; readonly ids: readonly string[]; readonly responses: readonly string[] };
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
    return { keyId: kp.key_id, algorithm, pk: kp.pk, signature: kp.signature, verificationKey: kp.verification_key, cipher: enc.cipher, sharedKey: enc.shared_key, confirmation: enc.confirmation };
  };
  // Appended only: alice[0] is the key of token:decap-key0, alice[1]'s shared key is the AES key.
  const alice = [await kem('alice', 'ML-KEM-512'), await kem('alice', 'ML-KEM-768'), await kem('alice', 'ML-KEM-1024'), await kem('alice', 'X-Wing')];
  const bob = [await kem('bob', 'ML-KEM-768'), await kem('bob', 'X-Wing')];

  const hpke = [];
  for (const [i, k] of alice.slice(1).entries()) {
    const info = Buffer.from(`hostile ${i}`).toString('base64');
    const aad = Buffer.from('genuine aad').toString('base64');
    const aead = i % 2 === 0 ? 'AES-256-GCM' : 'ChaCha20-Poly1305';
    const sealed = await ok('POST', '/v1/hpke/seal', 'alice', { plaintext: `hpke message ${i}`, key_id: k.keyId, info, aad, suite: { aead } });
    hpke.push({ keyId: k.keyId, enc: sealed.enc as string, ciphertext: sealed.ciphertext as string, info, aad, aead });
  }

  const data = 'hostile input, genuine signature';
  const context = 'c'.repeat(255);
  const signed = await ok('POST', '/v1/dsa/sign', 'alice', { data, context });
  const bobSigned = await ok('POST', '/v1/dsa/sign', 'bob', { data });
  // Stored signing keys. Not the SLH-DSA 's' sets: signing with them takes seconds on noble.
  const signingKey = async (tenant: 'alice' | 'bob', algorithm: string, rotations = 0): Promise<DsaKeyFixture> => {
    const made = await ok('POST', '/v1/dsa/keypair', tenant, { algorithm }, 201);
    const versions = [];
    for (let v = 0; v <= rotations; v++) {
      if (v > 0) await ok('POST', `/v1/keys/${made.key_id}/rotate`, tenant);
      const s = await ok('POST', '/v1/dsa/sign', tenant, { data, key_id: made.key_id });
      versions.push({ pk: s.pk as string, signature: s.signature as string });
    }
    return { keyId: made.key_id, algorithm, versions };
  };
  const signing = {
    mlDsa44: await signingKey('alice', 'ML-DSA-44'),
    slh: await signingKey('alice', 'SLH-DSA-SHA2-128f'),
    rotated: await signingKey('alice', 'ML-DSA-44', 1),
    bob: await signingKey('bob', 'ML-DSA-44'),
  };
  const key = alice[1]!.sharedKey;
  const aad = 'order-42';
  const sealed = await ok('POST', '/v1/aes/encrypt', 'alice', { unencrypted: data, key, aad });
  // A plaintext that is not UTF-8: decrypting it with encoding utf8 must be a 422, not garbage.
  const binary = await ok('POST', '/v1/aes/encrypt', 'alice', { unencrypted: 'fffe00c0af80', encoding: 'hex', key });

  // Stored shared keys: from encapsulate and from decapsulate (which names its KEM key as origin).
  const storeShared = async (tenant: 'alice' | 'bob') => (await ok('POST', '/v1/kem/encapsulate', tenant, { pk: alice[0]!.pk, store: true })).shared_key_id as string;
  const sharedKeyId = await storeShared('alice');
  const fromDecapsulate = (await ok('POST', '/v1/kem/decapsulate', 'alice', { key_id: alice[1]!.keyId, cipher: alice[1]!.cipher, confirmation: alice[1]!.confirmation, store: true })).shared_key_id as string;
  const sharedBlob = await ok('POST', '/v1/aes/encrypt', 'alice', { unencrypted: data, key_id: sharedKeyId, aad });
  // One used up: every further encryption under it is a 409 key-conflict (it still decrypts).
  const usedUp = await storeShared('alice');
  for (let left = HOSTILE_MAX_ENCRYPTIONS; left > 0; left -= 100) {
    const batch = await ok('POST', '/v1/aes/encrypt', 'alice', { batch_input: Array.from({ length: Math.min(100, left) }, () => ({ unencrypted: 'x', key_id: usedUp })) });
    assert.ok(batch.batch_results.every((r: { ciphertext?: string }) => r.ciphertext), 'fixture: every encryption under the key to use up is counted');
  }
  assert.equal((await api.call('POST', '/v1/aes/encrypt', { auth: 'alice', body: { unencrypted: 'x', key_id: usedUp } })).status, 409, 'fixture: the used-up key refuses');
  const shared = { keyId: sharedKeyId, fromDecapsulate, exhausted: usedUp, bob: await storeShared('bob'), ciphertext: sharedBlob.ciphertext as string, aad };

  // Ids in the right form that name nothing any more: deleted (each type) and expiring ones.
  const goneKeyIds: string[] = [];
  for (const id of [(await ok('POST', '/v1/kem/keypair', 'alice', { algorithm: 'ML-KEM-512' }, 201)).key_id, (await ok('POST', '/v1/dsa/keypair', 'alice', { algorithm: 'ML-DSA-44' }, 201)).key_id, await storeShared('alice')]) {
    await ok('DELETE', `/v1/keys/${id}`, 'alice', undefined, 204);
    goneKeyIds.push(id);
  }
  const expiringKeys = [(await ok('POST', '/v1/kem/keypair', 'alice', { algorithm: 'ML-KEM-512', expires_in: 1 }, 201)).key_id as string, (await ok('POST', '/v1/dsa/keypair', 'alice', { algorithm: 'ML-DSA-44', expires_in: 1 }, 201)).key_id as string];
  const forTheAttack = {
    deletable: [(await ok('POST', '/v1/kem/keypair', 'alice', { algorithm: 'ML-KEM-512' }, 201)).key_id as string, (await ok('POST', '/v1/dsa/keypair', 'alice', { algorithm: 'ML-DSA-44' }, 201)).key_id as string, await storeShared('alice'), await storeShared('alice')],
    rotatable: [(await ok('POST', '/v1/dsa/keypair', 'alice', { algorithm: 'ML-DSA-44' }, 201)).key_id as string, (await ok('POST', '/v1/dsa/keypair', 'alice', { algorithm: 'SLH-DSA-SHA2-128f' }, 201)).key_id as string],
  };
  const cursors = [(await ok('GET', '/v1/keys?limit=1', 'alice')).next_cursor as string, (await ok('GET', '/v1/keys?type=dsa&limit=2', 'alice')).next_cursor as string, (await ok('GET', '/v1/keys?type=shared&limit=1', 'alice')).next_cursor as string];
  assert.ok(cursors.every((c) => typeof c === 'string' && c.length > 0), 'fixture: the listings have further pages');

  const mint = async (auth: string, body: object) => (await ok('POST', '/v1/tokens', auth, { expiry_time: 3600, ...body }, 201)) as { new_token: string; token_id: string };
  const credentials: Record<string, string> = { 'api:alice': TENANTS.alice, 'api:bob': TENANTS.bob };
  credentials['token:all'] = (await mint('alice', {})).new_token;
  for (const scope of SCOPES) credentials[`token:${scope}`] = (await mint('alice', { scopes: [scope] })).new_token;
  const restricted = new Map<string, readonly string[]>();
  const mintRestricted = async (label: string, scopes: string[], keyIds: string[]) => {
    credentials[label] = (await mint('alice', { scopes, key_ids: keyIds })).new_token;
    restricted.set(credentials[label], keyIds);
  };
  await mintRestricted('token:decap-key0', ['kem:decapsulate', 'tokens:create'], [alice[0]!.keyId]);
  credentials['token:child'] = (await mint(credentials['token:all'], { scopes: ['kem:encapsulate', 'aes:encrypt', 'aes:decrypt', 'dsa:verify'] })).new_token;
  credentials['token:bob'] = (await mint('bob', {})).new_token;
  // Restricted to one stored signing key, and to one stored shared key; neither may manage keys.
  await mintRestricted('token:dsa-key', ['dsa:sign', 'dsa:verify', 'keys:read'], [signing.mlDsa44.keyId]);
  await mintRestricted('token:shared-key', ['aes:encrypt', 'aes:decrypt', 'keys:read'], [shared.keyId]);
  // audit:read too: what it reads of the trail is checked like GET /v1/keys (checkKeyRestriction).
  await mintRestricted('token:keys-of-every-type', ['keys:read', 'audit:read', 'dsa:sign', 'dsa:verify', 'kem:decapsulate', 'aes:decrypt'], [alice[3]!.keyId, signing.rotated.keyId, shared.fromDecapsulate]);
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

  // Registered clients (below HTTP: the store's port) and challenges to them, with right answers.
  const withKem = await registerClient(api.store, 'alice', { kem: 'X-Wing' });
  const plain = await registerClient(api.store, 'alice', { dsa: 'ML-DSA-44' });
  const bobClient = await registerClient(api.store, 'bob');
  const challengeIds: string[] = [];
  const responses: string[] = [];
  for (const client of [withKem, plain, withKem, plain]) {
    const made = await ok('POST', '/v1/challenges', 'alice', { client_id: client.id, ttl: 300 }, 201);
    challengeIds.push(made.challenge_id);
    responses.push(signChallenge(client, made.challenge));
  }
  const challenges = { clientIds: [withKem.id, plain.id], bobClientId: bobClient.id, ids: challengeIds, responses };

  // The short-lived token and keys are dead by now or soon: wait out their second.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  credentials['token:expired'] = expiring.new_token;
  for (const id of expiringKeys) assert.equal((await api.call('GET', `/v1/keys/${id}`, { auth: 'alice' })).status, 404, 'fixture: an expired key is gone');
  goneKeyIds.push(...expiringKeys);

  const [xwingConfig, mlkemConfig] = await fetchKeyConfigs(api.url);
  const inner = (method: string, path: string, credential: string, body?: unknown) => ({
    method,
    path,
    headers: [['date', httpDate()], ['authorization', `Bearer ${credential}`], ...(body === undefined ? [] : [['content-type', 'application/json'] as [string, string]])] as [string, string][],
    body: body === undefined ? '' : JSON.stringify(body),
  });
  const sealedRequests = [
    await sealRequest(xwingConfig!, inner('POST', '/v1/kem/keypair', TENANTS.alice, { algorithm: 'ML-KEM-512' })),
    await sealRequest(mlkemConfig!, inner('POST', '/v1/kem/encapsulate', TENANTS.bob, { pk: alice[1]!.pk }), AEAD.chacha20poly1305),
    await sealRequest(xwingConfig!, inner('GET', '/v1/keys', credentials['token:all']!), AEAD.chacha20poly1305),
    await sealRequest(mlkemConfig!, inner('POST', '/v1/kem/decapsulate', TENANTS.alice, { key_id: alice[3]!.keyId, cipher: alice[3]!.cipher })),
  ].map((r) => Buffer.from(r.message));

  return {
    sealedRequests,
    alice,
    bob,
    dsa: { pk: signed.pk, signature: signed.signature, data, context, bobPk: bobSigned.pk, defaultKeyId: signed.key_id },
    signing,
    aes: { key, ciphertext: sealed.ciphertext, aad, binaryCiphertext: binary.ciphertext },
    shared,
    hpke,
    goneKeyIds,
    sacrificial: forTheAttack,
    cursors,
    credentials,
    restricted,
    aliceKeyIds: new Set([...alice.map((k) => k.keyId), ...[signing.mlDsa44, signing.slh, signing.rotated].map((k) => k.keyId), signed.key_id, sharedKeyId, fromDecapsulate, usedUp, ...forTheAttack.deletable, ...forTheAttack.rotatable]),
    aliceKemByPk: new Map(alice.map((k) => [k.pk, k.keyId])),
    tokenIds: [...sacrificial.map((t) => t.token_id), bobToken.token_id],
    challenges,
    secrets: [TENANTS.alice, TENANTS.bob, ...Object.entries(credentials).filter(([k]) => k.startsWith('token:')).map(([, v]) => v)],
  };
}
