/**
 * Fair under hostile load (issue 15), over real HTTP with real cryptography: work that cannot
 * start in time is refused with 503 crypto-busy and gives the token's attempt back; a batch is
 * costed before anything runs (an SLH-DSA-SHA2-128s signature alone is more than a batch may
 * hold); a key deleted or a token revoked while a batch waits stops every item not yet started.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('crypto scheduling over HTTP', () => {
  let server: TestServer;
  let fast: string;
  before(async () => {
    // One slow-lane thread, and a queue deadline shorter than one SLH-DSA-SHA2-128f signature.
    server = await startServer({ env: { CRYPTO_SLOW_THREADS: '1', CRYPTO_QUEUE_TIMEOUT_MS: '5' } });
    const key = await server.call('POST', '/v1/dsa/keypair', { auth: 'alice', body: { algorithm: 'SLH-DSA-SHA2-128f' } });
    assert.equal(key.status, 201);
    fast = key.body.key_id;
  });
  after(() => server.close());

  test('work that cannot start in time is 503 crypto-busy with Retry-After, and gives the token its attempt back', async () => {
    const token = (await server.call('POST', '/v1/tokens', { auth: 'alice', body: { expire_after_attempts: 20 } })).body.new_token as string;
    const answers = await Promise.all(Array.from({ length: 6 }, () => server.call('POST', '/v1/dsa/sign', { auth: token, body: { data: 'x', key_id: fast } })));
    const busy = answers.filter((a) => a.status === 503);
    const signed = answers.filter((a) => a.status === 200);
    assert.equal(busy.length + signed.length, 6, answers.map((a) => a.status).join(' '));
    assert.ok(busy.length > 0, 'one slow thread cannot start six signatures within 5 ms');
    for (const b of busy) {
      assert.equal(b.body.type, 'urn:pq-crypto-api:problem:crypto-busy');
      assert.ok(Number(b.headers.get('retry-after')) >= 1);
    }
    const left = (await server.call('GET', '/v1/tokens/current', { auth: token })).body.attempts_left;
    assert.equal(left, 20 - signed.length, 'only the requests that were served used an attempt');
  });
});

/**
 * A slow-lane signing key whose signatures take tens of milliseconds on this backend (SHA2-128f
 * on noble, SHAKE-128f native: SHA2-128f native is too quick to catch a batch of it waiting).
 */
async function slowishKey(server: TestServer): Promise<{ keyId: string; algorithm: string }> {
  const slh = (await server.call('GET', '/readyz')).body.crypto.slh_dsa as string;
  const algorithm = slh === 'native' ? 'SLH-DSA-SHAKE-128f' : 'SLH-DSA-SHA2-128f';
  const key = await server.call('POST', '/v1/dsa/keypair', { auth: 'alice', body: { algorithm } });
  assert.equal(key.status, 201);
  return { keyId: key.body.key_id, algorithm };
}

/** Resolves once the service has made its first signature with `algorithm` (its crypto metrics say so). */
async function firstSignature(server: TestServer, algorithm: string, before: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if ((await signatures(server, algorithm)) > before) return;
    if (Date.now() > deadline) throw new Error('no signature within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function signatures(server: TestServer, algorithm: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('pqapi_crypto_operations_total{') && l.includes(`algorithm="${algorithm}"`) && l.includes('operation="dsa.sign"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('batches over HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ env: { CRYPTO_SLOW_THREADS: '1' } });
  });
  after(() => server.close());

  test('a batch costing more than MAX_BATCH is refused whole before anything runs, naming its cost', async () => {
    const key = await server.call('POST', '/v1/dsa/keypair', { auth: 'alice', body: { algorithm: 'SLH-DSA-SHA2-128s' } });
    assert.equal(key.status, 201);
    const token = (await server.call('POST', '/v1/tokens', { auth: 'alice', body: { expire_after_attempts: 5 } })).body.new_token as string;
    const started = Date.now();
    const res = await server.call('POST', '/v1/dsa/sign', { auth: token, body: { batch_input: [{ data: 'a', key_id: key.body.key_id }] } });
    assert.equal(res.status, 422);
    assert.equal(res.body.errors[0].pointer, '/batch_input');
    assert.match(res.body.errors[0].detail, /costs \d+ batch units, more than MAX_BATCH \(100\)/);
    // Refused up front: no SLH-DSA-SHA2-128s signature (1.4 s native, 4.8 s noble) was made.
    assert.ok(Date.now() - started < 1_000, `answered in ${Date.now() - started} ms`);
    // The same signature as a single request is served (in the slow lane).
    assert.equal((await server.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'a', key_id: key.body.key_id } })).status, 200);
  });

  test('a key deleted while a batch waits stops every item not yet started (404); none signs with it afterwards', async () => {
    const { keyId: key, algorithm } = await slowishKey(server);
    const before = await signatures(server, algorithm);
    const batch = server.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { batch_input: Array.from({ length: 7 }, (_, i) => ({ data: `m${i}`, key_id: key })) } });
    // As soon as the first item has signed: the others wait for the one slow-lane thread.
    await firstSignature(server, algorithm, before);
    assert.equal((await server.call('DELETE', `/v1/keys/${key}`, { auth: 'alice' })).status, 204);
    const res = await batch;
    assert.equal(res.status, 200);
    const statuses = res.body.batch_results.map((r: { error?: { status: number } }) => r.error?.status ?? 200) as number[];
    assert.ok(statuses.includes(404), `some items had not started when the key was deleted: ${statuses.join(' ')}`);
    // One slow thread runs them in order: the signed ones all come before the refused ones.
    assert.deepEqual(statuses, [...statuses].sort((a, b) => a - b), statuses.join(' '));
  });

  test('a token revoked while its batch waits stops every item not yet started (401)', async () => {
    const { keyId: key, algorithm } = await slowishKey(server);
    const minted = (await server.call('POST', '/v1/tokens', { auth: 'alice', body: { expire_after_attempts: 2 } })).body;
    const before = await signatures(server, algorithm);
    const batch = server.call('POST', '/v1/dsa/sign', { auth: minted.new_token, body: { batch_input: Array.from({ length: 7 }, (_, i) => ({ data: `m${i}`, key_id: key })) } });
    await firstSignature(server, algorithm, before);
    assert.equal((await server.call('DELETE', `/v1/tokens/${minted.token_id}`, { auth: 'alice' })).status, 204);
    const res = await batch;
    assert.equal(res.status, 200);
    const statuses = res.body.batch_results.map((r: { error?: { status: number } }) => r.error?.status ?? 200) as number[];
    assert.ok(statuses.includes(401), `some items had not started when the token was revoked: ${statuses.join(' ')}`);
    assert.deepEqual(statuses, [...statuses].sort((a, b) => a - b), statuses.join(' '));
  });
});
