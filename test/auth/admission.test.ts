/**
 * Admission's order when a token's request runs in one store step (src/auth/admission.ts): the
 * attempt is used in the same step as its own count, and the tenant's place is taken after. When
 * concurrent requests took the last place meanwhile and the window has none left, the answer is
 * 429 and the attempt is given back: a 429 keeps no attempt, and the tenant's limit is not passed.
 * A frozen clock keeps every request in one window.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { resolvePrincipal } from '../../src/auth/admission.ts';
import { ApiKeys } from '../../src/auth/api-keys.ts';
import { TokenService } from '../../src/auth/tokens.ts';
import { RateLimitedError } from '../../src/limits/errors.ts';
import { RateLimits } from '../../src/limits/rate-limits.ts';
import { MemoryStore } from '../../src/stores/memory.ts';

test('two token requests racing for the tenant\'s last held place: one passes, the other is 429 with its attempt given back', async () => {
  const now = Date.now();
  const clock = () => now;
  const store = new MemoryStore({ clock });
  const key = `acme-key-${'k'.repeat(32)}`;
  const apiKeys = new ApiKeys([{ tenant: 'acme', key }]);
  const tokens = new TokenService(store.tokens, { alg: 'HS256', secret: randomBytes(32) }, clock, (t, k) => apiKeys.isLive(t, k));
  // Two places a window, reserved two at a time.
  const limits = new RateLimits(store.counters, { perTenant: 2, perToken: 0, authFailuresPerMinute: 0, tenantBatch: 2, now: clock });
  const opts = { apiKeys, tokens, limits };
  const parent = (await resolvePrincipal(opts, key, true))!; // reserves both places, takes one
  assert.equal(limits.holdsTenantPlace('acme'), true);
  const { token, info } = await tokens.mint(parent, { expirySeconds: 60, attempts: 10, scopes: ['kem:encapsulate'], keyIds: null });

  const [a, b] = await Promise.allSettled([resolvePrincipal(opts, token, true), resolvePrincipal(opts, token, true)]);
  const passed = [a, b].filter((r) => r.status === 'fulfilled' && r.value?.token?.id === info.id);
  const refused = [a, b].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  assert.equal(passed.length, 1);
  assert.equal(refused.length, 1);
  assert.ok(refused[0] instanceof RateLimitedError && refused[0].policy === 'tenant', String(refused[0]));
  assert.equal((await store.tokens.peekToken(info.family, info.id, []))?.attemptsLeft, 9, 'only the request let through kept its attempt');
  // The window is spent: a dead token still hears 401 (undefined), not 429, and uses nothing.
  assert.equal(await tokens.revoke(parent, info.id), true);
  assert.equal(await resolvePrincipal(opts, token, true), undefined);
  await store.close();
});
