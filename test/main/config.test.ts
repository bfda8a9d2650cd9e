/**
 * Secrets in the configuration (src/config.ts): production names every missing or weak secret in
 * one message, not one per restart; each secret can come from a file (X_FILE, as Docker and
 * Compose secrets give them), with one trailing newline dropped; X and X_FILE together are refused.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig, SECRET_VARIABLES } from '../../src/config.ts';

const strong = {
  NODE_ENV: 'production',
  API_KEYS: `acme:${randomBytes(32).toString('base64url')}`,
  TOKEN_SECRET: randomBytes(48).toString('base64'),
  MASTER_KEY: randomBytes(32).toString('base64'),
  METRICS_TOKEN: randomBytes(24).toString('base64url'),
};
const dir = mkdtempSync(join(tmpdir(), 'pq-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = (content: string) => {
  const path = join(dir, `secret-${files++}`);
  writeFileSync(path, content);
  return path;
};
const configError = (env: Record<string, string | undefined>): string => {
  try {
    loadConfig(env as NodeJS.ProcessEnv);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('expected a ConfigError');
};

describe('production names every missing or weak secret at once', () => {
  it('none given: one message naming API_KEYS, TOKEN_SECRET and MASTER_KEY, each with its _FILE form, and METRICS_TOKEN or METRICS_PORT', () => {
    const message = configError({ NODE_ENV: 'production' });
    assert.match(message, /^4 secrets to fix: /);
    for (const name of ['API_KEYS', 'TOKEN_SECRET', 'MASTER_KEY']) assert.match(message, new RegExp(`${name} is required when NODE_ENV=production \\(or ${name}_FILE`));
    assert.match(message, /METRICS_TOKEN or METRICS_PORT is required when NODE_ENV=production/);
    assert.doesNotMatch(message, /\n/);
  });

  it('missing and weak together: all four named, and no secret value in the message', () => {
    const weakToken = 'ab'.repeat(40);
    const message = configError({ NODE_ENV: 'production', TOKEN_SECRET: weakToken, MASTER_KEY: Buffer.alloc(32).toString('base64'), METRICS_TOKEN: 'short' });
    assert.match(message, /^4 secrets to fix: /);
    assert.match(message, /API_KEYS is required/);
    assert.match(message, /TOKEN_SECRET looks weak/);
    assert.match(message, /MASTER_KEY looks weak/);
    assert.match(message, /METRICS_TOKEN must be 16 to 512/);
    assert.ok(!message.includes(weakToken));
  });

  it('/metrics in production: METRICS_TOKEN or METRICS_PORT (loopback only), else refused; METRICS_PORT may not be PORT', () => {
    assert.equal(configError({ ...strong, METRICS_TOKEN: undefined }), 'METRICS_TOKEN or METRICS_PORT is required when NODE_ENV=production (/metrics must not be open to the network; see .env.example)');
    assert.match(configError({ ...strong, METRICS_TOKEN: '  ' }), /^METRICS_TOKEN or METRICS_PORT is required/);
    const onLoopback = loadConfig({ ...strong, METRICS_TOKEN: undefined, METRICS_PORT: '9464' });
    assert.deepEqual([onLoopback.metricsToken, onLoopback.metricsPort], [undefined, 9464]);
    assert.equal(loadConfig({ NODE_ENV: 'development' }).metricsPort, undefined, 'outside production /metrics may stay open');
    assert.equal(configError({ ...strong, PORT: '9464', METRICS_PORT: '9464' }), 'METRICS_PORT must differ from PORT (both 9464)');
    assert.match(configError({ ...strong, METRICS_PORT: '0' }), /^METRICS_PORT/);
  });

  it('one problem keeps its own message, as before', () => {
    assert.match(configError({ ...strong, MASTER_KEY: undefined }), /^MASTER_KEY is required when NODE_ENV=production/);
    assert.match(configError({ ...strong, API_KEYS: 'acme:short' }), /^API_KEYS entry 1 \(acme\): the key must be at least 32 characters$/);
  });

  it('outside production a given but weak secret is refused too, with the others', () => {
    const message = configError({ NODE_ENV: 'development', TOKEN_SECRET: 'x'.repeat(10), MASTER_KEY: 'nope' });
    assert.match(message, /^2 secrets to fix: TOKEN_SECRET must be at least 32 bytes.*; MASTER_KEY must be the base64/);
  });
});

describe('X_FILE: a secret read from a file', () => {
  it('each of the four secrets, from a file ending in a newline: the same configuration as from the environment', () => {
    const fromEnv = loadConfig(strong);
    const fromFiles = loadConfig({
      NODE_ENV: 'production',
      API_KEYS_FILE: file(`${strong.API_KEYS}\n`),
      TOKEN_SECRET_FILE: file(`${strong.TOKEN_SECRET}\r\n`),
      MASTER_KEY_FILE: file(strong.MASTER_KEY),
      METRICS_TOKEN_FILE: file(`${strong.METRICS_TOKEN}\n`),
    });
    assert.deepEqual(fromFiles.apiKeys, fromEnv.apiKeys);
    assert.deepEqual(Buffer.from(fromFiles.tokenSecret), Buffer.from(strong.TOKEN_SECRET));
    assert.deepEqual(Buffer.from(fromFiles.masterKey), Buffer.from(strong.MASTER_KEY, 'base64'));
    assert.equal(fromFiles.metricsToken, strong.METRICS_TOKEN);
    assert.deepEqual(fromFiles.generated, []);
  });

  it('only one trailing newline is dropped: the rest of the file is the secret', () => {
    // Two newlines: the secret keeps one, and a token secret may hold any bytes.
    const config = loadConfig({ ...strong, TOKEN_SECRET: undefined, TOKEN_SECRET_FILE: file(`${strong.TOKEN_SECRET}\n\n`) });
    assert.deepEqual(Buffer.from(config.tokenSecret), Buffer.from(`${strong.TOKEN_SECRET}\n`));
  });

  it('.env.example shows each X_FILE beside its secret', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    for (const name of SECRET_VARIABLES) assert.match(example, new RegExp(`^# ${name}=.*\\n# ${name}_FILE=/run/secrets/`, 'm'), name);
  });

  for (const name of SECRET_VARIABLES) {
    it(`${name} and ${name}_FILE together: refused, naming both`, () => {
      assert.equal(configError({ ...strong, [`${name}_FILE`]: file(strong[name]) }), `set ${name} or ${name}_FILE, not both`);
    });
  }

  it('a file that cannot be read: refused, naming the variable and the path, not the content', () => {
    const missing = join(dir, 'no-such-file');
    assert.equal(configError({ ...strong, MASTER_KEY: undefined, MASTER_KEY_FILE: missing }), `MASTER_KEY_FILE: cannot read ${missing} (ENOENT)`);
  });

  it('an empty file counts as missing in production, and is named with the others', () => {
    const message = configError({ NODE_ENV: 'production', API_KEYS_FILE: file('\n'), TOKEN_SECRET: strong.TOKEN_SECRET, METRICS_TOKEN: strong.METRICS_TOKEN });
    assert.match(message, /^2 secrets to fix: API_KEYS is required.*; MASTER_KEY is required/);
  });
});
