/** POST /v1/kem/decapsulate: the shared secret for a ciphertext, with a key the tenant owns. */
import { KEM_ALGORITHMS, KEM_SIZES } from '../../crypto/algorithms.ts';
import { decapsulate, resolveKemKey } from '../../operations/kem.ts';
import { sharedKeyFields } from '../answers.ts';
import { fieldError } from '../problems.ts';
import { defineRoute, keyRefs } from '../route.ts';
import { DEMO, examples } from '../examples.ts';
import { base64Bytes, confirmationField, kemKeyId, storeField } from '../schemas.ts';
import { z } from '../zod.ts';

const publicKeyField = (description: string) =>
  base64Bytes({
    description,
    example: examples().kemPublicKey,
    lengths: KEM_ALGORITHMS.map((a) => KEM_SIZES[a].publicKey),
    what: `a ${KEM_ALGORITHMS.join(', ')} public key`,
  });

/** The fields that name the key, checked on their own first (the rest is validated after the lookup). */
const refs = z.object({ key_id: kemKeyId().optional(), pk: publicKeyField('').optional() });

export function kemDecapsulateRoute() {
  const ex = examples();
  const body = z
    .strictObject({
      cipher: base64Bytes({
        description: 'The ciphertext from `POST /v1/kem/encapsulate` (its `cipher`), base64. Its length must match the key: 768, 1088, 1568 (ML-KEM-512, -768, -1024) or 1120 bytes (X-Wing).',
        example: ex.kemCipherText,
        lengths: [...new Set(KEM_ALGORITHMS.map((a) => KEM_SIZES[a].cipherText))],
        what: `a ${KEM_ALGORITHMS.join(', ')} ciphertext`,
      }),
      key_id: kemKeyId()
        .optional()
        .openapi({ description: 'Paste `key_id` from `POST /v1/kem/keypair`. Give this or `pk`. (The example names a demonstration key that the development server makes, which decapsulates the example `cipher`.)', example: DEMO.kemKeyId }),
      pk: publicKeyField('Alternatively, the `pk` from `POST /v1/kem/keypair`: the service finds its secret key. Give this or `key_id`.').optional(),
      confirmation: confirmationField(ex.confirmation).optional(),
      store: storeField(),
    })
    .superRefine((o, ctx) => {
      if (!o.key_id && !o.pk) ctx.addIssue({ code: 'custom', path: ['key_id'], message: 'give key_id or pk' });
    })
    .openapi('KemDecapsulateRequest', { example: { cipher: ex.kemCipherText, key_id: DEMO.kemKeyId, confirmation: ex.confirmation } });
  const response = z
    .object({
      shared_key: z.string().optional().openapi({ description: 'The 32-byte shared secret, base64 (absent with `store: true`).', example: ex.sharedKey }),
      shared_key_id: z.string().optional().openapi({ description: 'With `store: true`: the id of the shared key kept in the service; use it as `key_id` with the AES endpoints.', example: 'sk_3q2-7wAAAAC6vr6-vr6-vg' }),
    })
    .openapi('KemDecapsulateResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/kem/decapsulate',
    operationId: 'kemDecapsulate',
    tag: 'ML-KEM',
    summary: 'Decapsulate a ciphertext with a stored key (step 3)',
    description:
      "Decapsulation (FIPS 203 ML-KEM.Decaps, or X-Wing) with the secret key of `key_id` (or of `pk`), which must belong to the caller's tenant (404 otherwise). Implicit rejection: a modified ciphertext of the right length gives a different, random-looking shared key, not an error; send the `confirmation` from encapsulate to have such a cipher refused (400 `key-confirmation-failed`). With `store: true` the shared key stays in the service and its id is answered.",
    scope: 'kem:decapsulate',
    request: { body },
    input: body,
    keys: keyRefs(refs, (named, ctx) => resolveKemKey(ctx, { keyId: named.key_id, publicKey: named.pk })),
    status: 200,
    response,
    responseDescription: 'The shared secret, or the id of the stored shared key.',
    rateClass: 'crypto',
    extraProblems: ['key-confirmation-failed', 'quota-exceeded'],
    audit: {
      event: 'kem.decapsulate',
      undo: (result, { principal, services }) => (result.shared_key_id ? services.keys.deleteKey(principal.tenant, result.shared_key_id) : Promise.resolve()),
    },
    async handle(input, ctx, key) {
      if (!key) throw fieldError('key_id', 'give key_id or pk'); // unreachable: validation requires one
      return sharedKeyFields(await decapsulate(ctx, key, input));
    },
  });
}
