/** POST /v1/hpke/seal: HPKE (RFC 9180 base mode, post-quantum KEMs) to a public key or a stored KEM key. */
import { HPKE_AEADS, HPKE_KDFS, HPKE_KEMS, HPKE_SUITE_PARTS } from '../../crypto/hpke.ts';
import { AES_ALGORITHM } from '../../crypto/costs.ts';
import { encodeBase64 } from '../../crypto/encoding.ts';
import { hpkeKemForPublicKey, resolveHpkeKey, seal } from '../../operations/hpke.ts';
import { cryptoCost } from '../cost.ts';
import { defineRoute, keyRefs } from '../route.ts';
import { DEMO, examples } from '../examples.ts';
import { base64Bytes, encodingField, HPKE_MAX_AAD_BYTES, HPKE_MAX_INFO_BYTES, hpkeBytesField, hpkeSuiteField, kemKeyId, messageText, withMessage } from '../schemas.ts';
import { z } from '../zod.ts';

/** The suite an answer names. */
const hpkeSuiteResponse = () =>
  z
    .object({ kem: z.enum(HPKE_KEMS), kdf: z.enum(HPKE_KDFS), aead: z.enum(HPKE_AEADS) })
    .openapi('HpkeSuite', { description: 'The suite used: give it (or leave the defaults) to open.', example: { kem: 'ML-KEM-768', kdf: 'HKDF-SHA256', aead: 'AES-256-GCM' } });

export function hpkeSealRoute(maxMessageBytes: number) {
  const ex = examples();
  const kems = HPKE_KEMS.map((k) => `${HPKE_SUITE_PARTS.kem[k].Npk} (${k})`).join(', ');
  const body = z
    .strictObject({
      plaintext: messageText(`The message to seal, in \`encoding\` (at most ${maxMessageBytes} bytes once decoded).`, ex.message),
      encoding: encodingField('How `plaintext` is encoded: utf8 (default), base64 or hex.'),
      pk: base64Bytes({
        description: `The recipient's public key, base64 (e.g. the \`pk\` of \`POST /v1/kem/keypair\`; the example is an ML-KEM-768 key). Its length names the KEM: ${kems} bytes. Give this or \`key_id\`.`,
        example: ex.kemPublicKey,
        lengths: HPKE_KEMS.map((k) => HPKE_SUITE_PARTS.kem[k].Npk),
        what: `a ${HPKE_KEMS.join(', ')} public key`,
      }).optional(),
      kem: z
        .enum(HPKE_KEMS)
        .optional()
        .openapi({ description: "The KEM of `pk`. Optional: each offered KEM's public keys have their own length; when given it must match.", example: 'ML-KEM-768' }),
      key_id: kemKeyId()
        .optional()
        .openapi({ description: 'Alternatively, a stored KEM key of yours (`key_id` from `POST /v1/kem/keypair`; ML-KEM-768, ML-KEM-1024 or X-Wing): seals to its public key. Give this or `pk`. The example is the demonstration key.', example: DEMO.kemKeyId }),
      info: hpkeBytesField('RFC 9180 `info`: context bound into the key schedule; the opener must give the same.', ex.hpkeInfo, HPKE_MAX_INFO_BYTES),
      aad: hpkeBytesField('Associated data: authenticated, not encrypted; the opener must give the same.', ex.hpkeAad, HPKE_MAX_AAD_BYTES),
      suite: hpkeSuiteField(),
    })
    .superRefine(
      (o, ctx) => {
        if (o.pk === undefined && o.key_id === undefined) ctx.addIssue({ code: 'custom', path: ['pk'], message: 'give pk or key_id' });
        if (o.pk !== undefined && o.key_id !== undefined) ctx.addIssue({ code: 'custom', path: ['key_id'], message: 'give pk or key_id, not both' });
      },
      { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
    )
    .openapi('HpkeSealRequest', { example: { plaintext: ex.message, encoding: 'utf8', pk: ex.kemPublicKey, info: ex.hpkeInfo, aad: ex.hpkeAad } });
  const response = z
    .object({
      suite: hpkeSuiteResponse(),
      enc: z.string().openapi({ description: 'The encapsulated key (the KEM ciphertext), base64: send it with `ciphertext`.', example: ex.kemCipherText }),
      ciphertext: z.string().openapi({ description: 'The AEAD ciphertext (the plaintext and a 16-byte tag), base64.', example: ex.hpkeCiphertext }),
    })
    .openapi('HpkeSealResponse');

  return defineRoute({
    method: 'post',
    path: '/v1/hpke/seal',
    operationId: 'hpkeSeal',
    tag: 'HPKE',
    summary: 'Seal a message with HPKE to a public key',
    description:
      'Single-shot HPKE (RFC 9180, base mode) with the post-quantum KEMs of draft-ietf-hpke-pq: ML-KEM-768 (0x0041), ML-KEM-1024 (0x0042) or X-Wing (0x647a), HKDF-SHA256, AES-256-GCM (default) or ChaCha20-Poly1305. Any standard HPKE implementation opens it with the private key; the service opens it with `POST /v1/hpke/open` when sealed to one of its stored keys. The service sees the plaintext: seal on the client when that matters (docs/sealed.md).',
    scope: 'hpke:seal',
    request: { body },
    input: withMessage(body, 'plaintext', maxMessageBytes),
    keys: keyRefs(z.object({ key_id: kemKeyId().optional() }), ({ key_id }, ctx) => resolveHpkeKey(ctx, key_id)),
    status: 200,
    response,
    responseDescription: 'The suite, the encapsulated key and the ciphertext.',
    rateClass: 'crypto',
    // The KEM's encapsulation (the scheduled part), and the AEAD.
    cost: (input, stored, ctx) => cryptoCost(ctx, stored?.algorithm ?? (input.pk && hpkeKemForPublicKey(input.pk.length)) ?? 'ML-KEM-768', 'encapsulate') + cryptoCost(ctx, AES_ALGORITHM, 'seal'),
    batch: true,
    // Sealing to a stored key is a use of it; to a public key given here, of none.
    audit: { event: 'hpke.seal', onlyWhen: (_input, namedKey) => namedKey },
    async handle(input, ctx, stored) {
      const sealed = await seal(ctx, stored, input);
      return { suite: { ...sealed.suite }, enc: encodeBase64(sealed.enc), ciphertext: encodeBase64(sealed.ciphertext) };
    },
  });
}
