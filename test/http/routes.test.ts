/**
 * What the route declarations decide, over real HTTP: whether an attempt is used is a property of
 * the matched route (HEAD and other spellings of GET /v1/tokens/current are free too), path
 * parameters are never taken from the body, a route that declares no body never reads one, and
 * requests that match no route are still authenticated first.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { assertOk, assertProblem, startApi, TENANTS, type TestServer } from './support.ts';

let api: TestServer;
before(async () => {
  api = await startApi();
});
after(() => api.close());

const mint = async (body: Record<string, unknown>) => {
  const res = await api.call('POST', '/v1/tokens', { auth: 'alice', body });
  assertOk(res, 201);
  return res.body as { new_token: string; token_id: string };
};
const attemptsLeft = async (token: string) => (await api.call('GET', '/v1/tokens/current', { auth: token })).body.attempts_left;

describe('attempt use is declared by the route', () => {
  test('HEAD /v1/tokens/current uses no attempt, as GET does', async () => {
    const t = await mint({ expire_after_attempts: 2 });
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${api.url}/v1/tokens/current`, { method: 'HEAD', headers: { authorization: `Bearer ${t.new_token}` } });
      assert.equal(res.status, 200);
    }
    assert.equal(await attemptsLeft(t.new_token), 2);
  });

  test('every spelling of the path that reaches the route (routing is case-insensitive) uses none either', async () => {
    const t = await mint({ expire_after_attempts: 2 });
    for (const path of ['/v1/TOKENS/current', '/V1/tokens/Current', '/v1/TOKENS/CURRENT', '/v1/tokens/current/']) {
      const res = await api.call('GET', path, { auth: t.new_token });
      assertOk(res);
      assert.equal(res.body.token_id, t.token_id, path);
      const head = await fetch(api.url + path, { method: 'HEAD', headers: { authorization: `Bearer ${t.new_token}` } });
      assert.equal(head.status, 200, `HEAD ${path}`);
    }
    assert.equal(await attemptsLeft(t.new_token), 2);
  });

  test('any other route uses one, whatever the spelling', async () => {
    const t = await mint({ expire_after_attempts: 3, scopes: ['dsa:sign'] });
    assertOk(await api.call('POST', '/V1/DSA/SIGN', { auth: t.new_token, body: { data: 'x' } }));
    assert.equal(await attemptsLeft(t.new_token), 2);
  });

  test('a request matching no route is authenticated too, and uses an attempt: unknown paths and wrong methods', async () => {
    const t = await mint({ expire_after_attempts: 3 });
    assertProblem(await api.call('GET', '/v1/nothing/here', { auth: t.new_token }), 404, 'not-found');
    const wrongMethod = await api.call('PUT', '/v1/tokens/current', { auth: t.new_token });
    assertProblem(wrongMethod, 405, 'method-not-allowed');
    assert.equal(wrongMethod.headers.get('allow'), 'GET, HEAD');
    assert.equal(await attemptsLeft(t.new_token), 1);
    // Without a valid credential both are 401: routes cannot be probed anonymously.
    assertProblem(await api.call('GET', '/v1/nothing/here'), 401, 'unauthorized');
    assertProblem(await api.call('PUT', '/v1/tokens/current', { auth: 'not-a-credential' }), 401, 'unauthorized');
  });
});

describe('path parameters are never taken from the body', () => {
  test('DELETE /v1/tokens/T1 with body {"token_id": T2} revokes T1 and leaves T2 alive', async () => {
    const t1 = await mint({});
    const t2 = await mint({});
    const res = await api.call('DELETE', `/v1/tokens/${t1.token_id}`, { auth: 'alice', body: { token_id: t2.token_id } });
    assert.equal(res.status, 204);
    assertProblem(await api.call('GET', '/v1/tokens/current', { auth: t1.new_token }), 401, 'unauthorized');
    assertOk(await api.call('GET', '/v1/tokens/current', { auth: t2.new_token }));
  });

  test('nor from the query string', async () => {
    const t1 = await mint({});
    const t2 = await mint({});
    assert.equal((await api.call('DELETE', `/v1/tokens/${t1.token_id}?token_id=${t2.token_id}`, { auth: 'alice' })).status, 204);
    assertOk(await api.call('GET', '/v1/tokens/current', { auth: t2.new_token }));
  });
});

describe('a route that declares no body never reads one', () => {
  test('DELETE /v1/tokens/{token_id} ignores a body: malformed JSON, another media type or an oversized one change nothing', async () => {
    for (const [raw, type] of [['{"token_id":', 'application/json'], ['token_id=x', 'text/plain'], ['x'.repeat(300_000), 'application/json']] as const) {
      const t = await mint({});
      const res = await api.call('DELETE', `/v1/tokens/${t.token_id}`, { auth: 'alice', raw, headers: { 'content-type': type } });
      assert.equal(res.status, 204, `${type}: ${JSON.stringify(res.body)}`);
    }
  });

  test('GET /v1/tokens/current with a body answers as without one', async () => {
    // fetch refuses a GET with a body; node:http sends one.
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${api.url}/v1/tokens/current`, {
        method: 'GET',
        headers: { authorization: `Bearer ${TENANTS.alice}`, 'content-type': 'application/json', 'content-length': '9' },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.end('{not json');
    });
    assert.equal(status, 200, body);
    assert.equal(JSON.parse(body).token_id, null);
  });
});
