/**
 * The client's side of challenges against a real server: PqcClient creates and validates, the
 * answers are made locally (answerChallenge: ML-DSA signature under the challenge context, or an
 * HPKE open with the client's KEM seed by the package's own HPKE, checked here against the
 * service's, which is another implementation), the receipt checks offline (verifyReceipt); and
 * the CLI's `pqc challenge create | answer | validate | verify-receipt`, chained through --body.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { answerChallenge, fromBase64, HpkeOpenError, hpkeOpen, hpkePublicKey, LocalCryptoError, openChallenge, PqcClient, receiptMessage, signChallenge, verifyReceipt, type HpkeKemName } from '../../packages/client/src/index.ts';
import { run, type Io } from '../../packages/client/src/cli/run.ts';
import { apiKeyId } from '../../src/auth/api-keys.ts';
import { SCOPES } from '../../src/auth/scopes.ts';
import { ClientService } from '../../src/clients/service.ts';
import { createHpke, hpkeSuite } from '../../src/crypto/hpke.ts';
import { startServer, TENANTS, type TestServer } from '../helpers/server.ts';

const DSA = { 'ML-DSA-44': ml_dsa44, 'ML-DSA-65': ml_dsa65, 'ML-DSA-87': ml_dsa87 } as const;
const SEED_BYTES: Record<HpkeKemName, number> = { 'ML-KEM-768': 64, 'ML-KEM-1024': 64, 'X-Wing': 32 };

let server: TestServer;
let api: PqcClient;
let attestationKey: Uint8Array;
let dir: string;
before(async () => {
  server = await startServer();
  api = new PqcClient({ baseUrl: server.url, token: TENANTS.alice });
  attestationKey = fromBase64((await api.keys.attestation()).pub);
  dir = mkdtempSync(join(tmpdir(), 'pqc-challenge-'));
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A client registered below HTTP (the /v1/clients route is another branch's), its keys kept here. */
async function register(dsa: keyof typeof DSA, kem?: HpkeKemName) {
  const signing = DSA[dsa].keygen(randomBytes(32));
  const kemSeed = kem ? new Uint8Array(randomBytes(SEED_BYTES[kem])) : undefined;
  const service = new ClientService(server.store.clients, Date.now, { quota: 0, keyExists: async () => true });
  const record = await service.register(
    { tenant: 'alice', scopes: SCOPES, keyIds: null, apiKeyId: apiKeyId(TENANTS.alice) },
    { name: 'client test', signingKey: { algorithm: dsa, pk: signing.publicKey }, ...(kem ? { kemKey: { algorithm: kem, pk: hpkePublicKey(kem, kemSeed!) } } : {}) },
  );
  return { id: record.id, signingSecretKey: signing.secretKey, ...(kemSeed ? { kemSeed } : {}) };
}

describe('client helpers', () => {
  for (const dsa of ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'] as const) {
    test(`signature (${dsa}): create, answer locally, validate once; the receipt verifies offline`, async () => {
      const client = await register(dsa);
      const issued = await api.challenges.create({ client_id: client.id });
      const response = await answerChallenge(issued, client);
      const first = await api.challenges.validate(issued.challenge_id, response);
      assert.deepEqual([first.valid, first.reason, first.client_id], [true, null, client.id]);
      assert.equal(verifyReceipt(first, attestationKey), true);
      assert.equal(verifyReceipt({ ...first, valid: false }, attestationKey), false);
      assert.equal(receiptMessage(first), `${first.challenge_id}|${client.id}|true|${first.validated_at}`);
      const again = await api.challenges.validate(issued.challenge_id, response);
      assert.deepEqual([again.valid, again.reason], [false, 'used']);
      assert.equal(verifyReceipt(again, attestationKey), true);
    });
  }

  for (const kem of ['X-Wing', 'ML-KEM-768', 'ML-KEM-1024'] as const) {
    test(`kem (${kem}): the package's HPKE opens what the service sealed; valid once`, async () => {
      const client = await register('ML-DSA-65', kem);
      const issued = await api.challenges.create({ client_id: client.id, method: 'kem' });
      assert.equal(issued.challenge, undefined);
      const response = await answerChallenge(issued, client);
      assert.equal(fromBase64(response).length, 32);
      await assert.rejects(openChallenge(issued.encrypted_challenge!, new Uint8Array(SEED_BYTES[kem])), LocalCryptoError, 'another key does not open it');
      const result = await api.challenges.validate(issued.challenge_id, response);
      assert.equal(result.valid, true);
      assert.equal(verifyReceipt(result, attestationKey), true);
    });

    test(`hpkeOpen (${kem}) opens the service's HPKE seal under the same info and aad only`, async () => {
      const seed = new Uint8Array(randomBytes(SEED_BYTES[kem]));
      const info = new TextEncoder().encode('pq-crypto-api/v1/challenge');
      const aad = new TextEncoder().encode('aad');
      const sealed = await createHpke('noble').seal(hpkeSuite(kem), hpkePublicKey(kem, seed), new TextEncoder().encode('sealed by the service'), { info, aad });
      assert.equal(new TextDecoder().decode(await hpkeOpen(kem, seed, sealed.enc, sealed.ciphertext, { info, aad })), 'sealed by the service');
      await assert.rejects(hpkeOpen(kem, seed, sealed.enc, sealed.ciphertext, { info }), HpkeOpenError);
      await assert.rejects(hpkeOpen(kem, seed, sealed.enc, sealed.ciphertext, { aad }), HpkeOpenError);
      const flipped = sealed.ciphertext.slice();
      flipped[0]! ^= 1;
      await assert.rejects(hpkeOpen(kem, seed, sealed.enc, flipped, { info, aad }), HpkeOpenError);
    });
  }

  test('answering needs the right material: a signature challenge without a secret key, a key of no ML-DSA size', async () => {
    const client = await register('ML-DSA-44');
    const issued = await api.challenges.create({ client_id: client.id });
    await assert.rejects(answerChallenge(issued, {}), LocalCryptoError);
    assert.throws(() => signChallenge(issued.challenge!, new Uint8Array(100)), LocalCryptoError);
    await assert.rejects(answerChallenge({ ...issued, method: 'kem' }, client), LocalCryptoError);
  });
});

