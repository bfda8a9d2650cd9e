/**
 * The client runs where only web APIs exist: bundled by esbuild for the browser platform (so any
 * Node built-in fails the bundle), then run in a bare V8 context (node:vm) that has fetch,
 * crypto.getRandomValues, TextEncoder and timers but no process, Buffer or require, where it makes
 * a real key exchange with a real server and decrypts locally.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { startServer, TENANTS, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let bundle: string;
before(async () => {
  server = await startServer();
  const result = await build({
    entryPoints: ['packages/client/src/index.ts'],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'pqc',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  bundle = result.outputFiles[0]!.text;
});
after(() => server.close());

test('the browser bundle holds no Node built-in and stays small', () => {
  assert.doesNotMatch(bundle, /require\(["'](node:)?(crypto|buffer|fs|http|https|net|stream)["']\)/);
  assert.ok(bundle.length < 200_000, `${bundle.length} bytes minified`);
});

test('in a context with only web APIs, the bundle does a key exchange with the server and decrypts locally', async () => {
  const web = {
    fetch,
    Headers,
    Request,
    Response,
    AbortController,
    AbortSignal,
    TextEncoder,
    TextDecoder,
    URL,
    crypto: { getRandomValues: (a: Uint8Array) => globalThis.crypto.getRandomValues(a) },
    setTimeout,
    clearTimeout,
    console,
  };
  const context = createContext(web);
  runInContext(bundle, context);
  for (const name of ['process', 'Buffer', 'require', 'module']) assert.equal(runInContext(`typeof ${name}`, context), 'undefined', name);
  const flow = runInContext(
    `(async (baseUrl, token) => {
      const api = new pqc.PqcClient({ baseUrl, token });
      const pair = await api.kem.keypair();
      if (!pqc.verifyAttestation(pair, pair.verification_key)) throw new Error('attestation');
      const local = pqc.encapsulateLocally(pair.pk);
      const { shared_key } = await api.kem.decapsulate({ key_id: pair.key_id, cipher: local.cipher });
      const { ciphertext } = await api.aes.encrypt({ unencrypted: 'from a browser', key: shared_key });
      let typed = false;
      try { await api.kem.decapsulate({ key_id: 'kem_AAAAAAAAAAAAAAAAAAAAAA', cipher: local.cipher }); } catch (e) { typed = e instanceof pqc.NotFoundError; }
      return { same: shared_key === local.shared_key, text: pqc.decryptBlobText(local.shared_key, ciphertext), typed };
    })`,
    context,
  ) as (baseUrl: string, token: string) => Promise<{ same: boolean; text: string; typed: boolean }>;
  const result = await flow(server.url, TENANTS.alice);
  assert.deepEqual({ ...result }, { same: true, text: 'from a browser', typed: true });

  // Sealed requests (docs/sealed.md) from the same web-only context: HPKE, OHTTP and Binary HTTP on @noble/*.
  const sealed = runInContext(
    `(async (baseUrl, token) => {
      const api = new pqc.PqcClient({ baseUrl, token, sealed: true });
      const pair = await api.kem.keypair({ algorithm: 'X-Wing' });
      const local = pqc.encapsulateLocally(pair.pk);
      const { shared_key } = await api.kem.decapsulate({ key_id: pair.key_id, cipher: local.cipher });
      let typed = false;
      try { await api.kem.decapsulate({ key_id: 'kem_AAAAAAAAAAAAAAAAAAAAAA', cipher: local.cipher }); } catch (e) { typed = e instanceof pqc.NotFoundError; }
      return { same: shared_key === local.shared_key, typed };
    })`,
    context,
  ) as (baseUrl: string, token: string) => Promise<{ same: boolean; typed: boolean }>;
  assert.deepEqual({ ...(await sealed(server.url, TENANTS.alice)) }, { same: true, typed: true });
});
