/**
 * A tenant hands a short-lived, narrow token to a third party it does not fully trust.
 *
 * - The tenant (with its API key) mints a token that lives 5 minutes, works for 3 requests, may
 *   only decapsulate, and only with one key.
 * - The third party (a second client holding nothing but that token) decapsulates once, is
 *   refused (403) outside its scope and for another key, reads what it has left through
 *   GET /v1/tokens/current (which uses no attempt), and is refused (401) once its attempts are gone.
 * - The tenant revokes a second token, which is dead (401) at once.
 *
 * Every refusal arrives as a typed error of the client (ForbiddenError, UnauthorizedError, ...).
 *
 * Run (see examples/README.md):
 *   PQC_URL=http://127.0.0.1:8080 PQC_TOKEN=<your API key> npx tsx examples/third-party-token.ts
 */
import { encapsulateLocally, ForbiddenError, PqcClient, UnauthorizedError } from '../packages/client/src/index.ts';
import { check, refused, run, serviceFromEnv } from './support.ts';

const { url: PQC_URL, token: PQC_TOKEN } = serviceFromEnv();

// The tenant: its own backend, with its API key.
const tenant = new PqcClient({ baseUrl: PQC_URL, token: PQC_TOKEN });

async function main(): Promise<void> {
  console.log(`Third-party token through ${PQC_URL}\n`);

  console.log('1. The tenant makes two ML-KEM key pairs: one for the partner, one it keeps to itself.');
  const partnerKey = await tenant.kem.keypair();
  const otherKey = await tenant.kem.keypair();
  console.log(`  partner's key ${partnerKey.key_id}, other key ${otherKey.key_id}`);

  console.log('\n2. The tenant mints a token: 300 seconds, 3 attempts, only kem:decapsulate, only the partner\'s key.');
  const minted = await tenant.tokens.create({
    expiry_time: 300,
    expire_after_attempts: 3,
    scopes: ['kem:decapsulate'],
    key_ids: [partnerKey.key_id],
  });
  console.log(`  token_id ${minted.token_id}, expires_at ${minted.expires_at}, attempts_left ${minted.attempts_left}, scopes ${minted.scopes.join(',')}`);
  check(minted.attempts_left === 3 && minted.scopes.join(',') === 'kem:decapsulate', 'the token is as narrow as asked');
  // The tenant hands over new_token (a bearer secret: use a channel you trust) and keeps token_id to revoke it.

  // Ciphertexts someone sent to each key (encapsulated locally, as a peer would).
  const forPartner = encapsulateLocally(partnerKey.pk);
  const forOther = encapsulateLocally(otherKey.pk);

  console.log('\n3. The third party, holding only the token (retries off, so every request is one attempt).');
  const partner = new PqcClient({ baseUrl: PQC_URL, token: minted.new_token, retries: 0 });
  const before = await partner.tokens.current();
  console.log(`  GET /v1/tokens/current: attempts_left ${before.attempts_left}, scopes ${before.scopes.join(',')}`);
  check(before.attempts_left === 3, 'reading what it was given used no attempt');

  console.log('\n4. It decapsulates with the partner\'s key (attempt 1 of 3).');
  const { shared_key } = await partner.kem.decapsulate({ key_id: partnerKey.key_id, cipher: forPartner.cipher });
  check(shared_key === forPartner.shared_key, 'decapsulated: keys match');
  const after1 = await partner.tokens.current();
  console.log(`  attempts_left: ${after1.attempts_left}`);
  check(after1.attempts_left === 2, 'one attempt used');

  console.log('\n5. It tries to sign, outside its scope (attempt 2 of 3: a refused request still uses one).');
  await refused(ForbiddenError, () => partner.dsa.sign({ data: 'anything' }));

  console.log('\n6. It tries another key of the tenant (attempt 3 of 3).');
  await refused(ForbiddenError, () => partner.kem.decapsulate({ key_id: otherKey.key_id, cipher: forOther.cipher }));

  console.log('\n7. Its attempts are gone: the token is dead, even for the request it was made for.');
  const exhausted = await refused(UnauthorizedError, () => partner.kem.decapsulate({ key_id: partnerKey.key_id, cipher: forPartner.cipher }));
  await refused(UnauthorizedError, () => partner.tokens.current());

  console.log('\n8. The tenant mints a second token, then revokes it.');
  const second = await tenant.tokens.create({ expiry_time: 300, scopes: ['kem:decapsulate'], key_ids: [partnerKey.key_id] });
  const holder = new PqcClient({ baseUrl: PQC_URL, token: second.new_token, retries: 0 });
  const alive = await holder.kem.decapsulate({ key_id: partnerKey.key_id, cipher: forPartner.cipher });
  check(alive.shared_key === forPartner.shared_key, `token ${second.token_id} works (attempts_left ${second.attempts_left}: limited by time only)`);
  await tenant.tokens.revoke(second.token_id);
  console.log(`  DELETE /v1/tokens/${second.token_id}: 204`);
  const revoked = await refused(UnauthorizedError, () => holder.kem.decapsulate({ key_id: partnerKey.key_id, cipher: forPartner.cipher }));
  check(revoked.detail === exhausted.detail, 'a revoked token and an exhausted one get the same 401: the holder learns nothing about which');

  console.log('\nDone: the token did what it was minted for, nothing else, and died when it should.');
}

run(main);
