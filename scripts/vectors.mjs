#!/usr/bin/env node
// npm run vectors: fetches the official test vectors the suites read (test/helpers/vectors.ts) into
// ../shared/vectors, or VECTORS_DIR, so that a checkout outside this workspace can run every vector
// suite. Every file is checked against the SHA-256 pinned in scripts/vectors-manifest.json before
// it is written (a file that does not match is refused, and nothing of it is left behind); files
// already there with the right hash are kept.
//
// Where from:
// - Whole upstream files (Wycheproof ML-KEM/ML-DSA, CCTV, HPKE-PQ, JOSE and HTTP-signature
//   examples): from their repositories at the pinned commits, as raw files.
// - The six subset files (ACVP ML-KEM/ML-DSA, Wycheproof AES-GCM): the upstream files they were cut
//   from are fetched at the pinned commit and checked against the SHA-256 recorded in each subset's
//   `source`, then the subset is extracted again. AES-GCM: the test groups with keySize 256, ivSize
//   96, tagSize 128, with numberOfTests and notes trimmed to match. ACVP: the prose rule in each
//   `source.selection` picked the cases; the manifest pins the cases it picked (tgId, tcId and the
//   fields kept), and their values are copied from prompt.json, expectedResults.json and (reason)
//   internalProjection.json. Both give back the same bytes, hence the same SHA-256.
//
//   VECTORS_DIR=<dir>         where to put them (default ../shared/vectors from the project root)
//   VECTORS_BASE_URL=<url>    fetch every file from a mirror of that folder instead (same layout,
//                             e.g. a web server over another checkout's ../shared/vectors)
//   VECTORS_UPSTREAM_URL=<url> where the upstream repositories' raw files are
//                             (default https://raw.githubusercontent.com/; read as <url><owner>/<repo>/<commit>/<path>)
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'scripts', 'vectors-manifest.json'), 'utf8'));
const target = process.env.VECTORS_DIR ? resolve(process.env.VECTORS_DIR) : resolve(ROOT, '../shared/vectors');
const mirror = process.env.VECTORS_BASE_URL ? withSlash(process.env.VECTORS_BASE_URL) : undefined;
const upstream = withSlash(process.env.VECTORS_UPSTREAM_URL || 'https://raw.githubusercontent.com/');
const FETCH_TIMEOUT_MS = 300_000;
const PARALLEL = 4;

function withSlash(url) {
  return url.endsWith('/') ? url : `${url}/`;
}
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

class Refused extends Error {}

async function get(url) {
  let response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (error) {
    throw new Refused(`cannot fetch ${url}: ${error.cause?.message ?? error.message}`);
  }
  if (!response.ok) throw new Refused(`${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** An upstream file, checked against the SHA-256 its subset's `source` recorded for it. */
async function upstreamFile(repo, commit, path, expected) {
  const bytes = await get(`${upstream}${repo}/${commit}/${path}`);
  if (expected !== undefined && sha256(bytes) !== expected) {
    throw new Refused(`${repo}@${commit.slice(0, 12)} ${path}: SHA-256 ${sha256(bytes)}, expected ${expected}`);
  }
  return JSON.parse(bytes.toString('utf8'));
}

const asFile = (object) => Buffer.from(`${JSON.stringify(object, null, 1)}\n`);

/** Wycheproof: only the groups with the given sizes; notes and numberOfTests trimmed to match. */
async function wycheproofGroups({ source, groups: sizes }) {
  const whole = await upstreamFile(source.repository, source.commit, source.path, source.sha256);
  const groups = whole.testGroups.filter((g) => Object.entries(sizes).every(([k, v]) => g[k] === v));
  const flags = new Set(groups.flatMap((g) => g.tests.flatMap((t) => t.flags ?? [])));
  return asFile({
    source,
    ...whole,
    numberOfTests: groups.reduce((n, g) => n + g.tests.length, 0),
    notes: Object.fromEntries(Object.entries(whole.notes).filter(([flag]) => flags.has(flag))),
    testGroups: groups,
  });
}

/**
 * ACVP: the pinned cases; each field from the case in prompt.json, else expectedResults.json, else
 * its test group (prompt.json, then internalProjection.json, which alone has e.g. externalMu);
 * reason from internalProjection.json.
 */
async function acvpCases({ source, fieldSets, cases }) {
  const docs = {};
  for (const file of source.files) {
    docs[file.path.split('/').pop().replace(/\.json$/, '')] = await upstreamFile(source.repository, source.commit, file.path, file.sha256);
  }
  const find = (doc, tgId, tcId) => {
    const group = doc?.testGroups.find((g) => g.tgId === tgId);
    return [group, group?.tests.find((t) => t.tcId === tcId)];
  };
  const tests = cases.map(([tgId, tcId, set]) => {
    const [group, prompt] = find(docs.prompt, tgId, tcId);
    const [, expected] = find(docs.expectedResults, tgId, tcId);
    const [internalGroup, internal] = find(docs.internalProjection, tgId, tcId);
    const test = {};
    for (const field of fieldSets[set]) {
      const value = field === 'reason' ? internal?.reason : (prompt?.[field] ?? expected?.[field] ?? group?.[field] ?? internalGroup?.[field]);
      if (value === undefined) throw new Refused(`${source.repository} ${source.files[0].path}: tgId ${tgId} tcId ${tcId} has no ${field}`);
      test[field] = value;
    }
    return test;
  });
  return asFile({ source, tests });
}

async function bytesOf(entry) {
  if (mirror) return get(`${mirror}${entry.path}`);
  if (entry.from) return get(`${upstream}${entry.from.repo}/${entry.from.commit}/${entry.from.path}`);
  if (entry.subset.kind === 'wycheproof-groups') return wycheproofGroups(entry.subset);
  if (entry.subset.kind === 'acvp-cases') return acvpCases(entry.subset);
  throw new Error(`${entry.path}: unknown subset kind ${entry.subset.kind}`);
}

async function one(entry) {
  const path = join(target, entry.path);
  if (existsSync(path) && sha256(readFileSync(path)) === entry.sha256) return 'kept';
  const bytes = await bytesOf(entry);
  const got = sha256(bytes);
  if (got !== entry.sha256) throw new Refused(`SHA-256 ${got}, expected ${entry.sha256}; not written`);
  mkdirSync(dirname(path), { recursive: true });
  // Written beside, then renamed: an interrupted run never leaves a half file under the real name.
  const partial = `${path}.partial-${process.pid}`;
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, path);
  } finally {
    rmSync(partial, { force: true });
  }
  return 'fetched';
}

const started = Date.now();
console.log(`vectors: ${manifest.files.length} files into ${target}, from ${mirror ? `the mirror ${mirror}` : `their upstream repositories (${upstream})`}`);
const results = { kept: 0, fetched: 0 };
const refused = [];
const queue = [...manifest.files];
await Promise.all(
  Array.from({ length: PARALLEL }, async () => {
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      try {
        results[await one(entry)]++;
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        refused.push(`${entry.path}: ${error.message}`);
      }
    }
  }),
);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (refused.length > 0) {
  console.error(`vectors: ${refused.length} of ${manifest.files.length} files refused (${results.fetched} fetched, ${results.kept} already there, ${seconds} s):`);
  for (const line of refused.sort()) console.error(`  ${line}`);
  process.exit(1);
}
console.log(`vectors: all ${manifest.files.length} files present with the pinned SHA-256 (${results.fetched} fetched, ${results.kept} already there) in ${seconds} s`);
