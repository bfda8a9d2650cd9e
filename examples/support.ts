/**
 * What the examples share: where the service is and as whom (from the environment), and the two
 * ways they state what they show, `check` and `refused`. Copy this file along with an example.
 */
import { ApiError } from '../packages/client/src/index.ts';

/** PQC_URL and PQC_TOKEN (an API key); without them, says what to set and exits 2. */
export function serviceFromEnv(): { readonly url: string; readonly token: string } {
  const { PQC_URL = '', PQC_TOKEN = '' } = process.env;
  if (!PQC_URL || !PQC_TOKEN) {
    console.error('Set PQC_URL (where the service is) and PQC_TOKEN (an API key): see examples/README.md');
    process.exit(2);
  }
  return { url: PQC_URL, token: PQC_TOKEN };
}

/** Prints a claim, having checked it: a false claim stops the example with a non-zero exit. */
export function check(claim: boolean, what: string): void {
  if (!claim) throw new Error(`check failed: ${what}`);
  console.log(`  ok: ${what}`);
}

/** Runs a request that must be refused with `Expected` (a typed error of the client) and shows what the caller sees. */
export async function refused<E extends ApiError>(Expected: new (...args: never[]) => E, request: () => Promise<unknown>): Promise<E> {
  try {
    await request();
  } catch (error) {
    if (!(error instanceof Expected)) throw error;
    console.log(`  refused: ${error.status} ${error.problemType} (${error.name}): ${error.detail}`);
    return error;
  }
  throw new Error(`check failed: expected ${Expected.name}, but the request succeeded`);
}

/** Runs an example's steps; a failure (an API error with its status and request id) ends it with exit code 1. */
export function run(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    // An API error names its status and problem; quote the request id when reporting one.
    const why = error instanceof ApiError ? `${error.status} ${error.message} (request ${error.requestId})` : error instanceof Error ? error.message : String(error);
    console.error(`\nFAILED: ${why}`);
    process.exitCode = 1;
  });
}
