/**
 * Challenges over real HTTP on each store (BRIEF, "Clients with their own keys", Challenges):
 * both methods valid once, then `used`; `expired`; a wrong answer is `mismatch` and spends the
 * challenge; the receipt verifies offline (@noble/post-quantum, the attestation key, the receipt
 * context) and under no other context; and each refusal (written first): 401, 403, 404 for
 * unknown and other tenants' clients and challenges, 422 for every bad field, none of which uses
 * a challenge up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ClientService } from '../../src/clients/service.ts';
import { describeOnEachStore } from '../helpers/stores.ts';
import { apiKeyPrincipal, CHALLENGE_CONTEXT, openChallenge, RECEIPT_CONTEXT, receiptText, registerClient, signChallenge, type TestClient } from './support.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const CH_PATTERN = /^ch_[A-Za-z0-9_-]{22}$/;

describeOnEachStore('challenges', (on) => {
  const create = (body: unknown, auth = 'alice') => on.server.call('POST', '/v1/challenges', { auth, body });
  const validate = (id: string, response: string, auth = 'alice') => on.server.call('POST', `/v1/challenges/${id}/validate`, { auth, body: { response } });
  let attestationPk: Uint8Array;
  const receiptVerifies = (answer: { receipt_signature: string; challenge_id: string; client_id: string | null; valid: boolean; validated_at: string }, context = RECEIPT_CONTEXT) =>
    ml_dsa65.verify(Buffer.from(answer.receipt_signature, 'base64'), utf8(receiptText(answer)), attestationPk, { context: utf8(context) });
  const pinAttestationKey = async () => {
    const jwk = await on.server.call('GET', '/v1/keys/attestation', { auth: 'alice' });
    assert.equal(jwk.status, 200);
    attestationPk = Buffer.from(jwk.body.pub, 'base64url');
  };

  // ---- refusals first

  test('no credential: 401 on both routes', async () => {
    const client = await registerClient(on.store, 'alice');
    assert.equal((await create({ client_id: client.id }, '')).status, 401);
    assert.equal((await validate('ch_' + 'a'.repeat(22), 'AAAA', '')).status, 401);
  });

  test('a token without challenges:manage is 403 on both routes, and uses nothing up', async () => {
    const client = await registerClient(on.store, 'alice');
    const token = (await on.server.call('POST', '/v1/tokens', { auth: 'alice', body: { scopes: ['dsa:sign'] } })).body.new_token;
    const made = await create({ client_id: client.id });
    assert.equal(made.status, 201);
    const refusedCreate = await create({ client_id: client.id }, token);
    assert.equal(refusedCreate.status, 403);
    assert.match(refusedCreate.body.detail, /challenges:manage/);
    assert.equal((await validate(made.body.challenge_id, signChallenge(client, made.body.challenge), token)).status, 403);
    assert.equal((await validate(made.body.challenge_id, signChallenge(client, made.body.challenge))).body.valid, true, 'the refused validation did not use the challenge');
    const allowed = (await on.server.call('POST', '/v1/tokens', { auth: 'alice', body: { scopes: ['challenges:manage'] } })).body.new_token;
    assert.equal((await create({ client_id: client.id }, allowed)).status, 201);
  });

  test('every bad field of a create is 422 naming it; client_id is required', async () => {
    const client = await registerClient(on.store, 'alice');
    const cases: [unknown, string][] = [
      [{}, '/client_id'],
      [{ method: 'signature' }, '/client_id'],
      [{ client_id: 'cl_short' }, '/client_id'],
      [{ client_id: 42 }, '/client_id'],
      [{ client_id: client.id, ttl: 0 }, '/ttl'],
      [{ client_id: client.id, ttl: 301 }, '/ttl'],
      [{ client_id: client.id, ttl: 1.5 }, '/ttl'],
      [{ client_id: client.id, ttl: '30' }, '/ttl'],
      [{ client_id: client.id, method: 'hmac' }, '/method'],
      [{ client_id: client.id, extra: true }, '/extra'],
    ];
    for (const [body, pointer] of cases) {
      const res = await create(body);
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.ok(res.body.errors.some((e: { pointer: string }) => e.pointer === pointer), `${JSON.stringify(body)}: ${JSON.stringify(res.body.errors)}`);
    }
  });

  test('an unknown client, another tenant\'s, an expired or a deleted one is 404 alike', async () => {
    const bobs = await registerClient(on.store, 'bob');
    const expiring = await registerClient(on.store, 'alice', { expiresInSeconds: 1 });
    const deleted = await registerClient(on.store, 'alice');
    await new ClientService(on.store.clients, Date.now, { quota: 0, keyExists: async () => true }).delete(apiKeyPrincipal('alice'), deleted.id);
    await sleep(1100);
    const answers = [];
    for (const id of ['cl_' + 'z'.repeat(22), bobs.id, expiring.id, deleted.id]) {
      const res = await create({ client_id: id });
      assert.equal(res.status, 404, id);
      answers.push(res.body.detail);
    }
    assert.equal(new Set(answers).size, 1, 'one answer for every reason');
  });

  test('kem for a client without a kem_key is 422 naming method', async () => {
    const client = await registerClient(on.store, 'alice');
    const res = await create({ client_id: client.id, method: 'kem' });
    assert.equal(res.status, 422);
    assert.equal(res.body.errors[0].pointer, '/method');
  });

  test('validate: a malformed id or response is 422 and uses nothing up; an unknown or another tenant\'s challenge is 404 and uses nothing up', async () => {
    const client = await registerClient(on.store, 'alice');
    const made = (await create({ client_id: client.id })).body;
    const right = signChallenge(client, made.challenge);
    for (const id of ['ch_short', 'kem_' + 'a'.repeat(22), made.challenge_id + 'x']) assert.equal((await validate(id, right)).status, 422, id);
    for (const response of ['', 'not base64!', 'A'.repeat(8000)]) {
      const res = await validate(made.challenge_id, response);
      assert.equal(res.status, 422, response.slice(0, 20));
      assert.equal(res.body.errors[0].pointer, '/response');
    }
    const noBody = await on.server.call('POST', `/v1/challenges/${made.challenge_id}/validate`, { auth: 'alice', body: {} });
    assert.equal(noBody.status, 422);
    assert.equal((await validate('ch_' + 'q'.repeat(22), right)).status, 404);
    assert.equal((await validate(made.challenge_id, right, 'bob')).status, 404, "bob cannot see alice's challenge");
    const ok = await validate(made.challenge_id, right);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.valid, true, 'none of the refused requests used the challenge');
  });

  // ---- the flows

  test('signature: the client signs the 32 bytes with its key under the challenge context; valid once, then used', async () => {
    await pinAttestationKey();
    for (const dsa of ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'] as const) {
      const client = await registerClient(on.store, 'alice', { dsa });
      const before = Date.now();
      const res = await create({ client_id: client.id });
      assert.equal(res.status, 201);
      assert.match(res.body.challenge_id, CH_PATTERN);
      assert.equal(res.body.method, 'signature');
      assert.equal(res.body.client_id, client.id);
      assert.equal(Buffer.from(res.body.challenge, 'base64').length, 32);
      assert.equal(res.body.encrypted_challenge, undefined);
      const ttl = Date.parse(res.body.expires_at) - before;
      assert.ok(ttl >= 29_000 && ttl <= 31_000, `default ttl 30 s, got ${ttl} ms`);

      const answer = signChallenge(client, res.body.challenge);
      const first = await validate(res.body.challenge_id, answer);
      assert.equal(first.status, 200);
      assert.deepEqual({ ...first.body, validated_at: undefined, receipt_signature: undefined }, { valid: true, reason: null, challenge_id: res.body.challenge_id, client_id: client.id, validated_at: undefined, receipt_signature: undefined });
      assert.match(first.body.validated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(receiptVerifies(first.body), `${dsa}: the receipt verifies`);

      const second = await validate(res.body.challenge_id, answer);
      assert.equal(second.status, 200);
      assert.equal(second.body.valid, false);
      assert.equal(second.body.reason, 'used');
      assert.ok(receiptVerifies(second.body), 'a used answer has a receipt too');
    }
  });

  for (const kem of ['X-Wing', 'ML-KEM-768', 'ML-KEM-1024'] as const) {
    test(`kem (${kem}): the challenge is sealed with HPKE to the client's key; the opened bytes are valid once, then used`, async () => {
      await pinAttestationKey();
      const client = await registerClient(on.store, 'alice', { kem });
      const res = await create({ client_id: client.id, method: 'kem', ttl: 60 });
      assert.equal(res.status, 201);
      assert.equal(res.body.method, 'kem');
      assert.equal(res.body.challenge, undefined, 'a kem challenge is never given in the clear');
      const opened = await openChallenge(client, res.body.encrypted_challenge);
      assert.equal(Buffer.from(opened, 'base64').length, 32);
      await assert.rejects(openChallenge(client, res.body.encrypted_challenge, 'pq-crypto-api/v1/login-info'), 'bound to the challenge info');
      const first = await validate(res.body.challenge_id, opened);
      assert.equal(first.body.valid, true);
      assert.equal(first.body.reason, null);
      assert.ok(receiptVerifies(first.body));
      const second = await validate(res.body.challenge_id, opened);
      assert.deepEqual([second.body.valid, second.body.reason], [false, 'used']);
    });
  }

  test('a wrong answer is mismatch and spends the challenge: the right one afterwards is used', async () => {
    const client = await registerClient(on.store, 'alice', { kem: 'X-Wing' });
    const other = await registerClient(on.store, 'alice');
    const wrongs: [string, (challenge: string) => string][] = [
      ['another client\'s signature', (c) => signChallenge(other, c)],
      ['no context', (c) => signChallenge(client, c, '')],
      ['the receipt context', (c) => signChallenge(client, c, RECEIPT_CONTEXT)],
      ['the challenge itself', (c) => c],
      ['a byte', () => 'AA=='],
    ];
    for (const [label, wrong] of wrongs) {
      const made = (await create({ client_id: client.id })).body;
      const res = await validate(made.challenge_id, wrong(made.challenge));
      assert.deepEqual([res.status, res.body.valid, res.body.reason], [200, false, 'mismatch'], label);
      assert.deepEqual([(await validate(made.challenge_id, signChallenge(client, made.challenge))).body.reason], ['used'], label);
    }
    const sealed = (await create({ client_id: client.id, method: 'kem' })).body;
    const opened = Buffer.from(await openChallenge(client, sealed.encrypted_challenge), 'base64');
    opened[31]! ^= 1;
    assert.equal((await validate(sealed.challenge_id, opened.toString('base64'))).body.reason, 'mismatch');
    opened[31]! ^= 1;
    assert.equal((await validate(sealed.challenge_id, opened.toString('base64'))).body.reason, 'used');
  });

  test('past its ttl a challenge answers expired, and stays expired (not used)', async () => {
    await pinAttestationKey();
    const client = await registerClient(on.store, 'alice');
    const made = (await create({ client_id: client.id, ttl: 1 })).body;
    assert.ok(Date.parse(made.expires_at) - Date.now() <= 1000);
    await sleep(1200);
    for (let i = 0; i < 2; i++) {
      const res = await validate(made.challenge_id, signChallenge(client, made.challenge));
      assert.deepEqual([res.status, res.body.valid, res.body.reason], [200, false, 'expired']);
      assert.ok(receiptVerifies(res.body));
    }
  });

  test('a client deleted after its challenge was made cannot answer it: mismatch', async () => {
    const client = await registerClient(on.store, 'alice');
    const made = (await create({ client_id: client.id })).body;
    await new ClientService(on.store.clients, Date.now, { quota: 0, keyExists: async () => true }).delete(apiKeyPrincipal('alice'), client.id);
    const res = await validate(made.challenge_id, signChallenge(client, made.challenge));
    assert.deepEqual([res.body.valid, res.body.reason], [false, 'mismatch']);
  });

  test('the receipt verifies offline under the receipt context only, with the attestation key that signs KEM keys', async () => {
    await pinAttestationKey();
    const keypair = await on.server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} });
    assert.deepEqual(Buffer.from(keypair.body.verification_key, 'base64'), Buffer.from(attestationPk), 'one attestation key');
    const client = await registerClient(on.store, 'alice');
    const made = (await create({ client_id: client.id })).body;
    const { body } = await validate(made.challenge_id, signChallenge(client, made.challenge));
    assert.equal(body.valid, true);
    assert.ok(receiptVerifies(body));
    for (const context of ['', CHALLENGE_CONTEXT, 'pq-crypto-api/v1/login-info', `${RECEIPT_CONTEXT} `]) assert.equal(receiptVerifies(body, context), false, `not under ${JSON.stringify(context)}`);
    assert.equal(receiptVerifies({ ...body, valid: false }), false, 'valid is in the signed text');
    assert.equal(receiptVerifies({ ...body, client_id: null }), false, 'client_id is in the signed text');
    assert.equal(receiptVerifies({ ...body, validated_at: body.validated_at.replace(/\.\d{3}Z$/, 'Z') }), false, 'validated_at exactly as answered');
    // Bob's attestation key is another key: alice's receipt does not verify under it.
    const bobs = await on.server.call('GET', '/v1/keys/attestation', { auth: 'bob' });
    assert.equal(ml_dsa65.verify(Buffer.from(body.receipt_signature, 'base64'), utf8(receiptText(body)), Buffer.from(bobs.body.pub, 'base64url'), { context: utf8(RECEIPT_CONTEXT) }), false);
  });

  test('the audit trail records each create and validate, with the verdict as the outcome', async () => {
    const client: TestClient = await registerClient(on.store, 'alice');
    const made = (await create({ client_id: client.id })).body;
    await validate(made.challenge_id, 'AA==');
    await validate(made.challenge_id, signChallenge(client, made.challenge));
    const good = (await create({ client_id: client.id })).body;
    await validate(good.challenge_id, signChallenge(client, good.challenge));
    await validate('ch_' + 'q'.repeat(22), 'AA==');
    const trail = await on.server.call('GET', '/v1/audit?limit=6', { auth: 'alice' });
    assert.equal(trail.status, 200);
    const entries = trail.body.entries.map((e: { operation: string; outcome: string }) => `${e.operation} ${e.outcome}`);
    assert.deepEqual(entries, [
      'challenges.validate not-found',
      'challenges.validate ok',
      'challenges.create ok',
      'challenges.validate used',
      'challenges.validate mismatch',
      'challenges.create ok',
    ]);
  });
});

test('the documented examples are genuine: the example response signs the example challenge, the example receipt verifies under the example attestation key', async () => {
  const { challengeExamples, examples } = await import('../../src/http/examples.ts');
  const ex = challengeExamples();
  const client = ml_dsa65.keygen(new Uint8Array(32).fill(17));
  assert.ok(ml_dsa65.verify(Buffer.from(ex.response, 'base64'), Buffer.from(ex.challenge, 'base64'), client.publicKey, { context: utf8(CHALLENGE_CONTEXT) }));
  const receipt = { challenge_id: ex.challengeId, client_id: ex.clientId, valid: true, validated_at: ex.validatedAt };
  assert.ok(ml_dsa65.verify(Buffer.from(ex.receiptSignature, 'base64'), utf8(receiptText(receipt)), Buffer.from(examples().attestationPublicKey, 'base64'), { context: utf8(RECEIPT_CONTEXT) }));
  assert.match(ex.challengeId, CH_PATTERN);
});
