#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's own test runner (tsx loads TypeScript). A file list is
// built here because Node 20's --test does not expand globs itself. The tests in test/process/
// start the compiled server (dist/, what production runs), so dist/ is rebuilt first for them.
// Usage: npm test [-- <path filter>...]   e.g. npm test -- test/crypto
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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
let status = 0;
for (const [group, concurrency] of [[files.filter((f) => !isProcessTest(f)), 2], [files.filter(isProcessTest), 1]]) {
  if (group.length === 0) continue;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...group], { stdio: 'inherit' });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
