/**
 * Valid exactly once across instances (BRIEF, "Clients with their own keys", Challenges; issue 17
 * "Done when"): two API instances on one real Redis, 1,000 concurrent validations of one
 * challenge with the RIGHT answer, half sent to each instance, 5 trials: exactly one answers
 * `valid: true`, the other 999 `used`, every answer a 200 with a receipt. Requests go over
 * keep-alive connections (a pool per instance) so the machine spends its time on the API, not on
 * opening sockets.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { startTwoInstances, type TwoInstances } from '../helpers/instances.ts';
import { TENANTS } from '../helpers/server.ts';
import { registerClient, signChallenge } from './support.ts';

const VALIDATIONS = 1_000;
const TRIALS = 5;

let two: TwoInstances;
before(async () => {
  // Every validation signs a receipt: let 500 of them queue on each instance without a 503.
  two = await startTwoInstances({ CRYPTO_QUEUE_TIMEOUT_MS: '120000', CRYPTO_TENANT_QUEUE_COST: '1000000' });
});
after(async () => {
  await two?.close();
});

function poster(base: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const url = new URL(base);
  const post = (path: string, body: unknown) =>
    new Promise<{ status: number; body: { valid?: boolean; reason?: string | null; receipt_signature?: string } }>((resolve, reject) => {
      const payload = Buffer.from(JSON.stringify(body));
      const req = http.request(
        { agent, host: url.hostname, port: url.port, path, method: 'POST', headers: { authorization: `Bearer ${TENANTS.alice}`, 'content-type': 'application/json', 'content-length': payload.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return { post, close: () => agent.destroy() };
}

test(`${VALIDATIONS} concurrent validations of one challenge over two instances: exactly one valid, ${TRIALS} trials`, { timeout: 900_000 }, async (t) => {
  const client = await registerClient(two.a.store, 'alice');
  for (let trial = 1; trial <= TRIALS; trial++) {
    // Fresh connection pools each trial: a keep-alive socket left idle between trials could be
    // closed by the server (keepAliveTimeout) just as it is reused, and a validation is not
    // something to resend.
    const a = poster(two.a.url);
    const b = poster(two.b.url);
    try {
      const made = await (trial % 2 ? a : b).post('/v1/challenges', { client_id: client.id, ttl: 300 });
      assert.equal(made.status, 201);
      const { challenge_id, challenge } = made.body as unknown as { challenge_id: string; challenge: string };
      const response = signChallenge(client, challenge);
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: VALIDATIONS }, (_, i) => (i % 2 ? a : b).post(`/v1/challenges/${challenge_id}/validate`, { response })));
      const ms = Date.now() - started;
      const statuses = new Set(answers.map((r) => r.status));
      assert.deepEqual([...statuses], [200], `every validation answered 200 (got ${[...statuses].join(', ')})`);
      const valid = answers.filter((r) => r.body.valid === true);
      const used = answers.filter((r) => r.body.valid === false && r.body.reason === 'used');
      assert.equal(valid.length, 1, `trial ${trial}: exactly one valid`);
      assert.equal(used.length, VALIDATIONS - 1, `trial ${trial}: every other one used`);
      assert.ok(answers.every((r) => typeof r.body.receipt_signature === 'string'));
      t.diagnostic(`trial ${trial}: ${VALIDATIONS} validations in ${ms} ms: 1 valid, ${used.length} used`);
    } finally {
      a.close();
      b.close();
    }
  }
});
