/**
 * HPKE seal and open cost per offered suite and implementation, in-process, on this runtime:
 * the median and 90th percentile of N sequential calls (default 200) after a warm-up, for
 * `noble` (@panva/hpke-noble: runs on the calling thread) and `auto` (native Web Cryptography
 * where the runtime has it). Both figures matter: a call on the calling thread holds the event
 * loop for its whole duration; a native one mostly waits on the libuv pool.
 *
 *   npx tsx bench/hpke.ts                      # machine's Node
 *   PATH=<node24>/bin:$PATH npx tsx bench/hpke.ts
 *   HPKE_BENCH_N=1000 npx tsx bench/hpke.ts
 *
 * Then the gateway's share of a sealed request (RFC 9458): openSealedRequest (HPKE open, Binary
 * HTTP decode, response secret export) and sealResponse, for a 1 KiB inner request and response.
 *
 * Then HPKE as an operation over HTTP (`npm run bench:hpke`; HPKE_BENCH_HTTP=0 skips it): our
 * server in a child process (dist/main.js when built, as `npm run bench` runs it), and, per KEM
 * (ML-KEM-768, X-Wing), POST /v1/hpke/seal against POST /v1/kem/encapsulate to the same pk, and
 * POST /v1/hpke/open against POST /v1/kem/decapsulate with the same stored key, measured in
 * alternating rounds (HPKE_BENCH_ROUNDS, default 5, of HPKE_BENCH_ROUND_SECONDS, default 1.5 s,
 * BENCH_CONNECTIONS connections, default 32). Printed: each one's median req/s and server CPU per
 * request, and the ratio HPKE / plain as the median of the rounds' ratios (a round disturbed by
 * other work moves both sides of it alike). HPKE adds a key schedule and an AEAD to the same
 * scheduled KEM operation, so the ratios should stay near 1.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { ourEntry, ourEnv, startService } from './lib/procs.ts';
import { createHpke, HPKE_AEADS, HPKE_KEMS, hpkeSuite, type Hpke } from '../src/crypto/hpke.ts';
import { chooseKeyConfig, deriveOhttpKeys, OHTTP_KEMS, openSealedRequest, sealRequest, sealResponse } from '../src/sealed/gateway.ts';

const N = Number(process.env.HPKE_BENCH_N ?? 200);
const plaintext = new Uint8Array(1024);

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(2);
  return `median ${at(0.5)} ms, p90 ${at(0.9)} ms`;
}

async function time(run: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(20, N); i++) await run();
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await run();
    out.push(performance.now() - t0);
  }
  return out;
}

console.log(`Node ${process.version}, ${N} calls each, 1 KiB plaintext`);
for (const [label, hpke] of [['noble', createHpke('noble')], ['auto', createHpke('auto')]] as [string, Hpke][]) {
  for (const kem of HPKE_KEMS) {
    for (const aead of HPKE_AEADS) {
      const suite = hpkeSuite(kem, { aead });
      const ikm = new Uint8Array(randomBytes(64));
      const { seed, publicKey } = await hpke.deriveKeyPair(kem, ikm);
      const sealed = await hpke.seal(suite, publicKey, plaintext);
      const impl = await hpke.implementationsFor(suite);
      const seal = await time(() => hpke.seal(suite, publicKey, plaintext));
      const open = await time(() => hpke.open(suite, seed, sealed.enc, sealed.ciphertext));
      console.log(`${label.padEnd(5)} ${kem.padEnd(11)} ${aead.padEnd(17)} kem=${impl.kem.padEnd(6)} aead=${impl.aead.padEnd(6)} seal: ${stats(seal)}; open: ${stats(open)}`);
    }
  }
}

console.log('OHTTP gateway: openSealedRequest + sealResponse, 1 KiB inner request and response');
for (const [label, hpke] of [['noble', createHpke('noble')], ['auto', createHpke('auto')]] as [string, Hpke][]) {
  const keys = await deriveOhttpKeys(hpke, new Uint8Array(randomBytes(32)), 1);
  for (const kem of OHTTP_KEMS) {
    const sealed = await sealRequest(hpke, chooseKeyConfig(keys.configs, kem)!, { method: 'POST', scheme: 'https', path: '/v1/aes/encrypt', content: plaintext });
    const gateway = await time(async () => sealResponse(await openSealedRequest(hpke, keys, sealed.message), { status: 200, content: plaintext }));
    console.log(`${label.padEnd(5)} ${kem.padEnd(11)} ${stats(gateway)}`);
  }
}

// ---- HPKE as an operation over HTTP, against the plain KEM operation ----

if (process.env.HPKE_BENCH_HTTP !== '0') await overHttp();

async function overHttp(): Promise<void> {
  const ROUNDS = Number(process.env.HPKE_BENCH_ROUNDS ?? 5);
  const ROUND_SECONDS = Number(process.env.HPKE_BENCH_ROUND_SECONDS ?? 1.5);
  const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
  const apiKey = `bench-key-${randomBytes(24).toString('base64url')}`;
  const entry = ourEntry();
  if (entry.warning) console.log(`warning: ${entry.warning}`);
  const server = await startService({
    name: 'ours',
    bin: process.execPath,
    args: entry.args,
    env: ourEnv({ apiKey, tokenSecret: randomBytes(48).toString('base64'), masterKey: randomBytes(32).toString('base64') }),
    readyPath: '/healthz',
  });
  const post = async (path: string, body: unknown): Promise<Record<string, string>> => {
    const res = await fetch(server.url + path, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as Record<string, string>;
  };
  interface Round {
    readonly rps: number;
    readonly cpuMs: number | null;
    readonly bad: number;
  }
  const settle = async () => {
    let last = server.cpuSeconds();
    for (let i = 0; i < 150 && last !== null; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = server.cpuSeconds();
      if (now === null || now - last <= 0.01) return;
      last = now;
    }
  };
  const load = async (path: string, body: unknown, seconds: number): Promise<Round> => {
    const cpu0 = server.cpuSeconds();
    const r = await autocannon({ url: server.url + path, method: 'POST', connections: CONNECTIONS, duration: seconds, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await settle();
    const cpu1 = server.cpuSeconds();
    const sent = r.requests.sent || r.requests.total;
    return { rps: r.requests.total / (r.duration || seconds), cpuMs: cpu0 !== null && cpu1 !== null && sent > 0 ? ((cpu1 - cpu0) * 1000) / sent : null, bad: r.non2xx + r.errors + r.timeouts };
  };
  const med = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    const m = Math.floor(v.length / 2);
    return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
  };
  try {
    console.log(`HPKE over HTTP (${entry.entry}, Node ${process.version}): ${ROUNDS} alternating rounds of ${ROUND_SECONDS} s, ${CONNECTIONS} connections, 1 KiB plaintext`);
    for (const kem of ['ML-KEM-768', 'X-Wing'] as const) {
      const pair = await post('/v1/kem/keypair', { algorithm: kem });
      const encapsulated = await post('/v1/kem/encapsulate', { pk: pair.pk });
      const sealed = await post('/v1/hpke/seal', { key_id: pair.key_id, plaintext: Buffer.from(plaintext).toString('base64'), encoding: 'base64' });
      const targets = [
        ['kem/encapsulate', '/v1/kem/encapsulate', { pk: pair.pk }],
        ['hpke/seal', '/v1/hpke/seal', { pk: pair.pk, plaintext: Buffer.from(plaintext).toString('base64'), encoding: 'base64' }],
        ['kem/decapsulate', '/v1/kem/decapsulate', { key_id: pair.key_id, cipher: encapsulated.cipher }],
        ['hpke/open', '/v1/hpke/open', { key_id: pair.key_id, enc: sealed.enc, ciphertext: sealed.ciphertext, encoding: 'base64' }],
      ] as const;
      const rounds: Round[][] = targets.map(() => []);
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, [, path, body]] of targets.entries()) {
          if (round === 0) await load(path, body, 0.5); // warm-up
          rounds[i]!.push(await load(path, body, ROUND_SECONDS));
        }
      }
      for (const [i, [label]] of targets.entries()) {
        const cpu = rounds[i]!.map((r) => r.cpuMs).filter((x): x is number => x !== null);
        const bad = rounds[i]!.reduce((n, r) => n + r.bad, 0);
        console.log(`  ${kem.padEnd(11)} ${label.padEnd(16)} ${med(rounds[i]!.map((r) => r.rps)).toFixed(0).padStart(6)} req/s${cpu.length ? `, ${med(cpu).toFixed(3)} ms CPU/request` : ''}${bad ? `, ${bad} non-2xx` : ''}`);
      }
      for (const [hpke, plain, what] of [[1, 0, 'seal / encapsulate'], [3, 2, 'open / decapsulate']] as const) {
        const perRound = rounds[hpke]!.map((r, k) => r.rps / rounds[plain]![k]!.rps);
        const cpuRatio = rounds[hpke]!.every((r, k) => r.cpuMs !== null && rounds[plain]![k]!.cpuMs !== null) ? med(rounds[hpke]!.map((r, k) => r.cpuMs! / rounds[plain]![k]!.cpuMs!)) : null;
        console.log(`  ${kem.padEnd(11)} ${what}: throughput ${med(perRound).toFixed(2)}x (rounds ${perRound.map((x) => x.toFixed(2)).join(', ')})${cpuRatio === null ? '' : `; server CPU per request ${cpuRatio.toFixed(2)}x`}`);
      }
    }
  } finally {
    await server.stop();
  }
}
