/**
 * Baseline for `npm run bench`: the naive service a reader would write in ten minutes, Express 5 and
 * @noble/post-quantum inline, no validation beyond what noble does, no auth, no logging.
 * POST /encapsulate { pk } -> { cipher, shared_key } (ML-KEM-768, FIPS 203 ML-KEM.Encaps).
 * Started by bench/run.ts as a child process: PORT=<port> node --import tsx bench/naive-noble.ts
 */
import express from 'express';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

const app = express();
app.use(express.json());
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/encapsulate', (req, res) => {
  try {
    const pk = Buffer.from(String(req.body?.pk), 'base64');
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(pk);
    res.json({ cipher: Buffer.from(cipherText).toString('base64'), shared_key: Buffer.from(sharedSecret).toString('base64') });
  } catch {
    res.status(400).json({ error: 'bad pk' });
  }
});
const server = app.listen(Number(process.env.PORT ?? 8090), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
