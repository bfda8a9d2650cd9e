/**
 * docker-compose.yml publishes the API on 127.0.0.1 unless PUBLISH_ADDRESS says otherwise, and no
 * port anywhere in it (examples included) is published on every interface by default. Read as
 * text: Docker is not needed to run the suite.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');

test('the api service publishes ${PUBLISH_ADDRESS:-127.0.0.1}:8080:8080', () => {
  const api = compose.slice(compose.indexOf('\n  api:'), compose.indexOf('\n  redis:'));
  const ports = [...api.matchAll(/^\s+-\s+"([^"]+)"/gm)].map((m) => m[1]);
  assert.deepEqual(ports, ['${PUBLISH_ADDRESS:-127.0.0.1}:8080:8080']);
});

test('no published port (commented examples too) binds every interface by default', () => {
  const mappings = [...compose.matchAll(/^[\s#]*-\s+"([^"]*:[^"]*)"/gm)].map((m) => m[1]!);
  assert.ok(mappings.length >= 2, mappings.join(', '));
  for (const mapping of mappings) assert.match(mapping, /^(\$\{PUBLISH_ADDRESS:-127\.0\.0\.1\}|127\.0\.0\.1):/, mapping);
});
