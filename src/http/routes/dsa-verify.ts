/**
 * POST /v1/dsa/verify: does this signature verify, under a public key given here or a stored
 * signing key (any of its versions, or one)? The algorithm comes from `algorithm`, the stored
 * key, or the lengths where they are unambiguous.
 */
import { DSA_ALGORITHMS, DSA_SIZES, MAX_DSA_CONTEXT_BYTES, dsaAlgorithmsMatching } from '../../crypto/algorithms.ts';
import { resolveSigningKey, verify } from '../../operations/dsa.ts';
import { cryptoCost } from '../cost.ts';
import { defineRoute, keyRefs } from '../route.ts';
import { DEMO, examples } from '../examples.ts';
import { base64Bytes, checkContext, contextFields, dsaKeyId, dsaPublicKeyField, encodingField, messageText, withContext, withMessage } from '../schemas.ts';
import { z } from '../zod.ts';

/** Run a refinement even when other fields failed, so one answer names every bad field. */
const EVEN_WITH_OTHER_ERRORS = { when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null };

const sizes = (pick: 'publicKey' | 'signature') => [...new Set(DSA_ALGORITHMS.map((a) => DSA_SIZES[a][pick]))];

export function dsaVerifyRoute(maxMessageBytes: number) {
  const ex = examples();
  const body = z
    .strictObject({
      data: messageText('The signed message, in `encoding`.', ex.message),
      pk: dsaPublicKeyField(
        "The signer's public key, base64 (the `pk` from `POST /v1/dsa/sign`). Give this or `key_id` (both: `pk` must be one of the key's versions). Its length selects the algorithm where that is unambiguous (ML-DSA); SLH-DSA needs `algorithm`.",
        ex.dsaPublicKey,
        DSA_ALGORITHMS,
      ).optional(),
      key_id: dsaKeyId()
        .optional()
        .openapi({ description: 'Alternatively, a stored signing key of yours (`key_id` from `POST /v1/dsa/keypair` or `/v1/dsa/sign`): verifies against any of its versions, or `version`.', example: DEMO.dsaKeyId }),
      version: z.number().int().min(1).optional().openapi({ description: 'With `key_id`: only this version (default: any version).', example: 1 }),
      algorithm: z
        .enum(DSA_ALGORITHMS)
        .optional()
        .openapi({ description: 'The algorithm of `pk`: required when its length is ambiguous (the SLH-DSA SHA2 and SHAKE sets have the same sizes); when given, must match the lengths.', example: 'ML-DSA-65' }),
      signature: base64Bytes({
        description: 'The signature, base64 (the `signature` from `POST /v1/dsa/sign`).',
        example: ex.messageSignature,
        lengths: sizes('signature'),
        what: `a ${DSA_ALGORITHMS.join(', ')} signature`,
      }),
      encoding: encodingField('How `data` is encoded: utf8 (default), base64 or hex.'),
      ...contextFields(`Optional FIPS 204 / 205 context string, at most ${MAX_DSA_CONTEXT_BYTES} bytes once decoded (UTF-8 text, or bytes in \`context_encoding\`): the one the signer used.`, ex.context),
    })
    .superRefine((o, ctx) => {
      if (!o.pk && !o.key_id) ctx.addIssue({ code: 'custom', path: ['pk'], message: 'give pk or key_id' });
      if (o.version !== undefined && !o.key_id) ctx.addIssue({ code: 'custom', path: ['version'], message: 'only with key_id' });
      if (!(o.pk instanceof Uint8Array) || !(o.signature instanceof Uint8Array)) return;
      // With key_id the stored key names the algorithm (the handler checks pk, signature and
      // algorithm against it); the lengths decide only for a pk on its own.
      if (o.key_id !== undefined) return;
      const matching = dsaAlgorithmsMatching({ publicKey: o.pk.length, signature: o.signature.length });
      // This refinement runs even when other fields failed: `algorithm` may be a string that is
      // no algorithm (already reported by its own field), so look it up only when it is one.
      if (o.algorithm !== undefined && !(DSA_ALGORITHMS as readonly string[]).includes(o.algorithm)) return;
      if (o.algorithm) {
        if (!matching.includes(o.algorithm)) {
          const { publicKey, signature } = DSA_SIZES[o.algorithm];
          const field = o.pk.length !== publicKey ? 'pk' : 'signature';
          ctx.addIssue({ code: 'custom', path: [field], message: `must be ${field === 'pk' ? publicKey : signature} bytes for ${o.algorithm}, got ${field === 'pk' ? o.pk.length : o.signature.length}` });
        }
      } else if (matching.length === 0) {
        const forKey = dsaAlgorithmsMatching({ publicKey: o.pk.length });
        const expected = [...new Set(forKey.map((a) => DSA_SIZES[a].signature))].join(' or ');
        ctx.addIssue({ code: 'custom', path: ['signature'], message: `must be ${expected} bytes for ${forKey.join(' / ')} (the set of pk), got ${o.signature.length}` });
      } else if (matching.length > 1) {
        ctx.addIssue({ code: 'custom', path: ['algorithm'], message: `is required: pk and signature fit ${matching.join(' and ')}` });
      }
    }, EVEN_WITH_OTHER_ERRORS)
    .openapi('DsaVerifyRequest', { example: { data: ex.message, pk: ex.dsaPublicKey, signature: ex.messageSignature, encoding: 'utf8' } });
  const response = z
    .object({ verified: z.boolean().openapi({ description: 'true when the signature verifies; false otherwise.', example: true }) })
    .openapi('DsaVerifyResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/dsa/verify',
    operationId: 'dsaVerify',
    tag: 'ML-DSA',
    summary: 'Verify an ML-DSA or SLH-DSA signature',
    description:
      'Pure ML-DSA (FIPS 204) or SLH-DSA (FIPS 205) verification, external interface, under `pk` or a stored key (`key_id`, any version or `version`). A well-formed signature that does not verify answers 200 with `verified: false`; malformed input (wrong lengths, bad base64, an ambiguous algorithm) answers 422.',
    scope: 'dsa:verify',
    request: { body },
    input: withContext(withMessage(checkContext(body), 'data', maxMessageBytes)),
    keys: keyRefs(z.object({ key_id: dsaKeyId().optional() }), ({ key_id }, ctx) => resolveSigningKey(ctx, key_id)),
    status: 200,
    response,
    responseDescription: 'Whether the signature verifies.',
    rateClass: 'crypto',
    // The stored key's algorithm, the one named, or the one the lengths fit (validation made sure one does).
    cost: (input, key, ctx) => cryptoCost(ctx, key?.algorithm ?? input.algorithm ?? dsaAlgorithmsMatching({ publicKey: input.pk!.length, signature: input.signature.length })[0]!, 'verify'),
    batch: true,
    // Verifying under a stored key is a use of it; verifying under a given pk uses none.
    audit: { event: 'dsa.verify', onlyWhen: (_input, namedKey) => namedKey },
    async handle(input, ctx, key) {
      return { verified: await verify(ctx, key, input) };
    },
  });
}
