/**
 * The signer and verifier are browser-safe, so the TypeScript client can sign requests with this
 * very code: esbuild bundles src/httpsig/ for the browser platform (a `node:` import would fail
 * the build), and the bundle signs and verifies inside a bare V8 context that has only what a
 * browser page has (Web Crypto's getRandomValues, TextEncoder, btoa, atob), no Buffer, no require. What
 * it signs there, the service verifies here.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js';
import { clientSignaturePolicy, verifySignedRequest } from '../../src/httpsig/verify.ts';

const ENTRY = `
export { signRequest } from './src/httpsig/sign.ts';
export { verifySignedRequest, clientSignaturePolicy } from './src/httpsig/verify.ts';
`;

test('src/httpsig bundles for the browser and signs in a context without node APIs; the service verifies it', async () => {
  const bundle = await build({ stdin: { contents: ENTRY, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, platform: 'browser', format: 'iife', globalName: 'httpsig', write: false, logLevel: 'silent' });
  const code = bundle.outputFiles[0]!.text;
  assert.doesNotMatch(code, /require\(["']node:/);

  const page = createContext({ crypto: { getRandomValues: (a: Uint8Array) => globalThis.crypto.getRandomValues(a) }, TextEncoder, btoa, atob, console });
  runInContext(code, page);
  assert.equal(runInContext('typeof Buffer + typeof require + typeof process', page), 'undefinedundefinedundefined');

  const seed = [...randomBytes(32)];
  const publicKey = ml_dsa44.keygen(new Uint8Array(seed)).publicKey;
  const clientId = 'cl_browserBrowserBrowser1';
  const signed = (await runInContext(
    `(async () => {
      const request = { method: 'POST', url: 'https://api.example.com/v1/dsa/sign', headers: { 'content-type': 'application/json' }, body: '{"data":"hi"}' };
      const { headers } = await httpsig.signRequest(request, { keyid: '${clientId}', key: { algorithm: 'ML-DSA-44', seed: new Uint8Array(${JSON.stringify(seed)}) } });
      const withHeaders = { ...request, headers: { ...request.headers, ...headers } };
      const pk = new Uint8Array(${JSON.stringify([...publicKey])});
      const inPage = await httpsig.verifySignedRequest(withHeaders, httpsig.clientSignaturePolicy(), async () => ({ algorithm: 'ML-DSA-44', publicKey: pk }));
      return JSON.stringify({ request: withHeaders, inPage: inPage.ok || inPage.reason });
    })()`,
    page,
  )) as string;
  const { request, inPage } = JSON.parse(signed);
  assert.equal(inPage, true, 'verifies inside the page too');
  const result = await verifySignedRequest(request, clientSignaturePolicy(), async (keyid) => (keyid === clientId ? { algorithm: 'ML-DSA-44', publicKey } : undefined));
  assert.equal(result.ok, true, JSON.stringify(result));
});
