/**
 * In-process rates of the operations `npm run bench` drives over HTTP, on whichever Node runs this
 * file: bench/run.ts starts it once per runtime, before any server, with the same CRYPTO_BACKEND
 * as the server gets:
 *
 *   node --import tsx bench/inprocess.ts <seconds per operation> <concurrency for async calls>
 *
 * Prints one JSON line: { node, rates: { <operation>: ops/s or null }, cpuMs: { <operation>: CPU ms
 * per operation (user + system, all threads, so the libuv pool counts too) }, notes: [...] }.
 *
 * The crypto core is imported loosely (by export name, awaited whether sync or async) so that this
 * file keeps measuring while the core's internals change (a backend seam, async native calls); an
 * operation that cannot be called is reported as null with a note, not as a crash.
 */
import * as nodeCrypto from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

type Module = Record<string, unknown>;

const SECONDS = Number(process.argv[2] ?? 1);
const CONCURRENCY = Number(process.argv[3] ?? 32);
const notes: string[] = [];
const rates: Record<string, number | null> = {};
const cpuMs: Record<string, number | null> = {};

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';

function result(n: number, start: number, cpu0: NodeJS.CpuUsage): { rate: number; cpuMs: number } {
  const used = process.cpuUsage(cpu0);
  return { rate: (n * 1000) / (performance.now() - start), cpuMs: (used.user + used.system) / 1000 / n };
}

/** Operations per second of `fn`, sequentially when it is synchronous, CONCURRENCY in flight when it returns a promise. */
async function rate(fn: () => unknown): Promise<{ rate: number; cpuMs: number }> {
  const first = fn();
  if (!isThenable(first)) {
    for (let i = 0; i < 4; i++) fn(); // warm-up
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const end = start + SECONDS * 1000;
    let n = 0;
    while (performance.now() < end) {
      fn();
      n++;
    }
    return result(n, start, cpu0);
  }
  await first;
  for (let i = 0; i < 4; i++) await fn();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + SECONDS * 1000;
  let n = 0;
  const lane = async () => {
    while (performance.now() < end) {
      await fn();
      n++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return result(n, start, cpu0);
}

async function measure(name: string, fn: () => unknown): Promise<void> {
  try {
    const r = await rate(fn);
    rates[name] = r.rate;
    cpuMs[name] = r.cpuMs;
  } catch (err) {
    rates[name] = null;
    cpuMs[name] = null;
    notes.push(`${name}: ${(err as Error).message}`);
  }
}

/** The export `name` of `mod` as a function, or an error naming what is missing. */
function fn(mod: Module, file: string, name: string): (...args: unknown[]) => unknown {
  const f = mod[name];
  if (typeof f !== 'function') throw new Error(`${file} exports no function ${name}`);
  return f as (...args: unknown[]) => unknown;
}

async function ours(): Promise<void> {
  const kem = (await import('../src/crypto/kem.ts')) as unknown as Module;
  const dsa = (await import('../src/crypto/dsa.ts')) as unknown as Module;
  const aead = (await import('../src/crypto/aead.ts')) as unknown as Module;
  const kdf = (await import('../src/crypto/kdf.ts')) as unknown as Module;
  const message = new TextEncoder().encode('x'.repeat(1024));

  let setup: { kemPair: { publicKey: Uint8Array; seed: Uint8Array }; enc: { cipherText: Uint8Array; sharedSecret: Uint8Array }; dsaPair: { publicKey: Uint8Array; seed: Uint8Array }; signature: Uint8Array };
  try {
    const kemPair = (await fn(kem, 'kem.ts', 'kemKeygen')('ML-KEM-768')) as { publicKey: Uint8Array; seed: Uint8Array };
    const enc = (await fn(kem, 'kem.ts', 'kemEncapsulate')(kemPair.publicKey)) as { cipherText: Uint8Array; sharedSecret: Uint8Array };
    const dsaPair = (await fn(dsa, 'dsa.ts', 'dsaKeygen')('ML-DSA-65')) as { publicKey: Uint8Array; seed: Uint8Array };
    const signature = (await fn(dsa, 'dsa.ts', 'dsaSign')('ML-DSA-65', dsaPair.seed, message)) as Uint8Array;
    setup = { kemPair, enc, dsaPair, signature };
  } catch (err) {
    notes.push(`our crypto core could not be set up: ${(err as Error).message}`);
    return;
  }
  const { kemPair, enc, dsaPair, signature } = setup;
  const deriveAesKey = () => fn(kdf, 'kdf.ts', 'deriveAesKey')(enc.sharedSecret);
  const aesKey = (await deriveAesKey()) as Uint8Array;
  const blob = (await fn(aead, 'aead.ts', 'aeadSeal')(aesKey, message)) as Uint8Array;

  // Each is what the matching route does with its parsed input (key records and tokens aside).
  await measure('kem.keypair', async () => {
    const pair = (await fn(kem, 'kem.ts', 'kemKeygen')('ML-KEM-768')) as { publicKey: Uint8Array };
    return fn(dsa, 'dsa.ts', 'dsaSign')('ML-DSA-65', dsaPair.seed, pair.publicKey);
  });
  await measure('kem.encapsulate', () => fn(kem, 'kem.ts', 'kemEncapsulate')(kemPair.publicKey));
  await measure('kem.decapsulate', () => fn(kem, 'kem.ts', 'kemDecapsulate')('ML-KEM-768', kemPair.seed, enc.cipherText));
  await measure('dsa.sign', () => fn(dsa, 'dsa.ts', 'dsaSign')('ML-DSA-65', dsaPair.seed, message));
  await measure('dsa.verify', () => fn(dsa, 'dsa.ts', 'dsaVerify')(dsaPair.publicKey, message, signature));
  await measure('aes.encrypt', () => {
    const key = fn(kdf, 'kdf.ts', 'deriveAesKey')(enc.sharedSecret);
    return isThenable(key) ? key.then((k) => fn(aead, 'aead.ts', 'aeadSeal')(k, message)) : fn(aead, 'aead.ts', 'aeadSeal')(key, message);
  });
  await measure('aes.decrypt', () => {
    const key = fn(kdf, 'kdf.ts', 'deriveAesKey')(enc.sharedSecret);
    return isThenable(key) ? key.then((k) => fn(aead, 'aead.ts', 'aeadOpen')(k, blob)) : fn(aead, 'aead.ts', 'aeadOpen')(key, blob);
  });
}

/** The libraries themselves, as the naive services call them. */
async function libraries(): Promise<void> {
  const { publicKey } = ml_kem768.keygen();
  await measure('noble.encapsulate', () => ml_kem768.encapsulate(publicKey));
  const native = nodeCrypto as unknown as {
    encapsulate?: (key: nodeCrypto.KeyObject) => unknown;
    createPublicKey(input: { key: Uint8Array; format: 'raw-public'; asymmetricKeyType: string }): nodeCrypto.KeyObject;
  };
  if (typeof native.encapsulate === 'function') {
    const encapsulate = native.encapsulate;
    await measure('native.encapsulate', () =>
      encapsulate(native.createPublicKey({ key: publicKey, format: 'raw-public', asymmetricKeyType: 'ml-kem-768' })),
    );
  } else {
    rates['native.encapsulate'] = null;
    notes.push(`node:crypto has no ML-KEM on ${process.version}`);
  }
}

await libraries();
await ours();
process.stdout.write(JSON.stringify({ node: process.version, backend: process.env.CRYPTO_BACKEND ?? null, rates, cpuMs, notes }) + '\n');
