/**
 * The Swagger UI example values the server keeps (src/http/example-values.ts, generated) are the
 * ones their fixed seeds give today: recomputed here with noble, field by field. A change to a
 * seed, a construction (the key confirmation, HPKE, a context string) or a demonstration id that
 * is not followed by `npm run examples:values` fails here, not in a user's Swagger UI. The server
 * keeps them so that it never signs with ML-DSA on its event loop at start-up (examples.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { challengeExamples, computeChallengeExamples, computeExamples, examples } from '../../src/http/examples.ts';

const HOW = 'the kept example values are stale: run `npm run examples:values` and commit src/http/example-values.ts';

test('the kept example values equal a fresh computation from their seeds', async () => {
  const fresh = await computeExamples();
  assert.deepEqual(Object.keys(examples()).sort(), Object.keys(fresh).sort(), HOW);
  for (const [field, value] of Object.entries(fresh)) assert.equal(examples()[field as keyof typeof fresh], value, `${field}: ${HOW}`);
});

test('the kept challenge example values equal a fresh computation from their seeds', () => {
  const fresh = computeChallengeExamples();
  assert.deepEqual(Object.keys(challengeExamples()).sort(), Object.keys(fresh).sort(), HOW);
  for (const [field, value] of Object.entries(fresh)) assert.equal(challengeExamples()[field as keyof typeof fresh], value, `${field}: ${HOW}`);
});
