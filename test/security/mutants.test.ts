/**
 * Tests written to kill mutants that StrykerJS found surviving (npm run mutation; docs/testing.md
 * lists the scores and the survivors left alone). Each names the behaviour it pins, not the mutant.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import { pino } from 'pino';
import { bearerCredential } from '../../src/auth/authenticate.ts';
import { loadConfig } from '../../src/config.ts';
import { aeadOpen, aeadSeal } from '../../src/crypto/aead.ts';
import { dsaKeygen, dsaSecretKey, dsaSign, dsaSignWithSecretKey, dsaVerify } from '../../src/crypto/dsa.ts';
import { CryptoInputError, DecryptionError } from '../../src/crypto/errors.ts';
import { kemDecapsulate, kemDecapsulateWithSecretKey, kemEncapsulate, kemKeygen, kemSecretKey } from '../../src/crypto/kem.ts';
import { SealedKeyError, Sealer } from '../../src/keys/sealing.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { createServices } from '../../src/services.ts';
import { MemoryAuditLog } from '../../src/stores/audit-memory.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { RedisStore } from '../../src/stores/redis.ts';
import type { Store } from '../../src/stores/store.ts';
import { startRedis } from '../helpers/redis.ts';
import { SHARED_ENV, startServer, TENANTS } from '../helpers/server.ts';

describe('keys', () => {
  test('a key_id with anything before "kem_" or after its 22 characters is a 422 on key_id, not a lookup', async () => {
    const api = await startServer();
    try {
      const kp = (await api.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body;
      const cipher = (await api.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: kp.pk } })).body.cipher;
      for (const keyId of [`x${kp.key_id}`, `${kp.key_id}x`, ` ${kp.key_id}`]) {
        const res = await api.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { cipher, key_id: keyId } });
        assert.equal(res.status, 422, `${keyId}: ${res.status} ${JSON.stringify(res.body)}`);
        assert.deepEqual(res.body.errors.map((e: { pointer: string }) => e.pointer), ['/key_id']);
        const mint = await api.call('POST', '/v1/tokens', { auth: 'alice', body: { key_ids: [keyId] } });
        assert.equal(mint.status, 422, `${keyId}: ${mint.status} ${JSON.stringify(mint.body)}`);
      }
    } finally {
      await api.close();
    }
  });

  test('a sealed blob of an unknown format version is refused as such, by a SealedKeyError', () => {
    const sealer = new Sealer(randomBytes(32));
    const sealed = sealer.seal(randomBytes(64), 'alice', 'kem_1', 'kem');
    const future = Uint8Array.from(sealed);
    future[0] = 2;
    assert.throws(
      () => sealer.open(future, 'alice', 'kem_1', 'kem'),
      (err: unknown) => err instanceof SealedKeyError && err.name === 'SealedKeyError' && /kem_1/.test(err.message) && /version 2/.test(err.message),
    );
  });

  test('a stored record that is not an ML-KEM key is never used as one, even under a kem_ id', async () => {
    const store = new MemoryStore();
    try {
      const services = createServices(loadConfig({ ...SHARED_ENV }), store, pino({ level: 'silent' }), () => Date.now(), {
        audit: new MemoryAuditLog({ maxEntries: 10 }),
        metrics: new Metrics(),
      });
      const id = 'kem_AAAAAAAAAAAAAAAAAAAAAA';
      const createdAt = new Date().toISOString();
      const record = { id, tenant: 'alice', type: 'kem' as const, algorithm: 'ML-DSA-65', createdAt, expiresAtMs: null, fingerprint: 'f'.repeat(64), versions: [{ version: 1, publicKey: randomBytes(1952).toString('base64'), sealedSeed: 'AA==', createdAt }] };
      assert.equal(await store.keys.put(record, 0), 'stored');
      const principal = { tenant: 'alice', scopes: [], keyIds: null, apiKeyId: 'k' };
      const found = await services.keys.resolve(principal, ['kem'], { id, field: 'key_id' });
      await assert.rejects(services.keys.decapsulate(found, new Uint8Array(1088)), /not a KEM key/);
      await assert.rejects(services.keys.resolve({ ...principal, tenant: 'bob' }, ['kem'], { id, field: 'key_id' }), /No key of yours/);
    } finally {
      await store.close();
    }
  });
});

/**
 * Rejects (sync throw or async rejection alike, so this holds if the core becomes async) with a
 * CryptoInputError naming `field`, whose message matches `detail`: these messages are the 422
 * details clients read, so each must say what was expected and what came.
 */
