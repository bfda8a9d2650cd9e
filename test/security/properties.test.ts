/**
 * Security properties that no other test would notice losing (issue 6 item 7). Each test here was
 * seen to fail under the change it names, made by hand in src/ and then reverted:
 *
 * (a) production secrets: config.ts without its NODE_ENV=production rules;
 * (b) undeclared fields: http/route.ts answering the handler's result without the response
 *     schema's parse (which drops what is not declared);
 * (c) log redaction: logger.ts without `redact`;
 * (d) wiping: keys/service.ts without wiping the unsealed seed, crypto/kem.ts and crypto/dsa.ts
 *     without wiping the expanded secret key;
 * (e) key separation: keys/sealing.ts sealing under MASTER_KEY itself instead of a key derived
 *     from it with HKDF.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import express from 'express';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { dsaSecretKey, dsaSign } from '../../src/crypto/dsa.ts';
import { kemDecapsulate, kemEncapsulate, kemKeygen, kemSecretKey } from '../../src/crypto/kem.ts';
import { Sealer } from '../../src/keys/sealing.ts';
import { errorHandler } from '../../src/http/problems.ts';
import { mountRoutes } from '../../src/http/pipeline.ts';
import { defineRoute } from '../../src/http/route.ts';
import { z } from '../../src/http/zod.ts';
import { createServices } from '../../src/services.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { MemoryAuditLog } from '../../src/stores/audit-memory.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { SHARED_ENV, startServer } from '../helpers/server.ts';

// ---------------------------------------------------------------------------------------- (a)

describe('(a) production refuses missing or weak secrets and makes none up', () => {
  const strong = {
    NODE_ENV: 'production',
    API_KEYS: `acme:${randomBytes(32).toString('base64url')}`,
    TOKEN_SECRET: randomBytes(48).toString('base64'),
    MASTER_KEY: randomBytes(32).toString('base64'),
    METRICS_TOKEN: randomBytes(24).toString('base64'),
  };
  const refuses = (env: Record<string, string | undefined>, name: string) =>
    assert.throws(() => loadConfig(env as NodeJS.ProcessEnv), (err: unknown) => err instanceof ConfigError && err.message.includes(name), `expected a ConfigError naming ${name}`);

  test('with every secret given and strong, production starts and generated nothing', () => {
    const config = loadConfig(strong);
    assert.equal(config.env, 'production');
    assert.deepEqual(config.generated, []);
    assert.deepEqual(Buffer.from(config.masterKey), Buffer.from(strong.MASTER_KEY, 'base64'));
    assert.deepEqual(Buffer.from(config.tokenSecret), Buffer.from(strong.TOKEN_SECRET));
  });

  for (const name of ['API_KEYS', 'TOKEN_SECRET', 'MASTER_KEY'] as const) {
    test(`a missing or blank ${name} stops a production start, naming it`, () => {
      refuses({ ...strong, [name]: undefined }, name);
      refuses({ ...strong, [name]: '' }, name);
      refuses({ ...strong, [name]: '   ' }, name);
    });
  }

  test('weak secrets stop a production start: short API key, short or repetitive TOKEN_SECRET, MASTER_KEY not 32 random bytes', () => {
    refuses({ ...strong, API_KEYS: 'acme:short-key' }, 'API_KEYS');
    refuses({ ...strong, API_KEYS: `no-colon-${'k'.repeat(40)}` }, 'API_KEYS');
    refuses({ ...strong, TOKEN_SECRET: 'x'.repeat(31) }, 'TOKEN_SECRET');
    refuses({ ...strong, TOKEN_SECRET: 'ab'.repeat(40) }, 'TOKEN_SECRET');
    refuses({ ...strong, MASTER_KEY: randomBytes(16).toString('base64') }, 'MASTER_KEY');
    refuses({ ...strong, MASTER_KEY: Buffer.alloc(32).toString('base64') }, 'MASTER_KEY');
    refuses({ ...strong, MASTER_KEY: 'not base64 at all!' }, 'MASTER_KEY');
  });

  test('outside production the same gaps are filled with ephemeral secrets, and said so', () => {
    const config = loadConfig({ NODE_ENV: 'development' });
    assert.deepEqual([...config.generated].sort(), ['API_KEYS', 'MASTER_KEY', 'TOKEN_SECRET']);
    assert.equal(config.masterKey.length, 32);
  });
});

// ---------------------------------------------------------------------------------------- (b)

describe('(b) an answer carries only the fields its response schema declares', () => {
  test("a handler's undeclared fields (a secret among them) never reach the client, at any depth", async () => {
    const config = loadConfig({ ...SHARED_ENV });
    const store = new MemoryStore();
    const services = createServices(config, store, pino({ level: 'silent' }), () => Date.now(), {
      audit: new MemoryAuditLog({ maxEntries: 10 }),
      metrics: new Metrics(),
    });
    const route = defineRoute({
      method: 'post',
      path: '/t/probe',
      operationId: 'probe',
      tag: 'Test',
      summary: 'probe',
      description: 'A route whose handler returns more than it declares.',
      scope: null,
      request: {},
      input: z.object({}),
      status: 200,
      response: z.object({ key_id: z.string(), inner: z.object({ pk: z.string() }), list: z.array(z.object({ id: z.string() })) }),
      responseDescription: 'declared fields only',
      rateClass: 'read',
      async handle() {
        return {
          key_id: 'kem_x',
          seed: 'SECRET-SEED',
          inner: { pk: 'public', sealedSeed: 'SECRET-SEALED' },
          list: [{ id: 'a', secretKey: 'SECRET-SK' }],
        } as unknown as { key_id: string; inner: { pk: string }; list: { id: string }[] };
      },
    });
    const app = express();
    const signedIn: express.RequestHandler = (req, _res, next) => {
      req.principal = { tenant: 'alice', scopes: [], keyIds: null, apiKeyId: 'test' };
      next();
    };
    app.use('/t', mountRoutes([route], { services, authenticate: () => signedIn, jsonBody: express.json() }, '/t'));
    app.use(errorHandler(pino({ level: 'silent' })));
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}/t/probe`, { method: 'POST' });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.deepEqual(JSON.parse(text), { key_id: 'kem_x', inner: { pk: 'public' }, list: [{ id: 'a' }] });
      assert.doesNotMatch(text, /SECRET/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    }
  });
});

// ---------------------------------------------------------------------------------------- (c)

describe('(c) the logger redacts credentials and secrets wherever they are logged', () => {
  test('Authorization headers, tokens, shared keys and keys come out as [redacted] from the real logger', () => {
    const secrets = {
      authorization: `Bearer api-${randomBytes(24).toString('hex')}`,
      token: `eyJ${randomBytes(30).toString('base64url')}`,
      newToken: `eyJ${randomBytes(30).toString('base64url')}`,
      sharedKey: randomBytes(32).toString('base64'),
      key: randomBytes(32).toString('base64'),
    };
    // pino writes to file descriptor 1 itself, so the real logger runs in a child and its output is read.
    const script = `
      const { createLogger } = await import('./src/logger.ts');
      const s = JSON.parse(process.env.SECRETS);
      const log = createLogger('trace');
      log.info({ req: { method: 'POST', headers: { authorization: s.authorization } } }, 'request');
      log.info({ headers: { authorization: s.authorization } }, 'headers');
      log.warn({ authorization: s.authorization }, 'top level');
      log.info({ body: { token: s.token, new_token: s.newToken, shared_key: s.sharedKey, key: s.key } }, 'body');
      log.error({ res: { new_token: s.newToken, shared_key: s.sharedKey } }, 'answer');
      log.child({ tenant: 'alice' }).info({ input: { key: s.key, token: s.token } }, 'child');
      log.flush?.();
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, SECRETS: JSON.stringify(secrets) },
      encoding: 'utf8',
    });
    assert.equal(child.status, 0, child.stderr);
    const lines = child.stdout.trim().split('\n');
    assert.equal(lines.length, 6, child.stdout);
    for (const [name, value] of Object.entries(secrets)) {
      assert.ok(!child.stdout.includes(value), `${name} reached the log:\n${child.stdout}`);
      assert.ok(!child.stdout.includes(value.slice(7, 30)), `part of ${name} reached the log`);
    }
    assert.ok(lines.every((line) => line.includes('[redacted]')), child.stdout);
    // The rest of each line is kept: redaction is targeted, not a blank log.
    assert.match(child.stdout, /"tenant":"alice"/);
    assert.match(child.stdout, /"method":"POST"/);
  });
});

// ---------------------------------------------------------------------------------------- (d)

/**
 * Records the contents of every Uint8Array zeroed with fill(0) while `run` runs: how wiping is
 * observed from outside (the buffers themselves are private to the code under test).
 */
