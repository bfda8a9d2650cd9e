/**
 * POST /api/v1/pqc/kem/decapsulate/: the decapsulation call of the seed vendor's current client
 * (src/pqc.js; docs/compatibility.md). `decapsulation_key` is the handle
 * `/api/v1/pqc/kem/generate-keys/` returned (a key_id), never a secret key: it is found, checked
 * against the token and used exactly as `key_id` on /v1/kem/decapsulate (operations/kem.ts), so
 * another tenant's key, or a key of another kind, is 404. `shared_secret` comes back in hex.
 * @module
 */
import { DEFAULT_KEM_ALGORITHM, KEM_SIZES, ML_KEM_ALGORITHMS } from '../../crypto/algorithms.ts';
import { decapsulate, resolveKemKey } from '../../operations/kem.ts';
import { encodeSecret } from '../answers.ts';
import { defineRoute, keyRefs } from '../route.ts';
import { DEMO, examples, hexSharedKeyExample } from '../examples.ts';
import { anyKeyId, base64Bytes } from '../schemas.ts';
import { z } from '../zod.ts';

const FIELD = 'decapsulation_key';

export function compatPqcKemDecapsulateRoute() {
  const ex = examples();
  // Any key id is well-formed here: one of another kind is then not found (404), as on /v1.
  const handle = anyKeyId().openapi({
    description: 'The `decapsulation_key` from `/api/v1/pqc/kem/generate-keys/`: a handle to the stored secret key (its key_id), not key material.',
    example: DEMO.kemKeyId,
  });
  const body = z
    .strictObject({
      algorithm: z
        .enum(ML_KEM_ALGORITHMS)
        .default(DEFAULT_KEM_ALGORITHM)
        .openapi({ description: 'ML-KEM parameter set of the key; must be the one it was made with (422 otherwise).', example: DEFAULT_KEM_ALGORITHM }),
      decapsulation_key: handle,
      ciphertext: base64Bytes({
        description: 'The `ciphertext` from `/api/v1/pqc/kem/encapsulate/`, base64. Its length must match the key: 768, 1088 or 1568 bytes.',
        example: ex.kemCipherText,
        lengths: ML_KEM_ALGORITHMS.map((a) => KEM_SIZES[a].cipherText),
        what: 'an ML-KEM-512, -768 or -1024 ciphertext',
      }),
    })
    .openapi('CompatPqcKemDecapsulateRequest', {
      example: { algorithm: DEFAULT_KEM_ALGORITHM, decapsulation_key: DEMO.kemKeyId, ciphertext: ex.kemCipherText },
    });
  const response = z
    .object({
      shared_secret: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .openapi({ description: 'The raw 32-byte shared secret as 64 lowercase hex characters. Secret.', example: hexSharedKeyExample() }),
    })
    .openapi('CompatPqcKemDecapsulateResponse');

  return defineRoute({
    method: 'post',
    path: '/api/v1/pqc/kem/decapsulate/',
    operationId: 'compatPqcKemDecapsulate',
    tag: 'Compatibility',
    summary: "Vendor's current client: decapsulate with a stored key",
    description:
      "What `POST /v1/kem/decapsulate` does, with the key named by `decapsulation_key` (a handle: 404 when it is not one of the caller tenant's KEM keys) and `shared_secret` in hex. See docs/compatibility.md.",
    scope: 'kem:decapsulate',
    request: { body },
    input: body,
    keys: keyRefs(z.object({ decapsulation_key: handle }), ({ decapsulation_key }, ctx) => resolveKemKey(ctx, { keyId: decapsulation_key }, { id: FIELD, pk: FIELD })),
    status: 200,
    response,
    responseDescription: 'The shared secret.',
    rateClass: 'crypto',
    audit: { event: 'kem.decapsulate' },
    async handle(input, ctx, key) {
      const made = await decapsulate(ctx, key!, { cipher: input.ciphertext, algorithm: input.algorithm });
      return { shared_secret: encodeSecret(made.sharedKey!, 'hex') };
    },
  });
}
