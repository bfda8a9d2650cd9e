/**
 * POST /api/v1/pqc/kem/encapsulate/: the encapsulation call of the seed vendor's current client
 * (src/pqc.js; docs/compatibility.md), answered by the encapsulation operation of
 * /v1/kem/encapsulate (operations/kem.ts). `shared_secret` is 64 lowercase hex characters: the
 * client hex-decodes it as HKDF input (src/crypto.js deriveKey) and compares the two sides' strings.
 * @module
 */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { DEFAULT_KEM_ALGORITHM, KEM_SIZES, ML_KEM_ALGORITHMS } from '../../crypto/algorithms.ts';
import { encapsulate } from '../../operations/kem.ts';
import { encodeSecret } from '../answers.ts';
import { defineRoute } from '../route.ts';
import { examples, hexSharedKeyExample } from '../examples.ts';
import { base64Bytes } from '../schemas.ts';
import { z } from '../zod.ts';

export function compatPqcKemEncapsulateRoute() {
  const ex = examples();
  const body = z
    .strictObject({
      algorithm: z
        .enum(ML_KEM_ALGORITHMS)
        .default(DEFAULT_KEM_ALGORITHM)
        .openapi({ description: 'ML-KEM parameter set of `encapsulation_key` (FIPS 203).', example: DEFAULT_KEM_ALGORITHM }),
      encapsulation_key: base64Bytes({
        description: 'The ML-KEM public key to encapsulate to, base64 (the `encapsulation_key` from `/api/v1/pqc/kem/generate-keys/`).',
        example: ex.kemPublicKey,
        lengths: ML_KEM_ALGORITHMS.map((a) => KEM_SIZES[a].publicKey),
        what: 'an ML-KEM-512, -768 or -1024 public key',
      }),
    })
    .superRefine((o, ctx) => {
      const expected = KEM_SIZES[o.algorithm].publicKey;
      if (o.encapsulation_key.length !== expected) {
        ctx.addIssue({ code: 'custom', path: ['encapsulation_key'], message: `must be ${expected} bytes for ${o.algorithm}, got ${o.encapsulation_key.length}` });
      }
    })
    .openapi('CompatPqcKemEncapsulateRequest');
  const response = z
    .object({
      shared_secret: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .openapi({ description: 'The raw 32-byte shared secret as 64 lowercase hex characters. Secret.', example: hexSharedKeyExample() }),
      ciphertext: z.string().openapi({ description: 'The ML-KEM ciphertext, base64: send it to the key owner.', example: ex.kemCipherText }),
    })
    .openapi('CompatPqcKemEncapsulateResponse');

  return defineRoute({
    method: 'post',
    path: '/api/v1/pqc/kem/encapsulate/',
    operationId: 'compatPqcKemEncapsulate',
    tag: 'Compatibility',
    summary: "Vendor's current client: encapsulate a shared secret to a public key",
    description: 'What `POST /v1/kem/encapsulate` does, with `shared_secret` in hex. See docs/compatibility.md.',
    scope: 'kem:encapsulate',
    request: { body },
    input: body,
    status: 200,
    response,
    responseDescription: 'The shared secret and the ciphertext.',
    rateClass: 'crypto',
    // No stored shared key: nothing to audit or take back (as /v1/kem/encapsulate without store).
    async handle(input, ctx) {
      const made = await encapsulate(ctx, { pk: input.encapsulation_key });
      return { shared_secret: encodeSecret(made.sharedKey!, 'hex'), ciphertext: encodeBase64(made.cipherText) };
    },
  });
}
