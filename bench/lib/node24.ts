/**
 * Finds a Node 24 (>= 24.7, the first with ML-KEM and ML-DSA in node:crypto) for the bench, or
 * installs one from the npm registry (the `node@24` package, which carries the official binary)
 * into a scratch folder that later runs reuse. In order:
 *
 *   1. BENCH_NODE24=<path to a node binary>
 *   2. the machine's node, when it already is >= 24.7 (then there is one runtime, not two)
 *   3. node_modules/.cache/pq-bench-node24 (a previous install)
 *   4. `npm install --prefix node_modules/.cache/pq-bench-node24 node@24` (BENCH_NODE24_INSTALL=0 to forbid)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type Node24 = { ok: true; bin: string; version: string; source: string } | { ok: false; reason: string };

const MIN: [number, number] = [24, 7];

export function nodeVersion(bin: string): string | undefined {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 20_000 }).trim();
  } catch {
    return undefined;
  }
}

export function hasNativePq(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major > MIN[0] || (major === MIN[0] && minor >= MIN[1]);
}

export const SCRATCH = resolve('node_modules/.cache/pq-bench-node24');
const scratchBin = () => join(SCRATCH, 'node_modules', 'node', 'bin', 'node');

function accept(bin: string, source: string): Node24 | undefined {
  const version = nodeVersion(bin);
  if (version && hasNativePq(version)) return { ok: true, bin, version, source };
  return undefined;
}

export function findNode24(log: (line: string) => void): Node24 {
  const given = process.env.BENCH_NODE24;
  if (given) {
    return accept(given, 'BENCH_NODE24') ?? { ok: false, reason: `BENCH_NODE24=${given} is not a Node >= ${MIN.join('.')} binary` };
  }
  if (hasNativePq(process.version)) return { ok: true, bin: process.execPath, version: process.version, source: 'the machine node' };
  const cached = existsSync(scratchBin()) ? accept(scratchBin(), SCRATCH) : undefined;
  if (cached) return cached;
  if (process.env.BENCH_NODE24_INSTALL === '0') return { ok: false, reason: 'no Node 24 found and BENCH_NODE24_INSTALL=0' };

  log(`Installing node@24 from the npm registry into ${SCRATCH} (once; later runs reuse it) ...`);
  mkdirSync(SCRATCH, { recursive: true });
  // The `node` package fetches its platform binary in a preinstall script, and npm 11 runs a
  // dependency's scripts only when the project allows them by name (older npm ignores the field).
  writeFileSync(join(SCRATCH, 'package.json'), JSON.stringify({ name: 'pq-bench-node24', private: true, allowScripts: { node: true } }, null, 2) + '\n');
  // Under `npm run`, npm_execpath is the npm that runs us; otherwise the npm on PATH.
  const npm = process.env.npm_execpath;
  const [cmd, pre] = npm && npm.endsWith('.js') ? [process.execPath, [npm]] : ['npm', []];
  const args = [...pre, 'install', '--prefix', SCRATCH, '--no-audit', '--no-fund', '--loglevel=error', 'node@24'];
  const result = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000, env: { ...process.env, npm_config_global: 'false' } });
  if (result.status !== 0) {
    const why = (result.error?.message ?? result.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
    return { ok: false, reason: `npm install node@24 failed (${why || `exit ${result.status}`})` };
  }
  return accept(scratchBin(), `npm install node@24 into ${SCRATCH}`) ?? { ok: false, reason: `npm installed node@24 but ${scratchBin()} is not a Node >= ${MIN.join('.')}` };
}
