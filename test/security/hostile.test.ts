/**
 * Hostile input, property-based (fast-check), over every endpoint the running server documents in
 * /openapi.json, on the memory store: HOSTILE_RUNS requests (10,000 by default) of malformed and
 * truncated JSON, wrong types, unknown and duplicate fields, huge and empty strings, bad base64
 * and hex, every wrong key / ciphertext / signature length, contexts around 255 bytes, non-UTF-8
 * bytes, header, method and path abuse, with API keys, tokens and forgeries; and POST /ohttp with
 * random, truncated, bit-flipped, padded and replayed sealed requests. See
 * hostile/attack.ts for what is checked on every answer. A failure prints fast-check's seed and
 * shrunk case; replay it with FC_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../src/stores/memory.ts';
import { attack } from './hostile/attack.ts';

const RUNS = Number(process.env.HOSTILE_RUNS ?? 10_000);

test(`hostile input over every endpoint: ${RUNS} requests, no 5xx, every answer a well-formed problem or a documented success`, { timeout: 300_000 }, async (t) => {
  const store = new MemoryStore();
  try {
    const tally = await attack({ label: 'memory', store, runs: RUNS, hugeLists: true, log: (line) => (console.log(line), t.diagnostic(line.split('\n')[0]!)) });
    assert.equal(tally.fivexx, 0);
    assert.ok(tally.requests >= RUNS, `${tally.requests} requests sent`);
    if (RUNS >= 1000) assert.ok((tally.byKind.get('sealed') ?? 0) > 0, 'POST /ohttp was fuzzed');
  } finally {
    await store.close();
  }
});
