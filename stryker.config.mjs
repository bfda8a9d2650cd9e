// Mutation testing with StrykerJS (not in CI: it runs the tests once per mutant).
//
//   npm run mutation                          # src/auth, src/keys, src/crypto and src/stores
//   MUTATE_DIR=src/keys npm run mutation      # one directory, with only the tests that matter to it
//
// Each test file runs as its own `node --import tsx` process (tap runner); with perTest coverage a
// mutant is tried only against the files that reach it. Results: reports/mutation/ (HTML, JSON).
// docs/testing.md has the scores and the survivors left alone.
import { resolve } from 'node:path';

// The sandbox is a copy of the project under .stryker-tmp/, where ../shared/vectors is not:
// name the vectors' folder absolutely so the vector tests still run.
process.env.VECTORS_DIR ??= resolve('../shared/vectors');

/** The tests that exercise each directory; the slow whole-app suites (hostile, cluster, sentinel) are left out. */
const TESTS = {
  'src/crypto': ['test/crypto/*.test.ts', 'test/security/properties.test.ts'],
  'src/keys': ['test/keys/*.test.ts', 'test/security/properties.test.ts', 'test/http/key-id-format.test.ts', 'test/http/kem.test.ts', 'test/http/dsa.test.ts', 'test/http/tenancy.test.ts'],
  'src/auth': ['test/auth/*.test.ts', 'test/tokens/memory.test.ts', 'test/tokens/jwt-claims.test.ts', 'test/http/errors.test.ts'],
  'src/stores': ['test/stores/memory.test.ts', 'test/stores/redis.test.ts', 'test/stores/token-records.test.ts', 'test/stores/redis-prefix.test.ts'],
};

const dir = process.env.MUTATE_DIR?.replace(/\/+$/, '');
if (dir && !TESTS[dir]) throw new Error(`MUTATE_DIR must be one of ${Object.keys(TESTS).join(', ')}`);
const dirs = dir ? [dir] : Object.keys(TESTS);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner'],
  mutate: dirs.map((d) => `${d}/**/*.ts`),
  tap: {
    testFiles: [...new Set(dirs.flatMap((d) => TESTS[d]))],
    nodeArgs: ['--import', 'tsx', '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
  },
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 2),
  timeoutMS: 30_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${dir ? dir.replace(/\//g, '-') : 'all'}.html` },
  jsonReporter: { fileName: `reports/mutation/${dir ? dir.replace(/\//g, '-') : 'all'}.json` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['reports', 'dist', 'coverage', 'bench'],
  thresholds: { high: 80, low: 60, break: null },
};
