/**
 * Sealed requests over real HTTP (GET /ohttp-keys, POST /ohttp), made by a client written from
 * RFC 9458 / RFC 9292 on an independent HPKE implementation (independent-client.ts): sealed
 * key-pair creation and decapsulation work; every refusal of the outer request (replayed, stale or
 * missing Date, tampered, unknown key id, unsupported suite, not Binary HTTP, not a /v1 target)
 * is the one uniform 400 and changes nothing (no attempt of the inner token used, no key made);
 * refusals count against the address's failed authentications; a gateway too busy to decapsulate
 * answers 503 crypto-busy (not a refusal); a replay is refused on another instance sharing the
 * Redis store.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { replayClaimOf } from '../../src/sealed/service.ts';
import { startTwoInstances } from '../helpers/instances.ts';
import { startServer, TENANTS, type TestServer } from '../helpers/server.ts';
import { AEAD, KEM, encodeBhttpRequest, fetchKeyConfigs, httpDate, postSealed, sealBytes, sealRequest, type KeyConfig, type PlainRequest } from './independent-client.ts';

const PROBLEM = 'urn:pq-crypto-api:problem:sealed-request-refused';

const keypairRequest = (credential: string, date = httpDate(), extra: [string, string][] = []): PlainRequest => ({
  method: 'POST',
  path: '/v1/kem/keypair',
  headers: [['date', date], ['authorization', `Bearer ${credential}`], ['content-type', 'application/json'], ...extra],
  body: '{"algorithm":"ML-KEM-1024"}',
});

/** A refusal: 400, the uniform problem, and its body without the request id (which differs per request). */
function refusal(res: { status: number; headers: Headers; body: Uint8Array }): unknown {
  assert.equal(res.status, 400, Buffer.from(res.body).toString());
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const body = JSON.parse(Buffer.from(res.body).toString()) as Record<string, unknown>;
  assert.equal(body.type, PROBLEM);
  assert.equal(body.request_id, res.headers.get('x-request-id'));
  delete body.request_id;
  return body;
}

let api: TestServer;
let configs: KeyConfig[];
let xwing: KeyConfig;
let mlkem: KeyConfig;
const logLines: Record<string, unknown>[] = [];
before(async () => {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  api = await startServer({ logger: pino({ level: 'info' }, sink) });
  configs = await fetchKeyConfigs(api.url);
  xwing = configs.find((c) => c.kemId === KEM.xwing)!;
  mlkem = configs.find((c) => c.kemId === KEM.mlkem768)!;
});
after(() => api.close());

