/**
 * Field schemas shared by the routes. Each one validates, documents (description and a working
 * example for Swagger UI) and converts: base64 fields come out as bytes, so handlers only ever see
 * decoded, checked values.
 * @module
 */
import { decodeBase64, decodeMessage, MESSAGE_ENCODINGS, type MessageEncoding } from '../crypto/encoding.ts';
import { DEFAULT_HPKE_AEAD, DEFAULT_HPKE_KDF, HPKE_AEADS, HPKE_KDFS, HPKE_KEMS } from '../crypto/hpke.ts';
import { DSA_SIZES, MAX_DSA_CONTEXT_BYTES, ML_DSA_ALGORITHMS, type DsaAlgorithm } from '../crypto/algorithms.ts';
import { DSA_KEY_ID, KEM_KEY_ID, KEY_ID, SHARED_KEY_ID } from '../keys/service.ts';
import { z } from './zod.ts';

export interface BytesFieldOptions {
  readonly description: string;
  readonly example: string;
  /** Allowed decoded lengths, if fixed. */
  readonly lengths?: readonly number[];
  /** What the lengths mean, for the error message: "an ML-KEM public key". */
  readonly what?: string;
  /** Minimum decoded length. */
  readonly minBytes?: number;
  /** Maximum decoded length. */
  readonly maxBytes?: number;
}

/** A base64 (or base64url, padding optional) string, decoded to bytes and length-checked. */
export function base64Bytes(opts: BytesFieldOptions) {
  // Reject absurd strings before decoding them: 4 characters per 3 bytes, plus padding.
  const maxChars = opts.lengths ? Math.ceil(Math.max(...opts.lengths) / 3) * 4 : opts.maxBytes ? Math.ceil(opts.maxBytes / 3) * 4 + 4 : undefined;
  const base = maxChars ? z.string().max(maxChars, `must be at most ${maxChars} base64 characters`) : z.string();
  return base
    .transform((text, ctx) => {
      const bytes = decodeBase64(text);
      if (!bytes) {
        ctx.addIssue({ code: 'custom', message: 'must be base64 (standard or URL-safe alphabet, padding optional)' });
        return z.NEVER;
      }
      if (opts.lengths && !opts.lengths.includes(bytes.length)) {
        const expected = opts.lengths.join(', ').replace(/, (\d+)$/, ' or $1');
        ctx.addIssue({ code: 'custom', message: `must decode to ${expected} bytes${opts.what ? ` (${opts.what})` : ''}, got ${bytes.length}` });
        return z.NEVER;
      }
      if (opts.minBytes !== undefined && bytes.length < opts.minBytes) {
        ctx.addIssue({ code: 'custom', message: `must decode to at least ${opts.minBytes} bytes${opts.what ? ` (${opts.what})` : ''}, got ${bytes.length}` });
        return z.NEVER;
      }
      if (opts.maxBytes !== undefined && bytes.length > opts.maxBytes) {
        ctx.addIssue({ code: 'custom', message: `must decode to at most ${opts.maxBytes} bytes, got ${bytes.length}` });
        return z.NEVER;
      }
      return bytes;
    })
    .openapi({ type: 'string', format: 'byte', description: opts.description, example: opts.example });
}

export const encodingField = (description: string) =>
  z.enum(MESSAGE_ENCODINGS).default('utf8').openapi({ description, example: 'utf8' });

/** UTF-8 text of at most `maxBytes` bytes, as bytes (aad, context). */
export function utf8Bytes(opts: { description: string; example: string; maxBytes: number }) {
  return z
    .string()
    .max(opts.maxBytes, `must be at most ${opts.maxBytes} bytes of UTF-8`)
    .transform((text, ctx) => {
      const bytes = decodeMessage(text, 'utf8');
      if (!bytes) {
        ctx.addIssue({ code: 'custom', message: 'must be well-formed Unicode text (it contains a lone surrogate)' });
        return z.NEVER;
      }
      if (bytes.length > opts.maxBytes) {
        ctx.addIssue({ code: 'custom', message: `must be at most ${opts.maxBytes} bytes of UTF-8, got ${bytes.length}` });
        return z.NEVER;
      }
      return bytes;
    })
    .openapi({ type: 'string', description: opts.description, example: opts.example });
}

