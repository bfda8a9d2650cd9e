/**
 * The sealed-request checks below HTTP (src/sealed/service.ts): which inner targets may run, and
 * where an enc is claimed (the same scope for the same enc, spread over many for others).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isV1Target, replayClaimOf } from '../../src/sealed/service.ts';

test('an inner target is a /v1 path in origin form, without dot segments, encoded dots or slashes, or a fragment', () => {
  for (const ok of ['/v1/kem/keypair', '/v1/keys?limit=2&type=kem', '/v1/keys/kem_AAAAAAAAAAAAAAAAAAAAAA', '/v1/tokens/current', '/v1/keys/', '/v1/x%20y']) assert.equal(isV1Target(ok), true, ok);
  for (const bad of ['/ohttp', '/ohttp-keys', '/healthz', '/metrics', '/api/kem/keypair', '/v1', '/V1/kem/keypair', '/v1/../ohttp-keys', '/v1/./kem/keypair', '/v1/%2e%2e/ohttp-keys', '/v1/%2E%2E/x', '/v1/a%2fb', '/v1//kem', 'https://x/v1/kem/keypair', '*', '/v1/kem#frag', '/v1/kem?x=1#f', '/v1/kem keypair', '']) assert.equal(isV1Target(bad), false, bad);
});

test('an enc is claimed under one scope of 4,096, the same every time', () => {
  const enc = randomBytes(1120);
  assert.deepEqual(replayClaimOf(enc), replayClaimOf(Uint8Array.from(enc)));
  assert.equal(replayClaimOf(enc).value, enc.toString('base64url'));
  assert.match(replayClaimOf(enc).scope, /^ohttp:[A-Za-z0-9_-]{2}$/);
  const scopes = new Set(Array.from({ length: 200 }, () => replayClaimOf(randomBytes(1088)).scope));
  assert.ok(scopes.size > 100, `${scopes.size} scopes for 200 random encs`);
});
