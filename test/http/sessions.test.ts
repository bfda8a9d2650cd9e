/**
 * Login sessions over real HTTP (BRIEF, "Clients with their own keys"): a client signs
 * POST /v1/sessions (independent RFC 9421 signer) with a fresh session key; login_info opens with
 * that key's secret (HPKE, info "pq-crypto-api/v1/login-info"), its signature verifies under the
 * tenant's attestation key with the login context and not without it (nor as a key attestation),
 * the token works within the client's limits, and it ends when the session or the client is
 * deleted, on another instance at once (two instances on one Redis).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { createHpke, hpkeSuite, HPKE_SUITE_PARTS, type HpkeKem } from '../../src/crypto/hpke.ts';
import { startTwoInstances, type TwoInstances } from '../helpers/instances.ts';
import { clientKeys, signedFetch, type ClientKeys } from '../helpers/rfc9421.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const hpke = createHpke('noble');
const LOGIN_CONTEXT = new TextEncoder().encode('pq-crypto-api/v1/login-info');

async function register(server: TestServer, keys: ClientKeys, scopes = ['dsa:sign', 'dsa:verify']): Promise<string> {
  const r = await server.call('POST', '/v1/clients', { auth: 'alice', body: { name: 'laptop', signing_key: { algorithm: keys.algorithm, pk: Buffer.from(keys.publicKey).toString('base64') }, scopes } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.client_id;
}

/** The tenant's attestation public key, as a peer pins it (the verification_key of a key pair). */
async function attestationKey(server: TestServer): Promise<Uint8Array> {
  const r = await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} });
  assert.equal(r.status, 201);
  return new Uint8Array(Buffer.from(r.body.verification_key, 'base64'));
}

interface Login {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly seed: Uint8Array;
  readonly kem: HpkeKem;
}

async function login(server: TestServer, clientId: string, keys: ClientKeys, extra: Record<string, unknown> = {}, kem: HpkeKem = 'X-Wing'): Promise<Login> {
  const signBase = server.config.publicUrl;
  const pair = await hpke.deriveKeyPair(kem, randomBytes(64));
  const body = JSON.stringify({ session_kem: kem, session_pk: Buffer.from(pair.publicKey).toString('base64'), device_description: 'laptop, test suite', ...extra });
  const r = await signedFetch(server.url, 'POST', '/v1/sessions', { keyid: clientId, keys, body, ...(signBase ? { signBase } : {}) });
  return { status: r.status, body: r.body, seed: pair.seed, kem };
}

async function open(l: Login) {
  const bytes = Buffer.from(l.body.login_info, 'base64');
  const nenc = HPKE_SUITE_PARTS.kem[l.kem].Nenc;
  const plain = await hpke.open(hpkeSuite(l.kem), l.seed, bytes.subarray(0, nenc), bytes.subarray(nenc), { info: LOGIN_CONTEXT });
  return JSON.parse(new TextDecoder().decode(plain));
}

