/**
 * Registered clients and signed requests over real HTTP (BRIEF, "Clients with their own keys"):
 * requests signed by an independent RFC 9421 signer (test/helpers/rfc9421.ts: the base written
 * from the RFC, @noble/post-quantum ML-DSA, nothing of src/httpsig/) with a registered client's
 * key are accepted; every way of getting it wrong is the one uniform 401, byte for byte the body
 * a missing credential gets. Refusals first.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { clientKeys, signedFetch, type ClientKeys } from '../helpers/rfc9421.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
before(async () => {
  server = await startServer({ env: { QUOTA_CLIENTS: '3' } });
});
after(async () => {
  await server.close();
});

async function register(keys: ClientKeys, extra: Record<string, unknown> = {}, auth = 'alice'): Promise<string> {
  const r = await server.call('POST', '/v1/clients', { auth, body: { name: 'test client', signing_key: { algorithm: keys.algorithm, pk: Buffer.from(keys.publicKey).toString('base64') }, scopes: ['dsa:sign', 'dsa:verify'], ...extra } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.client_id as string;
}

/** Every problem carries its own request_id: the rest of a 401 must be identical. */
const withoutRequestId = (body: unknown) => {
  const { request_id: _id, ...rest } = body as Record<string, unknown>;
  return rest;
};

const SIGN_BODY = JSON.stringify({ data: 'hello from a client' });

