/**
 * The `pqc` command line against a real server (real HTTP on an ephemeral port, real crypto):
 * run as a child process (node --import tsx packages/client/src/cli/main.ts) with PQC_URL and
 * PQC_TOKEN, chaining answers through files and stdin as a shell user does; and, where a process
 * boundary proves nothing more (help of every command, the precedence matrix, the value syntax),
 * through run() in this process, which is all main.ts calls. Every child's stdout and stderr are
 * checked never to hold the credential it was given.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPERATIONS } from '../../packages/client/src/index.ts';
import { parseCommandArgs, UsageError, ValueReader, type Globals } from '../../packages/client/src/cli/args.ts';
import { COMMANDS } from '../../packages/client/src/cli/commands.ts';
import { EXIT_CODES } from '../../packages/client/src/cli/help.ts';
import { ALL_COMMANDS, exitCodeFor, run, type Io } from '../../packages/client/src/cli/run.ts';
import type { FieldSpec } from '../../packages/client/src/cli/spec.ts';
import { commandTable } from '../../packages/client/scripts/generate.ts';
import { freePort } from '../helpers/redis.ts';
import { startServer, TENANTS, type TestServer } from '../helpers/server.ts';

const MAIN = 'packages/client/src/cli/main.ts';
const VERSION = (JSON.parse(readFileSync('packages/client/package.json', 'utf8')) as { version: string }).version;
/** Never in any output, whatever the command. */
const API_KEYS = [TENANTS.alice, TENANTS.bob];
const WRONG_TOKEN = `wrong-token-${'w'.repeat(30)}`;

let server: TestServer;
let dir: string;
let home: string;
let closedUrl: string;
before(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'pqc-cli-'));
  home = join(dir, 'home');
  mkdirSync(home);
  closedUrl = `http://127.0.0.1:${await freePort()}`;
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface RunOptions {
  /** PQC_* and the like; PQC_URL and PQC_TOKEN (alice's API key) unless given (undefined removes one). */
  readonly env?: Record<string, string | undefined>;
  readonly stdin?: string;
  /** Credentials this run holds besides PQC_TOKEN (a --token value, a profile's): checked absent from its output. */
  readonly secrets?: readonly string[];
}

function environment(opts: RunOptions): Record<string, string | undefined> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PQC_')));
  return { ...base, HOME: home, PQC_URL: server.url, PQC_TOKEN: TENANTS.alice, ...opts.env };
}

function checkSecrets(result: Result, env: Record<string, string | undefined>, opts: RunOptions, what: string): void {
  const secrets = [...API_KEYS, ...(opts.secrets ?? []), ...(env.PQC_TOKEN ? [env.PQC_TOKEN] : [])];
  for (const secret of secrets) {
    assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), `${what}: a credential was printed`);
  }
}