describe('sessions (one instance)', () => {
  let server: TestServer;
  let keys: ClientKeys;
  let clientId: string;
  before(async () => {
    server = await startServer();
    keys = clientKeys('ml-dsa-65');
    clientId = await register(server, keys);
  });
  after(async () => {
    await server.close();
  });

  test('a bearer credential cannot log in (403); an unsigned one is 401', async () => {
    const pair = await hpke.deriveKeyPair('X-Wing', randomBytes(64));
    const body = { session_pk: Buffer.from(pair.publicKey).toString('base64'), device_description: 'x' };
    assert.equal((await server.call('POST', '/v1/sessions', { auth: 'alice', body })).status, 403);
    assert.equal((await server.call('POST', '/v1/sessions', { body })).status, 401);
  });

  test('validation: a session key of the wrong size or kem, a long description, scopes beyond the client', async () => {
    const bad = await signedFetch(server.url, 'POST', '/v1/sessions', { keyid: clientId, keys, body: JSON.stringify({ session_pk: 'AAAA', device_description: 'x' }) });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.errors[0].pointer, '/session_pk');
    const mismatch = await login(server, clientId, keys, { session_kem: 'ML-KEM-768' }); // an X-Wing key named ML-KEM-768
    assert.equal(mismatch.status, 422);
    const long = await login(server, clientId, keys, { device_description: 'd'.repeat(201) });
    assert.equal(long.status, 422);
    const wider = await login(server, clientId, keys, { scopes: ['kem:keypair'] });
    assert.equal(wider.status, 403);
  });

  test('login_info opens with the session key; its signature verifies under the attestation key with the login context only', async () => {
    const l = await login(server, clientId, keys, { expire_after_attempts: 5 });
    assert.equal(l.status, 201, JSON.stringify(l.body));
    assert.deepEqual(Object.keys(l.body).sort(), ['login_info', 'login_info_signature', 'session_id']);
    const info = await open(l);
    assert.equal(info.session_id, l.body.session_id);
    assert.equal(info.client_id, clientId);
    assert.equal(info.attempts_left, 5);
    assert.deepEqual(info.scopes, ['dsa:sign', 'dsa:verify']);
    const pinned = await attestationKey(server);
    const signed = Buffer.from(l.body.login_info, 'base64');
    const signature = Buffer.from(l.body.login_info_signature, 'base64');
    assert.equal(ml_dsa65.verify(signature, signed, pinned, { context: LOGIN_CONTEXT }), true, 'verifies with the login context');
    assert.equal(ml_dsa65.verify(signature, signed, pinned), false, 'not with the empty context of key attestations');
    assert.equal(ml_dsa65.verify(signature, signed, pinned, { context: new TextEncoder().encode('pq-crypto-api/v1/challenge-receipt') }), false, 'not as a receipt');
    // Another session key cannot open it.
    await assert.rejects(open({ ...l, seed: (await hpke.deriveKeyPair('X-Wing', randomBytes(64))).seed }));

    // The token works within the client's limits, and its attempts count.
    const current = await server.call('GET', '/v1/tokens/current', { auth: info.token });
    assert.equal(current.status, 200);
    assert.deepEqual(current.body.scopes, ['dsa:sign', 'dsa:verify']);
    assert.equal((await server.call('POST', '/v1/dsa/sign', { auth: info.token, body: { data: 'x' } })).status, 200);
    assert.equal((await server.call('POST', '/v1/kem/keypair', { auth: info.token, body: {} })).status, 403);
  });

  test('ML-KEM-768 session keys work too', async () => {
    const l = await login(server, clientId, keys, {}, 'ML-KEM-768');
    assert.equal(l.status, 201, JSON.stringify(l.body));
    assert.equal((await open(l)).client_id, clientId);
  });

  test('GET /v1/sessions: the client sees its own; clients:manage the tenant\'s; others 403', async () => {
    const l = await login(server, clientId, keys);
    const otherKeys = clientKeys('ml-dsa-44');
    const other = await register(server, otherKeys);
    const otherLogin = await login(server, other, otherKeys);
    assert.equal(otherLogin.status, 201);

    const own = await signedFetch(server.url, 'GET', '/v1/sessions', { keyid: clientId, keys });
    assert.equal(own.status, 200);
    assert.ok(own.body.sessions.every((s: { client_id: string }) => s.client_id === clientId));
    const mine = own.body.sessions.find((s: { session_id: string }) => s.session_id === l.body.session_id);
    assert.deepEqual(Object.keys(mine).sort(), ['client_id', 'created_at', 'device_description', 'expires_at', 'last_used_at', 'session_id']);
    assert.equal(mine.device_description, 'laptop, test suite');
    const peek = await signedFetch(server.url, 'GET', `/v1/sessions?client_id=${other}`, { keyid: clientId, keys });
    assert.equal(peek.status, 403);

    const all = await server.call('GET', '/v1/sessions?limit=500', { auth: 'alice' });
    assert.ok(all.body.sessions.some((s: { client_id: string }) => s.client_id === other));
    const filtered = await server.call('GET', `/v1/sessions?client_id=${other}`, { auth: 'alice' });
    assert.deepEqual(filtered.body.sessions.map((s: { session_id: string }) => s.session_id), [otherLogin.body.session_id]);
    const plain = await server.call('POST', '/v1/tokens', { auth: 'alice', body: { scopes: ['dsa:sign'] } });
    assert.equal((await server.call('GET', '/v1/sessions', { auth: plain.body.new_token })).status, 403);
    // Another tenant sees none of them.
    assert.deepEqual((await server.call('GET', '/v1/sessions', { auth: 'bob' })).body.sessions, []);

    // last_used_at: set once the session's token is used.
    const info = await open(l);
    await server.call('GET', '/v1/tokens/current', { auth: info.token });
    let used: string | null = null;
    for (let i = 0; i < 50 && used === null; i++) {
      const again = await server.call('GET', `/v1/sessions?client_id=${clientId}&limit=500`, { auth: 'alice' });
      used = again.body.sessions.find((s: { session_id: string }) => s.session_id === l.body.session_id).last_used_at;
      if (used === null) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(used && Date.parse(used) > 0);
  });

  test('DELETE /v1/sessions/{id} ends the session and kills its token (and tokens it minted); a session token can log itself out', async () => {
    const l = await login(server, clientId, keys);
    const info = await open(l);
    assert.equal((await server.call('DELETE', `/v1/sessions/${l.body.session_id}`, { auth: 'bob' })).status, 404);
    assert.equal((await server.call('DELETE', `/v1/sessions/${l.body.session_id}`, { auth: 'alice' })).status, 204);
    assert.equal((await server.call('GET', '/v1/tokens/current', { auth: info.token })).status, 401);
    assert.equal((await server.call('DELETE', `/v1/sessions/${l.body.session_id}`, { auth: 'alice' })).status, 404);

    const self = await open(await login(server, clientId, keys));
    assert.equal((await server.call('DELETE', `/v1/sessions/${self.session_id}`, { auth: self.token })).status, 204);
    assert.equal((await server.call('GET', '/v1/tokens/current', { auth: self.token })).status, 401);
  });

  test('the security entries of opening and ending a session name it (target_session_id) and the client (client_id)', async () => {
    const l = await login(server, clientId, keys);
    assert.equal(l.status, 201);
    assert.equal((await server.call('DELETE', `/v1/sessions/${l.body.session_id}`, { auth: 'alice' })).status, 204);
    const trail = await server.call('GET', '/v1/audit?limit=20', { auth: 'alice' });
    type Entry = { operation: string; outcome: string; client_id: string | null; target_session_id: string | null; target_client_id: string | null };
    const about = (trail.body.entries as Entry[]).filter((e) => e.target_session_id === l.body.session_id);
    assert.deepEqual(about.map((e) => `${e.operation} ${e.outcome}`), ['sessions.end ok', 'sessions.open ok'], JSON.stringify(trail.body.entries.slice(0, 4)));
    assert.equal(about[1]!.client_id, clientId, 'the client logged in itself');
    assert.equal(about[0]!.client_id, null, 'the API key ended it');
    assert.ok(about.every((e) => e.target_client_id === null));
  });
});

