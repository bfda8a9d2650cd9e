/**
 * The token-signing settings: TOKEN_SIGNING names HS256 or an ML-DSA set and nothing else;
 * TOKEN_PREVIOUS_KEY_VERSION comes with TOKEN_KEY_ROTATED_AT (an ISO 8601 instant with an offset,
 * so no instance reads it in its own time zone), and differs from TOKEN_KEY_VERSION. A mistake
 * stops the start with a message naming the variable.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

const base = { NODE_ENV: 'test', LOG_LEVEL: 'silent' };
const refuses = (env: Record<string, string>, name: string) =>
  assert.throws(() => loadConfig({ ...base, ...env }), (e: Error) => e instanceof ConfigError && e.message.includes(name), `${JSON.stringify(env)} should be refused naming ${name}`);

test('TOKEN_SIGNING: HS256 by default, the three ML-DSA sets, nothing else', () => {
  assert.equal(loadConfig(base).tokenSigning, 'HS256');
  for (const alg of ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87']) assert.equal(loadConfig({ ...base, TOKEN_SIGNING: alg }).tokenSigning, alg);
  for (const alg of ['none', 'RS256', 'ml-dsa-65', 'SLH-DSA-SHA2-128s', 'HS512']) refuses({ TOKEN_SIGNING: alg }, 'TOKEN_SIGNING');
});

test('TOKEN_KEY_VERSION defaults to 1; a previous version needs TOKEN_KEY_ROTATED_AT, and the other way round', () => {
  const config = loadConfig(base);
  assert.equal(config.tokenKeyVersion, 1);
  assert.equal(config.tokenPreviousKey, undefined);
  refuses({ TOKEN_KEY_VERSION: '0' }, 'TOKEN_KEY_VERSION');
  refuses({ TOKEN_KEY_VERSION: '2', TOKEN_PREVIOUS_KEY_VERSION: '1' }, 'TOKEN_KEY_ROTATED_AT');
  refuses({ TOKEN_KEY_ROTATED_AT: '2026-12-06T09:00:00Z' }, 'TOKEN_PREVIOUS_KEY_VERSION');
  refuses({ TOKEN_KEY_VERSION: '2', TOKEN_PREVIOUS_KEY_VERSION: '2', TOKEN_KEY_ROTATED_AT: '2026-12-06T09:00:00Z' }, 'TOKEN_PREVIOUS_KEY_VERSION');
  for (const at of ['2026-12-06 09:00', '2026-12-06T09:00:00', 'yesterday', '1764999999']) {
    refuses({ TOKEN_KEY_VERSION: '2', TOKEN_PREVIOUS_KEY_VERSION: '1', TOKEN_KEY_ROTATED_AT: at }, 'TOKEN_KEY_ROTATED_AT');
  }
  const rotated = loadConfig({ ...base, TOKEN_KEY_VERSION: '2', TOKEN_PREVIOUS_KEY_VERSION: '1', TOKEN_KEY_ROTATED_AT: '2026-12-06T10:00:00+01:00' });
  assert.deepEqual(rotated.tokenPreviousKey, { version: 1, rotatedAtMs: Date.parse('2026-12-06T09:00:00Z') });
});