/** pqc ARGS as a child process; resolves with its exit status and output. */
function pqc(args: readonly string[], opts: RunOptions = {}): Promise<Result> {
  const env = environment(opts);
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(opts.stdin ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const result = { code: code ?? -1, stdout, stderr };
      try {
        checkSecrets(result, env, opts, `pqc ${args.join(' ')}`);
        resolve(result);
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** run() in this process, with the same environment a child would get. */
async function inProcess(args: readonly string[], opts: RunOptions & { homedir?: string; files?: Record<string, string> } = {}): Promise<Result> {
  const env = environment(opts);
  let stdout = '';
  let stderr = '';
  const io: Io = {
    env,
    homedir: opts.homedir ?? home,
    version: VERSION,
    stdoutIsTTY: false,
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    readFile: async (path) => new Uint8Array(readFileSync(path)),
    readStdin: async () => new TextEncoder().encode(opts.stdin ?? ''),
  };
  const code = await run(args, io);
  const result = { code, stdout, stderr };
  checkSecrets(result, env, opts, `pqc ${args.join(' ')}`);
  return result;
}

const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const ok = (r: Result, what: string) => assert.equal(r.code, 0, `${what}: exit ${r.code}, stderr: ${r.stderr}`);
const json = (r: Result) => JSON.parse(r.stdout) as Record<string, unknown>;
const b64len = (text: string) => Buffer.from(text, 'base64').length;

// Independent of each other: run together (each spends most of its time starting node with tsx).
describe('pqc as a child process against the server', { concurrency: true }, () => {
  test('key exchange, signature and AES: keypair -> encapsulate -> decapsulate, sign -> verify, encrypt -> decrypt, through files and stdin', async () => {
    const message = 'ünïcode message\nwith a trailing newline\n';
    const msg = file('flow-message.txt', message);

    const keyExchange = (async () => {
      const pair = await pqc(['kem', 'keypair', '--algorithm', 'ML-KEM-1024', '--field', 'pk']);
      ok(pair, 'kem keypair');
      assert.doesNotMatch(pair.stdout, /\n/, '--field output holds the value only (no newline off a terminal)');
      assert.equal(b64len(pair.stdout), 1568);
      const pk = file('flow-pk.b64', `${pair.stdout}\n`); // as `echo` would leave it: trimmed on reading

      const enc = await pqc(['kem', 'encapsulate', '--pk', `@${pk}`]);
      ok(enc, 'kem encapsulate');
      assert.match(enc.stdout, /^\{\n {2}"/, 'indented JSON by default');
      const { cipher, shared_key } = json(enc) as { cipher: string; shared_key: string };
      assert.equal(b64len(cipher), 1568);

      const [dec, sealed] = await Promise.all([
        pqc(['kem', 'decapsulate', '--pk', `@${pk}`, '--cipher', '-', '--field', 'shared_key'], { stdin: cipher }),
        pqc(['aes', 'encrypt', '--key', '-', '--unencrypted', `@${msg}`, '--aad', 'order-42', '--field', 'ciphertext'], { stdin: `${shared_key}\n` }),
      ]);
      ok(dec, 'kem decapsulate');
      assert.equal(dec.stdout, shared_key, 'both sides hold the same shared key');
      ok(sealed, 'aes encrypt');
      const ct = file('flow-ct.b64', sealed.stdout);

      const [opened, openedLocally] = await Promise.all([
        pqc(['aes', 'decrypt', '--key', shared_key, '--ciphertext', `@${ct}`, '--aad', 'order-42', '--field', 'decrypted']),
        pqc(['local', 'decrypt', '--shared-key', shared_key, '--ciphertext', `@${ct}`, '--aad', 'order-42', '--compact'], { env: { PQC_URL: closedUrl } }),
      ]);
      ok(opened, 'aes decrypt');
      assert.equal(opened.stdout, message, 'the file was encrypted exactly, trailing newline and all');
      ok(openedLocally, 'local decrypt (no server)');
      assert.equal(openedLocally.stdout, `${JSON.stringify({ decrypted: message })}\n`);
    })();

    const signature = (async () => {
      const signed = await pqc(['dsa', 'sign', '--data', `@${msg}`, '--compact']);
      ok(signed, 'dsa sign');
      assert.match(signed.stdout, /^\{"signature":".+","key_id":"dsa_.+","version":1,"algorithm":"ML-DSA-65"\}\n$/);
      const body = file('flow-signed.json', signed.stdout);
      const [verified, altered] = await Promise.all([
        pqc(['dsa', 'verify', '--body', `@${body}`, '--data', `@${msg}`, '--field', 'verified']),
        // The flag overrides the body's field; the message without its newline is another message.
        inProcess(['dsa', 'verify', '--body', `@${body}`, '--data', message.trimEnd(), '--field', 'verified']),
      ]);
      ok(verified, 'dsa verify');
      assert.equal(verified.stdout, 'true');
      ok(altered, 'dsa verify of other data');
      assert.equal(altered.stdout, 'false');
    })();

    await Promise.all([keyExchange, signature]);
  });

  test('tokens create with scopes, then acting as the token; revoke (positional token_id) kills it', async () => {
    const created = await pqc(['tokens', 'create', '--scopes', 'kem:keypair', '--scopes', 'tokens:create', '--expire-after-attempts', '5', '--expiry-time', '600', '--compact']);
    ok(created, 'tokens create');
    const token = json(created) as { new_token: string; token_id: string; scopes: string[]; attempts_left: number };
    assert.deepEqual(token.scopes, ['kem:keypair', 'tokens:create']);
    assert.equal(token.attempts_left, 5);
    const asToken = { env: { PQC_TOKEN: token.new_token } };

    const [keypair, forbidden] = await Promise.all([pqc(['kem', 'keypair', '--field', 'key_id'], asToken), inProcess(['dsa', 'sign', '--data', 'x'], asToken)]);
    ok(keypair, 'kem keypair as the token');
    assert.match(keypair.stdout, /^kem_[A-Za-z0-9_-]{22}$/);
    assert.equal(forbidden.code, 3, forbidden.stderr);
    assert.match(forbidden.stderr, /^pqc: Forbidden \(403\): /);

    const revoked = await pqc(['tokens', 'revoke', token.token_id]);
    ok(revoked, 'tokens revoke');
    assert.equal(revoked.stdout, '', 'a 204 prints nothing');
    const dead = await inProcess(['kem', 'keypair'], asToken);
    assert.equal(dead.code, 3);
    assert.equal(dead.stderr, 'pqc: Unauthorized (401): Missing or invalid credentials.\n');
  });

  test('exit codes on real errors: 2 usage, 3 bad token, 4 unknown key_id, 5 bad base64 (naming the field), 7 unreachable', async () => {
    const cipher = Buffer.alloc(1088, 7).toString('base64');
    const [usage, unauthorized, notFound, invalid, unreachable] = await Promise.all([
      pqc(['kem', 'decapsulate', '--cipher', cipher, '--key-idd', 'kem_x']),
      pqc(['kem', 'keypair'], { env: { PQC_TOKEN: WRONG_TOKEN } }),
      pqc(['kem', 'decapsulate', '--key-id', 'kem_AAAAAAAAAAAAAAAAAAAAAA', '--cipher', cipher]),
      pqc(['kem', 'encapsulate', '--pk', 'not base64!']),
      pqc(['healthz'], { env: { PQC_URL: closedUrl } }),
    ]);
    assert.deepEqual([usage.code, unauthorized.code, notFound.code, invalid.code, unreachable.code], [2, 3, 4, 5, 7], [usage, unauthorized, notFound, invalid, unreachable].map((r) => r.stderr).join(''));
    assert.equal(usage.stderr, 'pqc: unknown flag --key-idd (did you mean --key-id?)\nSee pqc kem decapsulate --help.\n');
    assert.match(unauthorized.stderr, /^pqc: Unauthorized \(401\): /);
    assert.match(notFound.stderr, /^pqc: Not found \(404\): /);
    const lines = invalid.stderr.trimEnd().split('\n');
    assert.match(lines[0]!, /^pqc: Validation failed \(422\): /);
    assert.match(lines[1]!, /^ {2}\/pk: /, 'each field error on its own line');
    assert.match(unreachable.stderr, /^pqc: cannot reach the service: GET http:\/\/127\.0\.0\.1:\d+\/healthz: .*ECONNREFUSED/);
    for (const r of [usage, unauthorized, notFound, invalid, unreachable]) assert.equal(r.stdout, '');
  });

  test('profiles from ~/.config/pqc/profiles.json ("default") and from PQC_CONFIG + PQC_PROFILE; --help and --version', async () => {
    mkdirSync(join(home, '.config', 'pqc'), { recursive: true });
    writeFileSync(join(home, '.config', 'pqc', 'profiles.json'), JSON.stringify({ default: { url: server.url, token: TENANTS.bob } }));
    const config = file('child-profiles.json', JSON.stringify({ broken: { url: server.url, token: WRONG_TOKEN } }));
    const none = { PQC_URL: undefined, PQC_TOKEN: undefined };
    const [byDefault, byEnv, help, version] = await Promise.all([
      pqc(['tokens', 'current', '--field', 'scopes'], { env: none }),
      // PQC_PROFILE names the profile used: the other one's token is refused.
      pqc(['tokens', 'current'], { env: { ...none, PQC_CONFIG: config, PQC_PROFILE: 'broken' }, secrets: [WRONG_TOKEN] }),
      pqc(['kem', 'decapsulate', '--help']),
      pqc(['--version']),
    ]);
    ok(byDefault, 'the default profile of ~/.config/pqc/profiles.json');
    assert.ok((JSON.parse(byDefault.stdout) as string[]).includes('kem:keypair'));
    assert.equal(byEnv.code, 3, 'PQC_CONFIG + PQC_PROFILE');
    ok(help, 'kem decapsulate --help');
    for (const flag of ['--cipher', '--key-id', '--pk']) assert.ok(help.stdout.includes(flag), flag);
    assert.equal(help.stderr, '');
    ok(version, '--version');
    assert.equal(version.stdout, `pqc ${VERSION}\n`);
  });
});

describe('pqc in this process (run(), all main.ts calls)', () => {
  test('every command of the document and every local command: --help exits 0 and names each flag, type and example', async () => {
    assert.deepEqual(COMMANDS.map((c) => c.operationId).sort(), Object.keys(OPERATIONS).sort(), 'one command per operation');
    for (const c of ALL_COMMANDS) {
      const words = c.group ? [c.group, c.name] : [c.name];
      const r = await inProcess([...words, '--help']);
      assert.equal(r.code, 0, words.join(' '));
      assert.equal(r.stderr, '');
      assert.ok(r.stdout.startsWith(`pqc ${words.join(' ')}: `), words.join(' '));
      for (const f of c.fields) assert.match(r.stdout, new RegExp(`^ {2}--${f.flag} `, 'm'), `${words.join(' ')} names --${f.flag}`);
      for (const f of c.fields.filter((f) => f.required)) assert.match(r.stdout, new RegExp(`--${f.flag} \\S+ +Required\\.`), `${words.join(' ')}: --${f.flag} is marked required`);
      assert.match(r.stdout, new RegExp(`Example:\\n {2}pqc ${words.join(' ')}`));
    }
    // --help wins wherever it is, and `help` says the same.
    assert.deepEqual(await inProcess(['help', 'kem', 'keypair']), await inProcess(['kem', '--help', 'keypair']));
    assert.deepEqual(await inProcess(['kem', 'keypair', '-h']), await inProcess(['kem', 'keypair', '--help']));
  });

  test('pqc --help lists every group and the exit codes; a group lists its commands; no command is a usage error', async () => {
    const main = await inProcess(['--help']);
    assert.equal(main.code, 0);
    for (const c of ALL_COMMANDS) assert.match(main.stdout, new RegExp(`^ {2}${c.group ?? c.name} `, 'm'));
    for (const [code, meaning] of EXIT_CODES) assert.ok(main.stdout.includes(`  ${code}  ${meaning}`), `exit code ${code}`);
    for (const group of new Set(ALL_COMMANDS.flatMap((c) => (c.group ? [c.group] : [])))) {
      const r = await inProcess([group, '--help']);
      assert.equal(r.code, 0, group);
      for (const c of ALL_COMMANDS.filter((c) => c.group === group)) assert.match(r.stdout, new RegExp(`^ {2}${c.name} `, 'm'), `${group} ${c.name}`);
      const bare = await inProcess([group]);
      assert.equal(bare.code, 2);
      assert.equal(bare.stdout, '');
      assert.match(bare.stderr, new RegExp(`^pqc ${group}: which command\\?`));
    }
    const nothing = await inProcess([]);
    assert.equal(nothing.code, 2);
    assert.equal(nothing.stderr, main.stdout);
    const unknown = await inProcess(['kem', 'keypar']);
    assert.deepEqual([unknown.code, unknown.stderr.split('\n')[0]], [2, 'pqc: unknown command pqc kem keypar (did you mean pqc kem keypair?); pqc kem --help lists them']);
  });

  test('local encapsulate checks the attestation against a pinned key; the server decapsulates to its key; local confirm checks the confirmation', async () => {
    const pairResult = await inProcess(['kem', 'keypair']);
    ok(pairResult, 'kem keypair');
    const pair = json(pairResult) as { key_id: string; pk: string; signature: string; verification_key: string };
    const pk = file('local-pk.b64', pair.pk);
    const pinned = file('local-pinned.b64', pair.verification_key);

    const enc = await inProcess(['local', 'encapsulate', '--pk', `@${pk}`, '--signature', pair.signature, '--verification-key', `@${pinned}`], { env: { PQC_URL: closedUrl } });
    ok(enc, 'local encapsulate');
    const local = json(enc) as { cipher: string; shared_key: string; confirmation: string };
    const encFile = file('local-enc.json', enc.stdout);
    const tampered = file('local-tampered.json', JSON.stringify({ ...local, confirmation: Buffer.alloc(32).toString('base64') }));
    const otherSignature = Buffer.from(pair.signature, 'base64');
    otherSignature[10]! ^= 1;

    const [dec, confirmed, refused, unattested] = await Promise.all([
      inProcess(['kem', 'decapsulate', '--key-id', pair.key_id, '--cipher', local.cipher, '--field', 'shared_key']),
      inProcess(['local', 'confirm', '--body', `@${encFile}`, '--field', 'matches']),
      inProcess(['local', 'confirm', '--body', `@${tampered}`]),
      inProcess(['local', 'encapsulate', '--pk', `@${pk}`, '--signature', otherSignature.toString('base64'), '--verification-key', `@${pinned}`]),
    ]);
    ok(dec, 'kem decapsulate');
    assert.equal(dec.stdout, local.shared_key);
    ok(confirmed, 'local confirm');
    assert.equal(confirmed.stdout, 'true');
    assert.equal(refused.code, 5, refused.stderr);
    assert.match(refused.stderr, /^pqc: the confirmation does not match/);
    assert.equal(unattested.code, 5, unattested.stderr);
    assert.match(unattested.stderr, /^pqc: the key pair is not attested/);
    assert.equal(unattested.stdout, '');
  });

  test('exit codes by problem class', () => {
    const expected: Record<number, number> = { 400: 5, 401: 3, 403: 3, 404: 4, 405: 1, 413: 5, 415: 5, 422: 5, 429: 6, 500: 1, 503: 7, 507: 7 };
    for (const [status, code] of Object.entries(expected)) assert.equal(exitCodeFor(Number(status)), code, status);
  });

  test('where and as whom: a flag beats the environment, which beats the profile, for url and token alike', async () => {
    const profiles = file(
      'matrix-profiles.json',
      JSON.stringify({ good: { url: server.url, token: TENANTS.alice }, badToken: { url: server.url, token: WRONG_TOKEN }, badUrl: { url: closedUrl, token: TENANTS.alice }, urlOnly: { url: server.url } }),
    );
    const none = { PQC_URL: undefined, PQC_TOKEN: undefined, PQC_CONFIG: profiles };
    const secrets = [WRONG_TOKEN];
    const cases: [string, string[], Record<string, string | undefined>, number][] = [
      ['--profile alone', ['--profile', 'good'], none, 0],
      ['PQC_PROFILE alone', [], { ...none, PQC_PROFILE: 'good' }, 0],
      ['--profile beats PQC_PROFILE', ['--profile', 'good'], { ...none, PQC_PROFILE: 'badToken' }, 0],
      ['PQC_TOKEN beats the profile token', [], { ...none, PQC_PROFILE: 'good', PQC_TOKEN: WRONG_TOKEN }, 3],
      ['PQC_TOKEN beats the profile token (the other way)', [], { ...none, PQC_PROFILE: 'badToken', PQC_TOKEN: TENANTS.alice }, 0],
      ['--token beats the profile token', ['--token', TENANTS.alice], { ...none, PQC_PROFILE: 'badToken' }, 0],
      ['--token beats PQC_TOKEN', ['--token', WRONG_TOKEN], { ...none, PQC_PROFILE: 'good', PQC_TOKEN: TENANTS.alice }, 3],
      ['--token @file', ['--token', `@${file('matrix-token', `${TENANTS.alice}\n`)}`], { ...none, PQC_PROFILE: 'badToken' }, 0],
      ['PQC_URL beats the profile url', [], { ...none, PQC_PROFILE: 'badUrl', PQC_URL: server.url }, 0],
      ['--url beats PQC_URL', ['--url', server.url], { ...none, PQC_PROFILE: 'good', PQC_URL: closedUrl }, 0],
      ['--url beats PQC_URL (the other way)', ['--url', closedUrl], { ...none, PQC_PROFILE: 'good', PQC_URL: server.url }, 7],
      ['a profile without a token', [], { ...none, PQC_PROFILE: 'urlOnly' }, 3],
      ['no profile at all: the environment', [], { PQC_URL: server.url, PQC_TOKEN: TENANTS.alice, PQC_CONFIG: join(dir, 'absent.json') }, 0],
      ['an unknown profile is a usage error', ['--profile', 'nope'], none, 2],
      ['a profile asked of an absent file is a usage error', ['--profile', 'good'], { ...none, PQC_CONFIG: join(dir, 'absent.json') }, 2],
      ['a URL that is not http(s) is a usage error', ['--url', 'ftp://example.com'], none, 2],
    ];
    for (const [what, args, env, code] of cases) {
      const r = await inProcess(['tokens', 'current', ...args], { env, secrets });
      assert.equal(r.code, code, `${what}: ${r.stderr}`);
    }
    // A profile file that is not JSON: the parser's message (which quotes the text) is not repeated.
    const broken = file('matrix-broken.json', `{"p": {"token": "${WRONG_TOKEN}"`);
    const r = await inProcess(['tokens', 'current', '--profile', 'p'], { env: { ...none, PQC_CONFIG: broken }, secrets });
    assert.deepEqual([r.code, r.stderr], [2, `pqc: the profile file ${broken} is not valid JSON\nSee pqc tokens current --help.\n`]);
  });

  test('usage errors: missing required, unknown flag before the command, twice a scalar, two values from stdin, a flag for another command, a body for a body-less command', async () => {
    const cases: [string[], RegExp][] = [
      [['kem', 'decapsulate'], /^pqc: missing --cipher \(required\)/],
      // A batchable operation: either the single form's required fields, or --batch-input.
      [['aes', 'encrypt', '--key', 'k'], /^pqc: give the fields of one form: --unencrypted, or --batch-input/],
      [['dsa', 'sign', '--key-id', 'dsa_x'], /^pqc: give the fields of one form: --data, or --batch-input/],
      [['--pk', 'x', 'kem', 'encapsulate'], /^pqc: unknown option --pk: a command's flags come after its name/],
      [['kem', 'encapsulate', '--pk', 'a', '--pk', 'b'], /^pqc: --pk is given twice/],
      [['aes', 'decrypt', '--key', '-', '--ciphertext', '-'], /^pqc: --ciphertext and --key both read stdin/],
      [['kem', 'keypair', '--cipher', 'x'], /^pqc: unknown flag --cipher/],
      [['tokens', 'current', '--body', '{}'], /^pqc: pqc tokens current takes no body/],
      [['tokens', 'revoke', 'a', 'b'], /^pqc: unexpected argument b/],
      [['kem', 'encapsulate', '--pk', `@${join(dir, 'absent.b64')}`], /^pqc: --pk: cannot read .*absent\.b64 \(ENOENT\)/],
      [['kem', 'encapsulate', '--body', '{"pk":'], /^pqc: --body takes a JSON object/],
      [['dsa', 'sign', '--data', `@${file('binary.bin', new Uint8Array([0xff, 0xfe, 0x00]))}`], /is not UTF-8 text: send binary data as base64/],
      [['healthz', '--field', 'status', '--retries', 'x'], /^pqc: --retries takes a whole number/],
      [['metrics', '--field', 'x'], /^pqc: --field: pqc metrics answers text, not JSON/],
    ];
    for (const [args, pattern] of cases) {
      const r = await inProcess(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern, args.join(' '));
      assert.equal(r.stdout, '');
    }
    // A required field given in --body satisfies it; the flags override the body's fields.
    const pair = json(await inProcess(['kem', 'keypair', '--compact'])) as { pk: string };
    const body = file('usage-body.json', JSON.stringify({ pk: 'not base64!' }));
    const r = await inProcess(['kem', 'encapsulate', '--body', `@${body}`, '--pk', pair.pk, '--field', 'cipher']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(b64len(r.stdout), 1088);
  });

  test('arrays comma-separated, repeated or JSON; integers as numbers, other text passed for the server to name; --field reaches inside', async () => {
    const forms = [
      ['--scopes', 'kem:keypair,dsa:sign'],
      ['--scopes', 'kem:keypair', '--scopes', 'dsa:sign'],
      ['--scopes', '["kem:keypair","dsa:sign"]'],
      ['--scopes', `@${file('scopes.txt', 'kem:keypair\ndsa:sign\n')}`],
    ];
    for (const form of forms) {
      const r = await inProcess(['tokens', 'create', ...form, '--expire-after-attempts', '2', '--field', 'scopes', '--compact']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '["kem:keypair","dsa:sign"]', form.join(' '));
    }
    const scope = await inProcess(['tokens', 'create', '--scopes', 'kem:keypair', '--field', 'scopes.0']);
    assert.equal(scope.stdout, 'kem:keypair');
    const notANumber = await inProcess(['tokens', 'create', '--expire-after-attempts', 'three']);
    assert.equal(notANumber.code, 5);
    assert.match(notANumber.stderr, /\n {2}\/expire_after_attempts: /);
    const noSuchField = await inProcess(['healthz', '--field', 'nope']);
    assert.deepEqual([noSuchField.code, noSuchField.stderr], [1, 'pqc: the answer has no field nope (it has: status)\n']);
    const audit = await inProcess(['audit', 'list', '--limit', '1', '--compact']);
    assert.equal(audit.code, 0, audit.stderr);
    assert.equal((json(audit).entries as unknown[]).length, 1, '--limit went out as the query parameter');
  });

  test('the value syntax, on fields of every type (booleans and JSON included, ahead of the operations that will have them)', async () => {
    const field = (name: string, type: FieldSpec['type'], extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, flag: name.replace(/_/g, '-'), in: 'body', type, required: false, ...extra });
    const fields = [field('store', 'boolean'), field('batch_input', 'json'), field('limit', 'integer'), field('data', 'string', { text: true }), field('pk', 'string', { format: 'byte' }), field('key_ids', 'string[]')];
    const files: Record<string, string> = { 'a.txt': ' spaced \n', 'pk.b64': ' AAAA\n', 'batch.json': '[{"pk":"AAAA"}]' };
    const reader = () => new ValueReader({ readFile: async (path) => new TextEncoder().encode(files[path] ?? ''), readStdin: async () => new TextEncoder().encode('{"x":1}') });
    const parse = async (args: string[]) => {
      const { values } = parseCommandArgs(args, fields, {} as Globals, 'test');
      const r = reader();
      const out: Record<string, unknown> = {};
      for (const [f, raws] of values) out[f.name] = await r.field(f, raws, 'test');
      return out;
    };
    assert.deepEqual(await parse(['--store']), { store: true });
    assert.deepEqual(await parse(['--store=false']), { store: false });
    assert.deepEqual(await parse(['--no-store']), { store: false });
    assert.deepEqual(await parse(['--store=maybe']), { store: 'maybe' }, 'the server names a wrong boolean');
    assert.deepEqual(await parse(['--batch-input', '@batch.json']), { batch_input: [{ pk: 'AAAA' }] });
    assert.deepEqual(await parse(['--batch-input', '-']), { batch_input: { x: 1 } });
    assert.deepEqual(await parse(['--batch-input', '[{"pk":"B"}]']), { batch_input: [{ pk: 'B' }] });
    await assert.rejects(parse(['--batch-input', '{oops']), UsageError);
    assert.deepEqual(await parse(['--limit', '20']), { limit: 20 });
    assert.deepEqual(await parse(['--limit=-1']), { limit: -1 });
    assert.deepEqual(await parse(['--data', '@a.txt', '--pk', '@pk.b64']), { data: ' spaced \n', pk: 'AAAA' }, 'text exactly, the rest trimmed');
    assert.deepEqual(await parse(['--data', '@@handle', '--key-ids', 'a, b', '--key-ids=c']), { data: '@handle', key_ids: ['a', 'b', 'c'] });
    assert.deepEqual(await parse(['--data', '-x']), { data: '-x' }, 'a value may start with a dash');
    await assert.rejects(parse(['--limit']), /--limit needs a value/);
    assert.deepEqual(parseCommandArgs(['--store', 'positional'], fields, {}, 'test').positionals, ['positional'], 'a boolean flag takes no separate value');
  });

  test('operations added to the document later become commands: path parameters, query enums, booleans, batch forms', () => {
    const document = {
      paths: {
        '/v1/keys/{key_id}': {
          get: { operationId: 'keysGet', summary: 'A key', parameters: [{ name: 'key_id', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { content: { 'application/json': { schema: { type: 'object', properties: { key_id: {}, type: {} } } } } } } },
          delete: { operationId: 'keysDelete', parameters: [{ name: 'key_id', in: 'path', required: true, schema: { type: 'string' } }], responses: { 204: {} } },
        },
        '/v1/keys': {
          get: {
            operationId: 'keysList',
            parameters: [
              { name: 'type', in: 'query', schema: { type: 'string', enum: ['kem', 'dsa', 'shared'] } },
              { name: 'limit', in: 'query', schema: { type: 'integer' } },
            ],
            responses: { 200: { content: { 'application/json': { schema: { type: 'object', properties: { keys: {}, next_cursor: {} } } } } } },
          },
        },
        '/v1/kem/encapsulate': {
          post: {
            operationId: 'kemEncapsulate',
            requestBody: { content: { 'application/json': { schema: { anyOf: [{ $ref: '#/components/schemas/Single' }, { type: 'object', properties: { batch_input: { type: 'array', items: { $ref: '#/components/schemas/Single' } } }, required: ['batch_input'] }] } } } },
            responses: { 200: { content: { 'application/json': { schema: { type: 'object', properties: { cipher: {} } } } } } },
          },
        },
      },
      security: [{ bearerAuth: [] }],
      components: { schemas: { Single: { type: 'object', properties: { pk: { type: 'string', format: 'byte' }, store: { type: 'boolean' }, expires_in: { type: ['integer', 'null'] } }, required: ['pk'] } } },
    };
    const table = commandTable(document);
    assert.deepEqual(
      table.map((c) => `pqc ${c.group} ${c.name}`),
      ['pqc kem encapsulate', 'pqc keys delete', 'pqc keys get', 'pqc keys list'],
    );
    const [encapsulate, remove, get, list] = table;
    assert.deepEqual(
      encapsulate!.fields.map((f) => [f.flag, f.type, f.required]),
      [['pk', 'string', false], ['store', 'boolean', false], ['expires-in', 'integer', false], ['batch-input', 'json', false]],
    );
    assert.deepEqual(encapsulate!.alternatives, [['pk'], ['batch_input']]);
    assert.deepEqual(get!.fields.map((f) => [f.flag, f.in, f.required]), [['key-id', 'path', true]]);
    assert.deepEqual(get!.response, { status: 200, type: 'json', fields: ['key_id', 'type'] });
    assert.deepEqual(remove!.response, { status: 204, type: 'none', fields: [] });
    assert.deepEqual(list!.fields.map((f) => [f.flag, f.in, f.type, f.enum]), [['type', 'query', 'string', ['kem', 'dsa', 'shared']], ['limit', 'query', 'integer', undefined]]);
    assert.ok(table.every((c) => c.auth));
    assert.throws(() => commandTable({ paths: { '/x': { get: { operationId: 'localThing' } } } }), /kept for the CLI's own commands/);
  });
});

describe('pqc hpke seal | open', () => {
  test('seal to a stored key with info and a suite, then open from the saved answer (--body) as a child process; a wrong info exits 5 with hpke-open-failed', async () => {
    const message = 'sealed with HPKE\n';
    const msg = file('hpke-message.txt', message);
    const pair = await inProcess(['kem', 'keypair', '--algorithm', 'X-Wing', '--compact']);
    ok(pair, 'kem keypair');
    const { key_id } = json(pair) as { key_id: string };
    const info = Buffer.from('pqc cli').toString('base64');
    const sealed = await pqc(['hpke', 'seal', '--key-id', key_id, '--plaintext', `@${msg}`, '--info', info, '--suite', '{"aead":"ChaCha20-Poly1305"}', '--compact']);
    ok(sealed, 'hpke seal');
    const answer = json(sealed) as { suite: Record<string, string>; enc: string; ciphertext: string };
    assert.deepEqual(answer.suite, { kem: 'X-Wing', kdf: 'HKDF-SHA256', aead: 'ChaCha20-Poly1305' });
    assert.equal(b64len(answer.enc), 1120);
    const saved = file('hpke-sealed.json', sealed.stdout);
    const opened = await pqc(['hpke', 'open', '--body', `@${saved}`, '--key-id', key_id, '--info', info, '--field', 'plaintext']);
    ok(opened, 'hpke open');
    assert.equal(opened.stdout, message);
    const refused = await inProcess(['hpke', 'open', '--body', `@${saved}`, '--key-id', key_id, '--info', Buffer.from('other').toString('base64')]);
    assert.equal(refused.code, 5, refused.stderr);
    assert.match(refused.stderr, /HPKE open failed \(400\)/);
  });

  test('pqc hpke seal --help lists its fields', async () => {
    const help = await inProcess(['hpke', 'seal', '--help']);
    ok(help, 'help');
    for (const flag of ['--plaintext', '--pk', '--key-id', '--kem', '--info', '--aad', '--suite']) assert.ok(help.stdout.includes(flag), flag);
  });
});
