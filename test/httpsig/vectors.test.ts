/**
 * The examples of draft-skokan-httpbis-message-signatures-ml-dsa (panva/draft-httpbis-message-
 * signatures-ml-dsa, commit 4374e1a95ffadb5710dfc798f34289a0aa4d81a1), read from
 * ../shared/vectors/httpsig-mldsa: for each of ml-dsa-44/65/87, the signature base built here for
 * `test-request.http` equals the example's `signature-base.txt` byte for byte, and the example's
 * signature verifies under its public key. Skipped, naming that source, when the folder is absent.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { httpbis } from 'http-message-signatures';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { backendVerifier } from '../../src/clients/service.ts';
import { createCryptoBackend } from '../../src/crypto/select.ts';
import { parseDictionary, type InnerList } from 'structured-headers';
import type { MlDsaAlgorithm } from '../../src/crypto/algorithms.ts';
import { signatureBase, type HttpRequestLike } from '../../src/httpsig/base.ts';
import { verifySignedRequest, type VerificationPolicy } from '../../src/httpsig/verify.ts';
import { VECTORS_DIR } from '../helpers/vectors.ts';
import { parseHttpFile } from './http-file.ts';

const DIR = join(VECTORS_DIR, 'httpsig-mldsa');
const SOURCE = 'panva/draft-httpbis-message-signatures-ml-dsa at commit 4374e1a95ffadb5710dfc798f34289a0aa4d81a1 (draft-skokan-httpbis-message-signatures-ml-dsa)';
const SKIP = existsSync(DIR) ? false : `vectors not found at ${DIR}, \`npm run vectors\` fetches them (or set VECTORS_DIR); they are the examples of ${SOURCE}`;

/** The fields of `signature-fields.txt` as request headers. */
function signatureFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const colon = line.indexOf(':');
    out[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

const CASES: readonly { readonly dir: string; readonly algorithm: MlDsaAlgorithm }[] = [
  { dir: 'ml-dsa-44', algorithm: 'ML-DSA-44' },
  { dir: 'ml-dsa-65', algorithm: 'ML-DSA-65' },
  { dir: 'ml-dsa-87', algorithm: 'ML-DSA-87' },
];

/** The examples' own terms: what they cover, their keyid, their fixed `created`; no nonce. */
const examplePolicy = (created: number): VerificationPolicy => ({
  requiredComponents: ['@method', '@path', '@authority'],
  digestForBody: false,
  windowSeconds: 60,
  requireNonce: false,
  requireAlg: true,
  clock: () => created * 1000,
});

describe(`httpsig-mldsa examples (${SOURCE})`, () => {
  if (SKIP) {
    test('examples', { skip: SKIP }, () => {});
    return;
  }
  const read = (...parts: string[]) => readFileSync(join(DIR, ...parts), 'utf8');
  const request = parseHttpFile(read('test-request.http'));
  const backend = createCryptoBackend('auto');
  after(() => backend.close());
  const NOBLE = { 'ML-DSA-44': ml_dsa44, 'ML-DSA-65': ml_dsa65, 'ML-DSA-87': ml_dsa87 } as const;

  for (const { dir, algorithm } of CASES) {
    describe(dir, () => {
      const fields = signatureFields(read(dir, 'signature-fields.txt'));
      const input = parseDictionary(fields['signature-input']!).get('sig-mldsa') as InnerList;
      const created = input[1].get('created') as number;
      const publicKey = new Uint8Array(Buffer.from(read(dir, 'public-key.txt').trim(), 'base64'));
      const signed: HttpRequestLike = { ...request, headers: { ...request.headers, ...fields } };
      const lookup = async (keyid: string) => (keyid === `test-key-${dir}` ? { algorithm, publicKey } : undefined);

      test('the signature base built for test-request.http equals signature-base.txt byte for byte', () => {
        // The file ends with a newline; RFC 9421 section 2.5 puts none after @signature-params.
        const expected = read(dir, 'signature-base.txt');
        assert.ok(expected.endsWith('"\n'));
        assert.equal(signatureBase(request, input), expected.slice(0, -1));
        assert.deepEqual(Buffer.from(signatureBase(signed, input), 'utf8'), readFileSync(join(DIR, dir, 'signature-base.txt')).subarray(0, -1));
      });

      test('the example signature verifies (pure ML-DSA, empty context)', async () => {
        assert.deepEqual(await verifySignedRequest(signed, examplePolicy(created), lookup), {
          ok: true,
          keyid: `test-key-${dir}`,
          nonce: undefined,
          created,
          expires: undefined,
          label: 'sig-mldsa',
        });
      });

      test(`the example signature verifies with the service's crypto backend too (${backend.info.ml_dsa}: node:crypto on Node >= 24.7)`, async () => {
        const result = await verifySignedRequest(signed, examplePolicy(created), lookup, { verify: backendVerifier(backend.dsa) });
        assert.equal(result.ok, true);
      });

      test('http-message-signatures (independent) builds the same base and verifies the example', async () => {
        let base = '';
        const verified = await httpbis.verifyMessage(
          {
            keyLookup: async () => ({
              id: `test-key-${dir}`,
              algs: [dir],
              verify: async (data: Buffer, signature: Buffer) => {
                base = data.toString('utf8');
                return NOBLE[algorithm].verify(new Uint8Array(signature), new Uint8Array(data), publicKey);
              },
            }),
          },
          { method: signed.method, url: signed.url, headers: signed.headers as Record<string, string | string[]> },
        );
        assert.equal(verified, true);
        assert.equal(base, signatureBase(signed, input));
      });

      test('and fails on a changed method, path, covered field, or under another key', async () => {
        const policy = examplePolicy(created);
        assert.deepEqual(await verifySignedRequest({ ...signed, method: 'PUT' }, policy, lookup), { ok: false, reason: 'signature' });
        assert.deepEqual(await verifySignedRequest({ ...signed, url: signed.url.replace('/foo', '/bar') }, policy, lookup), { ok: false, reason: 'signature' });
        assert.deepEqual(await verifySignedRequest({ ...signed, headers: { ...signed.headers, date: 'Tue, 20 Apr 2021 02:07:56 GMT' } }, policy, lookup), { ok: false, reason: 'signature' });
        const other = CASES.find((c) => c.dir !== dir)!;
        const otherKey = new Uint8Array(Buffer.from(read(other.dir, 'public-key.txt').trim(), 'base64'));
        assert.deepEqual(await verifySignedRequest(signed, policy, async () => ({ algorithm: other.algorithm, publicKey: otherKey })), { ok: false, reason: 'alg-mismatch' });
      });
    });
  }
});
