/**
 * Working example values for Swagger UI, so a person can click "Execute" on every operation, top
 * to bottom, and get a real answer without editing anything (test/browser/swagger.test.ts clicks
 * them all). They are computed from fixed, public seeds (never used for anything else): the
 * example public key, its signature and the AES ciphertext are genuine.
 *
 * Examples that name a stored resource (a key_id, a token_id) name a demonstration resource
 * (DEMO), which the server makes at start-up in development with the embedded store and the
 * generated development key only (makeDemonstrations; the banner lists them), from the same
 * seeds: the example cipher decapsulates under DEMO.kemKeyId, the example signature verifies under
 * DEMO.dsaKeyId. To add one: an id in DEMO, and its maker in DEMONSTRATIONS.
 * @module
 */
import { SCOPES, type Principal } from '../auth/scopes.ts';
import { apiKeyId } from '../auth/api-keys.ts';
import type { Config } from '../config.ts';
import type { Services } from '../services.ts';
import type { ClientRecord } from '../stores/clients.ts';
import { dsaKeygen, dsaSign } from '../crypto/dsa.ts';
import { aeadSeal } from '../crypto/aead.ts';
import { keyConfirmation } from '../crypto/confirmation.ts';
import { encodeBase64, encodeUtf8 } from '../crypto/encoding.ts';
import { createHpke, hpkeSuite } from '../crypto/hpke.ts';
import { deriveAesKey } from '../crypto/kdf.ts';
import { kemEncapsulate, kemKeygen } from '../crypto/kem.ts';
import { CHALLENGE_KEEP_MS } from '../operations/challenges.ts';
import { CHALLENGE_EXAMPLE_VALUES, EXAMPLE_VALUES } from './example-values.ts';

const fixed = (length: number, byte: number) => new Uint8Array(length).fill(byte);
/** The demonstration client's ML-DSA-65 seed (public, as every example seed). */
const CLIENT_SEED = fixed(32, 17);
const DELETABLE_CLIENT_SEED = fixed(32, 23);
/** The demonstration challenge's bytes. */
const CHALLENGE_BYTES = fixed(32, 21);

export interface Examples {
  readonly kemPublicKey: string;
  readonly kemCipherText: string;
  readonly sharedKey: string;
  /** The key confirmation of kemCipherText under sharedKey. */
  readonly confirmation: string;
  readonly dsaPublicKey: string;
  /** A stand-in for a tenant's attestation key: a different key from dsaPublicKey, as in the service. */
  readonly attestationPublicKey: string;
  readonly kemPublicKeySignature: string;
  readonly message: string;
  readonly messageSignature: string;
  readonly aad: string;
  readonly aesCiphertext: string;
  readonly context: string;
  /** HPKE `info` and `aad` (base64 of short text). */
  readonly hpkeInfo: string;
  readonly hpkeAad: string;
  /**
   * The example message sealed with HPKE (ML-KEM-768, HKDF-SHA256, AES-256-GCM; hpkeInfo,
   * hpkeAad) to kemPublicKey, its `enc` being kemCipherText: opens under DEMO.kemKeyId.
   */
  readonly hpkeCiphertext: string;
  /** A client's ML-DSA-65 public key (challengeExamples' client: the demonstration client's). */
  readonly clientPublicKey: string;
  /** The deletable demonstration client's ML-DSA-65 public key. */
  readonly deletableClientPublicKey: string;
  /** A client's X-Wing public key (the demonstration client's kem_key). */
  readonly clientKemPublicKey: string;
}

/**
 * The example values, as computed by computeExamples() and kept in example-values.ts (generated:
 * `npm run examples:values`; test/http/example-values.test.ts recomputes them and fails when they
 * differ). Kept, not computed at start-up, because computing them signs with ML-DSA on the event
 * loop, and once ML-DSA has run in a process, noble's ML-KEM there costs 20-30% more CPU (V8
 * recompiles the code they share more generally: bench/noble-jit.ts), which every inline ML-KEM
 * operation of a Node 20 server then paid (issue 19). Start-up is faster too.
 */
