/**
 * Two parties establish a shared key through the service, and the service never learns it from
 * the party that makes it.
 *
 * - Alice's backend holds an ML-KEM key pair in the service (the secret key never leaves it).
 * - Bob pinned Alice's tenant verification key once, at first contact. For every key pair Alice
 *   sends him, he checks the attestation (an ML-DSA signature over `pk`) against that pin, then
 *   encapsulates on his own machine and computes a key confirmation over the ciphertext.
 * - Alice decapsulates with her `key_id` through the service and checks the confirmation, which
 *   catches a tampered ciphertext (ML-KEM's implicit rejection would silently give another key).
 * - Bob encrypts a message locally; Alice decrypts it through POST /v1/aes/decrypt.
 *
 * Run (see examples/README.md):
 *   PQC_URL=http://127.0.0.1:8080 PQC_TOKEN=<your API key> npx tsx examples/key-exchange.ts
 */
import {
  encapsulateLocally,
  encryptBlob,
  fromBase64,
  keyConfirmation,
  KeyConfirmationFailedError,
  PqcClient,
  toBase64,
  verifyAttestation,
} from '../packages/client/src/index.ts';
import { check, run, serviceFromEnv } from './support.ts';

const { url: PQC_URL, token: PQC_TOKEN } = serviceFromEnv();

// Alice's backend talks to the service with her tenant's API key. Bob needs no credential at all.
const alice = new PqcClient({ baseUrl: PQC_URL, token: PQC_TOKEN });

/**
 * Alice decapsulates through the service and hands it Bob's confirmation: the service checks it
 * against the shared key the cipher gives and answers a mismatch (a modified cipher, which ML-KEM's
 * implicit rejection would otherwise turn silently into another key) with 400
 * `key-confirmation-failed`, thrown by the client as KeyConfirmationFailedError.
 */
async function aliceDecapsulates(keyId: string, cipher: string, confirmation: string): Promise<string> {
  return (await alice.kem.decapsulate({ key_id: keyId, cipher, confirmation })).shared_key;
}

async function main(): Promise<void> {
  console.log(`Key exchange through ${PQC_URL}\n`);

  console.log('1. First contact: Alice gives Bob her tenant\'s verification key; Bob pins it.');
  // Any key pair answer carries the tenant's verification key. In real life Bob receives it once,
  // over a channel he trusts (an onboarding call, a signed config), never beside the pk it checks.
  const { verification_key: pinnedVerificationKey } = await alice.kem.keypair();
  console.log(`  Bob pinned verification_key ${pinnedVerificationKey.slice(0, 24)}...`);

  console.log('\n2. Alice makes an ML-KEM-768 key pair in the service and sends { pk, signature } to Bob.');
  const pair = await alice.kem.keypair({ algorithm: 'ML-KEM-768' });
  console.log(`  key_id ${pair.key_id} (the secret key stays in the service), pk ${fromBase64(pair.pk).length} bytes`);

  console.log('\n3. Bob checks the attestation over pk against his pin, locally.');
  check(verifyAttestation(pair, pinnedVerificationKey), 'attestation verified: this pk was made by Alice\'s service');
  const swapped = fromBase64(pair.pk);
  swapped[0]! ^= 1; // what a man in the middle substituting his own pk would send
  check(!verifyAttestation({ pk: swapped, signature: pair.signature }, pinnedVerificationKey), 'a substituted pk fails the attestation');

  console.log('\n4. Bob encapsulates locally (the service never sees his shared key) and computes the key confirmation.');
  const bob = encapsulateLocally(pair.pk, { attestation: { signature: pair.signature, pinnedVerificationKey } });
  const confirmation = keyConfirmation(bob.shared_key, bob.cipher); // the same value as bob.confirmation
  console.log(`  Bob sends Alice cipher (${fromBase64(bob.cipher).length} bytes) and confirmation ${confirmation.slice(0, 16)}...`);

  console.log('\n5. Alice decapsulates with her key_id through the service, which checks the confirmation.');
  const aliceKey = await aliceDecapsulates(pair.key_id, bob.cipher, confirmation);
  check(aliceKey === bob.shared_key, 'keys match: Alice and Bob hold the same 32-byte shared key');

  console.log('\n6. Bob encrypts a message locally; Alice decrypts it through POST /v1/aes/decrypt.');
  const message = 'Hello Alice, this is Bob.';
  const aad = 'bob->alice/1';
  const ciphertext = encryptBlob(bob.shared_key, message, { aad });
  const { decrypted } = await alice.aes.decrypt({ ciphertext, key: aliceKey, aad });
  console.log(`  decrypted: "${decrypted}"`);
  check(decrypted === message, 'Alice read Bob\'s message');

  console.log('\n7. Someone flips one bit of the cipher on its way to Alice.');
  const tampered = fromBase64(bob.cipher);
  tampered[100]! ^= 1;
  const tamperedCipher = toBase64(tampered);
  // Without confirmation: ML-KEM's implicit rejection answers 200 with a different key, silently.
  const { shared_key: silentKey } = await alice.kem.decapsulate({ key_id: pair.key_id, cipher: tamperedCipher });
  check(silentKey !== bob.shared_key, 'implicit rejection: plain decapsulate succeeded but gave a different key, without any error');
  // With confirmation: the mismatch is caught.
  try {
    await aliceDecapsulates(pair.key_id, tamperedCipher, confirmation);
    throw new Error('check failed: the tampered cipher was accepted');
  } catch (error) {
    if (!(error instanceof KeyConfirmationFailedError)) throw error;
    console.log(`  refused: key confirmation failed (${error.status} ${error.problemType})`);
  }

  console.log('\nDone: shared key established, message delivered, tampering detected.');
}

run(main);