describe('sessions across two instances on one Redis', () => {
  let two: TwoInstances;
  /** Both instances serve one public origin (PUBLIC_URL): signatures name it, not the instance. */
  const signBase = 'https://api.example.test';
  before(async () => {
    two = await startTwoInstances({ PUBLIC_URL: signBase });
  });
  after(async () => {
    await two.close();
  });

  test('deleting the session on A: its token is refused on B at once', async () => {
    const keys = clientKeys('ml-dsa-65');
    const clientId = await register(two.a, keys);
    const l = await login(two.a, clientId, keys);
    assert.equal(l.status, 201, JSON.stringify(l.body));
    const info = await open(l);
    assert.equal((await two.b.call('POST', '/v1/dsa/sign', { auth: info.token, body: { data: 'x' } })).status, 200);
    assert.equal((await two.a.call('DELETE', `/v1/sessions/${l.body.session_id}`, { auth: 'alice' })).status, 204);
    assert.equal((await two.b.call('POST', '/v1/dsa/sign', { auth: info.token, body: { data: 'x' } })).status, 401);
  });

  test('deleting the client on A: its session tokens (and their children) and its signatures are refused on B at once', async () => {
    const keys = clientKeys('ml-dsa-87');
    const clientId = await register(two.a, keys, ['dsa:sign', 'tokens:create']);
    const infos = [];
    for (let i = 0; i < 3; i++) {
      const l = await login(two.b, clientId, keys);
      assert.equal(l.status, 201, JSON.stringify(l.body));
      infos.push(await open(l));
    }
    const child = await two.b.call('POST', '/v1/tokens', { auth: infos[0].token, body: { scopes: ['dsa:sign'] } });
    assert.equal(child.status, 201);
    for (const info of infos) assert.equal((await two.b.call('POST', '/v1/dsa/sign', { auth: info.token, body: { data: 'x' } })).status, 200);
    assert.equal((await two.a.call('DELETE', `/v1/clients/${clientId}`, { auth: 'alice' })).status, 204);
    for (const info of infos) assert.equal((await two.b.call('POST', '/v1/dsa/sign', { auth: info.token, body: { data: 'x' } })).status, 401);
    assert.equal((await two.b.call('POST', '/v1/dsa/sign', { auth: child.body.new_token, body: { data: 'x' } })).status, 401);
    assert.equal((await signedFetch(two.b.url, 'POST', '/v1/dsa/sign', { keyid: clientId, keys, body: '{"data":"x"}', signBase })).status, 401);
    assert.deepEqual((await two.b.call('GET', `/v1/sessions?client_id=${clientId}`, { auth: 'alice' })).body.sessions, []);
  });

  test('a signed request accepted by A and replayed to B is refused (the nonce is single-use across instances)', async () => {
    const keys = clientKeys('ml-dsa-44');
    const clientId = await register(two.a, keys);
    const first = await signedFetch(two.a.url, 'POST', '/v1/dsa/sign', { keyid: clientId, keys, body: '{"data":"x"}', signBase });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const replay = await fetch(two.b.url + '/v1/dsa/sign', { method: 'POST', headers: first.sent, body: '{"data":"x"}' });
    assert.equal(replay.status, 401);
    // Signed for the instance's own address instead of PUBLIC_URL: not the target URI the service sees.
    assert.equal((await signedFetch(two.b.url, 'POST', '/v1/dsa/sign', { keyid: clientId, keys, body: '{"data":"x"}' })).status, 401);
  });
});
