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
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
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
