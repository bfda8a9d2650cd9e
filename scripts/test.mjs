#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's own test runner (tsx loads TypeScript). A file list is
// built here because Node 20's --test does not expand globs itself. The tests in test/process/
// start the compiled server (dist/, what production runs), so dist/ is rebuilt first for them.
// It ends with one summary line over both runs, in the form CI tools pick up
// (`Total: N passed, N failed, N skipped`), and on the next line the skip reasons counted and the
// duration: each run has a second reporter (scripts/test-summary-reporter.mjs) that writes its
// counts to a temporary file, beside the usual output, which is unchanged.
// Usage: npm test [-- <path filter>...]   e.g. npm test -- test/crypto
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.test.ts') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = walk('test')
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
if (files.some((f) => f.startsWith(join('test', 'process')))) {
  const build = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('npm run build:dist failed: the process tests need dist/');
    process.exit(build.status ?? 1);
  }
}
// The process tests count every request across a shutdown under load: they run after the rest,
// one file at a time, so that the machine is not also busy with other test files.
const isProcessTest = (f) => f.startsWith(join('test', 'process'));
// What node --test prints when given no reporter: spec on a terminal, and from Node 23 everywhere;
// TAP otherwise. Naming a second reporter replaces that default, so it is named as well.
const nodeMajor = Number(process.versions.node.split('.')[0]);
const usualReporter = process.stdout.isTTY || nodeMajor >= 23 ? 'spec' : 'tap';
const countsDir = mkdtempSync(join(tmpdir(), 'pq-test-summary-'));
const started = performance.now();
const runs = [];
let status = 0;
for (const [name, group, concurrency] of [
  ['main', files.filter((f) => !isProcessTest(f)), 2],
  ['process', files.filter(isProcessTest), 1],
]) {
  if (group.length === 0) continue;
  const countsFile = join(countsDir, `${name}.json`);
  const runStarted = performance.now();
  const result = spawnSync(
    process.execPath,
    [
      '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`,
      `--test-reporter=${usualReporter}`, '--test-reporter-destination=stdout',
      '--test-reporter=./scripts/test-summary-reporter.mjs', `--test-reporter-destination=${countsFile}`,
      ...group,
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) status = result.status ?? 1;
  let counts;
  try {
    counts = JSON.parse(readFileSync(countsFile, 'utf8'));
  } catch {
    counts = undefined; // the runner died before its reporters finished: said below
  }
  runs.push({ name, counts, status: result.status, signal: result.signal, seconds: (performance.now() - runStarted) / 1000 });
}
rmSync(countsDir, { recursive: true, force: true });

// A short label per skip reason: the text before its first colon, semicolon or parenthesis
// ("native backend not available here: node:crypto has no ML-KEM" -> "native backend not
// available here"; "test vectors not found at ../shared/vectors (set VECTORS_DIR); ..." -> "test
// vectors not found at ../shared/vectors").
const label = (reason) => reason.split(/[:;(]/)[0].trim() || reason;
let passed = 0;
let failed = 0;
const skips = new Map();
const notes = [];
for (const run of runs) {
  if (!run.counts) {
    // Counts are missing only when the runner itself died: a failure, whatever was counted.
    failed++;
    notes.push(`the ${run.name} run ended without its counts (exit ${run.status ?? run.signal}), counted as 1 failure`);
    continue;
  }
  passed += run.counts.passed;
  failed += run.counts.failed;
  for (const [reason, n] of Object.entries(run.counts.skipped)) skips.set(label(reason), (skips.get(label(reason)) ?? 0) + n);
  if (run.status !== 0 && run.counts.failed === 0) {
    failed++;
    notes.push(`the ${run.name} run exited ${run.status ?? run.signal} with no failed test, counted as 1 failure`);
  }
}
const skippedTotal = [...skips.values()].reduce((a, b) => a + b, 0);
const breakdown = [...skips].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${n} ${reason}`);
const perRun = runs.map((r) => `${r.name} ${r.seconds.toFixed(1)} s`).join(', ');
process.stdout.write(
  `\nTotal: ${passed} passed, ${failed} failed, ${skippedTotal} skipped\n` +
    `  ${skippedTotal > 0 ? `skipped: ${breakdown.join(', ')}; ` : ''}${((performance.now() - started) / 1000).toFixed(1)} s (${perRun})` +
    `${notes.length > 0 ? `; ${notes.join('; ')}` : ''}\n`,
);
process.exit(status);
