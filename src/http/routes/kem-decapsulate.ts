/** POST /v1/kem/decapsulate: the shared secret for a ciphertext, with a key the tenant owns. */
import { decodeBase64, encodeBase64 } from '../../crypto/encoding.ts';
import { ML_KEM_ALGORITHMS, KEM_SIZES, kemAlgorithmForPublicKey } from '../../crypto/params.ts';
import { KEM_KEY_ID, type KemKey } from '../../keys/service.ts';
import { fieldError, notFound } from '../problems.ts';
import { defineRoute, type RouteContext } from '../route.ts';
import { examples } from '../examples.ts';
import { base64Bytes, kemKeyId } from '../schemas.ts';
import { z } from '../zod.ts';

/** The key the request names, found by key_id or by pk, only among the caller tenant's keys. */
async function findNamedKey(raw: Record<string, unknown>, { principal, services }: RouteContext): Promise<KemKey | undefined> {
  const byId = typeof raw.key_id === 'string' && KEM_KEY_ID.test(raw.key_id)
    ? (await services.keys.findKemKeyById(principal.tenant, raw.key_id)) ?? null
    : undefined;
  // Only something that could be a public key is looked up; anything else is left to validation (422).
  const pk = typeof raw.pk === 'string' ? decodeBase64(raw.pk) : undefined;
  const byPk = pk && kemAlgorithmForPublicKey(pk.length)
    ? (await services.keys.findKemKeyByPublicKey(principal.tenant, pk)) ?? null
    : undefined;
  if (byId === null) throw notFound('No key of yours has this key_id.');
  if (byPk === null) throw notFound('No key of yours has this pk.');
  if (byId && byPk && byId.id !== byPk.id) throw fieldError('pk', 'names a different key than key_id: give one of them');
  return byId ?? byPk;
}

export function kemDecapsulateRoute() {
  const ex = examples();
  const body = z
    .strictObject({
      cipher: base64Bytes({
        description: 'The ciphertext from `POST /v1/kem/encapsulate` (its `cipher`), base64. Its length must match the key: 768, 1088 or 1568 bytes.',
        example: ex.kemCipherText,
        lengths: ML_KEM_ALGORITHMS.map((a) => KEM_SIZES[a].cipherText),
        what: 'an ML-KEM-512, -768 or -1024 ciphertext',
      }),
      key_id: kemKeyId()
        .optional()
        .openapi({ description: 'Paste `key_id` from `POST /v1/kem/keypair`. Give this or `pk`.', example: 'paste key_id from POST /v1/kem/keypair' }),
      pk: base64Bytes({
        description: 'Alternatively, the `pk` from `POST /v1/kem/keypair`: the service finds its secret key. Give this or `key_id`.',
        example: ex.kemPublicKey,
        lengths: ML_KEM_ALGORITHMS.map((a) => KEM_SIZES[a].publicKey),
        what: 'an ML-KEM-512, -768 or -1024 public key',
      }).optional(),
    })
    .superRefine((o, ctx) => {
      if (!o.key_id && !o.pk) ctx.addIssue({ code: 'custom', path: ['key_id'], message: 'give key_id or pk' });
    })
    .openapi('KemDecapsulateRequest', { example: { cipher: ex.kemCipherText, key_id: 'paste key_id from POST /v1/kem/keypair' } });
  const response = z
    .object({ shared_key: z.string().openapi({ description: 'The 32-byte shared secret, base64.', example: ex.sharedKey }) })
    .openapi('KemDecapsulateResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/kem/decapsulate',
    operationId: 'kemDecapsulate',
    tag: 'ML-KEM',
    summary: 'Decapsulate a ciphertext with a stored key (step 3)',
    description:
      "FIPS 203 ML-KEM.Decaps with the secret key of `key_id` (or of `pk`), which must belong to the caller's tenant (404 otherwise). Implicit rejection: a modified ciphertext of the right length gives a different, random-looking shared key, not an error; compare keys (or decrypt something) to detect a mismatch.",
    scope: 'kem:decapsulate',
    request: { body },
    input: body,
    async resolveKeys(raw, ctx) {
      const key = await findNamedKey(raw, ctx);
      return { keyIds: key ? [key.id] : [], found: key };
    },
    status: 200,
    response,
    responseDescription: 'The shared secret.',
    rateClass: 'crypto',
    audit: { event: 'kem.decapsulate' },
    async handle(input, ctx, key) {
      if (!key) throw fieldError('key_id', 'give key_id or pk'); // unreachable: validation requires one
      if (input.cipher.length !== KEM_SIZES[key.algorithm].cipherText) {
        throw fieldError('cipher', `must be ${KEM_SIZES[key.algorithm].cipherText} bytes for ${key.algorithm}, got ${input.cipher.length}`);
      }
      const shared = await ctx.services.keys.decapsulate(ctx.principal.tenant, key, input.cipher);
      ctx.services.metrics.cryptoOp(key.algorithm, ctx.services.crypto.kem.implementation, 'kem.decapsulate');
      return { shared_key: encodeBase64(shared) };
    },
  });
}
