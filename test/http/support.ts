/**
 * Shared by the HTTP tests: a server whose every answer is checked against the invariants the
 * whole API keeps (never a 500; every error an RFC 9457 problem with the HTTP status in its body;
 * every 422 naming fields; /v1 answers never cached; every answer with a sane X-Request-Id that
 * every problem body repeats as request_id), and small byte helpers.
 * Not a test file itself (no .test.ts suffix).
 */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { startServer, TENANTS, type CallResult, type TestServer } from '../helpers/server.ts';

export { TENANTS };
export type { CallResult, TestServer };

export const PROBLEM_BASE = 'urn:pq-crypto-api:problem:';
export const AES_INFO = 'pq-crypto-api/v1/aes-256-gcm';

/** Checks what must hold for any answer of the API, whatever the request. */
export function checkInvariants(method: string, path: string, res: CallResult): void {
  const what = `${method} ${path} -> ${res.status} ${JSON.stringify(res.body)}`;
  assert.ok(res.status < 500, `a 5xx is always a bug: ${what}`);
  const requestId = res.headers.get('x-request-id');
  assert.match(requestId ?? '', /^[A-Za-z0-9._:-]{1,128}$/, `no sane X-Request-Id on ${what}`);
  if (path.startsWith('/v1/')) assert.equal(res.headers.get('cache-control'), 'no-store', `no Cache-Control: no-store on ${what}`);
  if (res.status >= 400) {
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, `not problem+json: ${what}`);
    const body = res.body as Record<string, unknown>;
    assert.equal(typeof body, 'object', what);
    assert.equal(body.status, res.status, `problem status differs from HTTP status: ${what}`);
    assert.ok(typeof body.type === 'string' && body.type.startsWith(PROBLEM_BASE), what);
    assert.equal(typeof body.title, 'string', what);
    assert.ok(typeof body.detail === 'string' && body.detail.length > 0, what);
    assert.equal(body.request_id, requestId, `the problem's request_id is not the X-Request-Id: ${what}`);
    if (res.status === 422) {
      assert.ok(Array.isArray(body.errors) && body.errors.length > 0, `a 422 must name its fields: ${what}`);
      for (const e of body.errors as { pointer: unknown; detail: unknown }[]) {
        assert.ok(typeof e.pointer === 'string' && e.pointer.startsWith('/'), what);
        assert.ok(typeof e.detail === 'string' && e.detail.length > 0, what);
      }
    }
  }
}

/** startServer(), with every answer checked by checkInvariants. */
export async function startApi(opts: { env?: Record<string, string> } = {}): Promise<TestServer> {
  const server = await startServer(opts);
  return {
    ...server,
    async call(method, path, o) {
      const res = await server.call(method, path, o);
      checkInvariants(method, path, res);
      return res;
    },
  };
}

/** Asserts a problem answer: its status, its type and (for 422) exactly these field pointers. */
export function assertProblem(res: CallResult, status: number, type: string, pointers?: readonly string[]): void {
  assert.equal(res.status, status, `expected ${status} ${type}, got ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.type, PROBLEM_BASE + type);
  if (pointers) assert.deepEqual(pointersOf(res), [...new Set(pointers)].sort());
}

/** The distinct pointers a 422 names, sorted. */
export function pointersOf(res: CallResult): string[] {
  return [...new Set((res.body.errors as { pointer: string }[]).map((e) => e.pointer))].sort();
}

export const assert422 = (res: CallResult, ...pointers: string[]) => assertProblem(res, 422, 'validation-failed', pointers);

export function assertOk(res: CallResult, status = 200): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
}

export const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
/** base64url without padding. */
export const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
export const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
export const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
export const random = (n: number) => new Uint8Array(randomBytes(n));

/** A copy with one bit flipped. */
export function flipBit(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[index]! ^= 1 << bit;
  return copy;
}

/** The AES key a client derives from a shared_key, with node:crypto only. */
export const localAesKey = (sharedKey: Uint8Array) => Buffer.from(hkdfSync('sha256', sharedKey, Buffer.alloc(0), AES_INFO, 32));

/** Decrypts base64(nonce || ct || tag) with node:crypto, as a client of the docs would. */
export function localDecrypt(sharedKey: Uint8Array, ciphertext: string, aad?: string): Buffer {
  const blob = Buffer.from(ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', localAesKey(sharedKey), blob.subarray(0, 12));
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(blob.subarray(blob.length - 16));
  return Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
}

/** Encrypts to base64(nonce || ct || tag) with node:crypto. */
export function localEncrypt(sharedKey: Uint8Array, plaintext: Uint8Array, aad?: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', localAesKey(sharedKey), nonce);
  if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, ct, cipher.getAuthTag()]).toString('base64');
}

export interface Keypair {
  readonly key_id: string;
  readonly algorithm: string;
  readonly pk: string;
  readonly verification_key: string;
  readonly signature: string;
}

export async function keypair(api: TestServer, auth: string, algorithm?: string): Promise<Keypair> {
  const res = await api.call('POST', '/v1/kem/keypair', { auth, body: algorithm ? { algorithm } : {} });
  assertOk(res, 201);
  return res.body as Keypair;
}
