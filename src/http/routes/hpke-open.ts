/** POST /v1/hpke/open: opens an HPKE message sealed to one of the tenant's stored KEM keys. */
import { HPKE_KEMS, HPKE_SUITE_PARTS } from '../../crypto/hpke.ts';
import { AES_ALGORITHM } from '../../crypto/costs.ts';
import { open, resolveHpkeKey } from '../../operations/hpke.ts';
import { cryptoCost } from '../cost.ts';
import { fieldError } from '../problems.ts';
import { defineRoute, keyRefs } from '../route.ts';
import { DEMO, examples } from '../examples.ts';
import { base64Bytes, encodingField, HPKE_MAX_AAD_BYTES, HPKE_MAX_INFO_BYTES, hpkeBytesField, hpkeSuiteField, kemKeyId } from '../schemas.ts';
import { z } from '../zod.ts';

/** An AEAD tag: the shortest ciphertext (of an empty plaintext). */
const TAG_BYTES = 16;

export function hpkeOpenRoute(maxMessageBytes: number) {
  const ex = examples();
  const encs = HPKE_KEMS.map((k) => `${HPKE_SUITE_PARTS.kem[k].Nenc} (${k})`).join(', ');
  const body = z
    .strictObject({
      key_id: kemKeyId().openapi({ description: 'The stored KEM key the message was sealed to (`key_id` from `POST /v1/kem/keypair`; ML-KEM-768, ML-KEM-1024 or X-Wing). The example is the demonstration key the example message was sealed to.', example: DEMO.kemKeyId }),
      enc: base64Bytes({
        description: `The encapsulated key, base64 (\`enc\` from \`POST /v1/hpke/seal\`, or from any HPKE implementation): ${encs} bytes, matching the key.`,
        example: ex.kemCipherText,
        lengths: [...new Set(HPKE_KEMS.map((k) => HPKE_SUITE_PARTS.kem[k].Nenc))],
        what: `a ${HPKE_KEMS.join(', ')} enc`,
      }),
      ciphertext: base64Bytes({
        description: 'The AEAD ciphertext, base64 (`ciphertext` from `POST /v1/hpke/seal`): the plaintext and its 16-byte tag.',
        example: ex.hpkeCiphertext,
        minBytes: TAG_BYTES,
        maxBytes: maxMessageBytes + TAG_BYTES,
        what: 'the tag',
      }),
      info: hpkeBytesField('The `info` the message was sealed with.', ex.hpkeInfo, HPKE_MAX_INFO_BYTES),
      aad: hpkeBytesField('The associated data the message was sealed with.', ex.hpkeAad, HPKE_MAX_AAD_BYTES),
      suite: hpkeSuiteField(),
      encoding: encodingField('How to encode `plaintext`: utf8 (default; 422 if the plaintext is not UTF-8), base64 or hex.'),
    })
    .openapi('HpkeOpenRequest', {
      example: { key_id: DEMO.kemKeyId, enc: ex.kemCipherText, ciphertext: ex.hpkeCiphertext, info: ex.hpkeInfo, aad: ex.hpkeAad, encoding: 'utf8' },
    });
  const response = z
    .object({ plaintext: z.string().openapi({ description: 'The opened message, in the requested `encoding`.', example: ex.message }) })
    .openapi('HpkeOpenResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/hpke/open',
    operationId: 'hpkeOpen',
    tag: 'HPKE',
    summary: 'Open an HPKE message with a stored key',
    description:
      "Single-shot HPKE open (RFC 9180, base mode) with a stored KEM key, whose stored seed is its HPKE private key (draft-ietf-hpke-pq), so anything sealed to the key's `pk` by a standard HPKE implementation opens here. Seal with `POST /v1/hpke/seal` and `key_id` (or to the `pk`), then paste `key_id`, `enc` and `ciphertext` here with the same `info`, `aad` and `suite`. Anything that does not open (a wrong key, a modified `enc` or `ciphertext`, another `info`, `aad` or suite) is one 400 `hpke-open-failed`, the same body whatever the cause.",
    scope: 'hpke:open',
    request: { body },
    input: body,
    keys: keyRefs(z.object({ key_id: kemKeyId().optional() }), ({ key_id }, ctx) => resolveHpkeKey(ctx, key_id)),
    status: 200,
    response,
    responseDescription: 'The plaintext.',
    rateClass: 'crypto',
    cost: (_input, key, ctx) => cryptoCost(ctx, key?.algorithm ?? 'ML-KEM-768', 'decapsulate') + cryptoCost(ctx, AES_ALGORITHM, 'open'),
    batch: true,
    audit: { event: 'hpke.open' },
    extraProblems: ['hpke-open-failed'],
    async handle(input, ctx, key) {
      if (!key) throw fieldError('key_id', 'is required'); // unreachable: validation requires it
      return { plaintext: await open(ctx, key, input) };
    },
  });
}