export function examples(): Examples {
  return EXAMPLE_VALUES;
}

/** The example values from their fixed seeds (example-values.ts keeps the result). */
export async function computeExamples(): Promise<Examples> {
  const kem = kemKeygen('ML-KEM-768', fixed(64, 7));
  const { cipherText, sharedSecret } = kemEncapsulate('ML-KEM-768', kem.publicKey, fixed(32, 9));
  const dsa = dsaKeygen('ML-DSA-65', fixed(32, 11));
  const attestation = dsaKeygen('ML-DSA-65', fixed(32, 13));
  const message = 'hello, post-quantum world';
  const aad = 'order-42';
  const aesKey = deriveAesKey(sharedSecret);
  const hpkeInfo = encodeUtf8('pq-crypto-api example');
  // HPKE's Encap for ML-KEM is ML-KEM's own encapsulation: the one above, made with fixed randomness.
  const hpke = await createHpke('noble').sealWithEncapsulation(hpkeSuite('ML-KEM-768'), { enc: cipherText, sharedSecret }, encodeUtf8(message), { info: hpkeInfo, aad: encodeUtf8(aad) });
  return Object.freeze({
    kemPublicKey: encodeBase64(kem.publicKey),
    kemCipherText: encodeBase64(cipherText),
    sharedKey: encodeBase64(sharedSecret),
    confirmation: encodeBase64(keyConfirmation(sharedSecret, cipherText)),
    dsaPublicKey: encodeBase64(dsa.publicKey),
    attestationPublicKey: encodeBase64(attestation.publicKey),
    kemPublicKeySignature: encodeBase64(dsaSign('ML-DSA-65', attestation.seed, kem.publicKey, { deterministic: true })),
    message,
    messageSignature: encodeBase64(dsaSign('ML-DSA-65', dsa.seed, encodeUtf8(message), { deterministic: true })),
    aad,
    aesCiphertext: encodeBase64(aeadSeal(aesKey, encodeUtf8(message), encodeUtf8(aad), fixed(12, 5))),
    context: '',
    hpkeInfo: encodeBase64(hpkeInfo),
    hpkeAad: encodeBase64(encodeUtf8(aad)),
    hpkeCiphertext: encodeBase64(hpke.ciphertext),
    clientPublicKey: encodeBase64(dsaKeygen('ML-DSA-65', CLIENT_SEED).publicKey),
    deletableClientPublicKey: encodeBase64(dsaKeygen('ML-DSA-65', DELETABLE_CLIENT_SEED).publicKey),
    clientKemPublicKey: encodeBase64(kemKeygen('X-Wing', fixed(32, 19)).publicKey),
  });
}


/** The example shared key as the seed vendor's routes answer it: 64 lowercase hex characters. */
export const hexSharedKeyExample = (): string => Buffer.from(examples().sharedKey, 'base64').toString('hex');

export interface ChallengeExamples {
  readonly challengeId: string;
  readonly clientId: string;
  readonly challenge: string;
  /** A client's ML-DSA-65 signature over `challenge` with the challenge context. */
  readonly response: string;
  readonly validatedAt: string;
  /** The example attestation key's receipt over `challengeId|clientId|true|validatedAt`. */
  readonly receiptSignature: string;
  /** A stand-in of the right length for an X-Wing sealed challenge (enc 1120 + 32 + tag 16 bytes). */
  readonly encryptedChallenge: string;
}

/** Genuine example values of the challenge routes (fixed public seeds, as examples() uses), kept as examples() are. */
export function challengeExamples(): ChallengeExamples {
  return CHALLENGE_EXAMPLE_VALUES;
}

