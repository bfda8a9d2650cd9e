/**
 * A client with its own key (docs/clients.md): no bearer secret ever leaves it.
 *
 * - The tenant (with its API key) registers a client by its ML-DSA public key, made on the
 *   client's machine: only `sign` and `verify`, nothing else.
 * - The client signs its requests with its own key (RFC 9421): it signs data through the service,
 *   and is refused (403) outside its scopes. A captured signed request replayed is refused (401).
 * - It logs in: a fresh X-Wing session key, the answer's signature checked against the tenant's
 *   pinned attestation key, the token inside opened with the session key (then thrown away).
 * - The tenant sees the open session (device, created, last used, expiry), deletes the client, and
 *   the session's token is dead (401) at once, as is the client's key.
 *
 * Run (see examples/README.md):
 *   PQC_URL=http://127.0.0.1:8080 PQC_TOKEN=<your API key> npx tsx examples/client-login.ts
 */
import { ForbiddenError, generateClientKey, PqcClient, signatureHeaders, UnauthorizedError, type ClientSigner } from '../packages/client/src/index.ts';
import { check, refused, run, serviceFromEnv } from './support.ts';

const { url: PQC_URL, token: PQC_TOKEN } = serviceFromEnv();

const tenant = new PqcClient({ baseUrl: PQC_URL, token: PQC_TOKEN });

async function main(): Promise<void> {
  console.log(`Client login through ${PQC_URL}\n`);

  console.log("1. The client makes its ML-DSA-65 key pair on its own machine; the tenant registers the public key.");
  const key = generateClientKey('ML-DSA-65');
  const registered = await tenant.clients.register({ name: 'billing worker', signing_key: { algorithm: key.algorithm, pk: key.publicKey }, scopes: ['dsa:sign', 'dsa:verify'] });
  console.log(`  client_id ${registered.client_id}, scopes ${registered.scopes.join(', ')}`);
  const pinned = (await tenant.kem.keypair()).verification_key; // pinned once, over a channel the client trusts

  console.log('\n2. The client signs its requests with its own key: no token anywhere.');
  const signer: ClientSigner = { clientId: registered.client_id, algorithm: key.algorithm, seed: key.seed };
  const client = new PqcClient({ baseUrl: PQC_URL, signer, retries: 0 });
  const signed = await client.dsa.sign({ data: 'invoice 42' });
  check((await client.dsa.verify({ data: 'invoice 42', pk: signed.pk, signature: signed.signature })).verified, 'signed and verified with a request signed by the client');
  await refused(ForbiddenError, () => client.kem.keypair());

  console.log('\n3. Someone captures a signed request and sends it again.');
  const url = `${PQC_URL.replace(/\/+$/, '')}/v1/dsa/verify`;
  const body = JSON.stringify({ data: 'invoice 42', pk: signed.pk, signature: signed.signature });
  const headers = { 'content-type': 'application/json', ...signatureHeaders(signer, 'POST', url, new TextEncoder().encode(body)) };
  const first = await fetch(url, { method: 'POST', headers, body });
  const replay = await fetch(url, { method: 'POST', headers, body });
  check(first.status === 200 && replay.status === 401, `the original answered ${first.status}, its replay ${replay.status}: each nonce works once`);

  console.log('\n4. The client logs in: fresh X-Wing session key, answer checked against the pinned attestation key.');
  const { client: session, info } = await client.login({ deviceDescription: 'billing worker 1', attestationKey: pinned, expiryTime: 600 });
  console.log(`  session ${info.session_id}, token ${info.token_id} until ${info.expires_at}`);
  check((await session.dsa.sign({ data: 'with the session token' })).signature.length > 0, "the session's token works");

  console.log('\n5. The tenant looks at the open sessions, then deletes the client.');
  const open = await tenant.sessions.list({ client_id: registered.client_id });
  for (const s of open.sessions) console.log(`  ${s.session_id}: "${s.device_description}", created ${s.created_at}, expires ${s.expires_at}`);
  check(open.sessions.some((s) => s.session_id === info.session_id), 'the login shows in the overview');
  await tenant.clients.delete(registered.client_id);
  console.log(`  DELETE /v1/clients/${registered.client_id}: 204`);
  await refused(UnauthorizedError, () => session.tokens.current());
  await refused(UnauthorizedError, () => client.dsa.sign({ data: 'after deletion' }));

  console.log('\nDone: the client proved its key on every request, logged in, and everything it held ended with it.');
}

run(main);