async function refuses(run: () => unknown, field: string, detail: RegExp): Promise<void> {
  await assert.rejects(
    async () => run(),
    (err: unknown) => {
      assert.ok(err instanceof CryptoInputError, `expected a CryptoInputError, got ${String(err)}`);
      assert.equal(err.name, 'CryptoInputError');
      assert.equal(err.field, field);
      assert.match(err.message, detail);
      return true;
    },
  );
}

describe('crypto input errors say what was expected and what came', () => {
  test('ML-KEM: public key, randomness, seed, ciphertext and decapsulation key', async () => {
    const pair = kemKeygen('ML-KEM-768');
    await refuses(() => kemEncapsulate('ML-KEM-768', new Uint8Array(1183)), 'pk', /ML-KEM-768 public key must be 1184 bytes, got 1183/);
    await refuses(() => kemEncapsulate('ML-KEM-768', new Uint8Array(800)), 'pk', /ML-KEM-768 public key must be 1184 bytes, got 800/);
    await refuses(() => kemEncapsulate('ML-KEM-768', pair.publicKey, new Uint8Array(31)), 'message', /32 bytes, got 31/);
    const broken = Uint8Array.from(pair.publicKey);
    broken[0] = 0xff;
    broken[1]! |= 0x0f;
    await refuses(() => kemEncapsulate('ML-KEM-768', broken), 'pk', /ML-KEM-768 .*modulus check/);
    await refuses(() => kemKeygen('ML-KEM-512', new Uint8Array(63)), 'seed', /64 bytes, got 63/);
    await refuses(() => kemDecapsulate('ML-KEM-768', pair.seed, new Uint8Array(1087)), 'cipher', /ML-KEM-768 ciphertext must be 1088 bytes, got 1087/);
    const { cipherText } = await kemEncapsulate('ML-KEM-768', pair.publicKey);
    const dk = kemSecretKey('ML-KEM-768', pair.seed);
    await refuses(() => kemDecapsulateWithSecretKey('ML-KEM-768', dk.subarray(1), cipherText), 'sk', /must be 2400 bytes, got 2399/);
    await refuses(() => kemDecapsulateWithSecretKey('ML-KEM-768', new Uint8Array(2401), cipherText), 'sk', /must be 2400 bytes, got 2401/);
    const tampered = Uint8Array.from(dk);
    tampered[2400 - 64]! ^= 1; // inside H(ek)
    await refuses(() => kemDecapsulateWithSecretKey('ML-KEM-768', tampered, cipherText), 'sk', /hash check/);
  });

  test('ML-DSA: context, seed, secret key and public key', async () => {
    const seed = randomBytes(32);
    const message = new Uint8Array([1, 2, 3]);
    await refuses(() => dsaSign('ML-DSA-65', seed, message, { context: new Uint8Array(256) }), 'context', /at most 255 bytes, got 256/);
    await refuses(() => dsaKeygen('ML-DSA-65', new Uint8Array(31)), 'seed', /32 bytes, got 31/);
    await refuses(() => dsaSignWithSecretKey('ML-DSA-44', dsaSecretKey('ML-DSA-65', seed), message), 'sk', /ML-DSA-44 secret key must be 2560 bytes, got 4032/);
    await refuses(() => dsaVerify(new Uint8Array(1951), message, new Uint8Array(3309)), 'pk', /1312, 1952 or 2592 bytes, got 1951/);
  });

  test('AES-256-GCM: key, nonce and blob lengths; a failed tag is a DecryptionError that says why', async () => {
    await refuses(() => aeadSeal(new Uint8Array(31), new Uint8Array(0)), 'key', /32 bytes, got 31/);
    await refuses(() => aeadSeal(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), new Uint8Array(11)), 'nonce', /12 bytes/);
    await refuses(() => aeadOpen(new Uint8Array(32), new Uint8Array(27)), 'ciphertext', /at least 28 bytes .*got 27/);
    await assert.rejects(
      async () => aeadOpen(new Uint8Array(32), new Uint8Array(28)),
      (err: unknown) => err instanceof DecryptionError && err.name === 'DecryptionError' && /wrong key, wrong aad, or the ciphertext was modified/.test(err.message),
    );
  });
});

