/**
 * Token-signing key rotation and the verified-token cache, on the TokenService with a real store
 * (memory), real ML-DSA (the noble backend) and an injected clock:
 * - the previous version verifies tokens issued up to TOKEN_KEY_ROTATED_AT, for the window
 *   (TOKEN_MAX_TTL_SECONDS) after it, and nothing else: not a token it signed after the switch,
 *   not any token once the window has passed (even one not yet expired), and it leaves the JWKS;
 * - a token's signature is checked once per instance, and the cache never lets through a token
 *   that has expired or that the store says is used up.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { backendEngine, type JwsEngine } from '../../src/auth/jws.ts';
import { SCOPES, type Principal } from '../../src/auth/scopes.ts';
import { TokenKeyRing, tokenSigningKey, tokenSigningSeed } from '../../src/auth/token-keys.ts';
import { TokenService } from '../../src/auth/tokens.ts';
import { createCryptoBackend } from '../../src/crypto/select.ts';
import { MemoryStore } from '../../src/stores/memory.ts';

const noble = createCryptoBackend('noble');
const MASTER_KEY = new Uint8Array(32).map((_, i) => i * 7 + 1);
const T0 = Date.parse('2026-12-06T08:00:00Z');
const HOUR = 3_600_000;
const ALICE: Principal = { tenant: 'alice', scopes: SCOPES, keyIds: null, apiKeyId: 'key-1' };

let now = T0;
const clock = () => now;
const store = new MemoryStore({ clock });
after(async () => {
  await store.close();
  await noble.close();
});

function service(ring: TokenKeyRing, engine: JwsEngine = backendEngine(noble.dsa)) {
  return new TokenService(store.tokens, { alg: ring.alg, keys: ring, engine }, clock, () => true);
}
const mint = (tokens: TokenService, expirySeconds = 2 * 3600) => tokens.mint(ALICE, { expirySeconds, attempts: null, scopes: SCOPES, keyIds: null });
const works = async (tokens: TokenService, token: string) => (await tokens.authenticate(token, false)) !== undefined;

describe('key derivation', () => {
  test('HKDF-SHA256(MASTER_KEY, empty salt, "pq-crypto-api/v1/token-signing/<version>", 32): one key per version and master key', async () => {
    const { hkdfSync } = await import('node:crypto');
    const expected = new Uint8Array(hkdfSync('sha256', MASTER_KEY, new Uint8Array(0), 'pq-crypto-api/v1/token-signing/1', 32));
    assert.deepEqual(tokenSigningSeed(MASTER_KEY, 1), expected);
    const kids = new Set([tokenSigningKey('ML-DSA-65', MASTER_KEY, 1).kid, tokenSigningKey('ML-DSA-65', MASTER_KEY, 2).kid, tokenSigningKey('ML-DSA-65', new Uint8Array(32).fill(9), 1).kid]);
    assert.equal(kids.size, 3);
    assert.equal(tokenSigningKey('ML-DSA-65', MASTER_KEY, 1).kid, tokenSigningKey('ML-DSA-65', MASTER_KEY, 1).kid);
  });

  test("the server's ring (TokenKeyRing.derive: key pairs made by the crypto backend, off the event loop) is the ring made here, current and previous", async () => {
    const opts = { alg: 'ML-DSA-65' as const, masterKey: MASTER_KEY, version: 2, previous: { version: 1, rotatedAtMs: T0 }, windowMs: HOUR };
    const made: string[] = [];
    const derived = await TokenKeyRing.derive(opts, async (alg, seed) => {
      made.push(alg);
      return (await noble.dsa.keygen(alg, seed)).publicKey;
    });
    const here = new TokenKeyRing(opts);
    assert.deepEqual(made, ['ML-DSA-65', 'ML-DSA-65'], 'both key pairs come from the keygen given');
    for (const which of ['current', 'previous'] as const) {
      assert.deepEqual(derived[which]!.publicKey, here[which]!.publicKey, which);
      assert.equal(derived[which]!.kid, here[which]!.kid, which);
      assert.deepEqual(derived[which]!.seed, here[which]!.seed, which);
    }
    await assert.rejects(TokenKeyRing.derive({ ...opts, previous: { version: 2, rotatedAtMs: T0 } }, async () => new Uint8Array(0)), RangeError);
  });

  test('a token service whose ring is still being made waits for it; one whose ring cannot be made fails, at ready() and at every use', async () => {
    now = T0;
    let finish!: (ring: TokenKeyRing) => void;
    const pending = new TokenService(store.tokens, { alg: 'ML-DSA-65', keys: new Promise<TokenKeyRing>((resolve) => (finish = resolve)), engine: backendEngine(noble.dsa) }, clock, () => true);
    const minting = mint(pending);
    const ready = pending.ready();
    const ring = new TokenKeyRing({ alg: 'ML-DSA-65', masterKey: MASTER_KEY, version: 1, windowMs: HOUR });
    finish(ring);
    await ready;
    const { token } = await minting;
    assert.equal(await works(pending, token), true);
    assert.deepEqual((await pending.jwks()).keys.map((k) => k.kid), [ring.current.kid]);

    const broken = new TokenService(store.tokens, { alg: 'ML-DSA-65', keys: Promise.reject(new Error('no backend')), engine: backendEngine(noble.dsa) }, clock, () => true);
    await assert.rejects(broken.ready(), /no backend/);
    await assert.rejects(mint(broken), /no backend/);
    await assert.rejects(broken.jwks(), /no backend/);
  });
});

describe('rotation from version 1 to 2', () => {
  const v1 = service(new TokenKeyRing({ alg: 'ML-DSA-65', masterKey: MASTER_KEY, version: 1, windowMs: 3 * HOUR }));
  const rotatedAtMs = T0 + 60_000;
  // A window shorter than the tokens' lives, so that only the window can refuse them.
  const v2 = service(new TokenKeyRing({ alg: 'ML-DSA-65', masterKey: MASTER_KEY, version: 2, previous: { version: 1, rotatedAtMs }, windowMs: HOUR }));

  test('a token version 1 signed before the switch verifies under version 2 until the window ends, then not (though unexpired)', async () => {
    now = T0;
    const before = (await mint(v1)).token;
    now = rotatedAtMs + HOUR - 1000;
    assert.equal(await works(v2, before), true);
    assert.equal((await v2.jwks()).keys.length, 2, 'both keys are published in the window');
    now = rotatedAtMs + HOUR;
    assert.equal(await works(v1, before), true, 'the token has not expired');
    assert.equal(await works(v2, before), false, 'but the window has passed');
    assert.deepEqual((await v2.jwks()).keys.map((k) => k.kid), [tokenSigningKey('ML-DSA-65', MASTER_KEY, 2).kid], 'and the previous key has left the JWKS');
  });

  test('a token version 1 signed after the switch is refused by version 2 (an instance not yet switched, or a forged iat gains nothing past it)', async () => {
    now = rotatedAtMs + 1000;
    const late = (await mint(v1)).token;
    assert.equal(await works(v1, late), true);
    assert.equal(await works(v2, late), false);
  });

  test('version 2 tokens verify under version 2, not under version 1', async () => {
    now = rotatedAtMs + 2000;
    const fresh = (await mint(v2)).token;
    assert.equal(await works(v2, fresh), true);
    assert.equal(await works(v1, fresh), false);
  });

  test('a version that is neither current nor previous is refused', async () => {
    now = T0;
    const v3 = service(new TokenKeyRing({ alg: 'ML-DSA-65', masterKey: MASTER_KEY, version: 3, windowMs: HOUR }));
    const token = (await mint(v3)).token;
    assert.equal(await works(v2, token), false);
  });
});

describe('the verified-token cache', () => {
  /** The noble engine, counting the signatures it checks. */
  function counting() {
    const engine = backendEngine(noble.dsa);
    const counter = { verifications: 0 };
    const wrapped: JwsEngine = { name: engine.name, sign: engine.sign, verify: (jws, key) => (counter.verifications++, engine.verify(jws, key)) };
    return { engine: wrapped, counter };
  }

  test('a token\'s signature is checked once per instance; another token, or another instance, checks its own', async () => {
    now = T0;
    const { engine, counter } = counting();
    const ring = new TokenKeyRing({ alg: 'ML-DSA-65', masterKey: MASTER_KEY, version: 1, windowMs: HOUR });
    const tokens = service(ring, engine);
    const a = (await mint(tokens)).token;
    const b = (await mint(tokens)).token;
    for (let i = 0; i < 5; i++) assert.equal(await works(tokens, a), true);
    assert.equal(counter.verifications, 1);
    assert.equal(await works(tokens, b), true);
    assert.equal(counter.verifications, 2);
    const other = counting();
    assert.equal(await works(service(ring, other.engine), a), true);
    assert.equal(other.counter.verifications, 1);
  });

  test('a cached token stops working when it expires, when its attempts are used up and when revoked', async () => {
    now = T0;
    const tokens = service(new TokenKeyRing({ alg: 'ML-DSA-65', masterKey: MASTER_KEY, version: 1, windowMs: HOUR }));
    const short = (await mint(tokens, 60)).token;
    assert.equal(await works(tokens, short), true);
    now = T0 + 60_000;
    assert.equal(await works(tokens, short), false, 'expired, though its signature is cached');

    now = T0;
    const once = await tokens.mint(ALICE, { expirySeconds: 600, attempts: 1, scopes: SCOPES, keyIds: null });
    assert.ok(await tokens.authenticate(once.token, true));
    assert.equal(await tokens.authenticate(once.token, true), undefined);

    const revoked = await mint(tokens);
    assert.equal(await works(tokens, revoked.token), true);
    assert.equal(await tokens.revoke(ALICE, revoked.info.id), true);
    assert.equal(await works(tokens, revoked.token), false);
  });

  test('a forgery of a cached token (same claims, altered signature) is not served from the cache', async () => {
    now = T0;
    const tokens = service(new TokenKeyRing({ alg: 'ML-DSA-65', masterKey: MASTER_KEY, version: 1, windowMs: HOUR }));
    const { token } = await mint(tokens);
    assert.equal(await works(tokens, token), true);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    assert.equal(await works(tokens, `${token.slice(0, -2)}${last}${token.at(-1)}`), false);
  });
});
