/**
 * The OpenAPI document the server serves, linted by Redocly's linter (@redocly/openapi-core, the
 * engine of `redocly lint`) with the project's redocly.yaml: no error and no warning. Runs offline:
 * the rulesets are in the package.
 */
import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { loadConfig, lintFromString } from '@redocly/openapi-core';
import { startServer, type TestServer } from '../helpers/server.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

let api: TestServer;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let doc: any;
before(async () => {
  api = await startServer();
  doc = (await api.call('GET', '/openapi.json')).body;
});
after(() => api.close());

test('the served OpenAPI document has no lint warning or error (redocly.yaml)', async (t) => {
  const config = await loadConfig({ configPath: join(ROOT, 'redocly.yaml') });
  const problems = await lintFromString({ source: JSON.stringify(doc, null, 2), absoluteRef: join(ROOT, 'openapi.json'), config });
  const lines = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
  t.diagnostic(`openapi lint: ${problems.length} problems over ${Object.values<object>(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0)} operations`);
  assert.deepEqual(lines, []);
});

test('the lint checks what it is configured to (a bad example and an unused component are caught)', async () => {
  const config = await loadConfig({ configPath: join(ROOT, 'redocly.yaml') });
  const broken = structuredClone(doc);
  broken.components.schemas.KemDecapsulateRequest.properties.key_id.example = 'paste a key_id';
  broken.components.examples.unused = { value: {} };
  const problems = await lintFromString({ source: JSON.stringify(broken), absoluteRef: join(ROOT, 'openapi.json'), config });
  assert.deepEqual(problems.map((p) => p.ruleId).sort(), ['no-invalid-schema-examples', 'no-unused-components']);
});

test('only the seed vendor\'s current paths end with a slash (redocly.yaml turns no-path-trailing-slash off for them)', () => {
  assert.deepEqual(
    Object.keys(doc.paths).filter((path) => path.endsWith('/') && !path.startsWith('/api/v1/pqc/')),
    [],
  );
});
