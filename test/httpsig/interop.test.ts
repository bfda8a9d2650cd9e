/**
 * Interoperability with an independent RFC 9421 implementation: `http-message-signatures`
 * (npm, dhensby/node-http-message-signatures; devDependency), given ML-DSA sign and verify
 * callbacks (noble, pure, empty context) since it knows no ML-DSA itself. What it signs, this
 * service verifies under its client policy; what this service signs, it verifies; each refuses a
 * request changed after signing.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { httpbis, type Request as LibRequest } from 'http-message-signatures';
import type { MlDsaAlgorithm } from '../../src/crypto/algorithms.ts';
import type { HttpRequestLike } from '../../src/httpsig/base.ts';
import { signRequest } from '../../src/httpsig/sign.ts';
import { clientSignaturePolicy, verifySignedRequest } from '../../src/httpsig/verify.ts';

const CLIENT = 'cl_interopInteropInterop2';
const BODY = '{"data":"aGVsbG8=","encoding":"base64"}';
const SETS = [
  { algorithm: 'ML-DSA-44', alg: 'ml-dsa-44', impl: ml_dsa44 },
  { algorithm: 'ML-DSA-65', alg: 'ml-dsa-65', impl: ml_dsa65 },
  { algorithm: 'ML-DSA-87', alg: 'ml-dsa-87', impl: ml_dsa87 },
] as const;

/** The request as the library takes it (url a string, headers a record); a digest made with node:crypto, not ours. */
function libRequest(): LibRequest & { body: string } {
  return {
    method: 'POST',
    url: 'https://api.example.com:8443/v1/dsa/sign?tenant=acme&x=%20y',
    headers: {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(BODY)),
      'Content-Digest': `sha-512=:${createHash('sha512').update(BODY).digest('base64')}:`,
    },
    body: BODY,
  };
}

const asOurs = (r: LibRequest & { body?: string }): HttpRequestLike => ({ method: r.method, url: String(r.url), headers: r.headers, body: r.body });

for (const { algorithm, alg, impl } of SETS) {
  describe(`interop with http-message-signatures: ${alg}`, () => {
    const keys = impl.keygen(new Uint8Array(randomBytes(32)));
    const lookup = async (keyid: string) => (keyid === CLIENT ? { algorithm: algorithm as MlDsaAlgorithm, publicKey: keys.publicKey } : undefined);
    const policy = clientSignaturePolicy();

    test('what it signs (every derived component this service builds, digest, fields), this service verifies', async () => {
      const signed = await httpbis.signMessage(
        {
          key: { id: CLIENT, alg, sign: async (data: Buffer) => Buffer.from(impl.sign(new Uint8Array(data), keys.secretKey)) },
          fields: ['@method', '@target-uri', '@authority', '@scheme', '@request-target', '@path', '@query', 'content-digest', 'content-type', 'content-length'],
          params: ['created', 'nonce', 'keyid', 'alg'],
          paramValues: { nonce: randomBytes(16).toString('base64url') },
        },
        libRequest(),
      );
      const ours = asOurs({ ...signed, body: BODY });
      const result = await verifySignedRequest(ours, policy, lookup);
      assert.equal(result.ok, true, JSON.stringify(result));
      // Changed after signing: body, path, method.
      assert.deepEqual(await verifySignedRequest({ ...ours, body: BODY.replace('aGVs', 'aGVz') }, policy, lookup), { ok: false, reason: 'digest' });
      assert.deepEqual(await verifySignedRequest({ ...ours, url: ours.url.replace('/sign', '/verify') }, policy, lookup), { ok: false, reason: 'signature' });
      assert.deepEqual(await verifySignedRequest({ ...ours, method: 'PUT' }, policy, lookup), { ok: false, reason: 'signature' });
    });

    test('what this service signs, it verifies (and refuses when changed)', async () => {
      const request = libRequest();
      delete request.headers['Content-Digest'];
      const { headers } = await signRequest(asOurs(request), { keyid: CLIENT, key: { algorithm: algorithm as MlDsaAlgorithm, secretKey: keys.secretKey }, components: ['@method', '@target-uri', '@authority', '@scheme', '@request-target', '@path', '@query', 'content-digest', 'content-type'] });
      const signed: LibRequest = { ...request, headers: { ...request.headers, ...headers } };
      let seenAlg: unknown;
      const config = {
        keyLookup: async (params: { keyid?: string; alg?: string }) =>
          params.keyid === CLIENT
            ? {
                id: CLIENT,
                algs: [alg],
                verify: async (data: Buffer, signature: Buffer, p?: { alg?: string }) => {
                  seenAlg = p?.alg;
                  return impl.verify(new Uint8Array(signature), new Uint8Array(data), keys.publicKey);
                },
              }
            : null,
        requiredFields: ['@method', '@target-uri', 'content-digest'],
        requiredParams: ['created', 'nonce', 'keyid', 'alg'],
      };
      assert.equal(await httpbis.verifyMessage(config, signed), true);
      assert.equal(seenAlg, alg);
      // The library does not check Content-Digest against the body itself; a changed path or method it refuses.
      assert.equal(await httpbis.verifyMessage(config, { ...signed, url: String(signed.url).replace('/sign', '/verify') }), false);
      assert.equal(await httpbis.verifyMessage(config, { ...signed, method: 'PATCH' }), false);
    });
  });
}
