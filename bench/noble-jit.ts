/**
 * A finding of `npm run bench`, reproduced alone: in one process, once ML-DSA has run, noble's
 * ML-KEM-768 encapsulate costs more CPU (+8 to +33% over the control line in six runs here, about
 * +20% typically): the two share code (Keccak, the NTT and coders), which V8 first optimises for
 * one caller and then, seeing another, recompiles more generally. Our server signs at start-up
 * (the OpenAPI examples) and in traffic; the naive service never does, which is part of the gap
 * between them on Node 20. Separate isolates (a worker pool per family) should avoid it (untested).
 *
 *   npx tsx bench/noble-jit.ts
 */
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

const { publicKey } = ml_kem768.keygen();
function cpuPerOp(label: string, fn: () => unknown): void {
  for (let i = 0; i < 200; i++) fn(); // warm-up
  const start = process.cpuUsage();
  const end = performance.now() + 1500;
  let n = 0;
  while (performance.now() < end) {
    fn();
    n++;
  }
  const used = process.cpuUsage(start);
  console.log(`${label.padEnd(44)} ${((used.user + used.system) / 1000 / n).toFixed(3)} ms CPU per operation`);
}

cpuPerOp('ML-KEM-768 encapsulate, fresh process', () => ml_kem768.encapsulate(publicKey));
cpuPerOp('ML-KEM-768 encapsulate, again (control)', () => ml_kem768.encapsulate(publicKey));
const signer = ml_dsa65.keygen();
for (let i = 0; i < 20; i++) ml_dsa65.sign(new Uint8Array(1024), signer.secretKey);
cpuPerOp('ML-KEM-768 encapsulate, after 20 ML-DSA signs', () => ml_kem768.encapsulate(publicKey));
