/**
 * node:crypto calls given key bytes, without the stack traces Node 24 makes and throws away inside
 * them.
 *
 * Node 24 (seen on 24.21: lib/internal/crypto/keys.js `isKeyObject`, `isCryptoKey`) asks whether a
 * key argument is a KeyObject or a CryptoKey by calling a native slot getter inside try/catch. For
 * key bytes, or an options object such as `{ key, format: 'raw-public', asymmetricKeyType }` or
 * `{ key, context }`, each question throws, and every throw captures a stack trace
 * (`Error.stackTraceLimit` frames) that is dropped at once: two to four per call. Measured in one
 * process on Node 24.21 (`npx tsx bench/floor-cuts.ts`, CPU per call), a `createPublicKey` of an
 * ML-KEM-768 key costs 44.7 µs with them and 24.5 without, a `createCipheriv` for AES-256-GCM 13.5
 * against 2.6; on Node 20, which asks with a property lookup, nothing changes. So the calls on a
 * request's path that hand node:crypto key bytes run with `Error.stackTraceLimit` at 0 for their
 * synchronous part (docs/performance.md, "Fourth pass").
 *
 * The limit is a process-wide setting of V8, restored before returning (the call is synchronous, so
 * nothing else runs meanwhile). An error the call throws was made without a stack: it is given one
 * here, from this point, before it leaves.
 * @module
 */

/** Whether this runtime lets the limit be set (not, e.g., under --frozen-intrinsics). */
const settable = (() => {
  const d = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit');
  return d ? d.writable === true || typeof d.set === 'function' : Object.isExtensible(Error);
})();

/** Runs `call` (synchronous) with no stack traces captured, and restores the limit it found. */
export function withoutStackTraces<T>(call: () => T): T {
  if (!settable) return call();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return call();
  } catch (err) {
    Error.stackTraceLimit = limit;
    if (err instanceof Error) {
      try {
        Error.captureStackTrace(err, withoutStackTraces);
      } catch {
        // A frozen error keeps the stack it has.
      }
    }
    throw err;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