describe('pqc challenge create | answer | validate | verify-receipt', () => {
  async function pqc(args: readonly string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: Io = {
      env: { PQC_URL: server.url, PQC_TOKEN: TENANTS.alice },
      homedir: dir,
      version: '0.0.0',
      stdoutIsTTY: false,
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      readFile: async (path) => new Uint8Array((await import('node:fs')).readFileSync(path)),
      readStdin: async () => new TextEncoder().encode(stdin),
    };
    const code = await run(args, io);
    assert.ok(!stdout.includes(TENANTS.alice) && !stderr.includes(TENANTS.alice), 'the credential is never printed');
    return { code, stdout, stderr };
  }
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const pin = () => file('attestation.b64', Buffer.from(attestationKey).toString('base64'));

  test('signature: the answers chain through --body, and the receipt verifies', async () => {
    const client = await register('ML-DSA-65');
    const key = file('client.sk.b64', Buffer.from(client.signingSecretKey).toString('base64'));
    const created = await pqc(['challenge', 'create', '--client-id', client.id]);
    assert.equal(created.code, 0, created.stderr);
    const answered = await pqc(['challenge', 'answer', '--body', '-', '--signing-secret-key', `@${key}`], created.stdout);
    assert.equal(answered.code, 0, answered.stderr);
    const { challenge_id, response } = JSON.parse(answered.stdout) as { challenge_id: string; response: string };
    assert.equal(challenge_id, JSON.parse(created.stdout).challenge_id);
    const validated = await pqc(['challenge', 'validate', challenge_id, '--response', response]);
    assert.equal(validated.code, 0, validated.stderr);
    assert.equal(JSON.parse(validated.stdout).valid, true);
    const checked = await pqc(['challenge', 'verify-receipt', '--body', '-', '--verification-key', `@${pin()}`], validated.stdout);
    assert.equal(checked.code, 0, checked.stderr);
    assert.deepEqual(JSON.parse(checked.stdout), { verified: true, valid: true });
    const again = await pqc(['challenge', 'validate', challenge_id, '--response', response, '--field', 'reason']);
    assert.equal(again.stdout, 'used');
  });

  test('kem: answer opens the sealed challenge with the seed', async () => {
    const client = await register('ML-DSA-44', 'X-Wing');
    const seed = file('client.kem.b64', Buffer.from(client.kemSeed!).toString('base64'));
    const created = await pqc(['challenge', 'create', '--client-id', client.id, '--method', 'kem']);
    const answered = await pqc(['challenge', 'answer', '--body', '-', '--kem-seed', `@${seed}`], created.stdout);
    assert.equal(answered.code, 0, answered.stderr);
    const { challenge_id, response } = JSON.parse(answered.stdout) as { challenge_id: string; response: string };
    assert.equal(JSON.parse((await pqc(['challenge', 'validate', challenge_id, '--response', response])).stdout).valid, true);
  });

  test('a receipt that does not verify exits 5; an answer without a key exits 5', async () => {
    const client = await register('ML-DSA-65');
    const created = await pqc(['challenge', 'create', '--client-id', client.id]);
    const validated = await pqc(['challenge', 'validate', JSON.parse(created.stdout).challenge_id, '--response', 'AAAA']);
    const receipt = JSON.parse(validated.stdout);
    assert.equal(receipt.reason, 'mismatch');
    const forged = await pqc(['challenge', 'verify-receipt', '--body', JSON.stringify({ ...receipt, valid: true }), '--verification-key', `@${pin()}`]);
    assert.equal(forged.code, 5);
    const genuine = await pqc(['challenge', 'verify-receipt', '--body', JSON.stringify(receipt), '--verification-key', `@${pin()}`]);
    assert.deepEqual(JSON.parse(genuine.stdout), { verified: true, valid: false });
    assert.equal((await pqc(['challenge', 'answer', '--body', created.stdout])).code, 5);
  });
});
