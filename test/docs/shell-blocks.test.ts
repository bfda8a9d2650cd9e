/**
 * Every shell block of the README, docs/*.md, packages/client/README.md and examples/README.md,
 * run as written against a real server, so that a walkthrough cannot drift from the API. A fenced block in bash, sh or
 * shell runs unless the line right before its fence says why not: `<!-- not run: <reason> -->`
 * (Docker, a Redis of your own, benchmarks, installing packages elsewhere); those are counted and
 * listed, and nothing else is left out.
 *
 * Each document gets its own server (test/helpers/server.ts: the app on an ephemeral port, memory
 * store), a recording proxy in front of it, and its own empty working folder. Its blocks run in
 * order, each in a fresh `bash` with `set -euo pipefail`, carrying the shell variables and
 * functions of the blocks before it (as a reader's terminal would), so an undefined variable or a
 * file no block made fails the block. A block passes when it exits 0 and no answer was a 5xx; a 4xx
 * fails it too, unless the line before its fence is `<!-- expect 4xx -->` (blocks that show a
 * refusal on purpose).
 *
 * What the harness changes in a block, and nothing else: the documented placeholders. The address
 * `http://127.0.0.1:8080` (and `https://pqc.example.com`) becomes the proxy's; the key placeholders
 * `dev_...`, `KEY=...` and `PQC_TOKEN=...` become an API key of the test tenant. Every document
 * starts with API, KEY and METRICS_TOKEN set, as the docs' prose assumes; `pqc` on PATH is the
 * client's command line from source (packages/client/src/cli/main.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startServer, TENANTS, type TestServer } from '../helpers/server.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`),
  'packages/client/README.md',
  'examples/README.md',
];
const METRICS_TOKEN = 'metrics-token-for-the-docs-0123456789';
const BLOCK_TIMEOUT_MS = 60_000;

interface Block {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  /** Why it is not run, from `<!-- not run: ... -->`. */
  readonly notRun?: string;
  readonly expect4xx: boolean;
}