/** A message field as text: decoded later according to its sibling `encoding` (see withMessage). */
export const messageText = (description: string, example: string) => z.string().openapi({ description, example });

/** A text field in the encoding its sibling names (utf8 when absent), as bytes; undefined when it does not decode. */
const decodeIn = (value: unknown, encoding: unknown): Uint8Array | undefined =>
  typeof value === 'string' && (MESSAGE_ENCODINGS as readonly unknown[]).includes(encoding ?? 'utf8') ? decodeMessage(value, (encoding ?? 'utf8') as MessageEncoding) : undefined;

/**
 * Decodes the message field `field` of an object schema according to `encoding`, adding a field
 * error (with the other fields' errors, not after them) when it does not decode or is too long.
 */
export function withMessage<S extends z.ZodObject<{ encoding: z.ZodDefault<z.ZodEnum<{ utf8: 'utf8'; base64: 'base64'; hex: 'hex' }>> }>, F extends string>(
  schema: S,
  field: F,
  maxBytes: number,
) {
  const decode = decodeIn;
  return schema
    .superRefine(
      (input, ctx) => {
        const o = input as Record<string, unknown>;
        const bytes = decode(o[field], o.encoding);
        if (!bytes) ctx.addIssue({ code: 'custom', path: [field], message: `must be valid ${String(o.encoding ?? 'utf8')} text` });
        else if (bytes.length > maxBytes) ctx.addIssue({ code: 'custom', path: [field], message: `must be at most ${maxBytes} bytes once decoded, got ${bytes.length}` });
      },
      {
        // Run even when other fields failed, so one answer names every bad field.
        when: (payload) => {
          const v = payload.value as Record<string, unknown> | undefined;
          return typeof v?.[field] === 'string' && (MESSAGE_ENCODINGS as readonly unknown[]).includes(v.encoding ?? 'utf8');
        },
      },
    )
    .transform((input) => {
      const o = input as Record<string, unknown>;
      return { ...(input as z.output<S>), [field]: decode(o[field], o.encoding)! } as Omit<z.output<S>, F> & Record<F, Uint8Array>;
    });
}

/** The `key` of the AES endpoints: a shared_key, exactly 32 bytes. */
export const aesKeyField = (example: string) =>
  base64Bytes({
    description: 'A 32-byte `shared_key` from `/v1/kem/encapsulate` or `/v1/kem/decapsulate`, base64. The AES key is derived from it with HKDF-SHA256.',
    example,
    lengths: [32],
    what: 'a shared_key',
  });

/** Optional associated data: authenticated, not encrypted; decryption needs the same. */
export const aadField = (example: string) =>
  utf8Bytes({
    description: 'Optional associated data (UTF-8): authenticated but not encrypted; decryption must give the same.',
    example,
    maxBytes: 4096,
  }).optional();

/** A key_id as POST /v1/kem/keypair returns it. */
export const kemKeyId = () => z.string().regex(KEM_KEY_ID, 'must be a key_id returned by POST /v1/kem/keypair (kem_ and 22 characters)');
/** A key_id as POST /v1/dsa/keypair returns it (or /v1/dsa/sign names the default key by). */
export const dsaKeyId = () => z.string().regex(DSA_KEY_ID, 'must be a key_id of a signing key (dsa_ and 22 characters)');
/** A shared_key_id as encapsulate or decapsulate with `store: true` returns it. */
export const sharedKeyId = () => z.string().regex(SHARED_KEY_ID, 'must be a shared_key_id returned with store: true (sk_ and 22 characters)');
/** Any stored key's id. */
export const anyKeyId = () => z.string().regex(KEY_ID, 'must be a key_id (kem_, dsa_ or sk_ and 22 characters)');

/** `expires_in` at key creation: whole seconds, up to KEY_MAX_EXPIRES_IN_SECONDS. */
export const expiresInField = (maxSeconds: number) =>
  z
    .number()
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1 second')
    .max(maxSeconds, `must be at most ${maxSeconds} seconds (KEY_MAX_EXPIRES_IN_SECONDS)`)
    .optional()
    .openapi({ description: 'Optional: the key is deleted this many seconds after creation, everywhere at once (404 afterwards). Without it the key lives until deleted.', example: 86_400 });

