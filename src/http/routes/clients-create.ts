/** POST /v1/clients: registers a client by its own ML-DSA public key (docs/clients.md). */
import { SCOPES } from '../../auth/scopes.ts';
import { ALGORITHMS } from '../../crypto/algorithms.ts';
import { registerClient } from '../../operations/clients.ts';
import { resolveKeyIds } from '../../operations/tokens.ts';
import { ClientDescriptionSchema, describeClient } from '../client-view.ts';
import { examples } from '../examples.ts';
import { defineRoute, keyRefs } from '../route.ts';
import { anyKeyId, base64Bytes } from '../schemas.ts';
import { z } from '../zod.ts';

const MAX_KEY_IDS = 64;
const SIGNING_ALGORITHMS = ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'] as const;
const KEM_ALGORITHMS = ['ML-KEM-768', 'ML-KEM-1024', 'X-Wing'] as const;
const largest = (names: readonly (keyof typeof ALGORITHMS)[]) => Math.max(...names.map((n) => ALGORITHMS[n].sizes.publicKey));

export function clientsCreateRoute(maxExpiresInSeconds: number) {
  const ex = examples();
  const body = z
    .strictObject({
      name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').openapi({ description: 'A name for people (not unique).', example: 'billing backend' }),
      signing_key: z
        .strictObject({
          algorithm: z.enum(SIGNING_ALGORITHMS).openapi({ example: 'ML-DSA-65' }),
          pk: base64Bytes({ description: 'The ML-DSA public key (base64): 1312, 1952 or 2592 bytes by set.', example: ex.clientPublicKey, maxBytes: largest(SIGNING_ALGORITHMS), what: 'an ML-DSA public key' }),
        })
        .openapi({ description: 'The key the client signs its requests with (RFC 9421, `alg` ml-dsa-44|65|87); its secret never reaches the service.', example: { algorithm: 'ML-DSA-65', pk: ex.clientPublicKey } }),
      kem_key: z
        .strictObject({
          algorithm: z.enum(KEM_ALGORITHMS).openapi({ example: 'X-Wing' }),
          pk: base64Bytes({ description: 'The KEM public key (base64).', example: ex.clientKemPublicKey, maxBytes: largest(KEM_ALGORITHMS), what: 'a KEM public key' }),
        })
        .optional()
        .openapi({ description: 'Optional: a KEM public key to seal to the client (encrypted challenges, docs/challenges.md).', example: { algorithm: 'X-Wing', pk: ex.clientKemPublicKey } }),
      scopes: z
        .array(z.enum(SCOPES))
        .max(SCOPES.length * 2)
        .optional()
        .openapi({ description: "What the client's signed requests may do: a subset of yours (default: all of yours).", example: ['dsa:sign', 'kem:decapsulate'] }),
      key_ids: z.array(anyKeyId()).max(MAX_KEY_IDS, `at most ${MAX_KEY_IDS} entries`).optional().openapi({ description: "Restrict the client to these keys of yours (default: your restriction, or none).", example: [] }),
      expires_in: z
        .number()
        .int('must be a whole number of seconds')
        .min(1, 'must be at least 1 second')
        .max(maxExpiresInSeconds, `must be at most ${maxExpiresInSeconds} seconds`)
        .optional()
        .openapi({ description: 'Optional: the registration ends this many seconds from now, everywhere at once (never later than your own credential ends).', example: 2_592_000 }),
    })
    .openapi('ClientCreateRequest');

  return defineRoute({
    method: 'post',
    path: '/v1/clients',
    operationId: 'clientsCreate',
    tag: 'Clients',
    summary: 'Register a client by its public key',
    description:
      "Registers a client that holds its own ML-DSA key pair: from then on its requests signed with that key (RFC 9421 HTTP Message Signatures, `keyid` = `client_id`) act with the client's scopes and key_ids, no bearer secret needed, and it can log in (`POST /v1/sessions`). Scopes and key_ids within yours; at most QUOTA_CLIENTS unexpired clients per tenant. See docs/clients.md.",
    scope: 'clients:manage',
    request: { body },
    input: body,
    keys: keyRefs(z.object({ key_ids: z.array(anyKeyId()).max(MAX_KEY_IDS).optional() }), ({ key_ids }, ctx) => resolveKeyIds(ctx, key_ids)),
    status: 201,
    response: ClientDescriptionSchema,
    responseDescription: 'The registered client.',
    extraProblems: ['quota-exceeded'],
    rateClass: 'tokens',
    audit: {
      event: 'clients.register',
      subject: (_input, result) => ({ keyId: null, targetClientId: result?.client_id }),
      undo: (result, { principal, services }) => services.clients.delete(principal, result.client_id),
    },
    async handle(input, ctx) {
      const client = await registerClient(ctx, {
        name: input.name,
        signingKey: input.signing_key,
        kemKey: input.kem_key,
        scopes: input.scopes,
        keyIds: input.key_ids,
        expiresInSeconds: input.expires_in,
      });
      return describeClient(client);
    },
  });
}
