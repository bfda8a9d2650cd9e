/**
 * ML-DSA compact JWS (RFC 9964) by the two engines of src/auth/jws.ts: `jose` over WebCrypto
 * (Node >= 24.7 only; skipped, with the reason, elsewhere) and `backend` over the noble crypto
 * backend (every runtime). Checked against RFC 9964's own examples (shared/vectors/jose-mldsa,
 * from cose-wg/draft-ietf-cose-dilithium examples/jose at 7f2084be), and against each other.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { compactVerify, importJWK } from 'jose';
import { backendEngine, joseEngine, webCryptoHasMlDsa, type JwsEngine } from '../../src/auth/jws.ts';
import { tokenSigningKey, type TokenSigningKey } from '../../src/auth/token-keys.ts';
import { ML_DSA_ALGORITHMS, type MlDsaAlgorithm } from '../../src/crypto/algorithms.ts';
import { createCryptoBackend } from '../../src/crypto/select.ts';
import { dsaKeygen } from '../../src/crypto/dsa.ts';
import { akpPublicJwk, akpPublicKey, akpThumbprint } from '../../src/crypto/jwk.ts';
import { describeVectors } from '../helpers/vectors.ts';

const noble = createCryptoBackend('noble');
after(() => noble.close());

const JOSE_SKIP = webCryptoHasMlDsa('ML-DSA-65') ? false : `WebCrypto on Node ${process.version} has no ML-DSA (Node >= 24.7 has it): jose cannot sign or verify ML-DSA here`;
const engines: [string, () => JwsEngine, string | false][] = [
  ['backend (noble)', () => backendEngine(noble.dsa), false],
  ['jose (WebCrypto)', () => joseEngine(), JOSE_SKIP],
];

interface JoseVector {
  priv: string;
  jwk: { kty: string; alg: string; pub: string; priv: string; kid: string };
  jws: string;
  raw_to_be_signed: string;
  raw_signature: string;
  raw_public_key: string;
}

/** A TokenSigningKey for a given seed, as token-keys.ts would make it (the vectors give the seed itself, not MASTER_KEY). */
function keyFromSeed(alg: MlDsaAlgorithm, seed: Uint8Array): TokenSigningKey {
  const { publicKey } = dsaKeygen(alg, seed);
  const jwk = akpPublicJwk(alg, publicKey, 'sig');
  return { version: 0, alg, kid: jwk.kid, publicKey, seed, jwk };
}

for (const alg of ML_DSA_ALGORITHMS) {
  describeVectors<JoseVector>(`RFC 9964 example, ${alg}`, `jose-mldsa/${alg.replace(/-/g, '_')}.jose.json`, (v) => {
    const seed = new Uint8Array(Buffer.from(v.priv, 'hex'));
    const key = keyFromSeed(alg, seed);

    test('the seed makes the example public key, and our JWK of it is the example JWK (kid = RFC 7638 thumbprint)', () => {
      assert.equal(Buffer.from(key.publicKey).toString('hex'), v.raw_public_key);
      const { priv: _priv, ...publicJwk } = v.jwk;
      assert.deepEqual({ ...akpPublicJwk(alg, key.publicKey) }, publicJwk);
      assert.equal(akpThumbprint(alg, key.publicKey), v.jwk.kid);
      assert.deepEqual(akpPublicKey(v.jwk), { alg, publicKey: key.publicKey });
    });

    for (const [name, make, skip] of engines) {
      test(`the example JWS verifies with the ${name} engine; one flipped bit does not`, { skip }, async () => {
        const engine = make();
        assert.equal(await engine.verify(v.jws, key), true);
        const bytes = Buffer.from(v.jws.split('.')[2]!, 'base64url');
        bytes[100]! ^= 1;
        const [h, p] = v.jws.split('.');
        assert.equal(await engine.verify(`${h}.${p}.${bytes.toString('base64url')}`, key), false);
        assert.equal(await engine.verify(`${h}.${Buffer.from('another payload').toString('base64url')}.${v.jws.split('.')[2]}`, key), false);
      });
    }

    test('our signer, given the example seed, header and payload, signs the same input; deterministic, byte for byte the example JWS', async () => {
      const [h, p] = v.jws.split('.') as [string, string];
      const header = JSON.parse(Buffer.from(h, 'base64url').toString());
      const payload = Buffer.from(p, 'base64url');
      assert.equal(Buffer.from(`${h}.${p}`).toString('hex'), v.raw_to_be_signed);
      // The examples are deterministic (FIPS 204 rnd = 0^32): noble reproduces them exactly.
      assert.equal(await backendEngine(noble.dsa, { deterministic: true }).sign(header, payload, key), v.jws);
      // Hedged signing (the service's default) differs each time but verifies where the example does.
      const hedged = await backendEngine(noble.dsa).sign(header, payload, key);
      assert.notEqual(hedged, v.jws);
      assert.equal(hedged.slice(0, hedged.lastIndexOf('.')), `${h}.${p}`);
      assert.equal(await backendEngine(noble.dsa).verify(hedged, key), true);
    });

    test('jose verifies the example with the example JWK, and a JWS our signer makes with it', { skip: JOSE_SKIP }, async () => {
      const publicKey = await importJWK({ kty: 'AKP', alg, pub: v.jwk.pub }, alg);
      assert.equal(Buffer.from((await compactVerify(v.jws, publicKey)).payload).toString(), 'It’s a dangerous business, Frodo, going out your door.');
      const ours = await backendEngine(noble.dsa).sign({ alg, kid: v.jwk.kid }, new TextEncoder().encode('{"sub":"x"}'), key);
      assert.equal(Buffer.from((await compactVerify(ours, publicKey, { algorithms: [alg] })).payload).toString(), '{"sub":"x"}');
    });
  });
}

describe('the two engines agree', () => {
  const key = tokenSigningKey('ML-DSA-65', new Uint8Array(32).fill(42), 1);
  const header = { alg: key.alg, kid: key.kid, typ: 'JWT' as const };
  const payload = new TextEncoder().encode(JSON.stringify({ sub: 'alice', jti: 'x' }));

  test('each verifies the other\'s JWS, over byte-identical signing input (WebCrypto signs hedged, so the signatures differ)', { skip: JOSE_SKIP }, async () => {
    const viaJose = await joseEngine().sign(header, payload, key);
    const viaNoble = await backendEngine(noble.dsa).sign(header, payload, key);
    const input = (jws: string) => jws.slice(0, jws.lastIndexOf('.'));
    assert.equal(input(viaJose), input(viaNoble));
    assert.equal(await backendEngine(noble.dsa).verify(viaJose, key), true);
    assert.equal(await joseEngine().verify(viaNoble, key), true);
    // WebCrypto's ML-DSA is hedged: two signatures over the same input differ (if this fails, it has become deterministic).
    assert.notEqual(await joseEngine().sign(header, payload, key), viaJose);
  });

  test('deterministic noble signing gives the same JWS twice; a different key does not verify it', async () => {
    const engine = backendEngine(noble.dsa, { deterministic: true });
    const first = await engine.sign(header, payload, key);
    assert.equal(await engine.sign(header, payload, key), first);
    const other = tokenSigningKey('ML-DSA-65', new Uint8Array(32).fill(42), 2);
    assert.notEqual(other.kid, key.kid);
    assert.equal(await engine.verify(first, other), false);
  });
});
