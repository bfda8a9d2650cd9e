/**
 * Baseline for `npm run bench`: the same naive service as naive-noble.ts with node:crypto's
 * ML-KEM-768 (OpenSSL 3.5, Node >= 24.7) in place of noble, synchronous, inline.
 * POST /encapsulate { pk } -> { cipher, shared_key }.
 * Started by bench/run.ts as a child process: PORT=<port> node24 --import tsx bench/naive-native.ts
 */
import * as crypto from 'node:crypto';
import express from 'express';

// @types/node 20 does not declare the Node 24 ML-KEM API; these are its documented shapes.
interface NativeKem {
  createPublicKey(input: { key: Buffer; format: 'raw-public'; asymmetricKeyType: 'ml-kem-768' }): crypto.KeyObject;
  encapsulate(key: crypto.KeyObject): { sharedKey: Buffer; ciphertext: Buffer };
}
const native = crypto as unknown as NativeKem;
if (typeof native.encapsulate !== 'function') {
  console.error(`node:crypto has no ML-KEM on Node ${process.version} (needs >= 24.7)`);
  process.exit(1);
}

const app = express();
app.use(express.json());
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/encapsulate', (req, res) => {
  try {
    const key = native.createPublicKey({ key: Buffer.from(String(req.body?.pk), 'base64'), format: 'raw-public', asymmetricKeyType: 'ml-kem-768' });
    const { sharedKey, ciphertext } = native.encapsulate(key);
    res.json({ cipher: ciphertext.toString('base64'), shared_key: sharedKey.toString('base64') });
  } catch {
    res.status(400).json({ error: 'bad pk' });
  }
});
const server = app.listen(Number(process.env.PORT ?? 8091), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
