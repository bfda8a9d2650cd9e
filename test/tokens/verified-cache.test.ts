/**
 * HS256 tokens: a token whose signature verified once is found by the digest of its exact text on
 * its next requests (jsonwebtoken's verify skipped, src/auth/tokens.ts), and its expiry, issuer and
 * audience are still checked on every use: expiry goes on the service's clock, and a token
 * differing in one character is not the token that verified.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SCOPES, type Principal } from '../../src/auth/scopes.ts';
import { TokenService } from '../../src/auth/tokens.ts';
import { MemoryStore } from '../../src/stores/memory.ts';

const parent: Principal = { tenant: 'acme', scopes: SCOPES, keyIds: null, apiKeyId: 'k1' };

test('a verified token is found again while it lives, refused once expired on the service clock, and one character changed is refused', async () => {
  let now = Date.now();
  const clock = () => now;
  const store = new MemoryStore({ clock });
  const service = new TokenService(store.tokens, { alg: 'HS256', secret: randomBytes(32) }, clock, () => true);
  const { token } = await service.mint(parent, { expirySeconds: 60, attempts: null, scopes: ['kem:encapsulate'], keyIds: null });
  assert.equal((await service.verify(token))?.tenant, 'acme', 'verified (and remembered)');
  assert.equal((await service.verify(token))?.tenant, 'acme', 'found again');
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
  assert.equal(await service.verify(`${header}.${payload}.${flipped}`), undefined, 'another signature is not the token that verified');
  now += 61_000;
  assert.equal(await service.verify(token), undefined, 'expired, though remembered');
  now -= 61_000;
  assert.equal((await service.verify(token))?.tenant, 'acme', 'its entry went with its expiry; verified afresh');
  await store.close();
});