async function wipedDuring<T>(run: () => Promise<T> | T): Promise<{ result: T; wiped: Buffer[] }> {
  const wiped: Buffer[] = [];
  const original = Uint8Array.prototype.fill;
  Uint8Array.prototype.fill = function (this: Uint8Array, value: number, ...rest: [number?, number?]) {
    if (value === 0 && rest.length === 0 && this.length > 0) wiped.push(Buffer.from(this));
    return original.call(this, value, ...rest) as Uint8Array;
  } as typeof original;
  try {
    const result = await run();
    return { result, wiped };
  } finally {
    Uint8Array.prototype.fill = original;
  }
}

const wasWiped = (wiped: readonly Buffer[], secret: Uint8Array) => wiped.some((b) => b.equals(Buffer.from(secret)));

describe('(d) secret key material is wiped after use', () => {
  test('kemDecapsulate wipes the expanded decapsulation key it made from the seed', async () => {
    for (const algorithm of ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024'] as const) {
      const pair = kemKeygen(algorithm);
      const expanded = kemSecretKey(algorithm, pair.seed);
      const { cipherText, sharedSecret } = await kemEncapsulate(algorithm, pair.publicKey);
      const { result, wiped } = await wipedDuring(() => kemDecapsulate(algorithm, Uint8Array.from(pair.seed), cipherText));
      assert.deepEqual(Buffer.from(await result), Buffer.from(sharedSecret));
      assert.ok(wasWiped(wiped, expanded), `${algorithm}: the expanded key (${expanded.length} bytes) was not zeroed`);
    }
  });

  test('dsaSign wipes the expanded signing key it made from the seed', async () => {
    for (const algorithm of ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'] as const) {
      const seed = randomBytes(32);
      const expanded = dsaSecretKey(algorithm, seed);
      const { result, wiped } = await wipedDuring(() => dsaSign(algorithm, Uint8Array.from(seed), new Uint8Array([1, 2, 3])));
      assert.ok((await result).length > 0);
      assert.ok(wasWiped(wiped, expanded), `${algorithm}: the expanded key (${expanded.length} bytes) was not zeroed`);
    }
  });

  test('the service wipes every seed it unseals, for decapsulation and for signing, over real HTTP', async () => {
    const store = new MemoryStore();
    const api = await startServer({ store });
    const opened: Uint8Array[] = [];
    const open = Sealer.prototype.open;
    try {
      const kp = (await api.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body;
      const enc = (await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: kp.pk } })).body;
      Sealer.prototype.open = function (this: Sealer, ...args: Parameters<Sealer['open']>) {
        const seed = open.apply(this, args);
        opened.push(seed);
        return seed;
      };
      const dec = await api.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { key_id: kp.key_id, cipher: enc.cipher } });
      assert.equal(dec.status, 200);
      assert.equal(dec.body.shared_key, enc.shared_key);
      const signed = await api.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'wipe me' } });
      assert.equal(signed.status, 200);
      assert.ok(opened.length >= 2, `the seeds were unsealed ${opened.length} time(s) through Sealer.open`);
      for (const seed of opened) assert.ok(seed.every((b) => b === 0), `an unsealed seed of ${seed.length} bytes was left in memory after use`);
    } finally {
      Sealer.prototype.open = open;
      await api.close();
      await store.close();
    }
  });
});

