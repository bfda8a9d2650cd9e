/**
 * The per-request cuts of the performance issue, each measured in-process as CPU microseconds per
 * call, before (the code as it was, kept here) and after (the code in src/), alternating in one
 * run: `npx tsx bench/floor-cuts.ts` (run it with each runtime: the Node 24 figures differ). The
 * whole server's before/after is bench/ab.ts (CPU per request, alternating rounds): a cut counts
 * only when that agrees. (Two cuts faster here were slower in the server and were taken back: the
 * key confirmation through node:crypto, twice; docs/performance.md.)
 */
import { createCipheriv, createHash, createPublicKey, createSecretKey, randomBytes } from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import jwt from 'jsonwebtoken';
import { decodeBase64, encodeBase64 } from '../src/crypto/encoding.ts';
import { withoutStackTraces } from '../src/crypto/quiet.ts';
import { LruCache } from '../src/lib/lru.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const CALLS = Number(process.env.CALLS ?? 20_000);

/** Before: decodeBase64 with its regular expressions over the whole text and a re-encoding to compare. */
function decodeBase64Before(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return undefined;
  const body = text.replace(/=+$/, '');
  if (body.length % 4 === 1) return undefined;
  if (/[+/]/.test(body) && /[-_]/.test(body)) return undefined;
  if (text.length !== body.length && text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (encodeBase64(bytes).replace(/=+$/, '') !== body.replace(/-/g, '+').replace(/_/g, '/')) return undefined;
  return new Uint8Array(bytes);
}

/** Before: Express's default weak ETag, a SHA-1 of every JSON body (express/lib/utils.js, the etag package). */
const etagBefore = (body: string) => `W/"${Buffer.byteLength(body).toString(16)}-${createHash('sha1').update(body, 'utf8').digest('base64').slice(0, 27)}"`;

const sharedKey = new Uint8Array(randomBytes(32));
const cipher = new Uint8Array(randomBytes(1088));
const pk = randomBytes(1184).toString('base64');
const answer = JSON.stringify({ cipher: Buffer.from(cipher).toString('base64'), shared_key: Buffer.from(sharedKey).toString('base64'), confirmation: Buffer.from(randomBytes(32)).toString('base64') });
const secret = createSecretKey(randomBytes(48));
const token = jwt.sign({ sub: 'bench', jti: 'abcdefghijklmnopqrstuv', scp: ['kem:encapsulate'], kys: null, anc: [], akf: 'k', xms: Date.now() + 3_600_000, exp: Math.floor(Date.now() / 1000) + 3600 }, secret, { algorithm: 'HS256', issuer: 'i', audience: 'a' });
const verified = new LruCache<Record<string, unknown>>({ maxEntries: 10_000, ttlMs: 60_000, now: Date.now });

// One-off public keys (a fresh one each call, as a stream of ephemeral keys would be); node:crypto
// has ML-KEM from Node 24.7 only.
const nativeMlKem = (() => {
  try {
    createPublicKey({ key: Buffer.from(ml_kem768.keygen().publicKey), format: 'raw-public', asymmetricKeyType: 'ml-kem-768' } as never);
    return true;
  } catch {
    return false;
  }
})();
const publicKeys = nativeMlKem ? Array.from({ length: 64 }, () => Buffer.from(ml_kem768.keygen().publicKey)) : [];
let nextKey = 0;
const importKey = () => createPublicKey({ key: publicKeys[nextKey++ % publicKeys.length]!, format: 'raw-public', asymmetricKeyType: 'ml-kem-768' } as never);
const aesKey = randomBytes(32);
const nonce = randomBytes(12);
const gcmCipher = () => createCipheriv('aes-256-gcm', aesKey, nonce, { authTagLength: 16 });

const cuts: { name: string; before: () => unknown; after: () => unknown }[] = [
  ...(nativeMlKem ? [{ name: 'ML-KEM-768 public key import (createPublicKey, raw-public), against the same without stack traces', before: importKey, after: () => withoutStackTraces(importKey) }] : []),
  { name: 'AES-256-GCM cipher set-up (createCipheriv with key bytes), against the same without stack traces', before: gcmCipher, after: () => withoutStackTraces(gcmCipher) },
  { name: 'decodeBase64 of a 1,184-byte public key', before: () => decodeBase64Before(pk), after: () => decodeBase64(pk) },
  { name: 'ETag of the encapsulate answer (Express default), against none', before: () => etagBefore(answer), after: () => undefined },
  {
    name: 'HS256 token seen before: jsonwebtoken verify, against the digest and the cache of verified tokens',
    before: () => jwt.verify(token, secret, { algorithms: ['HS256'], issuer: 'i', audience: 'a' }),
    after: () => verified.get(createHash('sha256').update(token).digest('base64url')) ?? verified.set(createHash('sha256').update(token).digest('base64url'), {}),
  },
];

const cpuPerCall = (fn: () => unknown) => {
  const t = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) fn();
  const u = process.cpuUsage(t);
  return (u.user + u.system) / CALLS;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`${process.version}: CPU µs per call, median of ${ROUNDS} alternating rounds of ${CALLS} calls (min-max)`);
for (const cut of cuts) {
  for (let i = 0; i < 2000; i++) (cut.before(), cut.after()); // warm-up
  const before: number[] = [];
  const after: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    before.push(cpuPerCall(cut.before));
    after.push(cpuPerCall(cut.after));
  }
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
  console.log(`- ${cut.name}: before ${median(before).toFixed(2)} (${range(before)}), after ${median(after).toFixed(2)} (${range(after)}), saves ${(median(before) - median(after)).toFixed(2)} µs`);
}
