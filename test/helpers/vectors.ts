/**
 * Loads the official known-answer vectors from OUTSIDE the project, at run time: by default
 * `../shared/vectors` relative to the project root, or the folder named by VECTORS_DIR. They are
 * never copied into the project. When the folder is absent, vector suites are skipped (not failed)
 * with a message naming the upstream sources, so the suite still runs on a bare checkout.
 * A folder that exists but lacks a file fails loudly instead: that is a broken setup, not a choice.
 */
import { test, describe } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const VECTORS_DIR = process.env.VECTORS_DIR ? resolve(process.env.VECTORS_DIR) : resolve(PROJECT_ROOT, '../shared/vectors');

export const UPSTREAM_SOURCES =
  'NIST ACVP-Server gen-val/json-files tag v1.1.0.43 (usnistgov/ACVP-Server, commit 975de31eb83d87039ec88934fdc47d8c312b892d) ' +
  'and C2SP/wycheproof testvectors_v1/aes_gcm_test.json (commit dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166)';

/** false when the vectors are there; otherwise the skip message. */
export const VECTORS_SKIP: string | false = existsSync(VECTORS_DIR)
  ? false
  : `test vectors not found at ${VECTORS_DIR}, \`npm run vectors\` fetches them (pinned commits, SHA-256 checked); or set VECTORS_DIR to a folder of them. They are subsets of ${UPSTREAM_SOURCES}`;

export function loadVectors<T>(file: string): T {
  return JSON.parse(readFileSync(join(VECTORS_DIR, file), 'utf8')) as T;
}

/**
 * A describe() block over one vector file, or a single skipped test standing in for it when the
 * vectors folder is absent (a skipped test shows up in the runner's "skipped" count; a skipped
 * suite does not).
 */
export function describeVectors<T>(title: string, file: string, body: (vectors: T) => void): void {
  if (VECTORS_SKIP) {
    test(`${title} (${file})`, { skip: VECTORS_SKIP }, () => {});
    return;
  }
  describe(`${title} (${file})`, () => body(loadVectors<T>(file)));
}

/** Hex (either case, "" = empty) to bytes; throws on anything else, so a bad vector cannot pass silently. */
export function hex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new Error(`not hex: ${text.slice(0, 40)}`);
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

// ---- file shapes (only the fields the tests read) ----

export interface AcvpFile<T> {
  readonly tests: readonly T[];
}

interface AcvpCase {
  readonly tcId: number;
  readonly tgId: number;
}

export interface MlKemKeygenCase extends AcvpCase {
  readonly parameterSet: 'ML-KEM-512' | 'ML-KEM-768' | 'ML-KEM-1024';
  readonly d: string;
  readonly z: string;
  readonly ek: string;
  readonly dk: string;
}

export type MlKemEncapDecapCase = AcvpCase & { readonly parameterSet: 'ML-KEM-512' | 'ML-KEM-768' | 'ML-KEM-1024' } & (
    | { readonly function: 'encapsulation'; readonly ek: string; readonly m: string; readonly c: string; readonly k: string }
    | { readonly function: 'decapsulation'; readonly dk: string; readonly c: string; readonly k: string; readonly reason: string }
    | { readonly function: 'encapsulationKeyCheck'; readonly ek: string; readonly testPassed: boolean; readonly reason: string }
    | { readonly function: 'decapsulationKeyCheck'; readonly dk: string; readonly testPassed: boolean; readonly reason: string }
  );

export interface MlDsaKeygenCase extends AcvpCase {
  readonly parameterSet: 'ML-DSA-44' | 'ML-DSA-65' | 'ML-DSA-87';
  readonly seed: string;
  readonly pk: string;
  readonly sk: string;
}

export interface MlDsaSigVerCase extends AcvpCase {
  readonly parameterSet: 'ML-DSA-44' | 'ML-DSA-65' | 'ML-DSA-87';
  readonly signatureInterface: string;
  readonly preHash: string;
  readonly pk: string;
  readonly message: string;
  readonly context: string;
  readonly signature: string;
  readonly testPassed: boolean;
  readonly reason: string;
}

export interface MlDsaSigGenCase extends AcvpCase {
  readonly parameterSet: 'ML-DSA-44' | 'ML-DSA-65' | 'ML-DSA-87';
  readonly deterministic: boolean;
  readonly signatureInterface: string;
  readonly preHash: string;
  readonly sk: string;
  readonly message: string;
  readonly context: string;
  readonly signature: string;
}

export interface WycheproofAeadFile {
  readonly testGroups: readonly {
    readonly keySize: number;
    readonly ivSize: number;
    readonly tagSize: number;
    readonly tests: readonly WycheproofAeadCase[];
  }[];
}

export interface WycheproofAeadCase {
  readonly tcId: number;
  readonly comment: string;
  readonly flags: readonly string[];
  readonly key: string;
  readonly iv: string;
  readonly aad: string;
  readonly msg: string;
  readonly ct: string;
  readonly tag: string;
  readonly result: 'valid' | 'invalid' | 'acceptable';
}
