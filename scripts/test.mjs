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
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
