/**
 * `npm run vectors` (scripts/vectors.mjs) against a mirror: a local HTTP server over the vectors
 * folder the suites use (../shared/vectors or VECTORS_DIR), never the real network. It fetches
 * every file of scripts/vectors-manifest.json into an empty folder with the pinned SHA-256, keeps
 * what is already there, and refuses a file whose bytes differ (nothing of it left behind).
 * The manifest itself is held to the folder's own SHA256SUMS lists.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize, resolve } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VECTORS_DIR, VECTORS_SKIP } from '../helpers/vectors.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'vectors.mjs');
interface Entry {
  path: string;
  sha256: string;
}
const manifest = JSON.parse(readFileSync(join(ROOT, 'scripts', 'vectors-manifest.json'), 'utf8')) as { files: Entry[] };
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const CORRUPTED = 'mlkem-keygen.json';

function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [SCRIPT], { env: { ...process.env, VECTORS_UPSTREAM_URL: 'http://127.0.0.1:9/', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listFiles(dir, join(prefix, d.name)) : [join(prefix, d.name)],
  );
}

// Without the folder there is nothing to serve: one skipped test, so the runner's count shows it
// (a skipped suite would not).
if (VECTORS_SKIP) test('npm run vectors, from a mirror on 127.0.0.1', { skip: VECTORS_SKIP }, () => {});
else describe('npm run vectors, from a mirror on 127.0.0.1', () => {
  let server: Server;
  let base: string;
  let requests = 0;
  let corrupt = false;
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-vectors-'));
    dirs.push(dir);
    return dir;
  };

  before(async () => {
    server = createServer((req, res) => {
      requests++;
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '');
      const file = resolve(VECTORS_DIR, path);
      if (!file.startsWith(VECTORS_DIR) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const bytes = Buffer.from(readFileSync(file));
      // One flipped bit: the kind of damage a hash catches and a parser may not.
      if (corrupt && path === CORRUPTED) bytes[bytes.length >> 1]! ^= 0x01;
      res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  after(async () => {
    await new Promise<void>((done) => server.close(() => done()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('the manifest lists every file of the folder\'s SHA256SUMS lists, with the same hashes', () => {
    const pinned = new Map(manifest.files.map((f) => [f.path, f.sha256]));
    for (const [list, prefix] of [['SHA256SUMS-2026-12', ''], ['cctv/SHA256SUMS', 'cctv/'], ['wycheproof/SHA256SUMS', 'wycheproof/']] as const) {
      const lines = readFileSync(join(VECTORS_DIR, list), 'utf8').trim().split('\n');
      assert.ok(lines.length > 0);
      for (const line of lines) {
        const [hash, path] = line.split(/\s+/);
        assert.equal(pinned.get(prefix + path!.replace(/^\.\//, '')), hash, `${list}: ${path}`);
      }
    }
  });

  it('fetches every file into an empty folder, each with its pinned SHA-256 and the same bytes as the folder served', async () => {
    const target = tempDir();
    const { code, stdout, stderr } = await run({ VECTORS_DIR: target, VECTORS_BASE_URL: base });
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`all ${manifest.files.length} files present with the pinned SHA-256 \\(${manifest.files.length} fetched, 0 already there\\)`));
    assert.equal(listFiles(target).length, manifest.files.length);
    for (const { path, sha256: pinned } of manifest.files) {
      const got = sha256(readFileSync(join(target, path)));
      assert.equal(got, pinned, path);
      assert.equal(got, sha256(readFileSync(join(VECTORS_DIR, path))), path);
    }

    // Run again: nothing is fetched, everything is kept.
    requests = 0;
    const again = await run({ VECTORS_DIR: target, VECTORS_BASE_URL: base });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`\\(0 fetched, ${manifest.files.length} already there\\)`));
    assert.equal(requests, 0);
  });

  it('refuses a file whose bytes differ from the pinned hash: exit 1, names it, writes nothing of it', async () => {
    const target = tempDir();
    corrupt = true;
    try {
      const { code, stderr } = await run({ VECTORS_DIR: target, VECTORS_BASE_URL: base });
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`1 of ${manifest.files.length} files refused`));
      assert.match(stderr, new RegExp(`${CORRUPTED.replace('.', '\\.')}: SHA-256 [0-9a-f]{64}, expected ${manifest.files.find((f) => f.path === CORRUPTED)!.sha256}; not written`));
    } finally {
      corrupt = false;
    }
    const files = listFiles(target);
    assert.ok(!files.includes(CORRUPTED), 'the refused file is not there');
    assert.ok(!files.some((f) => f.includes('.partial-')), 'no partial file is left');
    assert.equal(files.length, manifest.files.length - 1, 'the others are');
  });

  it('a mirror that lacks a file: exit 1 naming it and the HTTP status', async () => {
    const { code, stderr } = await run({ VECTORS_DIR: tempDir(), VECTORS_BASE_URL: `${base}nowhere/` });
    assert.equal(code, 1);
    assert.match(stderr, /mlkem-keygen\.json: .*nowhere\/mlkem-keygen\.json: HTTP 404/);
  });
});