/** The challenge routes' example values from their fixed seeds (example-values.ts keeps the result). */
export function computeChallengeExamples(): ChallengeExamples {
  const challengeId = DEMO.challengeId;
  const clientId = DEMO.clientId;
  const validatedAt = '2026-12-06T09:30:00.123Z';
  const challenge = CHALLENGE_BYTES;
  const client = dsaKeygen('ML-DSA-65', CLIENT_SEED);
  const attestation = dsaKeygen('ML-DSA-65', fixed(32, 13)); // examples().attestationPublicKey
  const sign = (seed: Uint8Array, message: Uint8Array, context: string) => encodeBase64(dsaSign('ML-DSA-65', seed, message, { deterministic: true, context: encodeUtf8(context) }));
  return Object.freeze({
    challengeId,
    clientId,
    challenge: encodeBase64(challenge),
    response: sign(client.seed, challenge, 'pq-crypto-api/v1/challenge'),
    validatedAt,
    receiptSignature: sign(attestation.seed, encodeUtf8(`${challengeId}|${clientId}|true|${validatedAt}`), 'pq-crypto-api/v1/challenge-receipt'),
    encryptedChallenge: encodeBase64(fixed(1120 + 32 + 16, 3)),
  });
}

/**
 * The ids of the demonstration resources the examples name. Ids have their real form (a type
 * prefix and 22 characters), so the examples pass their own patterns.
 */
export const DEMO = Object.freeze({
  /** ML-KEM-768 from the example seed: decapsulates the example cipher to the example shared key. */
  kemKeyId: 'kem_swagger-example-key-01',
  /** ML-DSA-65 from the example seed: made the example signature; rotated by the rotate example. */
  dsaKeyId: 'dsa_swagger-example-key-01',
  /** The example shared key, stored: encrypts and decrypts with `key_id`. */
  sharedKeyId: 'sk_swagger-example-key-01',
  /** A key that exists to be deleted by the delete example (so the others stay). */
  deletableKeyId: 'kem_swagger-delete-me-0001',
  /** A token (no credential is shown: its JWT is not kept) that exists to be revoked by the revoke example. */
  tokenId: 'swagger-example-token1',
  /** A registered client whose signing key is examples().clientPublicKey: the challenge examples' client. */
  clientId: 'cl_2mK7vQ9xJb4Tn1cR8pWz3A',
  /** A client that exists to be deleted by the delete example (so the others stay). */
  deletableClientId: 'cl_swagger-delete-me-0001',
  /** A `signature` challenge of clientId with fixed bytes: the validate example's response is its right answer (valid once, then `used`). */
  challengeId: 'ch_Qm9vbS1jaGFsbGVuZ2UtMQ',
  /** A session of clientId (its token is not shown) that exists to be ended by the end-session example. */
  sessionId: 'ss_swagger-example-sess01',
});

/**
 * A registered client's record for a demonstration (written as POST /v1/clients would, with a
 * fixed id), its signing key one of the kept example values: made at start-up, it would run
 * ML-DSA on the event loop (see examples()).
 */
const demoClient = ({ services, principal }: DemonstrationContext, id: string, name: string, signingPk: string): ClientRecord => ({
  id,
  tenant: principal.tenant,
  name,
  signingKey: { algorithm: 'ML-DSA-65' as const, pk: signingPk },
  kemKey: { algorithm: 'X-Wing' as const, pk: examples().clientKemPublicKey },
  scopes: principal.scopes,
  keyIds: null,
  apiKeyId: principal.apiKeyId,
  createdAt: new Date(services.clock()).toISOString(),
  expiresAtMs: null,
});

/** Writes a demonstration client ('taken': it is there already, made before); over the quota is a failure to report. */
async function putDemoClient(ctx: DemonstrationContext, id: string, name: string, signingPk: string): Promise<string> {
  const result = await ctx.services.store.clients.put(demoClient(ctx, id, name, signingPk), ctx.services.config.quotaClients);
  if (result === 'quota-exceeded') throw new Error(`demonstration client ${id}: over QUOTA_CLIENTS`);
  return `client ${id}`;
}

/** How long the demonstration challenge can be answered: as long as a development server runs, in practice. */
const DEMO_CHALLENGE_TTL_MS = 365 * 24 * 3600 * 1000;

/** What a maker is given: the services, and the development key's tenant and principal. */
export interface DemonstrationContext {
  readonly services: Services;
  readonly principal: Principal;
}

/**
 * The makers of the demonstration resources, run in this order at start-up; each answers what it
 * made, for the banner. One entry per resource: a route whose example names one adds its maker.
 */
