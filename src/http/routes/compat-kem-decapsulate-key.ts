/**
 * POST /api/kem/decapsulate_key: the seed vendor's decapsulation call (docs/compatibility.md).
 *
 * `sk` is the handle `/api/kem/generate_keys` returned (a key_id), never a secret key; `pk` may
 * name the key instead, as the seed vendor's documentation has it. The key is found, checked
 * against the token and used exactly as by /v1/kem/decapsulate: the same operations
 * (operations/kem.ts), mapped to the vendor's names; `shared_key` comes back as 64 lowercase hex
 * characters.
 * @module
 */
import { ML_KEM_ALGORITHMS, KEM_SIZES } from '../../crypto/algorithms.ts';
import { KEM_KEY_ID } from '../../keys/service.ts';
import { decapsulate, resolveKemKey } from '../../operations/kem.ts';
import { encodeSecret } from '../answers.ts';
import { defineRoute, keyRefs } from '../route.ts';
import { DEMO, examples, hexSharedKeyExample } from '../examples.ts';
import { base64Bytes } from '../schemas.ts';
import { z } from '../zod.ts';

export function compatKemDecapsulateKeyRoute() {
  const ex = examples();
  const body = z
    .strictObject({
      sk: z
        .string()
        .regex(KEM_KEY_ID, 'must be the sk returned by /api/kem/generate_keys (a key handle: kem_ and 22 characters), not a secret key')
        .optional()
        .openapi({ description: 'The `sk` from `/api/kem/generate_keys`: a handle to the stored secret key (its key_id). Give this or `pk`.', example: DEMO.kemKeyId }),
      pk: base64Bytes({
        description: 'Alternatively (as the seed vendor\'s documentation has it), the `pk` from `/api/kem/generate_keys`: the service finds its secret key. Give this or `sk`.',
        example: ex.kemPublicKey,
        lengths: ML_KEM_ALGORITHMS.map((a) => KEM_SIZES[a].publicKey),
        what: 'an ML-KEM-512, -768 or -1024 public key',
      }).optional(),
      cipher: base64Bytes({
        description: 'The `cipher` from `/api/kem/encapsulate_key`, base64. Its length must match the key: 768, 1088 or 1568 bytes.',
        example: ex.kemCipherText,
        lengths: ML_KEM_ALGORITHMS.map((a) => KEM_SIZES[a].cipherText),
        what: 'an ML-KEM-512, -768 or -1024 ciphertext',
      }),
    })
    .superRefine((o, ctx) => {
      if (!o.sk && !o.pk) ctx.addIssue({ code: 'custom', path: ['sk'], message: 'give sk or pk' });
    })
    .openapi('CompatDecapsulateKeyRequest', { example: { sk: DEMO.kemKeyId, cipher: ex.kemCipherText } });
  const response = z
    .object({
      shared_key: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .openapi({ description: 'The raw 32-byte shared secret as 64 lowercase hex characters. Secret.', example: hexSharedKeyExample() }),
    })
    .openapi('CompatDecapsulateKeyResponse');

  return defineRoute({
    method: 'post',
    scope: 'kem:decapsulate',
    rateClass: 'crypto',
    status: 200,
    responseDescription: 'The shared secret, or the id of the stored shared key.',
    audit: { event: 'kem.decapsulate' },
    path: '/api/kem/decapsulate_key',
    operationId: 'compatKemDecapsulateKey',
    tag: 'Compatibility',
    summary: 'Seed-client compatibility: decapsulate with a stored key',
    description:
      "What `POST /v1/kem/decapsulate` does, with the key named by `sk` (a handle, 404 when it is not the caller tenant's) and `shared_key` in hex. See docs/compatibility.md.",
    request: { body },
    input: body,
    // The /v1 lookup, given the handle as the key_id it is: same 404 rules, same token key check.
    keys: keyRefs(z.object({ sk: body.shape.sk, pk: body.shape.pk }), ({ sk, pk }, ctx) => resolveKemKey(ctx, { keyId: sk, publicKey: pk }, { id: 'sk', pk: 'pk' })),
    response,
    async handle(input, ctx, key) {
      const made = await decapsulate(ctx, key!, { cipher: input.cipher });
      return { shared_key: encodeSecret(made.sharedKey!, 'hex') };
    },
  });
}
