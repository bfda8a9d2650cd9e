/**
 * POST /api/kem/encapsulate_key: the seed vendor's encapsulation call (docs/compatibility.md).
 *
 * The encapsulation operation of /v1/kem/encapsulate (operations/kem.ts) checks the signature over
 * `pk` and encapsulates; this route takes the vendor's field names and answers `shared_key` as 64
 * lowercase hex characters, because the vendor's clients import that string, hex-decoded,
 * directly as their AES-256-GCM key.
 * @module
 */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { ML_DSA_ALGORITHMS, DSA_SIZES, ML_KEM_ALGORITHMS, KEM_SIZES } from '../../crypto/algorithms.ts';
import { encapsulate } from '../../operations/kem.ts';
import { encodeSecret } from '../answers.ts';
import { defineRoute } from '../route.ts';
import { examples, hexSharedKeyExample } from '../examples.ts';
import { base64Bytes, dsaPublicKeyField, refineVerificationKey } from '../schemas.ts';
import { z } from '../zod.ts';

export function compatKemEncapsulateKeyRoute() {
  const ex = examples();
  const verificationKey = (description: string) => dsaPublicKeyField(description, ex.attestationPublicKey);
  const body = z
    .strictObject({
      pk: base64Bytes({
        description: 'The ML-KEM public key to encapsulate to, base64 (the `pk` from `/api/kem/generate_keys`). Its length selects ML-KEM-512, -768 or -1024.',
        example: ex.kemPublicKey,
        lengths: ML_KEM_ALGORITHMS.map((a) => KEM_SIZES[a].publicKey),
        what: 'an ML-KEM-512, -768 or -1024 public key',
      }),
      verification_key: verificationKey(
        'The ML-DSA public key that made `signature` (the `verification_key` from `/api/kem/generate_keys`). Required with `signature`.',
      ).optional(),
      verif_key: verificationKey('Alias of `verification_key`: the name the seed vendor\'s documentation uses.').optional(),
      signature: base64Bytes({
        description: 'The signature over the raw bytes of `pk` (the `signature` from `/api/kem/generate_keys`). When given, it is checked first; one that does not verify is refused with 422.',
        example: ex.kemPublicKeySignature,
        lengths: ML_DSA_ALGORITHMS.map((a) => DSA_SIZES[a].signature),
        what: 'an ML-DSA-44, -65 or -87 signature',
      }).optional(),
    })
    .superRefine(refineVerificationKey('verification_key', 'verif_key'))
    .openapi('CompatEncapsulateKeyRequest', {
      // The whole-body example is what the seed clients send: no alias.
      example: { pk: ex.kemPublicKey, verification_key: ex.attestationPublicKey, signature: ex.kemPublicKeySignature },
    });
  const response = z
    .object({
      cipher: z.string().openapi({ description: 'The ML-KEM ciphertext, base64: send it to the key owner.', example: ex.kemCipherText }),
      shared_key: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .openapi({ description: 'The raw 32-byte shared secret as 64 lowercase hex characters (the seed clients use it directly as an AES-256 key). Secret.', example: hexSharedKeyExample() }),
    })
    .openapi('CompatEncapsulateKeyResponse');

  return defineRoute({
    method: 'post',
    scope: 'kem:encapsulate',
    rateClass: 'crypto',
    status: 200,
    responseDescription: 'The ciphertext and the shared secret.',
    path: '/api/kem/encapsulate_key',
    operationId: 'compatKemEncapsulateKey',
    tag: 'Compatibility',
    summary: 'Seed-client compatibility: encapsulate a shared secret to a public key',
    description:
      'What `POST /v1/kem/encapsulate` does (the signature over `pk` is checked first when given), with `shared_key` in hex. See docs/compatibility.md.',
    request: { body },
    input: body,
    response,
    // The seed's call: no batch form, no stored shared keys (so nothing to audit or take back).
    async handle(input, ctx) {
      const made = await encapsulate(ctx, { pk: input.pk, signature: input.signature, verificationKey: input.verification_key ?? input.verif_key });
      return { cipher: encodeBase64(made.cipherText), shared_key: encodeSecret(made.sharedKey!, 'hex') };
    },
  });
}