/** `expires_at` in answers: RFC 3339 UTC, or null for a key that does not expire. */
export const expiresAtField = () =>
  z.string().nullable().openapi({ description: 'When the key is deleted (RFC 3339 UTC), or null when it does not expire.', example: null });

export const toExpiresAt = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** `store: true`: keep the shared key in the service and answer its id instead of the key. */
export const storeField = () =>
  z.boolean().default(false).openapi({ description: 'Keep the shared key in the service (it never leaves) and answer `shared_key_id` instead of `shared_key`: use it with the AES endpoints as `key_id`.', example: false });

/** A key confirmation (base64 of 32 bytes). */
export const confirmationField = (example: string) =>
  base64Bytes({
    description: 'The key confirmation from encapsulate (or computed by a client that encapsulated itself): base64(HMAC-SHA256(HKDF-SHA256(shared_key, info "pq-crypto-api/v1/key-confirmation"), cipher)). A mismatch is 400 `key-confirmation-failed`.',
    example,
    lengths: [32],
    what: 'an HMAC-SHA256',
  });

/**
 * The rules for a signature checked against a verification key that may come under two names
 * (`verif_key` and `verification_key`): the two, when both given, must be the same key, and a
 * signature needs one of them. Issues name `primary` as the field to give. Refinements run even
 * when a field failed to decode (it is then still the string it was), so only decoded keys are
 * compared.
 */
export function refineVerificationKey<T extends { readonly signature?: unknown }>(
  primary: keyof T & string,
  alias: keyof T & string,
): (o: T, ctx: z.RefinementCtx) => void {
  return (o, ctx) => {
    const a = o[primary];
    const b = o[alias];
    if (a instanceof Uint8Array && b instanceof Uint8Array && Buffer.compare(a, b) !== 0) {
      ctx.addIssue({ code: 'custom', path: [alias], message: `differs from ${primary}: give one of them` });
    }
    if (o.signature && !a && !b) ctx.addIssue({ code: 'custom', path: [primary], message: 'is required with signature' });
  };
}

/**
 * A signature public key field, base64: by default an ML-DSA key (any of the three sets, by
 * length: a verification key); `algorithms` widens it (SLH-DSA for /v1/dsa/verify).
 */
export const dsaPublicKeyField = (description: string, example: string, algorithms: readonly DsaAlgorithm[] = ML_DSA_ALGORITHMS) =>
  base64Bytes({
    description,
    example,
    lengths: [...new Set(algorithms.map((a) => DSA_SIZES[a].publicKey))],
    what: algorithms.length === ML_DSA_ALGORITHMS.length ? 'an ML-DSA-44, -65 or -87 public key' : `a ${algorithms.join(', ')} public key`,
  });

/** The key of an AES request: `key` (a shared key given here) or `key_id` (a stored shared key), exactly one. */
export function refineAesKey(o: { readonly key?: unknown; readonly key_id?: unknown }, ctx: z.RefinementCtx): void {
  if (o.key === undefined && o.key_id === undefined) ctx.addIssue({ code: 'custom', path: ['key'], message: 'give key or key_id' });
  if (o.key !== undefined && o.key_id !== undefined) ctx.addIssue({ code: 'custom', path: ['key_id'], message: 'give key or key_id, not both' });
}

/** The `limit` query parameter of a paged listing (a string in the query, converted here). */
export const pageLimitField = (defaultLimit: number, max: number, what: string) =>
  z
    .string()
    .regex(/^\d{1,4}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(max, `must be at most ${max}`))
    .optional()
    .openapi({ type: 'integer', description: `${what} per page (default ${defaultLimit}, at most ${max}).`, example: 20 });

/**
 * The FIPS 204 / 205 context string (at most 255 bytes) in its sibling `context_encoding`:
 * `utf8` (the default, so nothing changes for callers that send text), `base64` or `hex` for
 * arbitrary bytes (NIST's own test data uses contexts that are not text). Decoded by withContext.
 */