describe('auth', () => {
  test('the Authorization header: one Bearer credential of at most 8192 characters, nothing before or after it', () => {
    const key = 'k'.repeat(40);
    assert.equal(bearerCredential(`Bearer ${key}`), key);
    assert.equal(bearerCredential(`bearer   ${key}`), key);
    assert.equal(bearerCredential(`Bearer ${key}  `), key);
    assert.equal(bearerCredential(undefined), undefined);
    assert.equal(bearerCredential(''), undefined);
    assert.equal(bearerCredential(`xBearer ${key}`), undefined);
    assert.equal(bearerCredential(`Token Bearer ${key}`), undefined);
    assert.equal(bearerCredential(`Bearer ${key} extra`), undefined);
    assert.equal(bearerCredential(`Bearer ${key}\textra`), undefined);
    assert.equal(bearerCredential(`Bearer${key}`), undefined);
    assert.equal(bearerCredential(`Bearer ${'a'.repeat(8192)}`), 'a'.repeat(8192));
    assert.equal(bearerCredential(`Bearer ${'a'.repeat(8193)}`), undefined);
  });

  test('a minted token is an HS256 JWT for this service, expiring at the next whole second after its exact expiry', async () => {
    const api = await startServer();
    try {
      const res = await api.call('POST', '/v1/tokens', { auth: 'alice', body: { expiry_time: 600 } });
      assert.equal(res.status, 201);
      const decoded = jwt.decode(res.body.new_token, { complete: true }) as unknown as { header: Record<string, unknown>; payload: Record<string, unknown> };
      assert.deepEqual(decoded.header, { alg: 'HS256', typ: 'JWT' });
      assert.equal(decoded.payload.iss, 'pq-crypto-api');
      assert.equal(decoded.payload.aud, 'pq-crypto-api/v1');
      assert.equal(decoded.payload.sub, 'alice');
      assert.equal(decoded.payload.jti, res.body.token_id);
      assert.equal(decoded.payload.xms, Date.parse(res.body.expires_at));
      assert.equal(decoded.payload.exp, Math.ceil(Number(decoded.payload.xms) / 1000));
    } finally {
      await api.close();
    }
  });

  test('a correctly signed token whose claims have the wrong shape is refused like a forged one (401), never a 500', async () => {
    const api = await startServer();
    try {
      const minted = (await api.call('POST', '/v1/tokens', { auth: 'alice', body: { expiry_time: 600 } })).body;
      // The same live token id, so only the claims check can refuse these.
      const { iat: _iat, ...claims } = jwt.decode(minted.new_token) as Record<string, unknown>;
      const sign = (payload: Record<string, unknown>) => jwt.sign(payload, Buffer.from(api.config.tokenSecret), { algorithm: 'HS256' });
      const omit = (name: string) => Object.fromEntries(Object.entries(claims).filter(([k]) => k !== name));
      const variants: Record<string, Record<string, unknown>> = {
        'sub a number': { ...claims, sub: 123 },
        'sub missing': omit('sub'),
        'scp a string': { ...claims, scp: 'kem:encapsulate' },
        'scp with an unknown scope': { ...claims, scp: ['dsa:sign', 'root'] },
        'scp missing': omit('scp'),
        'kid a string': { ...claims, kid: 'kem_AAAAAAAAAAAAAAAAAAAAAA' },
        'kid holding a number': { ...claims, kid: [1] },
        'exp missing': omit('exp'),
        'xms missing': omit('xms'),
        'xms a string': { ...claims, xms: String(claims.xms) },
        'anc missing': omit('anc'),
      };
      const control = await api.call('GET', '/v1/tokens/current', { auth: sign(claims) });
      assert.equal(control.status, 200, 're-signed unchanged claims are accepted');
      for (const [what, payload] of Object.entries(variants)) {
        const token = sign(payload);
        for (const [method, path, body] of [['GET', '/v1/tokens/current', undefined], ['POST', '/v1/aes/encrypt', { unencrypted: 'x', key: Buffer.alloc(32).toString('base64') }]] as const) {
          const res = await api.call(method, path, { auth: token, ...(body ? { body } : {}) });
          assert.equal(res.status, 401, `${what}: ${method} ${path} -> ${res.status} ${JSON.stringify(res.body)}`);
        }
      }
      assert.equal((await api.call('GET', '/v1/tokens/current', { auth: TENANTS.alice })).status, 200);
    } finally {
      await api.close();
    }
  });
});

