/**
 * A token lives no longer than the credential its lineage was minted from, and a child token can
 * revoke only itself and its own descendants. Attacks 3 and 4 of 2026-11-23 (issue 6), replayed
 * over real HTTP as the hostile third party ran them (each succeeded on the code of that day), on
 * both stores.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer, TENANTS } from '../helpers/server.ts';
import { describeOnEachStore } from '../helpers/stores.ts';

describeOnEachStore('tokens die with the credential that minted their lineage', (on) => {
  const mint = async (body: Record<string, unknown>, auth = 'alice') => {
    const res = await on.server.call('POST', '/v1/tokens', { auth, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { new_token: string; token_id: string };
  };

  test('rotating the API key out kills its tokens and their children; a kept key keeps its tokens', async () => {
    const { server, store } = on;
    const parent = await mint({ scopes: ['tokens:create', 'kem:keypair'] });
    const child = await mint({ scopes: ['kem:keypair'] }, parent.new_token);
    const bobToken = await mint({}, 'bob');
    const rotated = `alice-rotated-${'r'.repeat(32)}`;
    const next = await startServer({ store, env: { API_KEYS: `alice:${rotated},bob:${TENANTS.bob}` } });
    try {
      for (const t of [parent, child]) {
        const res = await next.call('POST', '/v1/kem/keypair', { auth: t.new_token, body: {} });
        assert.equal(res.status, 401, JSON.stringify(res.body));
        assert.equal((await next.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 401);
      }
      assert.equal((await next.call('GET', '/v1/tokens/current', { auth: bobToken.new_token })).status, 200);
      // The new key's own tokens work.
      const fresh = await next.call('POST', '/v1/tokens', { auth: rotated, body: {} });
      assert.equal(fresh.status, 201);
      assert.equal((await next.call('GET', '/v1/tokens/current', { auth: fresh.body.new_token })).status, 200);
    } finally {
      await next.close();
    }
    // Under the old configuration the tokens still live: nothing was deleted, the key decides.
    assert.equal((await server.call('GET', '/v1/tokens/current', { auth: parent.new_token })).status, 200);
  });

  test('removing the tenant kills its tokens, with the uniform 401', async () => {
    const t = await mint({}, 'bob');
    const next = await startServer({ store: on.store, env: { API_KEYS: `alice:${TENANTS.alice}` } });
    try {
      const res = await next.call('GET', '/v1/tokens/current', { auth: t.new_token });
      assert.equal(res.status, 401);
      assert.equal(res.body.detail, 'Missing or invalid credentials.');
    } finally {
      await next.close();
    }
  });

  test('a child token with tokens:create revokes itself and its own children, never its parent or a sibling', async () => {
    const server = on.server;
    const parent = await mint({ scopes: ['tokens:create', 'kem:keypair'] });
    const a = await mint({ scopes: ['tokens:create'] }, parent.new_token);
    const sibling = await mint({ scopes: ['kem:keypair'] }, parent.new_token);
    const unrelated = await mint({});
    const grandchild = await mint({ scopes: [] }, a.new_token);
    for (const target of [parent, sibling, unrelated]) {
      const res = await server.call('DELETE', `/v1/tokens/${target.token_id}`, { auth: a.new_token });
      assert.equal(res.status, 404, `a child must not revoke ${target.token_id}: ${JSON.stringify(res.body)}`);
      assert.equal((await server.call('GET', '/v1/tokens/current', { auth: target.new_token })).status, 200);
    }
    assert.equal((await server.call('DELETE', `/v1/tokens/${grandchild.token_id}`, { auth: a.new_token })).status, 204);
    assert.equal((await server.call('GET', '/v1/tokens/current', { auth: grandchild.new_token })).status, 401);
    assert.equal((await server.call('DELETE', `/v1/tokens/${a.token_id}`, { auth: a.new_token })).status, 204);
    assert.equal((await server.call('GET', '/v1/tokens/current', { auth: a.new_token })).status, 401);
    // The API key revokes any token of its tenant.
    assert.equal((await server.call('DELETE', `/v1/tokens/${sibling.token_id}`, { auth: 'alice' })).status, 204);
    assert.equal((await server.call('GET', '/v1/tokens/current', { auth: parent.new_token })).status, 200);
  });
});
