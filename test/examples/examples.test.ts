/**
 * examples/ as a new user runs them: each script as its own process (`node --import tsx`), with
 * PQC_URL and PQC_TOKEN pointing at a real server (memory store, ephemeral port). An example
 * passes when it exits 0 and says what it claims; the server's audit trail shows the work was done
 * there; and an example given a wrong token exits non-zero.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, TENANTS, type TestServer } from '../helpers/server.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs examples/<name> to its end (asynchronously: the server answering it lives in this process). */
function runExample(name: string, env: Record<string, string>, timeoutMs = 60_000): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_TEST_CONTEXT; // the example is a plain script, not a test of this runner
  const child = spawn(process.execPath, ['--import', 'tsx', join('examples', name)], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolveRun, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** The operations and outcomes of the tenant's audit trail, oldest first. */
async function auditTrail(server: TestServer): Promise<string[]> {
  const res = await server.call('GET', '/v1/audit?limit=500', { auth: 'alice' });
  assert.equal(res.status, 200);
  return (res.body.entries as { operation: string; outcome: string }[]).map((e) => `${e.operation} ${e.outcome}`).reverse();
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const envFor = (s: TestServer, token: string = TENANTS.alice) => ({ PQC_URL: s.url, PQC_TOKEN: token });

/** Starts a server, runs examples/<name> against it with alice's API key: exit 0, nothing on stderr, each of `lines` printed. */
async function runsCleanly(name: string, lines: (api: TestServer) => readonly string[]): Promise<{ run: Run; api: TestServer }> {
  const api = (server = await startServer());
  const run = await runExample(name, envFor(api));
  assert.equal(run.code, 0, `exit code ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  assert.equal(run.stderr, '');
  for (const line of lines(api)) assert.ok(run.stdout.includes(line), `stdout lacks ${JSON.stringify(line)}:\n${run.stdout}`);
  return { run, api };
}

test('key-exchange.ts: attested key, local encapsulation, confirmed decapsulation, message, tampering caught', async () => {
  const { api } = await runsCleanly('key-exchange.ts', (s) => [
    `Key exchange through ${s.url}`,
    "ok: attestation verified: this pk was made by Alice's service",
    'ok: a substituted pk fails the attestation',
    'ok: keys match: Alice and Bob hold the same 32-byte shared key',
    'decrypted: "Hello Alice, this is Bob."',
    "ok: Alice read Bob's message",
    'ok: implicit rejection: plain decapsulate succeeded but gave a different key, without any error',
    'refused: key confirmation failed (400 key-confirmation-failed)',
    'Done: shared key established, message delivered, tampering detected.',
  ]);
  // The service did the work: two key pairs (first contact, the exchange), two decapsulations (Bob's
  // cipher, the tampered one, twice: plain and confirmed, which the service refused).
  // Encapsulation never reached it.
  const trail = await auditTrail(api);
  assert.deepEqual(trail.filter((e) => e.startsWith('kem.')), [
    'kem.keypair ok',
    'kem.keypair ok',
    'kem.decapsulate ok',
    'kem.decapsulate ok',
    'kem.decapsulate key-confirmation-failed',
  ]);
});

test('third-party-token.ts: one decapsulation, 403 outside scope and key, attempts_left, 401 when spent or revoked', async () => {
  const { run, api } = await runsCleanly('third-party-token.ts', () => [
    'attempts_left 3, scopes kem:decapsulate',
    'ok: reading what it was given used no attempt',
    'ok: decapsulated: keys match',
    'attempts_left: 2',
    'refused: 403 forbidden (ForbiddenError): This credential does not have the scope dsa:sign.',
    'refused: 403 forbidden (ForbiddenError): This credential may not use key kem_',
    'refused: 401 unauthorized (UnauthorizedError)',
    'DELETE /v1/tokens/',
    'ok: a revoked token and an exhausted one get the same 401',
    'Done: the token did what it was minted for, nothing else, and died when it should.',
  ]);
  // Two 401s for the spent token (decapsulate, current) and one for the revoked one.
  assert.equal(run.stdout.match(/refused: 401 /g)?.length, 3, run.stdout);
  const trail = await auditTrail(api);
  assert.deepEqual(trail.filter((e) => e.startsWith('tokens.')), ['tokens.mint ok', 'tokens.mint ok', 'tokens.revoke ok']);
  // The restricted token's good decapsulation, its refused try at the other key, the second token's
  // decapsulation; the 401s never got as far as a key.
  assert.deepEqual(trail.filter((e) => e.startsWith('kem.decapsulate')), ['kem.decapsulate ok', 'kem.decapsulate forbidden', 'kem.decapsulate ok']);
});

test('client-login.ts: a client signs with its own key, a replay is refused, login, the overview, deletion ends it all', async () => {
  const { run, api } = await runsCleanly('client-login.ts', () => [
    'ok: signed and verified with a request signed by the client',
    'refused: 403 forbidden (ForbiddenError)',
    'its replay 401: each nonce works once',
    "ok: the session's token works",
    'ok: the login shows in the overview',
    'Done: the client proved its key on every request, logged in, and everything it held ended with it.',
  ]);
  assert.equal(run.stdout.match(/refused: 401 /g)?.length, 2, run.stdout);
  const trail = await auditTrail(api);
  assert.deepEqual(trail.filter((e) => e.startsWith('clients.') || e.startsWith('sessions.')), ['clients.register ok', 'sessions.open ok', 'clients.delete ok']);
});

test('challenge.ts: a signed challenge valid once, its receipt checked offline, a sealed kem challenge single-shot', async () => {
  const { api } = await runsCleanly('challenge.ts', () => [
    'ok: the same answer again: valid false, reason used',
    'ok: the receipt verifies under the receipt context',
    'ok: a receipt altered to say the opposite does not',
    'ok: a guess: valid false, reason mismatch',
    'ok: the right answer after the guess: reason used',
    "ok: a fresh kem challenge opened with the client's key is valid",
    "Done: each challenge was valid at most once, and its receipt is the tenant's own statement.",
  ]);
  const trail = await auditTrail(api);
  assert.deepEqual(trail.filter((e) => e.startsWith('challenges.validate')), ['challenges.validate ok', 'challenges.validate used', 'challenges.validate mismatch', 'challenges.validate used', 'challenges.validate ok']);
});

test('an example fails (non-zero exit, the 401 named) when its token is wrong', async () => {
  server = await startServer();
  const run = await runExample('key-exchange.ts', envFor(server, `not-a-key-${'x'.repeat(32)}`));
  assert.notEqual(run.code, 0, run.stdout);
  assert.match(run.stderr, /FAILED: 401 Unauthorized/);
  assert.ok(!run.stdout.includes('keys match'), run.stdout);
});

test('an example without PQC_URL and PQC_TOKEN says what to set and exits non-zero', async () => {
  const run = await runExample('third-party-token.ts', { PQC_URL: '', PQC_TOKEN: '' });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /Set PQC_URL .* and PQC_TOKEN/);
});