function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (!fence) continue;
    const [, , marks, lang] = fence;
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^\\s*${marks![0]}{${marks!.length},}\\s*$`).test(lines[end]!)) end++;
    if (['bash', 'sh', 'shell'].includes(lang!)) {
      let before = i - 1;
      while (before >= 0 && lines[before]!.trim() === '') before--;
      const marker = before >= 0 ? lines[before]!.trim() : '';
      const notRun = /^<!--\s*not run:\s*(.+?)\s*-->$/.exec(marker)?.[1];
      blocks.push({ file, line: i + 1, code: lines.slice(i + 1, end).join('\n'), expect4xx: /^<!--\s*expect 4xx\b.*-->$/.test(marker), ...(notRun ? { notRun } : {}) });
    }
    i = end;
  }
  return blocks;
}

/** The documented placeholders, and only those. */
function fill(code: string, url: string, key: string): string {
  return code
    .replaceAll('http://127.0.0.1:8080', url)
    .replaceAll('https://pqc.example.com', url)
    .replaceAll('dev_...', key)
    .replace(/\b(KEY|PQC_TOKEN)=\.\.\.(?=\s|$)/g, `$1=${key}`);
}

/**
 * The block, preceded by: strict mode, the working folder, the state the blocks before it left;
 * and followed (on any exit) by saving its variables and functions for the next one.
 */
const PRELUDE = `set -euo pipefail
cd "$__WORKDIR"
__builtin=" $(compgen -v | tr '\\n' ' ') "
source "$__STATE"
__save() {
  { for __v in $(compgen -v); do
      case "$__builtin" in *" $__v "*) continue ;; esac
      case "$__v" in __*) continue ;; esac
      declare -p "$__v" 2>/dev/null || true
    done
    declare -f | sed '/^__save ()/,/^}/d'
  } > "$__STATE.next" && mv "$__STATE.next" "$__STATE"
}
trap __save EXIT
`;

interface Run {
  readonly code: number | null;
  readonly output: string;
}

function runBash(script: string, env: Record<string, string>): Promise<Run> {
  // Its own process group: at the deadline, the curl or pqc it waits on goes too (killing bash
  // alone would leave them holding its output open).
  const child = spawn('bash', ['-c', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
  const timer = setTimeout(() => {
    output += `\n(killed after ${BLOCK_TIMEOUT_MS} ms)`;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, BLOCK_TIMEOUT_MS);
  return new Promise((done) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, output });
    }),
  );
}

interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/** A proxy that forwards to the server and records every answer's status. */
async function recordingProxy(target: string, record: (e: Exchange) => void): Promise<{ url: string; close(): Promise<void> }> {
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    const upstream = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        record({ method: req.method ?? '', path: req.url ?? '', status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      record({ method: req.method ?? '', path: req.url ?? '', status: 599 });
      res.writeHead(502).end(String(error));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

const all = DOCUMENTS.flatMap(blocksOf);

test('every shell block of the docs either runs or says why not', (t) => {
  const notRun = all.filter((b) => b.notRun);
  t.diagnostic(`${all.length} shell blocks in ${DOCUMENTS.length} documents: ${all.length - notRun.length} run, ${notRun.length} not run`);
  for (const b of notRun) t.diagnostic(`not run: ${b.file}:${b.line}: ${b.notRun}`);
  assert.ok(all.length - notRun.length >= 40, 'the walkthroughs are found');
  for (const b of notRun) assert.ok(b.notRun!.length >= 8, `${b.file}:${b.line}: a reason, not just a marker`);
});

for (const file of DOCUMENTS) {
  const blocks = all.filter((b) => b.file === file && !b.notRun);
  if (blocks.length === 0) continue;

  describe(`${file}: its shell blocks, in order, against a real server`, () => {
    let server: TestServer;
    let proxy: { url: string; close(): Promise<void> };
    let dir: string;
    let exchanges: Exchange[] = [];
    const env: Record<string, string> = {};

    before(async () => {
      // Errors the server logs (the cause of a 500) show up beside the failing block.
      server = await startServer({ env: { METRICS_TOKEN }, logger: pino({ level: 'error' }, process.stderr) });
      proxy = await recordingProxy(server.url, (e) => exchanges.push(e));
      dir = mkdtempSync(join(tmpdir(), 'pq-docs-'));
      const work = join(dir, 'work');
      const bin = join(dir, 'bin');
      mkdirSync(work);
      mkdirSync(bin);
      const tsx = import.meta.resolve('tsx');
      writeFileSync(join(bin, 'pqc'), `#!/bin/sh\nexec "${process.execPath}" --import "${tsx}" "${join(ROOT, 'packages/client/src/cli/main.ts')}" "$@"\n`);
      chmodSync(join(bin, 'pqc'), 0o755);
      const state = join(dir, 'state.sh');
      writeFileSync(state, `API=${proxy.url}\nKEY=${TENANTS.alice}\nMETRICS_TOKEN=${METRICS_TOKEN}\n`);
      Object.assign(env, { __WORKDIR: work, __STATE: state, PATH: `${bin}:${process.env.PATH ?? ''}` });
      // The client's command line reads these; a block sets them when it means to.
      for (const name of ['PQC_URL', 'PQC_TOKEN', 'NODE_TEST_CONTEXT']) env[name] = '';
    });
    // A deadline, so that a server that cannot close fails the file instead of hanging the run.
    after(
      async () => {
        await proxy?.close();
        await server?.close();
        if (dir) rmSync(dir, { recursive: true, force: true });
      },
      { timeout: 30_000 },
    );

    for (const block of blocks) {
      const firstLine = block.code.split('\n').find((l) => l.trim() && !l.trim().startsWith('#')) ?? '';
      it(`${file}:${block.line}: ${firstLine.trim().slice(0, 70)}`, async () => {
        exchanges = [];
        const { code, output } = await runBash(PRELUDE + fill(block.code, proxy.url, TENANTS.alice), env);
        const shown = `\n--- block ${file}:${block.line}:\n${block.code}\n--- output:\n${output.slice(-4000)}\n--- answers: ${exchanges.map((e) => `${e.method} ${e.path} ${e.status}`).join(', ')}`;
        assert.equal(code, 0, `exit code ${code}${shown}`);
        const failed = exchanges.filter((e) => e.status >= 500);
        assert.deepEqual(failed, [], `5xx answers${shown}`);
        if (!block.expect4xx) assert.deepEqual(exchanges.filter((e) => e.status >= 400), [], `4xx answers in a block not marked <!-- expect 4xx -->${shown}`);
      });
    }
  });
}
