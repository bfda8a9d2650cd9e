/**
 * Challenges (docs/challenges.md): proving, once, that a registered client holds its own keys,
 * with a receipt anyone can check offline.
 *
 * - The client makes its ML-DSA-65 key pair and an X-Wing key pair on its own machine; the tenant
 *   registers both public keys.
 * - The tenant (the relying party, `challenges:manage`) makes a `signature` challenge; the client
 *   signs it with its own key; the validation is valid, and a second one of the same challenge is
 *   `used`: one try per challenge, on every instance.
 * - The receipt is checked offline against the tenant's attestation key pinned once, and only
 *   under the receipt context.
 * - A `kem` challenge arrives sealed (HPKE) to the client's X-Wing key: only the holder of that
 *   key can open it; a wrong answer uses the challenge up (`mismatch`, then `used`).
 *
 * Run (see examples/README.md):
 *   PQC_URL=http://127.0.0.1:8080 PQC_TOKEN=<your API key> npx tsx examples/challenge.ts
 */
import { randomBytes } from 'node:crypto';
import { answerChallenge, generateClientKey, hpkePublicKey, PqcClient, toBase64, verifyReceipt, type ChallengeReceipt, type ClientSigner } from '../packages/client/src/index.ts';
import { check, run, serviceFromEnv } from './support.ts';

const { url: PQC_URL, token: PQC_TOKEN } = serviceFromEnv();

const tenant = new PqcClient({ baseUrl: PQC_URL, token: PQC_TOKEN });

async function main(): Promise<void> {
  console.log(`Challenges through ${PQC_URL}\n`);

  console.log('1. The client makes its keys on its own machine; the tenant registers the public halves.');
  const signing = generateClientKey('ML-DSA-65');
  const kemSeed = new Uint8Array(randomBytes(32)); // an X-Wing private key is its 32-byte seed
  const client = await tenant.clients.register({
    name: 'door sensor 7',
    signing_key: { algorithm: signing.algorithm, pk: signing.publicKey },
    kem_key: { algorithm: 'X-Wing', pk: toBase64(hpkePublicKey('X-Wing', kemSeed)) },
    scopes: ['dsa:verify'],
  });
  const signer: ClientSigner = { clientId: client.client_id, algorithm: signing.algorithm, seed: signing.seed };
  console.log(`  client_id ${client.client_id}`);
  // The tenant's attestation key, pinned once over a channel the relying party trusts.
  const pinned = (await tenant.kem.keypair()).verification_key;

  console.log('\n2. A signature challenge: the client signs it with its own key.');
  const issued = await tenant.challenges.create({ client_id: client.client_id, method: 'signature', ttl: 60 });
  const response = await answerChallenge(issued, { signer });
  const first = await tenant.challenges.validate(issued.challenge_id, response);
  check(first.valid && first.reason === null, `valid: ${first.valid}, validated at ${first.validated_at}`);
  const again = await tenant.challenges.validate(issued.challenge_id, response);
  check(!again.valid && again.reason === 'used', `the same answer again: valid ${again.valid}, reason ${again.reason}`);

  console.log('\n3. The receipt, checked offline against the pinned attestation key.');
  check(verifyReceipt(first as ChallengeReceipt, pinned), 'the receipt verifies under the receipt context');
  check(!verifyReceipt({ ...first, valid: false } as ChallengeReceipt, pinned), 'a receipt altered to say the opposite does not');

  console.log('\n4. A kem challenge: sealed to the client\'s X-Wing key; a wrong answer uses it up.');
  const sealed = await tenant.challenges.create({ client_id: client.client_id, method: 'kem' });
  check(sealed.challenge === undefined && typeof sealed.encrypted_challenge === 'string', 'only the encrypted challenge is answered');
  const guess = await tenant.challenges.validate(sealed.challenge_id, toBase64(randomBytes(32)));
  check(!guess.valid && guess.reason === 'mismatch', `a guess: valid ${guess.valid}, reason ${guess.reason}`);
  const late = await tenant.challenges.validate(sealed.challenge_id, await answerChallenge(sealed, { kemSeed }));
  check(!late.valid && late.reason === 'used', `the right answer after the guess: reason ${late.reason}`);
  const fresh = await tenant.challenges.create({ client_id: client.client_id, method: 'kem' });
  const opened = await tenant.challenges.validate(fresh.challenge_id, await answerChallenge(fresh, { kemSeed }));
  check(opened.valid, 'a fresh kem challenge opened with the client\'s key is valid');

  await tenant.clients.delete(client.client_id);
  console.log('\nDone: each challenge was valid at most once, and its receipt is the tenant\'s own statement.');
}

run(main);
