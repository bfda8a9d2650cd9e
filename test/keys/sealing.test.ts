/**
 * Keys at rest: sealed seeds open only under the same master key, for the same tenant, key id and
 * purpose; a store read with another master key fails loudly on the server side (500, logged),
 * never as the caller's fault.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { pino } from 'pino';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { SealedKeyError, Sealer } from '../../src/keys/sealing.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { SHARED_ENV, startServer } from '../helpers/server.ts';

const seed = randomBytes(64);

test('a sealed seed opens under the same master key, tenant, key id and purpose', () => {
  const sealer = new Sealer(randomBytes(32));
  const sealed = sealer.seal(seed, 'alice', 'kem_1', 'kem');
  assert.deepEqual(Buffer.from(sealer.open(sealed, 'alice', 'kem_1', 'kem')), seed);
  assert.equal(Buffer.from(sealed).includes(seed.subarray(0, 16)), false, 'the seed is not stored in the clear');
});

test('a sealed seed does not open for another tenant, key id, purpose or master key, or when altered', () => {
  const master = randomBytes(32);
  const sealer = new Sealer(master);
  const sealed = sealer.seal(seed, 'alice', 'kem_1', 'kem');
  assert.throws(() => sealer.open(sealed, 'bob', 'kem_1', 'kem'), SealedKeyError);
  assert.throws(() => sealer.open(sealed, 'alice', 'kem_2', 'kem'), SealedKeyError);
  assert.throws(() => sealer.open(sealed, 'alice', 'kem_1', 'dsa'), SealedKeyError);
  assert.throws(() => new Sealer(randomBytes(32)).open(sealed, 'alice', 'kem_1', 'kem'), SealedKeyError);
  const altered = Uint8Array.from(sealed);
  altered[altered.length - 1]! ^= 1;
  assert.throws(() => sealer.open(altered, 'alice', 'kem_1', 'kem'), SealedKeyError);
  // Field boundaries are unambiguous: ("ab", "c") is not ("a", "bc").
  const ab = sealer.seal(seed, 'ab', 'c', 'kem');
  assert.throws(() => sealer.open(ab, 'a', 'bc', 'kem'), SealedKeyError);
});

test('a store written under one MASTER_KEY and read under another: 500 internal-error, logged, never a 400', async () => {
  const store = new MemoryStore();
  const first = await startServer({ store });
  const kp = (await first.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body;
  const cipher = (await first.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: kp.pk } })).body.cipher;
  await first.close();

  const logged: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
  const config = loadConfig({ ...SHARED_ENV, MASTER_KEY: randomBytes(32).toString('base64') });
  const { app } = buildApp({ config, store, logger });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/v1/kem/decapsulate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SHARED_ENV.API_KEYS.split(',')[0]!.split(':')[1]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ cipher, key_id: kp.key_id }),
    });
    assert.equal(res.status, 500);
    const body = (await res.json()) as { type: string; detail: string };
    assert.equal(body.type, 'urn:pq-crypto-api:problem:internal-error');
    assert.doesNotMatch(body.detail, /MASTER_KEY/, 'the cause is for the log, not the client');
    assert.ok(logged.some((line) => /cannot be unsealed/.test(line) && /MASTER_KEY/.test(line)), logged.join('\n'));
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
  }
});
