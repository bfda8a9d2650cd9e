/**
 * The demonstration resources Swagger UI's default examples name (src/http/examples.ts): made
 * only in development with the embedded store and the generated development key, and coherent
 * with the examples (the example cipher decapsulates under the demonstration KEM key to the example
 * shared key, and so on), over real HTTP. The browser test clicks them; this one says why each works.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { buildApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { challengeExamples, DEMO, examples, makeDemonstrations, wantsDemonstrations } from '../../src/http/examples.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { call } from '../helpers/server.ts';

test('only development, the embedded store and the generated key make them', () => {
  const dev = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent' });
  assert.deepEqual(dev.generated.includes('API_KEYS'), true);
  assert.equal(wantsDemonstrations(dev, 'memory'), true);
  assert.equal(wantsDemonstrations(dev, 'redis'), false, 'a shared store');
  const configured = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent', API_KEYS: `acme:${'k'.repeat(40)}` });
  assert.equal(wantsDemonstrations(configured, 'memory'), false, "a configured tenant's keys");
  assert.equal(wantsDemonstrations({ ...dev, env: 'production' }, 'memory'), false);
  assert.equal(wantsDemonstrations({ ...dev, env: 'test' }, 'memory'), false);
});

describe('the examples against the demonstration resources', () => {
  let built: App;
  let url: string;
  let key: string;
  let close: () => Promise<void>;
  before(async () => {
    const config = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent' });
    const store = new MemoryStore();
    built = buildApp({ config, store, logger: pino({ level: 'silent' }) });
    assert.deepEqual(await makeDemonstrations(built.services), [
      DEMO.kemKeyId,
      DEMO.dsaKeyId,
      DEMO.sharedKeyId,
      DEMO.deletableKeyId,
      `token ${DEMO.tokenId}`,
      `client ${DEMO.clientId}`,
      `client ${DEMO.deletableClientId}`,
      `challenge ${DEMO.challengeId}`,
      `session ${DEMO.sessionId}`,
    ]);
    const server = built.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    key = config.apiKeys[0]!.key;
    close = async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await built.close();
      await store.close();
    };
  });
  after(() => close?.());

  const ex = examples();
  test('the example cipher decapsulates under the demonstration KEM key, with its confirmation, to the example shared key', async () => {
    const res = await call(url, 'POST', '/v1/kem/decapsulate', { auth: key, body: { cipher: ex.kemCipherText, key_id: DEMO.kemKeyId, confirmation: ex.confirmation } });
    assert.deepEqual([res.status, res.body], [200, { shared_key: ex.sharedKey }]);
    const described = await call(url, 'GET', `/v1/keys/${DEMO.kemKeyId}`, { auth: key });
    assert.equal(described.body.pk, ex.kemPublicKey);
  });

  test('the example signature verifies under the demonstration signing key; the stored shared key opens the example ciphertext', async () => {
    const verified = await call(url, 'POST', '/v1/dsa/verify', { auth: key, body: { data: ex.message, key_id: DEMO.dsaKeyId, signature: ex.messageSignature } });
    assert.deepEqual([verified.status, verified.body.verified], [200, true]);
    const opened = await call(url, 'POST', '/v1/aes/decrypt', { auth: key, body: { ciphertext: ex.aesCiphertext, key_id: DEMO.sharedKeyId, aad: ex.aad } });
    assert.deepEqual([opened.status, opened.body], [200, { decrypted: ex.message }]);
  });

  test('the demonstration token exists to be revoked; making them again adds no key, and brings the token back', async () => {
    assert.equal((await call(url, 'DELETE', `/v1/tokens/${DEMO.tokenId}`, { auth: key })).status, 204);
    assert.equal((await call(url, 'DELETE', `/v1/tokens/${DEMO.tokenId}`, { auth: key })).status, 404);
    const listed = async () => (await call(url, 'GET', '/v1/keys?limit=100', { auth: key })).body.keys.map((k: { key_id: string }) => k.key_id).sort();
    const before = await listed();
    assert.deepEqual(before, [DEMO.deletableKeyId, DEMO.dsaKeyId, DEMO.kemKeyId, DEMO.sharedKeyId].sort());
    await makeDemonstrations(built.services);
    assert.deepEqual(await listed(), before);
    assert.equal((await call(url, 'DELETE', `/v1/tokens/${DEMO.tokenId}`, { auth: key })).status, 204);
  });

  test('the HPKE example message opens under the demonstration KEM key', async () => {
    const res = await call(url, 'POST', '/v1/hpke/open', { auth: key, body: { key_id: DEMO.kemKeyId, enc: ex.kemCipherText, ciphertext: ex.hpkeCiphertext, info: ex.hpkeInfo, aad: ex.hpkeAad } });
    assert.deepEqual([res.status, res.body], [200, { plaintext: ex.message }]);
  });

  test("the demonstration client holds the example client key; the example challenge's response is valid once, then used", async () => {
    const described = await call(url, 'GET', `/v1/clients/${DEMO.clientId}`, { auth: key });
    assert.equal(described.status, 200, JSON.stringify(described.body));
    assert.equal(described.body.signing_key.pk, ex.clientPublicKey);
    const registered = await call(url, 'POST', '/v1/clients', { auth: key, body: { name: 'example', signing_key: { algorithm: 'ML-DSA-65', pk: ex.clientPublicKey }, kem_key: { algorithm: 'X-Wing', pk: ex.clientKemPublicKey } } });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    const cx = challengeExamples();
    const validate = () => call(url, 'POST', `/v1/challenges/${DEMO.challengeId}/validate`, { auth: key, body: { response: cx.response } });
    const first = await validate();
    assert.deepEqual([first.status, first.body.valid, first.body.client_id], [200, true, DEMO.clientId], JSON.stringify(first.body));
    const again = await validate();
    assert.deepEqual([again.status, again.body.valid, again.body.reason], [200, false, 'used']);
    const made = await call(url, 'POST', '/v1/challenges', { auth: key, body: { client_id: cx.clientId, method: 'signature', ttl: 30 } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
  });

  test('the demonstration session and the deletable client exist to be ended; making them again brings them back', async () => {
    const listed = await call(url, 'GET', `/v1/sessions?client_id=${DEMO.clientId}`, { auth: key });
    assert.deepEqual(listed.body.sessions.map((s: { session_id: string }) => s.session_id), [DEMO.sessionId]);
    assert.equal((await call(url, 'DELETE', `/v1/sessions/${DEMO.sessionId}`, { auth: key })).status, 204);
    assert.equal((await call(url, 'DELETE', `/v1/sessions/${DEMO.sessionId}`, { auth: key })).status, 404);
    assert.equal((await call(url, 'DELETE', `/v1/clients/${DEMO.deletableClientId}`, { auth: key })).status, 204);
    assert.equal((await call(url, 'DELETE', `/v1/clients/${DEMO.deletableClientId}`, { auth: key })).status, 404);
    await makeDemonstrations(built.services);
    assert.equal((await call(url, 'GET', `/v1/clients/${DEMO.deletableClientId}`, { auth: key })).status, 200);
    assert.equal((await call(url, 'DELETE', `/v1/sessions/${DEMO.sessionId}`, { auth: key })).status, 204);
  });
});
