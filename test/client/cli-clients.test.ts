/**
 * `pqc clients register`, `pqc clients list|delete` and `pqc login` against a real server, through
 * run() (all main.ts calls): the key is made here, registered, the answer (with the seed) feeds
 * login as --body, and the session token it prints works; the API key never reaches the output.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run, type Io } from '../../packages/client/src/cli/run.ts';
import { startServer, TENANTS, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let dir: string;
before(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'pqc-clients-'));
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function pqc(args: string[], token: string | undefined = TENANTS.alice): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    env: { PQC_URL: server.url, ...(token ? { PQC_TOKEN: token } : {}) },
    homedir: dir,
    version: 'test',
    stdoutIsTTY: false,
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readFile: async (path) => new Uint8Array(readFileSync(path)),
    readStdin: async () => new Uint8Array(0),
  };
  const code = await run(args, io);
  for (const secret of Object.values(TENANTS)) assert.ok(!stdout.includes(secret) && !stderr.includes(secret), 'the API key is never printed');
  return { code, stdout, stderr };
}

test('pqc clients register, pqc login with its answer, the printed token works; pqc clients delete ends it', async () => {
  const registered = await pqc(['clients', 'register', '--name', 'laptop', '--scopes', 'dsa:sign', '--scopes', 'keys:read']);
  assert.equal(registered.code, 0, registered.stderr);
  const client = JSON.parse(registered.stdout);
  assert.match(client.client_id, /^cl_/);
  assert.equal(client.algorithm, 'ML-DSA-65');
  assert.ok(client.seed);
  const file = join(dir, 'client.json');
  writeFileSync(file, registered.stdout, { mode: 0o600 });

  const pinned = (await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body.verification_key as string;
  const login = await pqc(['login', '--body', `@${file}`, '--device-description', 'laptop, pqc CLI', '--attestation-key', pinned], undefined);
  assert.equal(login.code, 0, login.stderr);
  const info = JSON.parse(login.stdout);
  assert.equal(info.client_id, client.client_id);
  assert.deepEqual(info.scopes, ['dsa:sign', 'keys:read']);
  assert.equal((await server.call('POST', '/v1/dsa/sign', { auth: info.token, body: { data: 'x' } })).status, 200);

  const listed = await pqc(['clients', 'list']);
  assert.equal(listed.code, 0);
  assert.ok(JSON.parse(listed.stdout).clients.some((c: { client_id: string }) => c.client_id === client.client_id));
  const deleted = await pqc(['clients', 'delete', client.client_id]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal((await server.call('POST', '/v1/dsa/sign', { auth: info.token, body: { data: 'x' } })).status, 401);
  const again = await pqc(['login', '--body', `@${file}`, '--device-description', 'x', '--attestation-key', pinned], undefined);
  assert.equal(again.code, 3, 'a deleted client cannot log in (401: exit 3)');
});

test('pqc login refuses a wrong attestation key (exit 5) and needs its fields (exit 2)', async () => {
  const registered = await pqc(['clients', 'register', '--name', 'phone', '--algorithm', 'ML-DSA-44']);
  const file = join(dir, 'phone.json');
  writeFileSync(file, registered.stdout);
  const bobs = (await server.call('POST', '/v1/kem/keypair', { auth: 'bob', body: {} })).body.verification_key as string;
  const wrong = await pqc(['login', '--body', `@${file}`, '--device-description', 'x', '--attestation-key', bobs], undefined);
  assert.equal(wrong.code, 5, wrong.stderr);
  assert.match(wrong.stderr, /login_info_signature/);
  assert.equal((await pqc(['login', '--device-description', 'x'], undefined)).code, 2);
  assert.equal((await pqc(['login', '--help'])).code, 0);
});
