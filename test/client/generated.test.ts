/**
 * The client cannot drift from the server: its generated types, operation table and CLI command
 * table are what the server's document gives today; every operation has a method; every problem
 * type of the server's catalogue has an error class; and the package builds for browsers (no Node
 * types).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATIONS, PqcClient, PROBLEM_ERRORS, type OperationId } from '../../packages/client/src/index.ts';
import { generate, GENERATED_FILES } from '../../packages/client/scripts/generate.ts';
import { PROBLEMS } from '../../src/http/problems.ts';

const CLIENT = 'packages/client';

test('src/openapi.ts, src/operations.ts and src/cli/commands.ts are up to date with the server (else: npm run generate:client)', async () => {
  const sources = await generate();
  for (const [name, file] of Object.entries(GENERATED_FILES)) {
    assert.ok(readFileSync(file, 'utf8') === sources[name as keyof typeof GENERATED_FILES], `${file} is stale: run npm run generate:client`);
  }
});

test('every operation of the document has a client method that calls it', async () => {
  const client = new PqcClient({ baseUrl: 'http://unused.invalid' });
  const methods: Record<OperationId, unknown> = {
    tokensCreate: client.tokens.create,
    tokensCurrent: client.tokens.current,
    tokensRevoke: client.tokens.revoke,
    kemKeypair: client.kem.keypair,
    kemEncapsulate: client.kem.encapsulate,
    kemDecapsulate: client.kem.decapsulate,
    dsaKeypair: client.dsa.keypair,
    dsaSign: client.dsa.sign,
    keysList: client.keys.list,
    keysGet: client.keys.get,
    keysAttestation: client.keys.attestation,
    jwks: client.tokens.jwks,
    keysRotate: client.keys.rotate,
    keysDelete: client.keys.delete,
    dsaVerify: client.dsa.verify,
    aesEncrypt: client.aes.encrypt,
    aesDecrypt: client.aes.decrypt,
    hpkeSeal: client.hpke.seal,
    hpkeOpen: client.hpke.open,
    healthz: client.health,
    readyz: client.ready,
    auditList: client.audit.list,
    clientsCreate: client.clients.register,
    clientsList: client.clients.list,
    clientsGet: client.clients.get,
    clientsDelete: client.clients.delete,
    sessionsCreate: client.sessions.create,
    sessionsList: client.sessions.list,
    sessionsDelete: client.sessions.end,
    challengeCreate: client.challenges.create,
    challengeValidate: client.challenges.validate,
    metrics: client.metrics,
    compatKemGenerateKeys: client.compat.generateKeys,
    compatKemGenerateKeysGet: client.compat.generateKeys,
    compatKemEncapsulateKey: client.compat.encapsulateKey,
    compatKemDecapsulateKey: client.compat.decapsulateKey,
    compatSignatureSign: client.compat.sign,
    compatSignatureVerify: client.compat.verify,
    compatPqcKemGenerateKeys: client.compat.pqcKemGenerateKeys,
    compatPqcKemEncapsulate: client.compat.pqcKemEncapsulate,
    compatPqcKemDecapsulate: client.compat.pqcKemDecapsulate,
    compatPqcSignGenerateKeys: client.compat.pqcSignGenerateKeys,
    compatPqcSignSign: client.compat.pqcSign,
    compatPqcSignVerify: client.compat.pqcVerify,
  };
  const missing = Object.keys(OPERATIONS).filter((id) => typeof methods[id as OperationId] !== 'function');
  assert.deepEqual(missing, [], 'operations without a PqcClient method (add one, and a line here)');
});

test("every problem type of the server's catalogue maps to its own error class", () => {
  const missing = Object.keys(PROBLEMS).filter((type) => !(type in PROBLEM_ERRORS));
  assert.deepEqual(missing, []);
  for (const [type, { status }] of Object.entries(PROBLEMS)) {
    if (status === 405 || status === 413 || status === 415) continue;
    assert.notEqual(PROBLEM_ERRORS[type as keyof typeof PROBLEM_ERRORS].name, 'ApiError', type);
  }
});

test('the package is publishable: ESM, exports with types, @noble/* as its crypto, no Node-only API in src', () => {
  const pkg = JSON.parse(readFileSync(join(CLIENT, 'package.json'), 'utf8'));
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.private, undefined);
  assert.deepEqual(pkg.exports['.'], { types: './dist/index.d.ts', import: './dist/index.js' });
  for (const dep of ['@noble/post-quantum', '@noble/ciphers', '@noble/hashes']) assert.ok(pkg.dependencies[dep], dep);
  const rootPkg = JSON.parse(readFileSync('package.json', 'utf8'));
  for (const [dep, range] of Object.entries<string>(pkg.dependencies)) {
    const root = rootPkg.dependencies[dep] ?? rootPkg.devDependencies[dep];
    assert.equal(root, range, `${dep}: the client declares ${range}, the tested root install ${root}`);
  }
  // src/cli is the pqc command line (the bin): Node-only by design, built by tsconfig.cli.json.
  for (const file of readdirSync(join(CLIENT, 'src')).filter((name) => name !== 'cli')) {
    const text = readFileSync(join(CLIENT, 'src', file), 'utf8');
    assert.doesNotMatch(text, /from ['"]node:|\bBuffer\b|\bprocess\./, `${file} uses a Node-only API`);
  }
});

test('the package type-checks for browsers (DOM lib, no Node types)', () => {
  // Throws, with tsc's output, when it does not.
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', join(CLIENT, 'tsconfig.json'), '--noEmit'], { stdio: 'pipe' });
});