// ---------------------------------------------------------------------------------------- (e)

describe('(e) seeds are sealed under a key derived from MASTER_KEY, never under MASTER_KEY itself', () => {
  /** The documented associated data: length-prefixed "v1", purpose, tenant, key id. */
  const aad = (...parts: string[]) => Buffer.concat(parts.flatMap((p) => [Buffer.from([0, 0, 0, Buffer.byteLength(p)]), Buffer.from(p)]));
  const open = (key: Buffer, sealed: Uint8Array, ad: Buffer) => {
    const blob = Buffer.from(sealed);
    assert.equal(blob[0], 1, 'format version 1');
    const d = createDecipheriv('aes-256-gcm', key, blob.subarray(1, 13));
    d.setAAD(ad);
    d.setAuthTag(blob.subarray(blob.length - 16));
    return Buffer.concat([d.update(blob.subarray(13, blob.length - 16)), d.final()]);
  };

  test('a sealed seed opens with HKDF-SHA256(MASTER_KEY, info "pq-crypto-api/v1/seal-secret-keys") and not with MASTER_KEY', () => {
    const master = randomBytes(32);
    const seed = randomBytes(64);
    const sealed = new Sealer(master).seal(seed, 'alice', 'kem_1', 'kem');
    const ad = aad('v1', 'kem', 'alice', 'kem_1');
    const derived = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'pq-crypto-api/v1/seal-secret-keys', 32));
    assert.deepEqual(open(derived, sealed, ad), seed);
    assert.throws(() => open(master, sealed, ad), /unable to authenticate|Unsupported state/);
  });
});