describe('GET /ohttp-keys', () => {
  test('publishes X-Wing then ML-KEM-768, each with HKDF-SHA256 and AES-256-GCM then ChaCha20-Poly1305, under OHTTP_KEY_ID, without a credential', async () => {
    const res = await fetch(`${api.url}/ohttp-keys`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/ohttp-keys');
    assert.match(res.headers.get('cache-control') ?? '', /^public, max-age=\d+$/);
    assert.deepEqual(
      configs.map((c) => [c.keyId, c.kemId, c.publicKey.length, c.algorithms]),
      [
        [1, KEM.xwing, 1216, [[1, AEAD.aes256gcm], [1, AEAD.chacha20poly1305]]],
        [1, KEM.mlkem768, 1184, [[1, AEAD.aes256gcm], [1, AEAD.chacha20poly1305]]],
      ],
    );
  });

  test('the same on another instance with the same MASTER_KEY; OHTTP_KEY_ID rotates them', async () => {
    const same = await startServer();
    const rotated = await startServer({ env: { OHTTP_KEY_ID: '7' } });
    try {
      const again = await fetchKeyConfigs(same.url);
      assert.deepEqual(again, configs);
      const other = await fetchKeyConfigs(rotated.url);
      assert.deepEqual(other.map((c) => c.keyId), [7, 7]);
      assert.notDeepEqual(Buffer.from(other[0]!.publicKey), Buffer.from(xwing.publicKey));
      // A request sealed to the old key id is refused by the rotated instance.
      const sealed = await sealRequest(xwing, keypairRequest(TENANTS.alice));
      refusal(await postSealed(rotated.url, sealed.message));
    } finally {
      await same.close();
      await rotated.close();
    }
  });
});

describe('POST /ohttp: sealed requests that work', () => {
  test('a sealed POST /v1/kem/keypair (X-Wing, AES-256-GCM) makes a key, and a sealed decapsulation (ML-KEM-768, ChaCha20-Poly1305) gives the shared key', async () => {
    const sealed = await sealRequest(xwing, keypairRequest(TENANTS.alice), AEAD.aes256gcm);
    const res = await postSealed(api.url, sealed.message);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'message/ohttp-res');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const inner = sealed.open(res.body);
    assert.equal(inner.status, 201, inner.body.toString());
    const pair = inner.json as { key_id: string; pk: string; algorithm: string };
    assert.equal(pair.algorithm, 'ML-KEM-1024', 'the inner body was read');
    assert.match(pair.key_id, /^kem_/);
    // The key is there for a plain request too.
    assert.equal((await api.call('GET', `/v1/keys/${pair.key_id}`, { auth: 'alice' })).status, 200);

    const encapsulated = await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: pair.pk } });
    assert.equal(encapsulated.status, 200);
    const decap = await sealRequest(
      mlkem,
      {
        method: 'POST',
        path: '/v1/kem/decapsulate',
        headers: [['date', httpDate()], ['authorization', `Bearer ${TENANTS.alice}`], ['content-type', 'application/json']],
        body: JSON.stringify({ key_id: pair.key_id, cipher: encapsulated.body.cipher }),
      },
      AEAD.chacha20poly1305,
    );
    const decapRes = await postSealed(api.url, decap.message);
    assert.equal(decapRes.status, 200);
    const opened = decap.open(decapRes.body);
    assert.equal(opened.status, 200, opened.body.toString());
    assert.equal(opened.json.shared_key, encapsulated.body.shared_key);
  });

  test('the inner status is the inner route\'s (401 without a credential, 404 for an unknown /v1 path), inside a 200', async () => {
    for (const [request, status] of [
      [{ method: 'POST', path: '/v1/kem/keypair', headers: [['date', httpDate()]] }, 401],
      [{ method: 'GET', path: '/v1/no-such-route', headers: [['date', httpDate()], ['authorization', `Bearer ${TENANTS.alice}`]] }, 404],
    ] as const) {
      const sealed = await sealRequest(xwing, request as PlainRequest);
      const res = await postSealed(api.url, sealed.message);
      assert.equal(res.status, 200);
      const inner = sealed.open(res.body);
      assert.equal(inner.status, status);
      assert.match(inner.headers.find(([n]) => n === 'content-type')?.[1] ?? '', /^application\/problem\+json/);
    }
  });

  test('one request id: the inner answer, the audit entry and the inner log line carry the outer request\'s id, and the log names the inner route', async () => {
    const sealed = await sealRequest(xwing, keypairRequest(TENANTS.alice));
    const res = await postSealed(api.url, sealed.message);
    const outerId = res.headers.get('x-request-id')!;
    const inner = sealed.open(res.body);
    assert.equal(inner.status, 201);
    assert.equal(inner.headers.find(([n]) => n === 'x-request-id')?.[1], outerId);
    const audit = await api.call('GET', '/v1/audit', { auth: 'alice' });
    const entry = (audit.body.entries as { request_id: string; key_id: string | null }[]).find((e) => e.key_id === inner.json.key_id);
    assert.equal(entry?.request_id, outerId);
    const lines = logLines.filter((l) => l.request_id === outerId && l.msg === 'request');
    assert.deepEqual(lines.map((l) => [l.route, l.status]).sort(), [['/ohttp', 200], ['/v1/kem/keypair', 201]]);
    assert.equal(lines.find((l) => l.route === '/v1/kem/keypair')?.tenant, 'alice');
  });

  test('an inner X-Request-Id cannot pose as another request', async () => {
    const sealed = await sealRequest(xwing, keypairRequest(TENANTS.alice, httpDate(), [['x-request-id', 'forged-id'], ['x-forwarded-for', '203.0.113.9']]));
    const res = await postSealed(api.url, sealed.message);
    const inner = sealed.open(res.body);
    assert.equal(inner.headers.find(([n]) => n === 'x-request-id')?.[1], res.headers.get('x-request-id'));
  });
});