describe('signed requests', () => {
  let keys: ClientKeys;
  let clientId: string;
  let uniform: unknown;
  /** Each kind of refusal and how many times it was answered the uniform 401 (for the note). */
  const refused = new Map<string, number>();
  const expectUniform = (kind: string, r: { status: number; body: unknown; headers: Headers }) => {
    assert.equal(r.status, 401, `${kind}: ${JSON.stringify(r.body)}`);
    assert.deepEqual(withoutRequestId(r.body), withoutRequestId(uniform), `${kind}: the body is the uniform one (but for its request_id)`);
    assert.equal(r.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    refused.set(kind, (refused.get(kind) ?? 0) + 1);
  };

  before(async () => {
    keys = clientKeys('ml-dsa-65');
    clientId = await register(keys);
    const none = await server.call('POST', '/v1/dsa/sign', { body: { data: 'x' } });
    assert.equal(none.status, 401);
    uniform = none.body;
  });
  after(() => {
    console.log(`uniform 401 by kind: ${JSON.stringify(Object.fromEntries(refused))}`);
  });

  test('the same request replayed is the uniform 401 (the nonce is single-use)', async () => {
    const first = await signedFetch(server.url, 'POST', '/v1/dsa/sign', { keyid: clientId, keys, body: SIGN_BODY });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const again = await fetch(server.url + '/v1/dsa/sign', { method: 'POST', headers: first.sent, body: SIGN_BODY });
    expectUniform('replayed', { status: again.status, headers: again.headers, body: await again.json() });
  });

  test('signed outside SIGNATURE_WINDOW_SECONDS, either way, is the uniform 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    expectUniform('stale', await signedFetch(server.url, 'POST', '/v1/dsa/sign', { keyid: clientId, keys, body: SIGN_BODY, created: now - 120 }));
    expectUniform('future', await signedFetch(server.url, 'POST', '/v1/dsa/sign', { keyid: clientId, keys, body: SIGN_BODY, created: now + 120 }));
  });

  test('a changed body is the uniform 401 (with the old digest, and with a new digest the signature does not cover)', async () => {
    const other = JSON.stringify({ data: 'hello from a thief' });
    expectUniform('body', await signedFetch(server.url, 'POST', '/v1/dsa/sign', { keyid: clientId, keys, body: SIGN_BODY, sendBody: other }));
    const r = await signedFetch(server.url, 'POST', '/v1/dsa/sign', {
      keyid: clientId,
      keys,
      body: SIGN_BODY,
      sendBody: other,
      extraHeaders: { 'content-digest': `sha-256=:${(await import('node:crypto')).createHash('sha256').update(other).digest('base64')}:` },
    });
    expectUniform('body+digest', r);
    // A body sent where the signature covers none.
    expectUniform('body-uncovered', await signedFetch(server.url, 'GET', '/v1/sessions', { keyid: clientId, keys, sendBody: undefined, sendMethod: 'POST', sendPath: '/v1/dsa/sign' }));
  });

  test('a changed path or method is the uniform 401', async () => {
    expectUniform('path', await signedFetch(server.url, 'POST', '/v1/dsa/sign', { keyid: clientId, keys, body: SIGN_BODY, sendPath: '/v1/dsa/verify' }));
    expectUniform('query', await signedFetch(server.url, 'GET', '/v1/sessions', { keyid: clientId, keys, sendPath: '/v1/sessions?limit=1' }));
    expectUniform('method', await signedFetch(server.url, 'PUT', '/v1/dsa/sign', { keyid: clientId, keys, body: SIGN_BODY, sendMethod: 'POST' }));
  });

  test('an unknown keyid, a wrong key, a wrong alg, a malformed field: the uniform 401', async () => {
    expectUniform('unknown-keyid', await signedFetch(server.url, 'POST', '/v1/dsa/sign', { keyid: 'cl_AAAAAAAAAAAAAAAAAAAAAA', keys, body: SIGN_BODY }));
    expectUniform('wrong-key', await signedFetch(server.url, 'POST', '/v1/dsa/sign', { keyid: clientId, keys: clientKeys('ml-dsa-65'), body: SIGN_BODY }));
    expectUniform('alg', await signedFetch(server.url, 'POST', '/v1/dsa/sign', { keyid: clientId, keys, body: SIGN_BODY, alg: 'ml-dsa-44' }));
    for (const [kind, headers] of [
      ['malformed-input', { 'signature-input': 'sig1=("@method"', signature: 'sig1=:AAAA:' }],
      ['bad-base64', { 'signature-input': `sig1=("@method" "@target-uri");created=${Math.floor(Date.now() / 1000)};nonce="abcdefghij";alg="ml-dsa-65";keyid="${clientId}"`, signature: 'sig1=:%%%notbase64:' }],
      ['signature-only', { signature: 'sig1=:AAAA:' }],
    ] as const) {
      const r = await fetch(server.url + '/v1/keys', { headers });
      expectUniform(kind, { status: r.status, headers: r.headers, body: await r.json() });
    }
  });

  test('an expired client and a deleted client: the uniform 401', async () => {
    const shortKeys = clientKeys('ml-dsa-44');
    const short = await register(shortKeys, { expires_in: 1 });
    assert.equal((await signedFetch(server.url, 'POST', '/v1/dsa/sign', { keyid: short, keys: shortKeys, body: SIGN_BODY })).status, 200);
    await sleep(1_300);
    expectUniform('expired-client', await signedFetch(server.url, 'POST', '/v1/dsa/sign', { keyid: short, keys: shortKeys, body: SIGN_BODY }));

    const goneKeys = clientKeys('ml-dsa-87');
    const gone = await register(goneKeys);
    assert.equal((await signedFetch(server.url, 'POST', '/v1/dsa/sign', { keyid: gone, keys: goneKeys, body: SIGN_BODY })).status, 200);
    assert.equal((await server.call('DELETE', `/v1/clients/${gone}`, { auth: 'alice' })).status, 204);
    expectUniform('deleted-client', await signedFetch(server.url, 'POST', '/v1/dsa/sign', { keyid: gone, keys: goneKeys, body: SIGN_BODY }));
  });

  test('accepted: acts with the client\'s scopes (403 outside them), its tenant, no Authorization needed', async () => {
    const ok = await signedFetch(server.url, 'POST', '/v1/dsa/sign', { keyid: clientId, keys, body: SIGN_BODY });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.ok(ok.body.signature);
    const outside = await signedFetch(server.url, 'POST', '/v1/kem/keypair', { keyid: clientId, keys, body: '{}' });
    assert.equal(outside.status, 403);
    // Tokens come from logging in (so they end with the client), never from POST /v1/tokens.
    const minterKeys = clientKeys('ml-dsa-44');
    const minter = await register(minterKeys, { scopes: ['tokens:create'] });
    const token = await signedFetch(server.url, 'POST', '/v1/tokens', { keyid: minter, keys: minterKeys, body: '{}' });
    assert.equal(token.status, 403, JSON.stringify(token.body));
    assert.match(token.body.detail, /POST \/v1\/sessions/);
    // A body that is not JSON, signed: verified first, then refused as malformed (400), not 401.
    const malformed = await signedFetch(server.url, 'POST', '/v1/dsa/sign', { keyid: clientId, keys, body: '{"data":' });
    assert.equal(malformed.status, 400);
  });

  test('audit entries name the client', async () => {
    const signedSign = await signedFetch(server.url, 'POST', '/v1/dsa/sign', { keyid: clientId, keys, body: SIGN_BODY });
    assert.equal(signedSign.status, 200);
    const trail = await server.call('GET', '/v1/audit?limit=20', { auth: 'alice' });
    assert.equal(trail.status, 200);
    const mine = trail.body.entries.filter((e: { client_id: string | null }) => e.client_id === clientId);
    assert.ok(mine.some((e: { operation: string }) => e.operation === 'dsa.sign'), JSON.stringify(trail.body.entries.slice(0, 3)));
  });

  test('the security entries of registering and deleting a client name it (target_client_id)', async () => {
    const made = await register(clientKeys());
    assert.equal((await server.call('DELETE', `/v1/clients/${made}`, { auth: 'alice' })).status, 204);
    const trail = await server.call('GET', '/v1/audit?limit=20', { auth: 'alice' });
    type Entry = { operation: string; outcome: string; target_client_id: string | null; target_session_id: string | null };
    const about = (trail.body.entries as Entry[]).filter((e) => e.target_client_id === made);
    assert.deepEqual(about.map((e) => `${e.operation} ${e.outcome}`), ['clients.delete ok', 'clients.register ok'], JSON.stringify(trail.body.entries.slice(0, 4)));
    assert.ok(about.every((e) => e.target_session_id === null));
    // Entries about something else name no client.
    assert.ok((trail.body.entries as Entry[]).filter((e) => e.operation === 'dsa.sign').every((e) => e.target_client_id === null));
  });
});

