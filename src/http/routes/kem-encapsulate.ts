/**
 * POST /v1/kem/encapsulate: a shared secret and its ciphertext for a public key, after checking
 * the key's signature when one is given.
 */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { ML_DSA_ALGORITHMS, DSA_SIZES, ML_KEM_ALGORITHMS, KEM_SIZES, dsaAlgorithmForPublicKey, kemAlgorithmForPublicKey } from '../../crypto/params.ts';
import { fieldError } from '../problems.ts';
import { defineRoute } from '../route.ts';
import { examples } from '../examples.ts';
import { base64Bytes, dsaPublicKeyField, refineVerificationKey } from '../schemas.ts';
import { z } from '../zod.ts';

export function kemEncapsulateRoute() {
  const ex = examples();
  const verificationKey = (description: string) => dsaPublicKeyField(description, ex.attestationPublicKey);
  const body = z
    .strictObject({
      pk: base64Bytes({
        description:
          'The ML-KEM public key to encapsulate to, base64. Paste the `pk` returned by `POST /v1/kem/keypair` (the example is a valid ML-KEM-768 key). Its length selects ML-KEM-512, -768 or -1024.',
        example: ex.kemPublicKey,
        lengths: ML_KEM_ALGORITHMS.map((a) => KEM_SIZES[a].publicKey),
        what: 'an ML-KEM-512, -768 or -1024 public key',
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
      shared_key: z.string().openapi({ description: 'The 32-byte shared secret, base64. Secret: the service saw it too (see docs/security.md).', example: ex.sharedKey }),
    })
    .openapi('KemEncapsulateResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/kem/encapsulate',
    operationId: 'kemEncapsulate',
    tag: 'ML-KEM',
    summary: 'Encapsulate a shared secret to a public key (step 2)',
    description:
      'FIPS 203 ML-KEM.Encaps with the checks of section 7.2 (length and modulus). With `signature` and `verif_key`, the ML-DSA signature over `pk` is verified first. The service sees the shared secret: when that matters, encapsulate on the client instead (docs/security.md).',
    scope: 'kem:encapsulate',
    request: { body },
    input: body,
    status: 200,
    response,
    responseDescription: 'The ciphertext and the shared secret.',
    rateClass: 'crypto',
    async handle(input, { services }) {
      const { kem, dsa } = services.crypto;
      const verifKey = input.verif_key ?? input.verification_key;
      if (input.signature && verifKey) {
        services.metrics.cryptoOp(dsaAlgorithmForPublicKey(verifKey.length) ?? 'ML-DSA', dsa.implementation, 'dsa.verify');
        if (!(await dsa.verify(verifKey, input.pk, input.signature))) {
          throw fieldError('signature', 'does not verify: it is not a signature over pk by verif_key');
        }
      }
      const { cipherText, sharedSecret } = await kem.encapsulate(input.pk);
      services.metrics.cryptoOp(kemAlgorithmForPublicKey(input.pk.length) ?? 'ML-KEM', kem.implementation, 'kem.encapsulate');
      return { cipher: encodeBase64(cipherText), shared_key: encodeBase64(sharedSecret) };
    },
  });
}
