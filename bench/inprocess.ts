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
 * Our side goes through the crypto backend seam (src/crypto/backend.ts), as the service does; an
 * operation that cannot be called is reported as null with a note, not as a crash.
 */
import * as nodeCrypto from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

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

/**
 * Our crypto core as the service calls it: through the CRYPTO_BACKEND seam (native node:crypto
 * where the runtime has it, noble on a worker pool otherwise), with prepared keys as the key
 * service keeps them (decapsulate and sign reuse a cached prepared key, as the service does).
 */
async function ours(): Promise<void> {
  const { createCryptoBackend } = await import('../src/crypto/select.ts');
  const choice = (process.env.CRYPTO_BACKEND ?? 'auto') as 'auto' | 'native' | 'noble';
  const crypto = createCryptoBackend(choice);
  notes.push(`our backend: ${JSON.stringify(crypto.info)}`);
  const message = new TextEncoder().encode('x'.repeat(1024));
  try {
    const kemPair = await crypto.kem.keygen('ML-KEM-768');
    const enc = await crypto.kem.encapsulate('ML-KEM-768', kemPair.publicKey);
    const kemKey = await crypto.kem.prepareSecretKey('ML-KEM-768', kemPair.seed);
    const dsaPair = await crypto.dsa.keygen('ML-DSA-65');
    const dsaKey = await crypto.dsa.prepareSecretKey('ML-DSA-65', dsaPair.seed);
    const signature = await crypto.dsa.sign(dsaKey, message);
    const aesKey = await crypto.aead.deriveAesKey(enc.sharedSecret);
    const blob = await crypto.aead.seal(aesKey, message);

    // Each is what the matching route does with its parsed input (key records and tokens aside).
    await measure('kem.keypair', async () => {
      const pair = await crypto.kem.keygen('ML-KEM-768');
      return crypto.dsa.sign(dsaKey, pair.publicKey);
    });
    await measure('kem.encapsulate', () => crypto.kem.encapsulate('ML-KEM-768', kemPair.publicKey));
    await measure('kem.decapsulate', () => crypto.kem.decapsulate(kemKey, enc.cipherText));
    await measure('dsa.sign', () => crypto.dsa.sign(dsaKey, message));
    await measure('dsa.verify', () => crypto.dsa.verify('ML-DSA-65', dsaPair.publicKey, message, signature));
    await measure('aes.encrypt', async () => crypto.aead.seal(await crypto.aead.deriveAesKey(enc.sharedSecret), message));
    await measure('aes.decrypt', async () => crypto.aead.open(await crypto.aead.deriveAesKey(enc.sharedSecret), blob));
  } catch (err) {
    notes.push(`our crypto core could not be measured: ${(err as Error).message}`);
  } finally {
    await crypto.close();
  }
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
