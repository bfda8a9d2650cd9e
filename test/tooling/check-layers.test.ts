/**
 * scripts/check-layers.mjs, run as CI runs it, on small fixture trees in a temporary directory:
 * one violation of each import rule is reported (file, rule, import) and fails the run, a clean
 * tree passes, an allow-listed violation passes, and the allow-list itself is kept honest (a line
 * without a reason, or one that matches nothing any more, fails).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';

const SCRIPT = resolve('scripts/check-layers.mjs');
const temps: string[] = [];
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A project tree with these files (paths from its root), and the check's answer on it. */
function run(files: Record<string, string>, ...args: string[]): { status: number | null; lines: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'check-layers-'));
  temps.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const result = spawnSync(process.execPath, [SCRIPT, '--root', root, ...args], { encoding: 'utf8' });
  assert.equal(result.stderr, '');
  return { status: result.status, lines: result.stdout.trim().split('\n') };
}

/** Follows every rule; the comments, strings and regular expressions are there to mislead a careless parser. */
const CLEAN: Record<string, string> = {
  'src/http/problems.ts': "export const problem = 1;\n",
  'src/http/route.ts': "import { problem } from './problems.ts';\nexport const route = problem;\n",
  'src/http/routes/a.ts': "import { route } from '../route.ts';\nimport { mint } from '../../operations/mint.ts';\nexport const a = [route, mint];\n",
  'src/http/routes/b.ts': "import type { Store } from '../../stores/store.ts';\nexport const b: Store | undefined = undefined;\n",
  'src/app.ts': "import { a } from './http/routes/a.ts';\nexport { a };\n",
  'src/server.ts': "export * from './http/route.ts';\n",
  'src/main.ts': "import('./http/problems.ts');\n",
  'src/operations/mint.ts': [
    "// import { problem } from '../http/problems.ts'; (a comment, not an import)",
    '/* a RedisStore in a block comment',
    "   import x from '../http/route.ts' */",
    "const url = 'http://example.test/a//b';",
    'const quote = /["\']\\/\\//g;',
    "const text = `${url} import ${'x'} from`;",
    "import { sha256 } from '../crypto/hash.ts';",
    'export const mint = [url, quote, text, sha256];',
    '',
  ].join('\n'),
  'src/stores/store.ts': 'export interface Store { close(): Promise<void> }\n',
  'src/stores/redis.ts': "import type { Store } from './store.ts';\nexport class RedisStore implements Store { async close() {} }\n",
  'src/stores/index.ts': "import { RedisStore } from './redis.ts';\nexport const make = () => new RedisStore();\n",
  'src/crypto/hash.ts': [
    "import { createHash } from 'node:crypto';",
    "import { randomBytes } from 'crypto';",
    "import { sha256 as nobleSha } from '@noble/hashes/sha2.js';",
    "import { size } from './size.ts';",
    'export const sha256 = [createHash, randomBytes, nobleSha, size];',
    '',
  ].join('\n'),
  'src/crypto/size.ts': 'export const size = 32;\n',
};

/** CLEAN plus exactly one violation of each rule. */
const BROKEN: Record<string, string> = {
  ...CLEAN,
  // A regular expression holding `/*` before the import: read as a comment, it would hide the import.
  'src/auth/authenticate.ts': "const star = /x\\/*/;\nimport {\n  problem,\n} from '../http/problems.ts';\n/* a comment */\nexport const authenticate = [star, problem];\n",
  'src/http/routes/c.ts': "import { a } from './a.ts';\nexport const c = a;\n",
  'src/limits/limits.ts': "import type { Store } from '../stores/store.ts';\nexport const isRedis = (s: Store) => s.constructor.name === 'x' || s instanceof RedisStore;\ndeclare const RedisStore: never;\n",
  'src/crypto/kem.ts': "import { loadConfig } from '../config.ts';\nexport const kem = loadConfig;\n",
  'src/crypto/backend.ts': "import { NativeKem } from './native.ts';\nexport interface Backend { x: number }\nexport const pick = NativeKem;\n",
  'src/crypto/native.ts': "import type { Backend } from './backend.ts';\nexport const NativeKem = (b: Backend) => b;\n",
  'src/config.ts': 'export const loadConfig = () => ({});\n',
};