describe('POST /ohttp: refusals are one uniform 400 and change nothing', () => {
  test('replayed, stale, dateless, tampered, unknown key, unsupported suite, not Binary HTTP, not a /v1 target: one body, no attempt used, no key made', async () => {
    const minted = await api.call('POST', '/v1/tokens', { auth: 'bob', body: { expiry_time: 600, expire_after_attempts: 3, scopes: ['kem:keypair'] } });
    assert.equal(minted.status, 201);
    const token = minted.body.new_token as string;
    const attemptsLeft = async () => (await api.call('GET', '/v1/tokens/current', { auth: token })).body.attempts_left as number;
    const bobKeys = async () => ((await api.call('GET', '/v1/keys', { auth: 'bob' })).body.keys as unknown[]).length;

    // One that works: uses one attempt and makes one key.
    const first = await sealRequest(xwing, keypairRequest(token));
    const ok = await postSealed(api.url, first.message);
    assert.equal(first.open(ok.body).status, 201);
    assert.equal(await attemptsLeft(), 2);
    assert.equal(await bobKeys(), 1);

    const window = api.config.ohttpWindowSeconds;
    const flip = (m: Uint8Array, at: number) => {
      const c = m.slice();
      c[at]! ^= 0x01;
      return c;
    };
    const cases: [string, () => Promise<Uint8Array>][] = [
      ['replayed (the same bytes again)', async () => first.message],
      ['stale Date (past the window)', async () => (await sealRequest(xwing, keypairRequest(token, httpDate(-window - 30)))).message],
      ['Date in the future past the window', async () => (await sealRequest(xwing, keypairRequest(token, httpDate(window + 30)))).message],
      ['no Date', async () => (await sealRequest(mlkem, { ...keypairRequest(token), headers: [['authorization', `Bearer ${token}`], ['content-type', 'application/json']] })).message],
      ['a Date that is not an HTTP-date', async () => (await sealRequest(xwing, keypairRequest(token, new Date().toISOString()))).message],
      ['ciphertext bit flipped', async () => { const m = (await sealRequest(xwing, keypairRequest(token))).message; return flip(m, m.length - 5); }],
      ['enc bit flipped (X-Wing)', async () => flip((await sealRequest(xwing, keypairRequest(token))).message, 7 + 100)],
      ['enc bit flipped (ML-KEM-768)', async () => flip((await sealRequest(mlkem, keypairRequest(token))).message, 7 + 100)],
      ['header AEAD changed after sealing', async () => (await sealBytes(xwing, encodeBhttpRequest(keypairRequest(token)), AEAD.aes256gcm, { headerOverride: { aeadId: AEAD.chacha20poly1305 } })).message],
      ['unknown key id', async () => (await sealBytes(xwing, encodeBhttpRequest(keypairRequest(token)), AEAD.aes256gcm, { headerOverride: { keyId: (xwing.keyId + 1) % 256 } })).message],
      ['unsupported suite (AES-128-GCM)', async () => (await sealBytes(xwing, encodeBhttpRequest(keypairRequest(token)), AEAD.aes256gcm, { headerOverride: { aeadId: 0x0001 } })).message],
      ['truncated', async () => (await sealRequest(xwing, keypairRequest(token))).message.subarray(0, 500)],
      ['empty', async () => new Uint8Array(0)],
      ['not Binary HTTP inside', async () => (await sealBytes(xwing, Buffer.from('POST /v1/kem/keypair HTTP/1.1\r\n\r\n'))).message],
      ['target /ohttp-keys', async () => (await sealRequest(xwing, { ...keypairRequest(token), method: 'GET', path: '/ohttp-keys', body: '' })).message],
      ['target /ohttp (a sealed request inside a sealed request)', async () => (await sealRequest(xwing, { ...keypairRequest(token), path: '/ohttp' })).message],
      ['target /healthz', async () => (await sealRequest(xwing, { ...keypairRequest(token), method: 'GET', path: '/healthz', body: '' })).message],
      ['target /v1/../ohttp-keys', async () => (await sealRequest(xwing, { ...keypairRequest(token), path: '/v1/../ohttp-keys' })).message],
      ['target /v1/%2e%2e/ohttp-keys', async () => (await sealRequest(xwing, { ...keypairRequest(token), path: '/v1/%2e%2e/ohttp-keys' })).message],
      ['target /api/kem/keypair (not /v1)', async () => (await sealRequest(xwing, { ...keypairRequest(token), path: '/api/kem/keypair' })).message],
    ];
    const bodies = new Map<string, unknown>();
    for (const [name, make] of cases) {
      const res = await postSealed(api.url, await make());
      bodies.set(name, refusal(res));
    }
    // One body for all, whatever failed.
    const distinct = new Set([...bodies.values()].map((b) => JSON.stringify(b)));
    assert.equal(distinct.size, 1, [...distinct].join('\n'));
    assert.deepEqual(JSON.parse([...distinct][0]!), { type: PROBLEM, title: 'Sealed request refused', status: 400, detail: 'The sealed request was refused.' });
    // Nothing changed: no attempt used, no key made.
    assert.equal(await attemptsLeft(), 2);
    assert.equal(await bobKeys(), 1);
  });

  test('the Date and target checks come before the replay claim: a refused request leaves no claim in the store; one that ran does', async () => {
    const claimed = async (enc: Uint8Array) => {
      const { scope, value } = replayClaimOf(enc);
      return (await api.store.replay.claim(scope, value, 1000)) === 'replayed';
    };
    const stale = await sealRequest(xwing, keypairRequest(TENANTS.alice, httpDate(-3600)));
    refusal(await postSealed(api.url, stale.message));
    const elsewhere = await sealRequest(xwing, { ...keypairRequest(TENANTS.alice), method: 'GET', path: '/healthz', body: '' });
    refusal(await postSealed(api.url, elsewhere.message));
    const ran = await sealRequest(mlkem, keypairRequest(TENANTS.alice));
    assert.equal((await postSealed(api.url, ran.message)).status, 200);
    assert.equal(await claimed(stale.enc), false, 'a stale request was claimed');
    assert.equal(await claimed(elsewhere.enc), false, 'a request to a non-/v1 target was claimed');
    assert.equal(await claimed(ran.enc), true, 'a request that ran was not claimed');
  });

  test('a body that is not message/ohttp-req is 415, one past MAX_BODY_BYTES is 413', async () => {
    const sealed = await sealRequest(xwing, keypairRequest(TENANTS.alice));
    const wrongType = await fetch(`${api.url}/ohttp`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: sealed.message });
    assert.equal(wrongType.status, 415);
    const big = await fetch(`${api.url}/ohttp`, { method: 'POST', headers: { 'content-type': 'message/ohttp-req' }, body: new Uint8Array(api.config.maxBodyBytes + 1) });
    assert.equal(big.status, 413);
    // Neither was run, and the sealed request still works once.
    const res = await postSealed(api.url, sealed.message);
    assert.equal(sealed.open(res.body).status, 201);
  });

  test('another method on /ohttp or /ohttp-keys is 405 with Allow, as on the /v1 routes', async () => {
    for (const [method, path, allow] of [
      ['GET', '/ohttp', 'POST'],
      ['PUT', '/ohttp', 'POST'],
      ['POST', '/ohttp-keys', 'GET, HEAD'],
      ['DELETE', '/ohttp-keys', 'GET, HEAD'],
    ] as const) {
      const res = await fetch(`${api.url}${path}`, { method });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers.get('allow'), allow, `${method} ${path}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(((await res.json()) as { type: string }).type, 'urn:pq-crypto-api:problem:method-not-allowed');
    }
    assert.equal((await fetch(`${api.url}/ohttp-keys`, { method: 'HEAD' })).status, 200);
  });
});

test('refusals count against the address as failed authentications: past AUTH_FAILURES_PER_MINUTE, 429', async () => {
  const limited = await startServer({ env: { AUTH_FAILURES_PER_MINUTE: '3' } });
  try {
    const [config] = await fetchKeyConfigs(limited.url);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const sealed = await sealRequest(config!, keypairRequest(TENANTS.alice, httpDate(-3600)));
      statuses.push((await postSealed(limited.url, sealed.message)).status);
    }
    assert.deepEqual(statuses, [400, 400, 400, 429, 429]);
  } finally {
    await limited.close();
  }
});

test('an inner request with a wrong credential counts against the outer client\'s address, as a plain one does', async () => {
  const limited = await startServer({ env: { AUTH_FAILURES_PER_MINUTE: '2' } });
  try {
    const [config] = await fetchKeyConfigs(limited.url);
    const inner: number[] = [];
    for (let i = 0; i < 3; i++) {
      const sealed = await sealRequest(config!, keypairRequest(`wrong-key-${'w'.repeat(32)}`));
      const res = await postSealed(limited.url, sealed.message);
      assert.equal(res.status, 200);
      inner.push(sealed.open(res.body).status);
    }
    assert.deepEqual(inner, [401, 401, 429]);
    // The same address, plainly: past its limit too.
    assert.equal((await limited.call('POST', '/v1/kem/keypair', { auth: `wrong-key-${'w'.repeat(32)}` })).status, 429);
  } finally {
    await limited.close();
  }
});

test('a gateway too busy to decapsulate answers 503 crypto-busy, unsealed, with Retry-After: not a refusal, counted against nothing, and the request works when sent again', async () => {
  // One fast-lane slot and a queue bound of one unit for the gateway's tenant: one decapsulation runs, one waits, the rest are refused at once.
  const busy = await startServer({ env: { CRYPTO_THREADS: '1', CRYPTO_TENANT_QUEUE_COST: '1', AUTH_FAILURES_PER_MINUTE: '1' } });
  try {
    const [config] = await fetchKeyConfigs(busy.url);
    const listKeys = (): PlainRequest => ({ method: 'GET', path: '/v1/keys', headers: [['date', httpDate()], ['authorization', `Bearer ${TENANTS.alice}`]] });
    const sealed = await Promise.all(Array.from({ length: 24 }, () => sealRequest(config!, listKeys())));
    const answers = await Promise.all(sealed.map((s) => postSealed(busy.url, s.message)));
    const refusedBusy: number[] = [];
    for (const [i, res] of answers.entries()) {
      if (res.status === 200) {
        assert.equal(res.headers.get('content-type'), 'message/ohttp-res');
        assert.equal(sealed[i]!.open(res.body).status, 200);
        continue;
      }
      assert.equal(res.status, 503, Buffer.from(res.body).toString());
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal((JSON.parse(Buffer.from(res.body).toString()) as { type: string }).type, 'urn:pq-crypto-api:problem:crypto-busy');
      assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
      refusedBusy.push(i);
    }
    assert.ok(refusedBusy.length >= 1, 'no request was refused busy');
    assert.ok(refusedBusy.length < answers.length, 'every request was refused busy');
    // Busy answers claimed no enc and counted no failed authentication: the same request runs now, and a bad one is a 400, not a 429.
    const again = await postSealed(busy.url, sealed[refusedBusy[0]!]!.message);
    assert.equal(again.status, 200);
    assert.equal(sealed[refusedBusy[0]!]!.open(again.body).status, 200);
    assert.equal((await postSealed(busy.url, new Uint8Array(10))).status, 400);
  } finally {
    await busy.close();
  }
});

test('across instances on one Redis: a sealed request run by one instance is refused as a replay by the other', async () => {
  const two = await startTwoInstances();
  try {
    const [config] = await fetchKeyConfigs(two.a.url);
    assert.deepEqual(await fetchKeyConfigs(two.b.url), await fetchKeyConfigs(two.a.url));
    const sealed = await sealRequest(config!, keypairRequest(TENANTS.alice));
    const first = await postSealed(two.a.url, sealed.message);
    assert.equal(sealed.open(first.body).status, 201);
    refusal(await postSealed(two.b.url, sealed.message));
    refusal(await postSealed(two.a.url, sealed.message));
    // One key made in all.
    const keys = await two.b.call('GET', '/v1/keys', { auth: 'alice' });
    assert.equal(keys.body.keys.length, 1);
  } finally {
    await two.close();
  }
});
