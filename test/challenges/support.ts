/**
 * Registered clients for the challenge tests, made below HTTP (the /v1/clients route is another
 * branch's): through ClientService on the server's own store, as the tenant's API key, with key
 * pairs kept here as a client keeps its own. Not a test file itself.
 */
import { randomBytes } from 'node:crypto';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { apiKeyId } from '../../src/auth/api-keys.ts';
import { SCOPES, type Principal } from '../../src/auth/scopes.ts';
import { ClientService } from '../../src/clients/service.ts';
import { createHpke, hpkeSuite, type HpkeKem } from '../../src/crypto/hpke.ts';
import type { Store } from '../../src/stores/store.ts';
import { TENANTS } from '../helpers/server.ts';

export const CHALLENGE_CONTEXT = 'pq-crypto-api/v1/challenge';
export const RECEIPT_CONTEXT = 'pq-crypto-api/v1/challenge-receipt';
const DSA = { 'ML-DSA-44': ml_dsa44, 'ML-DSA-65': ml_dsa65, 'ML-DSA-87': ml_dsa87 } as const;
export const ENC_LENGTHS: Readonly<Record<HpkeKem, number>> = { 'ML-KEM-768': 1088, 'ML-KEM-1024': 1568, 'X-Wing': 1120 };

/** The client side's HPKE: noble everywhere, so the test does not share the service's choice. */
const clientHpke = createHpke('noble');

export interface TestClient {
  readonly id: string;
  readonly tenant: 'alice' | 'bob';
  readonly dsa: keyof typeof DSA;
  readonly signingSecret: Uint8Array;
  readonly kem?: { readonly algorithm: HpkeKem; readonly seed: Uint8Array };
}

/** The principal of a test tenant's API key (all scopes). */
export const apiKeyPrincipal = (tenant: 'alice' | 'bob'): Principal => ({ tenant, scopes: SCOPES, keyIds: null, apiKeyId: apiKeyId(TENANTS[tenant]) });

export async function registerClient(store: Store, tenant: 'alice' | 'bob', opts: { dsa?: keyof typeof DSA; kem?: HpkeKem; expiresInSeconds?: number } = {}): Promise<TestClient> {
  const dsa = opts.dsa ?? 'ML-DSA-65';
  const pair = DSA[dsa].keygen(randomBytes(32));
  const kem = opts.kem ? await clientHpke.deriveKeyPair(opts.kem, randomBytes(64)) : undefined;
  const service = new ClientService(store.clients, Date.now, { quota: 0, keyExists: async () => true });
  const record = await service.register(apiKeyPrincipal(tenant), {
    name: `test client ${dsa}${opts.kem ? ` + ${opts.kem}` : ''}`,
    signingKey: { algorithm: dsa, pk: pair.publicKey },
    ...(opts.kem ? { kemKey: { algorithm: opts.kem, pk: kem!.publicKey } } : {}),
    ...(opts.expiresInSeconds !== undefined ? { expiresInSeconds: opts.expiresInSeconds } : {}),
  });
  return { id: record.id, tenant, dsa, signingSecret: pair.secretKey, ...(opts.kem ? { kem: { algorithm: opts.kem, seed: kem!.seed } } : {}) };
}

/** The client's answer to a `signature` challenge: its ML-DSA signature over the raw bytes, challenge context. */
export function signChallenge(client: TestClient, challenge: string, context = CHALLENGE_CONTEXT): string {
  const sig = DSA[client.dsa].sign(Buffer.from(challenge, 'base64'), client.signingSecret, { context: new TextEncoder().encode(context) });
  return Buffer.from(sig).toString('base64');
}

/** The client's answer to a `kem` challenge: the bytes it opens to, with its own KEM key. */
export async function openChallenge(client: TestClient, encrypted: string, info = CHALLENGE_CONTEXT): Promise<string> {
  const { algorithm, seed } = client.kem!;
  const bytes = Buffer.from(encrypted, 'base64');
  const n = ENC_LENGTHS[algorithm];
  const opened = await clientHpke.open(hpkeSuite(algorithm), seed, bytes.subarray(0, n), bytes.subarray(n), { info: new TextEncoder().encode(info) });
  return Buffer.from(opened).toString('base64');
}

/** The signed message of a receipt, as docs/challenges.md defines it. */
export const receiptText = (r: { challenge_id: string; client_id: string | null; valid: boolean; validated_at: string }) =>
  `${r.challenge_id}|${r.client_id ?? ''}|${r.valid}|${r.validated_at}`;