const ALLOW_ALL = [
  '# every violation of BROKEN, with a reason each',
  'src/auth/authenticate.ts -> src/http/problems.ts  # moving to http/',
  'src/http/routes/c.ts -> src/http/routes/a.ts  # the operation moves below http/',
  'src/limits/limits.ts -> RedisStore  # counters become a store port',
  'src/crypto/kem.ts -> src/config.ts  # config is read by the caller instead',
  'src/crypto/native.ts -> src/crypto/backend.ts  # interface and picker split',
  '',
].join('\n');

describe('scripts/check-layers.mjs', () => {
  test('a tree that follows every rule passes, undeceived by comments, strings and regular expressions', () => {
    const { status, lines } = run(CLEAN);
    assert.deepEqual(lines, ['check-layers: 0 violations, 0 allowed by scripts/layers-allow.txt (0 found in all)']);
    assert.equal(status, 0);
  });

  test('one violation of each rule is reported with its file, rule and import, and fails the run', () => {
    const { status, lines } = run(BROKEN);
    assert.equal(status, 1);
    const found = lines.slice(0, -1).map((line) => line.split(' (')[0]);
    assert.deepEqual(found.sort(), [
      'src/auth/authenticate.ts: layers: src/http/problems.ts',
      'src/crypto/kem.ts: crypto-pure: src/config.ts',
      'src/crypto/native.ts: crypto-cycle: src/crypto/backend.ts',
      'src/http/routes/c.ts: routes: src/http/routes/a.ts',
      'src/limits/limits.ts: redis-store: RedisStore',
    ]);
    assert.match(lines.find((l) => l.includes('crypto-cycle'))!, /closes the cycle backend\.ts -> native\.ts -> backend\.ts/);
    assert.match(lines.find((l) => l.includes('redis-store'))!, /lines 2, 3/);
    assert.match(lines.find((l) => l.startsWith('src/auth/'))!, /line 4: '\.\.\/http\/problems\.ts'/);
    assert.equal(lines.at(-1), 'check-layers: 5 violations, 0 allowed by scripts/layers-allow.txt (5 found in all)');
  });

  test('allow-listed violations pass, and --all still shows them', () => {
    const { status, lines } = run({ ...BROKEN, 'scripts/layers-allow.txt': ALLOW_ALL });
    assert.deepEqual(lines, ['check-layers: 0 violations, 5 allowed by scripts/layers-allow.txt (5 found in all)']);
    assert.equal(status, 0);
    const all = run({ ...BROKEN, 'scripts/layers-allow.txt': ALLOW_ALL }, '--all');
    assert.equal(all.status, 0);
    assert.equal(all.lines.filter((l) => l.endsWith('(allowed)')).length, 5);
  });

  test('an allow-list line covers only its own file and import', () => {
    const partial = ALLOW_ALL.split('\n').filter((l) => !l.startsWith('src/crypto/kem.ts')).join('\n');
    const { status, lines } = run({ ...BROKEN, 'scripts/layers-allow.txt': partial });
    assert.equal(status, 1);
    assert.deepEqual(lines.slice(0, -1).map((l) => l.split(' (')[0]), ['src/crypto/kem.ts: crypto-pure: src/config.ts']);
    assert.equal(lines.at(-1), 'check-layers: 1 violation, 4 allowed by scripts/layers-allow.txt (5 found in all)');
  });

  test('an allow-list line without a reason, or one that matches nothing any more, fails', () => {
    const noReason = run({ ...BROKEN, 'scripts/layers-allow.txt': ALLOW_ALL.replace('  # moving to http/', '') });
    assert.equal(noReason.status, 1);
    assert.ok(noReason.lines.some((l) => /layers-allow\.txt:2: src\/auth\/authenticate\.ts -> src\/http\/problems\.ts gives no reason/.test(l)), noReason.lines.join('\n'));
    const stale = run({ ...CLEAN, 'scripts/layers-allow.txt': 'src/auth/authenticate.ts -> src/http/problems.ts  # fixed since\n' });
    assert.equal(stale.status, 1);
    assert.deepEqual(stale.lines, [
      'scripts/layers-allow.txt:1: stale: src/auth/authenticate.ts -> src/http/problems.ts is no longer a violation; remove the line',
      'check-layers: 0 violations, 0 allowed by scripts/layers-allow.txt, 1 stale allow-list line (0 found in all)',
    ]);
  });
});
