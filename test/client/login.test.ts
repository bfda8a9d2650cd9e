/**
 * The client package as a registered client (docs/clients.md): a PqcClient with a `signer` signs
 * every request with the client's own key (no token), and login() opens a session: fresh X-Wing
 * key, login_info_signature checked under the pinned attestation key, login_info opened with the
 * package's own HPKE (against the server's `hpke`-package seal: interoperability), a client that
 * uses the session's token. Real server, real crypto.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateClientKey, LocalCryptoError, PqcClient, UnauthorizedError, ForbiddenError, type ClientSigner } from '../../packages/client/src/index.ts';
import { startServer, TENANTS, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: PqcClient;
let signer: ClientSigner;
let pinned: string;
before(async () => {
  server = await startServer();
  admin = new PqcClient({ baseUrl: server.url, token: TENANTS.alice });
  const key = generateClientKey('ML-DSA-65');
  const client = await admin.clients.register({ name: 'client package test', signing_key: { algorithm: key.algorithm, pk: key.publicKey }, scopes: ['dsa:sign', 'dsa:verify', 'keys:read'] });
  signer = { clientId: client.client_id, algorithm: key.algorithm, seed: key.seed };
  pinned = (await admin.kem.keypair()).verification_key;
});
after(async () => {
  await server.close();
});

test('a signer signs every request: the client acts with its own scopes, no token', async () => {
  const api = new PqcClient({ baseUrl: server.url, signer });
  const signed = await api.dsa.sign({ data: 'signed by a client' });
  assert.ok(signed.signature);
  const again = await api.dsa.verify({ data: 'signed by a client', pk: signed.pk, signature: signed.signature });
  assert.equal(again.verified, true);
  await assert.rejects(api.kem.keypair(), ForbiddenError);
  const stranger = new PqcClient({ baseUrl: server.url, signer: { ...signer, seed: generateClientKey('ML-DSA-65').seed } });
  await assert.rejects(stranger.dsa.sign({ data: 'x' }), UnauthorizedError);
});

test('login(): the token it answers works within the client\'s limits, shows in the sessions, and ends with its session', async () => {
  const api = new PqcClient({ baseUrl: server.url, signer });
  const { client, info } = await api.login({ deviceDescription: 'client package test', attestationKey: pinned, expireAfterAttempts: 10 });
  assert.equal(info.client_id, signer.clientId);
  assert.deepEqual(info.scopes, ['dsa:sign', 'dsa:verify', 'keys:read']);
  const current = await client.tokens.current();
  assert.equal(current.token_id, info.token_id);
  assert.ok((await client.dsa.sign({ data: 'with the session token' })).signature);
  const sessions = await api.sessions.list();
  assert.ok(sessions.sessions.some((s) => s.session_id === info.session_id && s.device_description === 'client package test'));
  await api.sessions.end(info.session_id);
  await assert.rejects(client.tokens.current(), UnauthorizedError);
});

test('login() with ML-KEM-768, and with the attestation key fetched (trust on first use)', async () => {
  const api = new PqcClient({ baseUrl: server.url, signer });
  const { info } = await api.login({ deviceDescription: 'ml-kem', kem: 'ML-KEM-768' });
  assert.equal(info.client_id, signer.clientId);
});

test('login() refuses an answer whose signature is not by the pinned attestation key', async () => {
  const api = new PqcClient({ baseUrl: server.url, signer });
  const other = (await new PqcClient({ baseUrl: server.url, token: TENANTS.bob }).kem.keypair()).verification_key;
  await assert.rejects(api.login({ deviceDescription: 'x', attestationKey: other }), LocalCryptoError);
  await assert.rejects(admin.login({ deviceDescription: 'x' }), TypeError);
});