describe('stores', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis.dispose());
  const stores: [string, () => Store][] = [
    ['memory', () => new MemoryStore()],
    ['redis', () => new RedisStore({ url: redis.url, keyPrefix: `mutants-${randomBytes(4).toString('hex')}:` })],
  ];

  for (const [name, make] of stores) {
    test(`${name}: attempts left is the least over the limited tokens of the lineage, wherever the least is`, async () => {
      const store = make();
      try {
        const expiresAtMs = Date.now() + 60_000;
        await store.tokens.createToken('F', 'F', { tenant: 'alice', attemptsLeft: 2, expiresAtMs });
        await store.tokens.createToken('F', 'F.child', { tenant: 'alice', attemptsLeft: 5, expiresAtMs });
        assert.deepEqual(await store.tokens.consumeAttempt('F', 'F.child', ['F']), { ok: true, attemptsLeft: 1 });
        assert.equal((await store.tokens.peekToken('F', 'F.child', ['F']))?.attemptsLeft, 1);
        await store.tokens.createToken('G', 'G', { tenant: 'alice', attemptsLeft: 5, expiresAtMs });
        await store.tokens.createToken('G', 'G.child', { tenant: 'alice', attemptsLeft: 2, expiresAtMs });
        assert.deepEqual(await store.tokens.consumeAttempt('G', 'G.child', ['G']), { ok: true, attemptsLeft: 1 });
      } finally {
        await store.close();
      }
    });
  }

  test('memory: a token is dead at the exact instant of its expiry, not a millisecond later', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ clock: () => now });
    try {
      await store.tokens.createToken('F', 'F', { tenant: 'alice', attemptsLeft: null, expiresAtMs: now + 10 });
      now += 9;
      assert.ok(await store.tokens.peekToken('F', 'F', []));
      now += 1;
      assert.equal(await store.tokens.peekToken('F', 'F', []), undefined);
      assert.deepEqual(await store.tokens.consumeAttempt('F', 'F', []), { ok: false });
    } finally {
      await store.close();
    }
  });

  test('redis: a token record with attempts that are not a whole number >= 0 is refused, and nothing is written', async () => {
    const prefix = `mutants-${randomBytes(4).toString('hex')}:`;
    const store = new RedisStore({ url: redis.url, keyPrefix: prefix });
    const admin = new Redis(redis.url);
    try {
      for (const attemptsLeft of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
        await assert.rejects(store.tokens.createToken('F', 'F', { tenant: 'alice', attemptsLeft, expiresAtMs: Date.now() + 60_000 }), RangeError, String(attemptsLeft));
      }
      assert.deepEqual(await admin.keys(`${prefix}*`), []);
      await store.tokens.createToken('F', 'F', { tenant: 'alice', attemptsLeft: null, expiresAtMs: Date.now() + 60_000 });
      assert.deepEqual(await store.tokens.consumeAttempt('F', 'F', []), { ok: true, attemptsLeft: null });
      // The documented layout: an unlimited token's hash has no `left` field at all.
      const [key] = await admin.keys(`${prefix}*`);
      assert.deepEqual((await admin.hkeys(key!)).sort(), ['anc', 'exp', 'tenant']);
    } finally {
      admin.disconnect();
      await store.close();
    }
  });

  test('redis: keys live under pqapi: by default, and a prefix with a brace (a hash tag for everybody) is refused', async () => {
    const store = new RedisStore({ url: redis.url });
    const admin = new Redis(redis.url);
    try {
      const tenant = `t-${randomBytes(4).toString('hex')}`;
      const createdAt = new Date().toISOString();
      await store.keys.getOrPutRoleKey(tenant, 'attestation', { id: 'att_x', tenant, type: 'dsa', algorithm: 'ML-DSA-65', createdAt, expiresAtMs: null, versions: [{ version: 1, publicKey: 'AA==', sealedSeed: 'AA==', createdAt }] });
      assert.deepEqual(await admin.keys(`*${tenant}*`), [`pqapi:{t:${tenant}}:attestation`]);
    } finally {
      admin.disconnect();
      await store.close();
    }
    for (const keyPrefix of ['a{b:', 'x}', '{']) {
      assert.throws(() => new RedisStore({ url: redis.url, keyPrefix }), (err: unknown) => err instanceof TypeError && /\{ or \}/.test(err.message));
    }
  });
});
