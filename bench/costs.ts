/**
 * What each crypto operation costs, for the frozen table in src/crypto/costs.ts (npm run
 * bench:costs). Each operation runs in a loop through the backend, one call at a time, with one
 * thread per lane: the median wall time per call is the time it holds its worker thread (noble)
 * or libuv slot (native), the worker round trip included. AES-256-GCM is 1 KiB, inline.
 *
 *   npm run bench:costs                     # noble, and native where this Node has it
 *   COSTS_ONLY=noble npm run bench:costs    # one implementation
 *   COSTS_BUDGET_MS=300                     # time per operation (at least 3 calls; 2 past 2 s each)
 *
 * Prints a table in ms and in units (ML-KEM-768 encapsulation on noble = 1 when measured), and
 * the MEASURED entries to paste into costs.ts.
 */
import { ALGORITHMS, DSA_ALGORITHMS, KEM_ALGORITHMS, type Implementation } from '../src/crypto/algorithms.ts';
import type { CryptoBackend } from '../src/crypto/backend.ts';
import type { CryptoOp } from '../src/crypto/costs.ts';
import { createCryptoBackend, nativeUnavailableReason } from '../src/crypto/select.ts';

const budgetMs = Number(process.env.COSTS_BUDGET_MS ?? 300);
const only = process.env.COSTS_ONLY as Implementation | undefined;

async function median(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  const started = performance.now();
  await run(); // warm: workers started, code compiled
  while (times.length < 200) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
    const spent = performance.now() - started;
    if (times.length >= 3 && spent > budgetMs) break;
    if (times.length >= 2 && times[0]! > 2000) break;
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

type Row = Partial<Record<CryptoOp, number>>;

async function measure(impl: Implementation): Promise<Record<string, Row>> {
  const backend: CryptoBackend = createCryptoBackend(impl, { threads: 1, slowThreads: 1, queueTimeoutMs: 600_000, tenantQueueCost: Infinity });
  const out: Record<string, Row> = {};
  const message = new Uint8Array(1024).fill(7);
  try {
    for (const a of KEM_ALGORITHMS) {
      if (impl === 'native' && !ALGORITHMS[a].nodeKeyType) continue; // X-Wing is noble everywhere
      const pair = await backend.kem.keygen(a);
      const key = await backend.kem.prepareSecretKey(a, pair.seed);
      const enc = await backend.kem.encapsulate(a, pair.publicKey);
      const row: Row = {};
      row.keygen = await median(() => backend.kem.keygen(a));
      if (impl === 'noble') row.prepare = await median(() => backend.kem.expandedSecretKey(a, pair.seed));
      row.encapsulate = await median(() => backend.kem.encapsulate(a, pair.publicKey));
      row.decapsulate = await median(() => backend.kem.decapsulate(key, enc.cipherText));
      out[a] = row;
      log(impl, a, row);
    }
    for (const a of DSA_ALGORITHMS) {
      const pair = await backend.dsa.keygen(a);
      const key = await backend.dsa.prepareSecretKey(a, pair.seed);
      const signature = await backend.dsa.sign(key, message);
      const row: Row = {};
      row.keygen = await median(() => backend.dsa.keygen(a));
      if (impl === 'noble' && ALGORITHMS[a].scheme === 'ML-DSA') row.prepare = await median(() => backend.dsa.expandedSecretKey(a, pair.seed));
      row.sign = await median(() => backend.dsa.sign(key, message));
      row.verify = await median(() => backend.dsa.verify(a, pair.publicKey, message, signature));
      out[a] = row;
      log(impl, a, row);
    }
    const aesKey = new Uint8Array(32).fill(1);
    const blob = await backend.aead.seal(aesKey, message);
    const aes: Row = { seal: await median(() => backend.aead.seal(aesKey, message)), open: await median(() => backend.aead.open(aesKey, blob)) };
    out['AES-256-GCM'] = aes;
    log(impl, 'AES-256-GCM', aes);
  } finally {
    await backend.close();
  }
  return out;
}

function log(impl: string, algorithm: string, row: Row): void {
  const cells = Object.entries(row).map(([op, ms]) => `${op} ${ms! < 1 ? ms!.toFixed(3) : ms!.toFixed(1)} ms`);
  console.log(`${impl.padEnd(6)} ${algorithm.padEnd(19)} ${cells.join(', ')}`);
}

const round = (ms: number) => (ms < 1 ? Number(ms.toPrecision(2)) : ms < 100 ? Math.round(ms * 10) / 10 : Math.round(ms));

console.log(`Node ${process.version}, OpenSSL ${process.versions.openssl}; median ms per call, one thread per lane, ${budgetMs} ms per operation`);
const impls: Implementation[] = only ? [only] : ['noble', ...(nativeUnavailableReason() ? [] : (['native'] as const))];
for (const impl of impls) {
  const table = await measure(impl);
  const unit = table['ML-KEM-768']?.encapsulate;
  if (impl === 'noble' && unit) console.log(`unit (noble ML-KEM-768 encapsulation): ${unit.toFixed(3)} ms`);
  console.log(`\n// MEASURED.${impl}, Node ${process.version}:`);
  for (const [a, row] of Object.entries(table)) {
    console.log(`  '${a}': { ${Object.entries(row).map(([op, ms]) => `${op}: ${round(ms!)}`).join(', ')} },`);
  }
  console.log('');
}
