/**
 * POST /v1/kem/encapsulate: a shared secret and its ciphertext for a public key, after checking
 * the key's signature when one is given.
 */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { ML_DSA_ALGORITHMS, DSA_SIZES, KEM_ALGORITHMS, KEM_SIZES } from '../../crypto/algorithms.ts';
import { encapsulate } from '../../operations/kem.ts';
import { sharedKeyFields } from '../answers.ts';
import { defineRoute } from '../route.ts';
import { examples } from '../examples.ts';
import { base64Bytes, dsaPublicKeyField, refineVerificationKey, storeField } from '../schemas.ts';
import { z } from '../zod.ts';

export function kemEncapsulateRoute() {
  const ex = examples();
  const verificationKey = (description: string) => dsaPublicKeyField(description, ex.attestationPublicKey);
  const body = z
    .strictObject({
      pk: base64Bytes({
        description:
          'The KEM public key to encapsulate to, base64: the only field needed. Paste the `pk` returned by `POST /v1/kem/keypair` (the example is a valid ML-KEM-768 key, that of the demonstration key the development server makes). Its length selects ML-KEM-512, -768, -1024 or X-Wing.',
        example: ex.kemPublicKey,
        lengths: KEM_ALGORITHMS.map((a) => KEM_SIZES[a].publicKey),
        what: `a ${KEM_ALGORITHMS.join(', ')} public key`,
      }),
      signature: base64Bytes({
        description:
          'Optional: an ML-DSA signature over the raw bytes of `pk` (paste `signature` from `POST /v1/kem/keypair`). When given, it is checked before encapsulating and a mismatch is refused with 422.',
        example: ex.kemPublicKeySignature,
        lengths: ML_DSA_ALGORITHMS.map((a) => DSA_SIZES[a].signature),
        what: 'an ML-DSA-44, -65 or -87 signature',
      }).optional(),
      verif_key: verificationKey(
        'The ML-DSA public key that made `signature` (paste `verification_key` from `POST /v1/kem/keypair`). Required with `signature`.',
      ).optional(),
      verification_key: verificationKey('Alias of `verif_key`, the name `/v1/kem/keypair` returns.').optional(),
      store: storeField(),
    })
    .superRefine(refineVerificationKey('verif_key', 'verification_key'))
    // The example names the verification key as keypair returns it, and only once: a person who
    // pastes keypair's three fields over it gets a request that works.
    .openapi('KemEncapsulateRequest', {
      example: { pk: ex.kemPublicKey, signature: ex.kemPublicKeySignature, verification_key: ex.attestationPublicKey },
    });
  const response = z
    .object({
      cipher: z.string().openapi({ description: 'The ML-KEM ciphertext, base64: send it to the key owner, who decapsulates it.', example: ex.kemCipherText }),
      shared_key: z.string().optional().openapi({ description: 'The 32-byte shared secret, base64 (absent with `store: true`). Secret: the service saw it too (see docs/security.md).', example: ex.sharedKey }),
      shared_key_id: z.string().optional().openapi({ description: 'With `store: true`: the id of the shared key kept in the service (it never leaves); use it as `key_id` with the AES endpoints.', example: 'sk_3q2-7wAAAAC6vr6-vr6-vg' }),
      confirmation: z.string().openapi({ description: 'Key confirmation, base64: send it with `cipher` to the key owner, whose decapsulate (given `confirmation`) then refuses a modified cipher instead of silently deriving another key. docs/keys.md shows how it is computed.', example: ex.confirmation }),
    })
    .openapi('KemEncapsulateResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/kem/encapsulate',
    operationId: 'kemEncapsulate',
    tag: 'ML-KEM',
    summary: 'Encapsulate a shared secret to a public key (step 2)',
    description:
      'FIPS 203 ML-KEM.Encaps with the checks of section 7.2 (length and modulus). **`pk` alone is enough**: `{ "pk": "..." }` encapsulates. With `signature` and `verif_key` (or `verification_key`) as well, the ML-DSA signature over `pk` is verified first, which proves the key came from this service; to try it, paste only `pk` from `POST /v1/kem/keypair` over the example, or all three. The service sees the shared secret: when that matters, encapsulate on the client instead (docs/security.md).',
    scope: 'kem:encapsulate',
    request: { body },
    input: body,
    status: 200,
    response,
    responseDescription: 'The ciphertext and the shared secret.',
    rateClass: 'crypto',
    batch: true,
    // Only `store: true` makes a stored key: that is recorded; plain encapsulation uses none.
    audit: {
      event: 'kem.encapsulate',
      onlyWhen: (input) => input?.store === true,
      subject: (_input, result) => ({ keyId: result?.shared_key_id ?? null }),
      undo: (result, { principal, services }) => (result.shared_key_id ? services.keys.deleteKey(principal.tenant, result.shared_key_id) : Promise.resolve()),
    },
    extraProblems: ['quota-exceeded'],
    async handle(input, ctx) {
      const made = await encapsulate(ctx, { pk: input.pk, signature: input.signature, verificationKey: input.verif_key ?? input.verification_key, store: input.store });
      return { cipher: encodeBase64(made.cipherText), ...sharedKeyFields(made), confirmation: encodeBase64(made.confirmation) };
    },
  });
}