const DEMONSTRATIONS: readonly ((ctx: DemonstrationContext) => Promise<string>)[] = [
  async ({ services, principal }) => (await services.keys.createDemonstrationKey(principal.tenant, DEMO.kemKeyId, 'ML-KEM-768', fixed(64, 7)), DEMO.kemKeyId),
  async ({ services, principal }) => (await services.keys.createDemonstrationKey(principal.tenant, DEMO.dsaKeyId, 'ML-DSA-65', fixed(32, 11)), DEMO.dsaKeyId),
  async ({ services, principal }) => (await services.keys.createDemonstrationKey(principal.tenant, DEMO.sharedKeyId, 'AES-256-GCM', Buffer.from(examples().sharedKey, 'base64')), DEMO.sharedKeyId),
  async ({ services, principal }) => (await services.keys.createDemonstrationKey(principal.tenant, DEMO.deletableKeyId, 'ML-KEM-768', fixed(64, 8)), DEMO.deletableKeyId),
  async ({ services, principal }) => {
    await services.tokens.mint(principal, { expirySeconds: services.config.tokenMaxTtlSeconds, attempts: null, scopes: principal.scopes, keyIds: null, fixedId: DEMO.tokenId });
    return `token ${DEMO.tokenId}`;
  },
  (ctx) => putDemoClient(ctx, DEMO.clientId, 'swagger example client', examples().clientPublicKey),
  (ctx) => putDemoClient(ctx, DEMO.deletableClientId, 'swagger example client to delete', examples().deletableClientPublicKey),
  async ({ services, principal }) => {
    const now = services.clock();
    const expiresAtMs = now + DEMO_CHALLENGE_TTL_MS;
    // 'taken': made before (and maybe used since: it stays so, as any challenge).
    await services.store.challenges.create({
      id: DEMO.challengeId,
      tenant: principal.tenant,
      clientId: DEMO.clientId,
      method: 'signature',
      expected: encodeBase64(CHALLENGE_BYTES),
      createdAt: new Date(now).toISOString(),
      expiresAtMs,
      keepUntilMs: expiresAtMs + CHALLENGE_KEEP_MS,
    });
    return `challenge ${DEMO.challengeId}`;
  },
  async ({ services, principal }) => {
    if (await services.store.sessions.get(principal.tenant, DEMO.sessionId)) return `session ${DEMO.sessionId}`;
    // As POST /v1/sessions makes one, with a fixed id: a token bound to the session, then the session.
    const minted = await services.tokens.mint(principal, { expirySeconds: services.config.tokenMaxTtlSeconds, attempts: null, scopes: principal.scopes, keyIds: null, sessionId: DEMO.sessionId });
    const created = await services.store.sessions.create({
      id: DEMO.sessionId,
      tenant: principal.tenant,
      clientId: DEMO.clientId,
      deviceDescription: 'swagger example session',
      tokenId: minted.info.id,
      createdAt: new Date(services.clock()).toISOString(),
      expiresAtMs: minted.info.expiresAtMs,
      lastUsedAtMs: null,
    });
    if (!created) throw new Error(`demonstration session ${DEMO.sessionId} is taken`);
    return `session ${DEMO.sessionId}`;
  },
];

/**
 * Whether this start makes the demonstration resources: only in development, with the embedded
 * store (nothing shared, nothing kept) and the development key the server generated, so they
 * never appear in a configured tenant, a shared store or production.
 */
export const wantsDemonstrations = (config: Pick<Config, 'env' | 'generated'>, storeKind: string): boolean =>
  config.env === 'development' && storeKind === 'memory' && config.generated.includes('API_KEYS');

/** Makes the demonstration resources for the development key's tenant; answers what it made. */
export async function makeDemonstrations(services: Services): Promise<string[]> {
  const key = services.config.apiKeys[0]!;
  const principal: Principal = { tenant: key.tenant, scopes: SCOPES, keyIds: null, apiKeyId: apiKeyId(key.key) };
  const made: string[] = [];
  for (const make of DEMONSTRATIONS) made.push(await make({ services, principal }));
  return made;
}