describe('registered clients', () => {
  test('no clients:manage: 403; a maker cannot give scopes or keys it lacks (403); another tenant sees 404', async () => {
    const token = await server.call('POST', '/v1/tokens', { auth: 'alice', body: { scopes: ['dsa:sign'] } });
    const keys = clientKeys();
    const pk = Buffer.from(keys.publicKey).toString('base64');
    const noScope = await server.call('POST', '/v1/clients', { auth: token.body.new_token, body: { name: 'x', signing_key: { algorithm: 'ML-DSA-65', pk } } });
    assert.equal(noScope.status, 403);
    const manager = await server.call('POST', '/v1/tokens', { auth: 'alice', body: { scopes: ['clients:manage', 'dsa:sign'] } });
    const wider = await server.call('POST', '/v1/clients', { auth: manager.body.new_token, body: { name: 'x', signing_key: { algorithm: 'ML-DSA-65', pk }, scopes: ['kem:keypair'] } });
    assert.equal(wider.status, 403);
    const made = await server.call('POST', '/v1/clients', { auth: manager.body.new_token, body: { name: 'x', signing_key: { algorithm: 'ML-DSA-65', pk } } });
    assert.equal(made.status, 201);
    assert.deepEqual(made.body.scopes, ['clients:manage', 'dsa:sign']);
    assert.ok(made.body.expires_at, "never outlives the token that made it");
    assert.equal((await server.call('GET', `/v1/clients/${made.body.client_id}`, { auth: 'bob' })).status, 404);
    assert.equal((await server.call('DELETE', `/v1/clients/${made.body.client_id}`, { auth: 'bob' })).status, 404);
    assert.equal((await server.call('GET', `/v1/clients/${made.body.client_id}`, { auth: 'alice' })).status, 200);
    assert.equal((await server.call('DELETE', `/v1/clients/${made.body.client_id}`, { auth: 'alice' })).status, 204);
  });

  test('validation: a key of the wrong length, an unknown algorithm, a bad client_id: 422 naming the field', async () => {
    const bad = await server.call('POST', '/v1/clients', { auth: 'bob', body: { name: 'x', signing_key: { algorithm: 'ML-DSA-65', pk: Buffer.alloc(1312).toString('base64') } } });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.errors[0].pointer, '/signing_key/pk');
    const alg = await server.call('POST', '/v1/clients', { auth: 'bob', body: { name: 'x', signing_key: { algorithm: 'RSA', pk: 'AAAA' } } });
    assert.equal(alg.status, 422);
    assert.equal((await server.call('GET', '/v1/clients/nope', { auth: 'bob' })).status, 422);
  });

  test('QUOTA_CLIENTS: past it 429 quota-exceeded naming the quota; listing pages', async () => {
    for (let i = 0; i < 3; i++) await register(clientKeys('ml-dsa-44'), {}, 'bob');
    const past = await server.call('POST', '/v1/clients', { auth: 'bob', body: { name: 'x', signing_key: { algorithm: 'ML-DSA-44', pk: Buffer.from(clientKeys('ml-dsa-44').publicKey).toString('base64') } } });
    assert.equal(past.status, 429);
    assert.equal(past.body.type.endsWith('quota-exceeded'), true);
    assert.match(past.body.detail, /QUOTA_CLIENTS/);
    const first = await server.call('GET', '/v1/clients?limit=2', { auth: 'bob' });
    assert.equal(first.body.clients.length, 2);
    const second = await server.call('GET', `/v1/clients?limit=2&cursor=${first.body.next_cursor}`, { auth: 'bob' });
    assert.equal(second.body.clients.length, 1);
    assert.equal(second.body.next_cursor, null);
  });
});

describe('a client is rate-limited like a token', () => {
  test('RATE_LIMIT_PER_TOKEN counts its signed requests in its own window: past it 429 rate-limited with Retry-After', async () => {
    const limited = await startServer({ env: { RATE_LIMIT_PER_TOKEN: '2' } });
    try {
      const keys = clientKeys('ml-dsa-44');
      const r = await limited.call('POST', '/v1/clients', { auth: 'alice', body: { name: 'busy', signing_key: { algorithm: keys.algorithm, pk: Buffer.from(keys.publicKey).toString('base64') } } });
      assert.equal(r.status, 201);
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      // Ten requests span at most a few one-second windows: at least one window sees more than two.
      for (let i = 0; i < 10; i++) {
        const answer = await signedFetch(limited.url, 'GET', '/v1/sessions', { keyid: r.body.client_id, keys });
        statuses.push(answer.status);
        if (answer.status === 429) retryAfter = answer.headers.get('retry-after');
      }
      assert.ok(statuses.includes(200) && statuses.includes(429), statuses.join(' '));
      assert.ok(retryAfter !== null);
      // The tenant's API key is not limited by the client's window.
      assert.equal((await limited.call('GET', '/v1/clients', { auth: 'alice' })).status, 200);
    } finally {
      await limited.close();
    }
  });
});