export const contextFields = (description: string, example: string) => ({
  context: z
    .string()
    // Hex of 255 bytes is 510 characters: refuse anything longer before decoding it.
    .max(2 * MAX_DSA_CONTEXT_BYTES, `must be at most ${MAX_DSA_CONTEXT_BYTES} bytes once decoded`)
    .optional()
    .openapi({ description, example }),
  context_encoding: z
    .enum(MESSAGE_ENCODINGS)
    .optional()
    .openapi({ description: 'How `context` is encoded: utf8 (default), or base64 or hex for a context of arbitrary bytes.', example: 'utf8' }),
});

/**
 * Checks the optional `context` of an object schema against its `context_encoding` (default
 * utf8): a field error when it does not decode or is over 255 bytes. A refinement of the object
 * itself, run even when other fields failed, so one answer names every bad field; withContext
 * then decodes it.
 */
export function checkContext<S extends z.ZodObject>(schema: S): S {
  return schema.superRefine(
    (input, ctx) => {
      const o = input as Record<string, unknown>;
      if (o.context === undefined) return;
      const bytes = decodeIn(o.context, o.context_encoding);
      const encoding = String(o.context_encoding ?? 'utf8');
      if (!bytes) ctx.addIssue({ code: 'custom', path: ['context'], message: encoding === 'utf8' ? 'must be well-formed Unicode text (it contains a lone surrogate)' : `must be valid ${encoding}` });
      else if (bytes.length > MAX_DSA_CONTEXT_BYTES) ctx.addIssue({ code: 'custom', path: ['context'], message: `must be at most ${MAX_DSA_CONTEXT_BYTES} bytes${encoding === 'utf8' ? ' of UTF-8' : ' once decoded'}, got ${bytes.length}` });
    },
    {
      when: (payload) => {
        const v = payload.value as Record<string, unknown> | undefined;
        return typeof v?.context === 'string' && (MESSAGE_ENCODINGS as readonly unknown[]).includes(v.context_encoding ?? 'utf8');
      },
    },
  ) as S;
}

/** The checked `context` (checkContext) as bytes, or undefined; the output has no `context_encoding`. */
export function withContext<S extends z.ZodType<Record<string, unknown>>>(schema: S) {
  return schema.transform((input) => {
    const { context, context_encoding, ...rest } = input as Record<string, unknown>;
    return { ...rest, context: context === undefined ? undefined : decodeIn(context, context_encoding)! } as Omit<z.output<S>, 'context' | 'context_encoding'> & { context: Uint8Array | undefined };
  });
}

/** HPKE (routes hpke-seal.ts, hpke-open.ts): the parts of a suite a request may name; each defaults. */
export const hpkeSuiteField = () =>
  z
    .strictObject({
      kem: z.enum(HPKE_KEMS).optional().openapi({ description: "The KEM: it must be the key's (the default).", example: 'ML-KEM-768' }),
      kdf: z.enum(HPKE_KDFS).optional().openapi({ description: `The KDF (default ${DEFAULT_HPKE_KDF}).`, example: DEFAULT_HPKE_KDF }),
      aead: z.enum(HPKE_AEADS).optional().openapi({ description: `The AEAD (default ${DEFAULT_HPKE_AEAD}).`, example: DEFAULT_HPKE_AEAD }),
    })
    .optional()
    .openapi({
      description: 'Optional HPKE suite (RFC 9180, draft-ietf-hpke-pq), named by its parts; a part left out takes its default: the KEM of the key, HKDF-SHA256, AES-256-GCM. The opener must use the same suite.',
      example: { kdf: DEFAULT_HPKE_KDF, aead: DEFAULT_HPKE_AEAD },
    });

/** The most bytes of HPKE `info` and of `aad` (RFC 9180 allows far more; nobody needs it here). */
export const HPKE_MAX_INFO_BYTES = 1024;
export const HPKE_MAX_AAD_BYTES = 4096;

/** HPKE `info` or `aad`: bytes in base64, bounded. */
export const hpkeBytesField = (description: string, example: string, maxBytes: number) =>
  base64Bytes({ description: `${description} Base64, at most ${maxBytes} bytes once decoded; default empty.`, example, maxBytes }).optional();
