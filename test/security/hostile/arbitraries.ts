/**
 * fast-check generators of hostile requests. Generic ones come from each operation's OpenAPI
 * description (so new endpoints are attacked too); hand-written ones cover the fields where the
 * edges are: key, ciphertext and signature lengths of every parameter set (each +-1), AES keys and
 * blobs, context strings around 255 bytes, encodings, key ids, token ids, scopes and key lists.
 * On top of bodies: truncated and malformed JSON, wrong types, unknown and duplicate fields,
 * Content-Type / charset / Content-Encoding abuse, Authorization forms, duplicate and huge
 * headers, odd methods, path spellings and percent-encoding. Not a test file itself.
 */
import { brotliCompressSync, constants as zlibConstants, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { Fixtures } from './fixtures.ts';
import type { RawRequest } from './http.ts';
import type { FieldSchema, Operation } from './operations.ts';

export interface HostileCase {
  /** How fast-check prints it. */
  readonly [fc.toStringMethod]?: () => string;
  /** What kind of attack, for the tally. */
  readonly kind: string;
  readonly op: Operation;
  readonly request: RawRequest;
  /** Node's HTTP parser may answer it (a bare 400, 417 or 431) before the application sees it. */
  readonly mayBeBare: boolean;
  /** The credential presented, if any: no answer may echo it. */
  readonly credential?: string;
  /** A batch request's number of items: a 200 answers exactly that many batch_results. */
  readonly batchItems?: number;
}

/** A JSON fragment written as it is (invalid UTF-8, 1e999, deep nesting, ...). */
export class Raw {
  constructor(readonly bytes: Buffer) {}
}
type Value = null | boolean | number | string | Raw | Value[] | { [k: string]: Value };
type Pairs = [string, Value][];
const ABSENT = Symbol('absent');
type Maybe = Value | typeof ABSENT;

// ---------------------------------------------------------------- bytes and their encodings

/** Every length that is some parameter set's key, ciphertext or signature, each +-1, and the AES edges. */
export const INTERESTING_LENGTHS = Object.freeze([
  0, 1, 2, 3, 4, 12, 15, 16, 17, 27, 28, 29, 31, 32, 33, 63, 64, 65, 767, 768, 769, 799, 800, 801, 1087, 1088, 1089, 1183, 1184, 1185, 1311, 1312,
  1313, 1567, 1568, 1569, 1951, 1952, 1953, 2419, 2420, 2421, 2591, 2592, 2593, 3308, 3309, 3310, 4626, 4627, 4628,
]);

/** Deterministic bytes from a seed (xorshift), so a failing case replays exactly. */
export function pseudoBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed | 0 || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const STYLES = ['std', 'std', 'std', 'url', 'nopad', 'badpad', 'space', 'newline', 'mixed', 'noncanonical', 'badchar', 'hex', 'datauri', 'padonly'] as const;
type Style = (typeof STYLES)[number];

function encodeStyled(bytes: Buffer, style: Style): string {
  const std = bytes.toString('base64');
  switch (style) {
    case 'std':
      return std;
    case 'url':
      return bytes.toString('base64url');
    case 'nopad':
      return std.replace(/=+$/, '');
    case 'badpad':
      return std.replace(/=+$/, '') + '===';
    case 'space':
      return `${std.slice(0, 4)} ${std.slice(4)}`;
    case 'newline':
      return std.replace(/(.{76})/g, '$1\n');
    case 'mixed':
      return `-${std.slice(1)}+`;
    case 'noncanonical': {
      // Unused low bits of the last character set: decodes to the same bytes but is not canonical.
      const body = std.replace(/=+$/, '');
      if (body.length % 4 === 0 || body.length === 0) return `${body}A=`;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
      const last = alphabet.indexOf(body[body.length - 1]!);
      return body.slice(0, -1) + alphabet[(last | 1) % 64] + std.slice(body.length);
    }
    case 'badchar':
      return `${std.slice(0, 2)}*${std.slice(3)}`;
    case 'hex':
      return bytes.toString('hex');
    case 'datauri':
      return `data:application/octet-stream;base64,${std}`;
    case 'padonly':
      return '====';
  }
}

const bytesOfLength = (lengths: readonly number[]) =>
  fc.tuple(fc.constantFrom(...lengths), fc.integer(), fc.constantFrom(...STYLES)).map(([n, seed, style]) => encodeStyled(pseudoBytes(n, seed), style));

/** A genuine base64 value altered slightly: a bit flipped, a byte cut or added, re-encoded. */
const mutatedBase64 = (values: readonly string[]) =>
  fc.tuple(fc.constantFrom(...values), fc.nat(), fc.constantFrom('flip', 'cut', 'add', 'url', 'same')).map(([value, at, how]) => {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length === 0) return value;
    const i = at % bytes.length;
    switch (how) {
      case 'flip':
        bytes[i]! ^= 1 << at % 8;
        return bytes.toString('base64');
      case 'cut':
        return bytes.subarray(0, bytes.length - 1).toString('base64');
      case 'add':
        return Buffer.concat([bytes, Buffer.from([at & 0xff])]).toString('base64');
      case 'url':
        return bytes.toString('base64url');
      case 'same':
        return value;
    }
  });

// ---------------------------------------------------------------- generic values

const LONE = ['\ud800', '\udfff', 'a\ud800b', '\udc00\ud800'];
const weirdStrings = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', 'null', '0', 'true', '[]', '{}', '\u202e', '\ufeff', '\u00e9', '😀', '\r\n', '%00', '../..', '__proto__', ...LONE),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const hugeString = fc.constantFrom(5_000, 70_000, 300_000).chain((n) => fc.constantFrom('A', 'é', '\u0000').map((c) => c.repeat(n)));

const rawFragments = fc.constantFrom(
  '1e999', '-1e999', '-0', '1.0', '1E2', '00', '01', '0x10', 'NaN', 'Infinity', '-', '.5', '1.', '9'.repeat(400), '"\\ud800"', '"\\u0000"', '"\\x41"', '"\\uZZZZ"',
  "'single'", 'undefined', '[1,]', '{"a":1,}', '"unterminated', '"\u0007raw control"', '"\\/"',
).map((s) => new Raw(Buffer.from(s)));

/** Bytes that are not UTF-8, inside a JSON string: the body is no longer valid UTF-8. */
const nonUtf8String = fc
  .constantFrom([0xff], [0xfe, 0xff], [0xc0, 0xaf], [0x80], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80])
  .chain((bad) => fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([a, b]) => new Raw(Buffer.concat([Buffer.from(`"${a.replace(/["\\\u0000-\u001f]/g, '')}`), Buffer.from(bad), Buffer.from(`${b.replace(/["\\\u0000-\u001f]/g, '')}"`)]))));

const deepNesting = fc.constantFrom(64, 1_000, 20_000, 100_000).map((depth) => new Raw(Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`)));

const wrongTypes: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom<Value>(null, true, false, 0, -1, 1.5, 1e308, -1e-308, 2 ** 53, [], {}, [null], { a: 1 }, ['x'], [[]]),
  fc.double().map((n) => (Number.isFinite(n) ? n : 0)),
  fc.integer(),
);

function genericValue(schema: FieldSchema): fc.Arbitrary<Value> {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const valid: Value[] = [];
  if (schema.example !== undefined) valid.push(schema.example as Value);
  if (schema.default !== undefined) valid.push(schema.default as Value);
  if (schema.enum) valid.push(...(schema.enum as Value[]));
  const arbs: fc.WeightedArbitrary<Value>[] = [
    { arbitrary: wrongTypes, weight: 3 },
    { arbitrary: weirdStrings, weight: 3 },
    { arbitrary: rawFragments, weight: 1 },
    { arbitrary: nonUtf8String, weight: 1 },
  ];
  if (valid.length) arbs.push({ arbitrary: fc.constantFrom(...valid), weight: 4 });
  if (schema.enum) {
    arbs.push({ arbitrary: fc.constantFrom(...schema.enum.map((e) => String(e))).map((e) => [e.toLowerCase(), e.toUpperCase(), ` ${e}`, `${e}\u0000`, e.replace(/-/g, '_')]).chain((v) => fc.constantFrom(...v)), weight: 2 });
  }
  if (type === 'integer' || type === 'number') {
    const edges = [0, -1, 1, 1.5, -0.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 1e21, 1e308];
    if (schema.minimum !== undefined) edges.push(schema.minimum - 1, schema.minimum);
    if (schema.maximum !== undefined) edges.push(schema.maximum, schema.maximum + 1);
    arbs.push({ arbitrary: fc.constantFrom(...edges), weight: 4 }, { arbitrary: fc.constantFrom('1', '60', '-1', '1e3', ' 5', '0x10'), weight: 1 });
  }
  if (type === 'string') {
    arbs.push({ arbitrary: hugeString, weight: 1 });
    if (schema.maxLength !== undefined) arbs.push({ arbitrary: fc.constantFrom(schema.maxLength, schema.maxLength + 1).map((n) => 'x'.repeat(n)), weight: 1 });
    if (schema.format === 'byte') arbs.push({ arbitrary: bytesOfLength(INTERESTING_LENGTHS), weight: 6 });
  }
  if (type === 'array') {
    const item = schema.items ? genericValue(schema.items) : weirdStrings;
    arbs.push(
      { arbitrary: fc.array(item, { maxLength: 5 }), weight: 4 },
      { arbitrary: fc.constantFrom(63, 64, 65, 1000).chain((n) => weirdStrings.map((v) => Array.from({ length: n }, () => v))), weight: 1 },
      { arbitrary: deepNesting, weight: 1 },
    );
  }
  if (type === 'object') arbs.push({ arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), weirdStrings, { maxKeys: 4 }) as fc.Arbitrary<Value>, weight: 2 });
  return fc.oneof(...arbs);
}

// ---------------------------------------------------------------- hand-written fields

/** Context strings around FIPS 204's 255-byte limit, in one- to four-byte characters. */
const contexts = fc.oneof(
  fc.constantFrom(0, 1, 254, 255, 256, 300, 1000).map((n) => 'c'.repeat(n)),
  // 127 two-byte characters are 254 bytes; one more byte or character crosses the line.
  fc.constantFrom('é'.repeat(127), `${'é'.repeat(127)}a`, 'é'.repeat(128), `${'€'.repeat(85)}`, `${'€'.repeat(85)}a`, `${'€'.repeat(85)}é`, '😀'.repeat(63), `${'😀'.repeat(63)}abc`, `${'😀'.repeat(63)}abcd`, `${'😀'.repeat(64)}`),
  fc.constantFrom(...LONE, `${'c'.repeat(254)}\ud800`),
  nonUtf8String,
);

/** Messages in their `encoding`, valid or not, around the message size limit. */
const messages = (maxMessageBytes: number) =>
  fc.oneof(
    fc.string({ maxLength: 64 }),
    fc.constantFrom('', 'hello', 'deadbeef', 'DEADBEEF', 'abc', 'zz', '00ff', 'aGVsbG8=', 'aGVsbG8', 'aGVsbG8===', 'a-_b', ...LONE),
    fc.constantFrom(maxMessageBytes, maxMessageBytes + 1).map((n) => 'm'.repeat(n)),
    fc.constantFrom(maxMessageBytes, maxMessageBytes + 1).map((n) => '0'.repeat(2 * n)),
    fc.constantFrom(maxMessageBytes / 2, maxMessageBytes / 2 + 1).map((n) => 'é'.repeat(n)),
    nonUtf8String,
  );

const encodings = fc.constantFrom<Value>('utf8', 'base64', 'hex', 'UTF8', 'utf-8', 'Hex', 'base64url', 'latin1', 'binary', 'ascii', '', null, 1, ['hex']);

const SCOPE_NAMES = ['tokens:create', 'kem:keypair', 'kem:encapsulate', 'kem:decapsulate', 'dsa:keypair', 'dsa:sign', 'dsa:verify', 'aes:encrypt', 'aes:decrypt', 'hpke:seal', 'hpke:open', 'keys:read', 'keys:manage', 'audit:read', 'clients:manage', 'challenges:manage'];
const scopesLists = fc.oneof(
  fc.subarray(SCOPE_NAMES),
  fc.array(fc.constantFrom('kem:decapsulate', 'KEM:DECAPSULATE', 'admin', '*', 'kem:*', '', 'tokens:create ', 'audit:read', 'keys:manage', 'keys:*', 'keys:write', 'KEYS:READ', 'dsa:keypair ', 'keys', 'dsa'), { maxLength: 4 }),
  fc.constantFrom(65, 100).map((n) => Array.from({ length: n }, () => 'dsa:sign')),
  fc.constant('kem:decapsulate,dsa:sign'),
);

function keyIdLists(fx: Fixtures, hugeLists: boolean) {
  const ids = [
    ...KEY_KINDS.flatMap((kind) => [...aliceIds(fx, kind), ...bobIds(fx, kind)]),
    ...fx.goneKeyIds,
    `dsa_${TAIL}`, `sk_${TAIL}`, `att_${TAIL}`, 'kem_AAAAAAAAAAAAAAAAAAAAAA', 'kem_short', 'KEM_AAAAAAAAAAAAAAAAAAAAAA', '',
  ];
  const arbs: fc.Arbitrary<Value>[] = [
    fc.array(fc.constantFrom(...ids), { maxLength: 6 }),
    fc.constantFrom(64, 65, 200).map((n) => Array.from({ length: n }, (_, i) => (i % 2 ? fx.alice[0]!.keyId : 'kem_AAAAAAAAAAAAAAAAAAAAAA'))),
    fc.constant(fx.alice.map((k) => k.keyId).join(',')),
  ];
  // 8,000 copies of one id: the attack of issue 6 item 4 (each one a store read on old code).
  if (hugeLists) arbs.push(fc.constant(Array.from({ length: 8000 }, () => fx.alice[0]!.keyId)));
  return fc.oneof(...arbs);
}

// ---------------------------------------------------------------- keys as resources

const TAIL = 'AAAAAAAAAAAAAAAAAAAAAA';
const KEY_KINDS = ['kem', 'dsa', 'shared'] as const;
type KeyKind = (typeof KEY_KINDS)[number];
const KEY_PREFIX: Readonly<Record<KeyKind, string>> = { kem: 'kem_', dsa: 'dsa_', shared: 'sk_' };

/**
 * Alice's genuine ids of a kind that the attack may use freely (never deleted nor rotated by it).
 * The SLH-DSA key is left out: signing with it is slow on noble, so it is drawn rarely (validBody).
 */
function aliceIds(fx: Fixtures, kind: KeyKind): string[] {
  if (kind === 'kem') return fx.alice.map((k) => k.keyId);
  if (kind === 'dsa') return [fx.signing.mlDsa44.keyId, fx.signing.rotated.keyId, fx.dsa.defaultKeyId];
  return [fx.shared.keyId, fx.shared.fromDecapsulate, fx.shared.exhausted];
}

function bobIds(fx: Fixtures, kind: KeyKind): string[] {
  if (kind === 'kem') return fx.bob.map((k) => k.keyId);
  if (kind === 'dsa') return [fx.signing.bob.keyId];
  return [fx.shared.bob];
}

/** Ids that are wrong in form, or well-formed and nobody's: every way a key_id of `kind` can be wrong but the type. */
function malformedKeyIds(fx: Fixtures, kind: KeyKind): string[] {
  const genuine = aliceIds(fx, kind)[0]!;
  const prefix = KEY_PREFIX[kind];
  const tail = genuine.slice(prefix.length);
  return [
    `${prefix}${TAIL}`,
    // This id under the other types' prefixes: well-formed, nobody's.
    ...KEY_KINDS.filter((k) => k !== kind).map((k) => `${KEY_PREFIX[k]}${tail}`),
    genuine.toUpperCase(), `${prefix.toUpperCase()}${tail}`, ` ${genuine}`, `${genuine} `, `${genuine}\n`, `${genuine}\u0000`, `${genuine}%00`,
    genuine.slice(0, -1), `${genuine}A`, `${genuine}=`, `${genuine}${genuine}`, `${genuine},${genuine}`, prefix, prefix.slice(0, -1), `${prefix}${tail.slice(0, 21)}=`,
    `${prefix}${'+'.repeat(22)}`, `${prefix}${'/'.repeat(22)}`, `${prefix}${'.'.repeat(22)}`, `${prefix}${'%41'.repeat(22)}`, `${prefix}${'é'.repeat(22)}`, `${prefix}${'😀'.repeat(11)}`,
    `att_${tail}`, `key_${tail}`, `${prefix}${prefix}${tail.slice(prefix.length)}`, tail, `${prefix}${'A'.repeat(5000)}`, `${prefix}{t:bob}${tail.slice(7)}`, `${prefix}${tail.slice(0, 20)}\ud800`,
  ];
}

/** A key_id body field that should name a key of `kind`: alice's, bob's, gone, of another type, malformed, weird. */
function keyIdField(fx: Fixtures, kind: KeyKind, extraGenuine: readonly string[] = []): fc.Arbitrary<Value> {
  const otherTypes = KEY_KINDS.filter((k) => k !== kind).flatMap((k) => aliceIds(fx, k));
  return fc.oneof(
    { arbitrary: fc.constantFrom(...aliceIds(fx, kind), ...extraGenuine), weight: 5 },
    { arbitrary: fc.constantFrom(...bobIds(fx, kind)), weight: 2 },
    { arbitrary: fc.constantFrom(...fx.goneKeyIds), weight: 1 },
    { arbitrary: fc.constantFrom(...otherTypes), weight: 1 },
    { arbitrary: fc.constantFrom(...malformedKeyIds(fx, kind)), weight: 3 },
    { arbitrary: wrongTypes, weight: 1 },
    { arbitrary: weirdStrings, weight: 1 },
  );
}

/**
 * The key_id of a path, by what the request does: a DELETE only ever names keys nothing else uses
 * (or the tenant's default signing key, which the next sign remakes), a rotation only the keys
 * kept for rotating, anything else any of alice's keys. Plus bob's, gone, malformed and weird ids.
 */
function keyPathIds(op: Operation, fx: Fixtures, method: string): fc.Arbitrary<string> {
  const rotates = /\/rotate$/.test(op.path);
  const deletes = method.toUpperCase() === 'DELETE' && !rotates;
  const every = [...KEY_KINDS.flatMap((k) => aliceIds(fx, k)), fx.signing.slh.keyId];
  const genuine = rotates
    ? fc.oneof({ arbitrary: fc.constantFrom(...fx.sacrificial.rotatable), weight: 4 }, { arbitrary: fc.constantFrom(...aliceIds(fx, 'kem'), ...aliceIds(fx, 'shared')), weight: 1 })
    : deletes
      ? fc.oneof({ arbitrary: fc.constantFrom(...fx.sacrificial.deletable), weight: 6 }, { arbitrary: fc.constant(fx.dsa.defaultKeyId), weight: 1 })
      : fc.constantFrom(...every);
  return fc.oneof(
    { arbitrary: genuine, weight: 6 },
    { arbitrary: fc.constantFrom(...KEY_KINDS.flatMap((k) => bobIds(fx, k))), weight: 2 },
    { arbitrary: fc.constantFrom(...fx.goneKeyIds), weight: 1 },
    { arbitrary: fc.constantFrom(...KEY_KINDS).chain((k) => fc.constantFrom(...malformedKeyIds(fx, k))), weight: 3 },
    { arbitrary: weirdStrings.map(String), weight: 2 },
    { arbitrary: fc.constantFrom('paste a key_id', 'current', '.', '..', '%2e', '*'), weight: 1 },
  );
}

/** Key confirmations: 32 bytes or not, genuine (matching its own cipher only), genuine altered. */
function confirmations(fx: Fixtures): fc.Arbitrary<Value> {
  const genuine = [...fx.alice, ...fx.bob].map((k) => k.confirmation);
  return fc.oneof(
    { arbitrary: bytesOfLength([0, 1, 16, 31, 32, 33, 44, 64]), weight: 3 },
    { arbitrary: fc.constantFrom(...genuine), weight: 3 },
    { arbitrary: mutatedBase64(genuine), weight: 3 },
  );
}

const storeValues = fc.constantFrom<Value>(true, false, true, 'true', 'false', 'yes', 1, 0, null, [], [true], {}, { store: true });

const versions = fc.oneof(
  fc.constantFrom<Value>(1, 2, 1, 2, 0, 3, 4, -1, -0, 1.5, 2.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 1, 2 ** 53, 2 ** 53 + 2, 1e21, 1e308, -1e308, '1', '2', '', null, true, [1], { version: 1 }),
  fc.constantFrom('1.0', '2.0000000000000001', '1e0', '2E0', '1e400', '-0', '01').map((t) => new Raw(Buffer.from(t))),
);

const expiresIn = (max: number) =>
  fc.oneof(
    fc.constantFrom<Value>(1, 2, 60, 3600, 0, -1, -0, 0.5, 1.5, 59.999, max, max + 1, max - 1, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e21, 1e308, '60', '1', '', null, true, [60], { s: 60 }),
    fc.constantFrom('1.0', '6e1', '1e400', '-0', '0.0000001', '60.0').map((t) => new Raw(Buffer.from(t))),
  );

const KEM_NAMES = ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024', 'X-Wing'];
const WRONG_KEM_NAMES = ['x-wing', 'X-WING', 'XWing', 'X-Wing ', ' X-Wing', 'X_Wing', 'X-Wing-768', 'ML-KEM-768+X25519', 'X25519', 'ml-kem-768', 'ML-KEM-768\u0000', 'Kyber768', 'ML-KEM-2048', 'ML-DSA-65', 'SLH-DSA-SHA2-128f', 'AES-256-GCM', '', 'toString', '__proto__', 'constructor', 'hasOwnProperty', 'X\u2011Wing'];
/** Signing algorithms whose key generation is quick on noble; the 's' SLH-DSA sets take 0.5 to 2.5 s. */
const QUICK_DSA_NAMES = ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87', 'SLH-DSA-SHA2-128f', 'SLH-DSA-SHAKE-128f'];
const SLOW_DSA_NAMES = ['SLH-DSA-SHA2-128s', 'SLH-DSA-SHAKE-128s'];
const WRONG_DSA_NAMES = [
  'ml-dsa-65', 'ML-DSA-65 ', ' ML-DSA-65', 'ML_DSA_65', 'MLDSA65', 'ML-DSA-66', 'ML-DSA', 'SLH-DSA', 'SLH-DSA-SHA2-128F', 'slh-dsa-sha2-128f', 'SLH-DSA-SHA2-128', 'SLH-DSA-SHA2-192f',
  'SLH-DSA-SHA2-256s', 'SLH-DSA-SHAKE-128F', 'Dilithium3', 'SPHINCS+', 'Ed25519', 'ML-KEM-768', 'X-Wing', 'AES-256-GCM', '', 'ML-DSA-65\u0000', 'ML-DSA-\uff16\uff15', 'toString', '__proto__', 'constructor', 'valueOf',
];
const algorithmNames = (genuine: readonly string[], wrong: readonly string[]) =>
  fc.oneof({ arbitrary: fc.constantFrom(...genuine), weight: 6 }, { arbitrary: fc.constantFrom(...wrong), weight: 5 }, { arbitrary: wrongTypes, weight: 2 }, { arbitrary: weirdStrings, weight: 2 }, { arbitrary: nonUtf8String, weight: 1 });
/** dsa/keypair's algorithm: the slow sets at about one draw in 200 (each costs seconds on noble). */
const dsaKeypairAlgorithms = fc.oneof(
  { arbitrary: fc.constantFrom(...QUICK_DSA_NAMES), weight: 70 },
  { arbitrary: fc.constantFrom(...WRONG_DSA_NAMES), weight: 60 },
  { arbitrary: wrongTypes, weight: 25 },
  { arbitrary: weirdStrings, weight: 25 },
  { arbitrary: rawFragments, weight: 10 },
  { arbitrary: nonUtf8String, weight: 10 },
  { arbitrary: fc.constantFrom(...SLOW_DSA_NAMES), weight: 1 },
);

/** X25519 u-coordinates refused as low order (RFC 7748), and their neighbours, which are fine. */
const P25519 = (1n << 255n) - 19n;
const uBytes = (u: bigint, topBit = false) => {
  const out = Buffer.alloc(32);
  let v = u;
  for (let i = 0; i < 32; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  if (topBit) out[31]! |= 0x80;
  return out;
};
const X25519_EDGES = [0n, 1n, 2n, P25519 - 1n, P25519, P25519 + 1n, P25519 - 2n, (1n << 255n) - 1n, 9n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n, 39382357235489614581723060781553021112529911719440698176882885853963445705823n,
].flatMap((u) => [uBytes(u), uBytes(u, true)]);
/** Genuine X-Wing values (pk or cipher) with their X25519 half replaced by each edge point. */
const x25519Swapped = (values: readonly string[]) =>
  fc.tuple(fc.constantFrom(...values), fc.constantFrom(...X25519_EDGES)).map(([value, u]) => {
    const b = Buffer.from(value, 'base64');
    u.copy(b, b.length - 32);
    return b.toString('base64');
  });

/** GET /v1/keys cursors: genuine, decoded and altered (a space, a brace, no score, ...), garbage, huge. */
function cursorValues(fx: Fixtures): fc.Arbitrary<Value> {
  const b64u = (t: string) => Buffer.from(t).toString('base64url');
  const genuine = fx.cursors;
  const [ms = '0', id = `kem_${TAIL}`] = Buffer.from(genuine[0]!, 'base64url').toString().split(' ');
  // Decoded cursors a store could be handed: the route lets these forms through, each store must cope.
  const plausible = [id, `0 ${id}`, `${ms}.5 ${id}`, `9999999999999999 ${id}`, `${ms}.${'9'.repeat(100)} ${id}`, `${ms} kem_${TAIL}`, `${ms} sk_${TAIL}`, `${ms} dsa_${TAIL}`, `kem_${TAIL}`, `sk_${TAIL}`, ...fx.goneKeyIds.map((g) => `${ms} ${g}`), ...fx.goneKeyIds];
  const malformed = [
    `${ms}  ${id}`, ` ${ms} ${id}`, `${ms} ${id} `, `${ms} ${id} x`, `${ms} ${id}}`, `${ms} {t:bob}`, `${ms} ${id.slice(0, 4)}{t:bob}${id.slice(11)}`, `{${ms} ${id}`,
    `-1 ${id}`, `1e3 ${id}`, `inf ${id}`, `nan ${id}`, `(${ms} ${id}`, `+${ms} ${id}`, `${ms} att_${TAIL}`, `${'9'.repeat(16)}.${'9'.repeat(120)} ${id}`,
    `${ms}`, `${ms} `, ' ', `${ms}\n${id}`, `${ms}\t${id}`, `${ms} ${id}\u0000`, `${'1'.repeat(17)} ${id}`, `${ms} ${id.toUpperCase()}`, `0x10 ${id}`, `${ms},${id}`,
  ];
  return fc.oneof(
    { arbitrary: fc.constantFrom(...genuine), weight: 3 },
    { arbitrary: fc.constantFrom(...plausible).map(b64u), weight: 6 },
    { arbitrary: fc.constantFrom(...malformed).map(b64u), weight: 4 },
    { arbitrary: fc.constantFrom(...plausible, ...malformed).map((t) => Buffer.from(t).toString('base64')), weight: 1 },
    { arbitrary: fc.constantFrom('A', 'AAAA', '____', '----', '!!', '+/==', '%3D', 'A'.repeat(200), 'A'.repeat(201), 'A'.repeat(5000), genuine[0]!.slice(0, -1), `${genuine[0]}A`, genuine[0]!.toUpperCase(), `${genuine[0]}=`), weight: 2 },
    { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
    { arbitrary: fc.string({ maxLength: 40 }).map(b64u), weight: 1 },
  );
}

/** HPKE suites: offered ones, unoffered parts, extra fields, wrong shapes. */
const hpkeSuites = fc.constantFrom<Value>(
  {},
  { aead: 'ChaCha20-Poly1305' },
  { kem: 'ML-KEM-768', kdf: 'HKDF-SHA256', aead: 'AES-256-GCM' },
  { kem: 'X-Wing' },
  { kem: 'ML-KEM-512' },
  { kdf: 'HKDF-SHA384' },
  { aead: 'AES-128-GCM' },
  { aead: 'EXPORT-ONLY' },
  { mode: 'psk' },
  { aead: null },
  null,
  'AES-256-GCM',
  [],
  [{ aead: 'AES-256-GCM' }],
);

const fakeTokenIds = fc.oneof(
  fc.constantFrom('AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB', 'current', 'CURRENT', '', '.', '..', 'a'.repeat(23), 'a'.repeat(5000)),
  fc.string({ maxLength: 30 }),
);

/** Fields whose hostile values are the hand-written ones only (the generic ones would draw slow cases too often). */
const SPECIAL_ONLY = new Set(['post /v1/dsa/keypair#algorithm']);

/** Hostile values for a field of a known operation (undefined: generic only). */
function specialValue(op: Operation, field: string, fx: Fixtures, maxMessageBytes: number, hugeLists: boolean): fc.Arbitrary<Value> | undefined {
  const allKemPk = [...fx.alice, ...fx.bob].map((k) => k.pk);
  const xwing = [...fx.alice, ...fx.bob].filter((k) => k.algorithm === 'X-Wing');
  const kemPkLengths = [799, 800, 801, 1183, 1184, 1185, 1215, 1216, 1217, 1567, 1568, 1569, 0, 32, 1312, 1952, 2592];
  const dsaPkLengths = [1311, 1312, 1313, 1951, 1952, 1953, 2591, 2592, 2593, 31, 32, 33, 64, 0, 800, 1184, 1216, 1568];
  const sigLengths = [2419, 2420, 2421, 3308, 3309, 3310, 4626, 4627, 4628, 7855, 7856, 7857, 17087, 17088, 17089, 0, 1, 2];
  const cipherLengths = [767, 768, 769, 1087, 1088, 1089, 1119, 1120, 1121, 1567, 1568, 1569, 0, 1, 800, 1184, 1216];
  const signingKeys = Object.values(fx.signing);
  const allDsaPk = [fx.dsa.pk, fx.dsa.bobPk, ...signingKeys.flatMap((k) => k.versions.map((v) => v.pk))];
  const allSignatures = [fx.dsa.signature, ...signingKeys.flatMap((k) => k.versions.map((v) => v.signature))];
  // The FIPS 203 modulus check: a 12-bit coefficient of 0xfff (4095) is not below q = 3329 (for
  // X-Wing, in its ML-KEM-768 half, which comes first).
  const broken = allKemPk.map((pk) => {
    const b = Buffer.from(pk, 'base64');
    b[0] = 0xff;
    b[1] = 0x0f | (b[1]! & 0xf0);
    return b.toString('base64');
  });
  const bytesField = (lengths: number[], genuine: string[]) =>
    fc.oneof({ arbitrary: bytesOfLength(lengths), weight: 5 }, { arbitrary: fc.constantFrom(...genuine), weight: 2 }, { arbitrary: mutatedBase64(genuine), weight: 3 });
  const key = `${op.method} ${op.path}#${field}`;
  switch (key) {
    case 'post /v1/kem/keypair#algorithm':
      return algorithmNames(KEM_NAMES, WRONG_KEM_NAMES);
    case 'post /v1/kem/keypair#expires_in':
    case 'post /v1/dsa/keypair#expires_in':
      return expiresIn(10 * 365 * 86_400);
    case 'post /v1/dsa/keypair#algorithm':
      return dsaKeypairAlgorithms;
    case 'post /v1/kem/encapsulate#pk':
      return fc.oneof(bytesField(kemPkLengths, allKemPk), fc.constantFrom(...broken), x25519Swapped(xwing.map((k) => k.pk)));
    case 'post /v1/kem/encapsulate#signature':
      return bytesField(sigLengths, [...fx.alice, ...fx.bob].map((k) => k.signature));
    case 'post /v1/kem/encapsulate#verif_key':
    case 'post /v1/kem/encapsulate#verification_key':
      return bytesField(dsaPkLengths, [fx.alice[0]!.verificationKey, fx.bob[0]!.verificationKey, fx.signing.mlDsa44.versions[0]!.pk]);
    case 'post /v1/kem/encapsulate#store':
    case 'post /v1/kem/decapsulate#store':
      return storeValues;
    case 'post /v1/kem/decapsulate#cipher':
      return fc.oneof(bytesField(cipherLengths, [...fx.alice, ...fx.bob].map((k) => k.cipher)), x25519Swapped(xwing.map((k) => k.cipher)));
    case 'post /v1/kem/decapsulate#pk':
      return fc.oneof(bytesField(kemPkLengths, allKemPk), x25519Swapped(xwing.map((k) => k.pk)));
    case 'post /v1/kem/decapsulate#key_id':
      return keyIdField(fx, 'kem');
    case 'post /v1/kem/decapsulate#confirmation':
      return confirmations(fx);
    case 'post /v1/dsa/verify#pk':
      return bytesField(dsaPkLengths, allDsaPk);
    case 'post /v1/dsa/verify#signature':
      return bytesField(sigLengths, allSignatures);
    case 'post /v1/dsa/verify#key_id':
      return keyIdField(fx, 'dsa', [fx.signing.slh.keyId]);
    case 'post /v1/dsa/sign#key_id':
      return keyIdField(fx, 'dsa');
    case 'post /v1/dsa/verify#version':
      return versions;
    case 'post /v1/dsa/verify#algorithm':
      return algorithmNames([...QUICK_DSA_NAMES, ...SLOW_DSA_NAMES], WRONG_DSA_NAMES);
    case 'post /v1/dsa/verify#context':
    case 'post /v1/dsa/sign#context':
      return contexts;
    case 'post /v1/dsa/verify#data':
    case 'post /v1/dsa/sign#data':
    case 'post /v1/aes/encrypt#unencrypted':
      return messages(maxMessageBytes);
    case 'post /v1/aes/encrypt#key':
    case 'post /v1/aes/decrypt#key':
      return bytesField([0, 1, 16, 24, 31, 32, 33, 64], [...fx.alice, ...fx.bob].map((k) => k.sharedKey));
    case 'post /v1/aes/encrypt#key_id':
    case 'post /v1/aes/decrypt#key_id':
      return keyIdField(fx, 'shared');
    case 'post /v1/aes/decrypt#ciphertext':
      return bytesField([0, 1, 11, 12, 16, 27, 28, 29, 44, maxMessageBytes + 28, maxMessageBytes + 29], [fx.aes.ciphertext, fx.aes.binaryCiphertext, fx.shared.ciphertext]);
    case 'post /v1/aes/encrypt#aad':
    case 'post /v1/aes/decrypt#aad':
      return fc.oneof(fc.constantFrom(fx.aes.aad, '', 'x'.repeat(4096), 'x'.repeat(4097), 'é'.repeat(2048), `${'é'.repeat(2048)}a`), contexts);
    case 'post /v1/hpke/seal#pk':
      return fc.oneof(bytesField(kemPkLengths, allKemPk), fc.constantFrom(...broken), x25519Swapped(xwing.map((k) => k.pk)));
    case 'post /v1/hpke/seal#key_id':
    case 'post /v1/hpke/open#key_id':
      return keyIdField(fx, 'kem');
    case 'post /v1/hpke/seal#kem':
      return fc.constantFrom<Value>('ML-KEM-768', 'ML-KEM-1024', 'X-Wing', 'ML-KEM-512', 'x-wing', 'MLKEM768-X25519', '0x0041', 65, '', 'ML-KEM-768 ');
    case 'post /v1/hpke/seal#suite':
    case 'post /v1/hpke/open#suite':
      return hpkeSuites;
    case 'post /v1/hpke/seal#plaintext':
      return messages(maxMessageBytes);
    case 'post /v1/hpke/seal#info':
    case 'post /v1/hpke/open#info':
      return bytesField([0, 1, 1023, 1024, 1025], fx.hpke.map((h) => h.info));
    case 'post /v1/hpke/seal#aad':
    case 'post /v1/hpke/open#aad':
      return bytesField([0, 1, 4095, 4096, 4097], fx.hpke.map((h) => h.aad));
    case 'post /v1/hpke/open#enc':
      return fc.oneof(bytesField(cipherLengths, [...fx.hpke.map((h) => h.enc), ...[...fx.alice, ...fx.bob].map((k) => k.cipher)]), x25519Swapped([...xwing.map((k) => k.cipher), ...fx.hpke.filter((h) => Buffer.from(h.enc, 'base64').length === 1120).map((h) => h.enc)]));
    case 'post /v1/hpke/open#ciphertext':
      return bytesField([0, 1, 15, 16, 17, 64, maxMessageBytes + 16, maxMessageBytes + 17], fx.hpke.map((h) => h.ciphertext));
    case 'post /v1/tokens#scopes':
      return scopesLists;
    case 'post /v1/tokens#key_ids':
      return keyIdLists(fx, hugeLists);
    case 'get /v1/keys#type':
      return fc.constantFrom<Value>('kem', 'dsa', 'shared', 'kem', 'dsa', 'shared', 'KEM', 'Dsa', 'sk', 'signing', 'attestation', 'kem,dsa', 'kem ', '', 'all', '*', '__proto__', 'toString');
    case 'get /v1/keys#cursor':
      return cursorValues(fx);
    case 'post /v1/challenges#client_id':
      return fc.constantFrom<Value>(...fx.challenges.clientIds, fx.challenges.bobClientId, `cl_${TAIL}`, fx.challenges.clientIds[0]!.slice(0, -1), `${fx.challenges.clientIds[0]}x`, 'cl_', fx.challenges.clientIds[0]!.toUpperCase(), `kem_${TAIL}`, ...fx.challenges.ids);
    case 'post /v1/challenges#ttl':
      return fc.constantFrom<Value>(1, 30, 300, 0, 301, -1, 1.5, 1e9, '30', null, 3.0000001, Number.MAX_SAFE_INTEGER + 2);
    case 'post /v1/challenges/{challenge_id}/validate#response':
      return bytesField([0, 1, 31, 32, 33, 2420, 3309, 4627, 4628, 20_000], [...fx.challenges.responses]);
    case 'get /v1/keys#limit':
      return fc.constantFrom<Value>('1', '2', '50', '500', '501', '0', '-1', '1.5', '01', '0001', '00000', '99999', '10000', ' 5', '5 ', '1e2', '0x10', 'NaN', 'Infinity', '', '+5');
  }
  if (field === 'encoding') return encodings;
  return undefined;
}

/**
 * A body a well-behaved client would send, with genuine values, for the operations known here.
 * `cheap`: nothing slow on noble (no SLH-DSA signing), for the items of a batch.
 */
function validBody(op: Operation, fx: Fixtures, cheap = false): fc.Arbitrary<Pairs> {
  const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
  const opt = <T>(xs: readonly T[]) => fc.option(fc.constantFrom(...xs), { nil: undefined, freq: 3 });
  const present = (...entries: [string, Value | undefined][]): Pairs => entries.filter(([, v]) => v !== undefined) as Pairs;
  const { mlDsa44, slh, rotated } = fx.signing;
  switch (`${op.method} ${op.path}`) {
    case 'post /v1/kem/keypair':
      return fc.tuple(opt(KEM_NAMES), opt([1, 60, 3600])).map(([a, e]) => present(['algorithm', a], ['expires_in', e]));
    case 'post /v1/dsa/keypair':
      // Not the 's' SLH-DSA sets: generating one takes 0.5 to 2.5 s on noble (the hostile values draw them, rarely).
      return fc.tuple(opt(QUICK_DSA_NAMES), opt([1, 60, 3600])).map(([a, e]) => present(['algorithm', a], ['expires_in', e]));
    case 'post /v1/kem/encapsulate':
      return fc.tuple(pick(fx.alice), fc.nat(3), opt([true, false])).map(([k, how, store]): Pairs => {
        const signed: Pairs = how === 0 ? [] : [['signature', k.signature], [how === 1 ? 'verif_key' : 'verification_key', k.verificationKey], ...(how === 3 ? ([['verif_key', k.verificationKey]] as Pairs) : [])];
        return [['pk', k.pk], ...signed, ...present(['store', store])];
      });
    case 'post /v1/kem/decapsulate':
      return fc.tuple(pick(fx.alice), fc.nat(2), fc.boolean(), opt([true, false])).map(([k, how, confirm, store]): Pairs => [
        ['cipher', k.cipher],
        ...(how !== 1 ? ([['key_id', k.keyId]] as Pairs) : []),
        ...(how !== 0 ? ([['pk', k.pk]] as Pairs) : []),
        ...present(['confirmation', confirm ? k.confirmation : undefined], ['store', store]),
      ]);
    case 'post /v1/dsa/sign': {
      // The SLH-DSA key signs in about 0.2 s on noble: one draw in 30, and never in a batch.
      const keys = fc.oneof({ arbitrary: fc.constantFrom(undefined, undefined, mlDsa44.keyId, rotated.keyId, fx.dsa.defaultKeyId), weight: 29 }, { arbitrary: fc.constant(cheap ? undefined : slh.keyId), weight: 1 });
      return fc.tuple(fc.string({ maxLength: 64 }), fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), pick(['utf8', 'base64', 'hex', undefined]), keys).map(([data, context, encoding, keyId]): Pairs => {
        const bytes = Buffer.from(data);
        const text = encoding === 'base64' ? bytes.toString('base64') : encoding === 'hex' ? bytes.toString('hex') : data;
        return [['data', text], ...present(['encoding', encoding], ['context', context], ['key_id', keyId])];
      });
    }
    case 'post /v1/dsa/verify':
      return fc.nat(11).map((how): Pairs => {
        const data: [string, Value] = ['data', fx.dsa.data];
        switch (how) {
          case 0: case 1: case 2: // the default key's signature by pk, with its context, none or another
            return [data, ['pk', fx.dsa.pk], ['signature', fx.dsa.signature], ['context', how === 0 ? fx.dsa.context : how === 1 ? '' : 'other context']];
          case 3: return [data, ['key_id', mlDsa44.keyId], ['signature', mlDsa44.versions[0]!.signature]];
          case 4: return [data, ['key_id', mlDsa44.keyId], ['pk', mlDsa44.versions[0]!.pk], ['signature', mlDsa44.versions[0]!.signature]];
          case 5: return [data, ['pk', mlDsa44.versions[0]!.pk], ['signature', mlDsa44.versions[0]!.signature], ['algorithm', 'ML-DSA-44']];
          case 6: case 7: // each version of the rotated key, named or not: one of them does not verify
            return [data, ['key_id', rotated.keyId], ['signature', rotated.versions[how - 6]!.signature], ['version', 1]];
          case 8: return [data, ['key_id', rotated.keyId], ['signature', rotated.versions[0]!.signature], ['version', 2], ['pk', rotated.versions[1]!.pk]];
          case 9: return [data, ['key_id', rotated.keyId], ['signature', rotated.versions[1]!.signature]];
          // SLH-DSA by pk needs algorithm (SHA2 and SHAKE sets share their sizes); SHAKE does not verify it.
          case 10: return [data, ['pk', slh.versions[0]!.pk], ['signature', slh.versions[0]!.signature], ['algorithm', cheap ? 'SLH-DSA-SHA2-128f' : 'SLH-DSA-SHAKE-128f']];
          default: return [data, ['key_id', slh.keyId], ['signature', slh.versions[0]!.signature]];
        }
      });
    case 'post /v1/aes/encrypt':
      return fc
        .tuple(pick(fx.alice), fc.string({ maxLength: 64 }), fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), fc.nat(5))
        .map(([k, text, aad, how]): Pairs => [
          ['unencrypted', text],
          // By key mostly, by a stored shared key (one of them used up: 409) sometimes.
          how < 3 ? ['key', k.sharedKey] : ['key_id', how === 3 ? fx.shared.keyId : how === 4 ? fx.shared.fromDecapsulate : fx.shared.exhausted],
          ...present(['aad', aad]),
        ]);
    case 'post /v1/aes/decrypt':
      return pick([0, 1, 2, 3, 4, 5]).map((how): Pairs => {
        if (how === 0) return [['ciphertext', fx.aes.ciphertext], ['key', fx.aes.key], ['aad', fx.aes.aad]];
        if (how === 1) return [['ciphertext', fx.aes.ciphertext], ['key', fx.aes.key]]; // aad missing: decryption-failed
        if (how === 4) return [['ciphertext', fx.shared.ciphertext], ['key_id', fx.shared.keyId], ['aad', fx.shared.aad]];
        if (how === 5) return [['ciphertext', fx.shared.ciphertext], ['key_id', fx.shared.exhausted], ['aad', fx.shared.aad]]; // another key: decryption-failed
        return [['ciphertext', fx.aes.binaryCiphertext], ['key', fx.aes.key], ['encoding', how === 2 ? 'utf8' : 'hex']];
      });
    case 'post /v1/hpke/seal':
      return fc
        .tuple(pick(fx.alice), fc.boolean(), fc.string({ maxLength: 64 }), opt(fx.hpke.map((h) => h.info)), opt(fx.hpke.map((h) => h.aad)), opt<Value>([{ aead: 'ChaCha20-Poly1305' }, { kdf: 'HKDF-SHA256', aead: 'AES-256-GCM' }, {}]))
        // alice[0] is ML-KEM-512: no HPKE KEM (422).
        .map(([k, byId, text, info, aad, suite]): Pairs => [['plaintext', text], byId ? ['key_id', k.keyId] : ['pk', k.pk], ...present(['info', info], ['aad', aad], ['suite', suite])]);
    case 'post /v1/hpke/open':
      return fc.tuple(pick(fx.hpke), fc.nat(3)).map(([h, how]): Pairs => [
        ['key_id', h.keyId],
        ['enc', h.enc],
        ['ciphertext', h.ciphertext],
        ['info', h.info],
        // 1: aad missing, 2: another AEAD: hpke-open-failed.
        ...(how === 1 ? [] : ([['aad', h.aad]] as Pairs)),
        ['suite', { aead: how === 2 ? (h.aead === 'AES-256-GCM' ? 'ChaCha20-Poly1305' : 'AES-256-GCM') : h.aead }],
        ...present(['encoding', how === 3 ? 'hex' : undefined]),
      ]);
    case 'post /v1/challenges':
      return fc.tuple(pick(fx.challenges.clientIds), opt(['signature', 'kem']), opt([1, 30, 300])).map(([c, m, ttl]) => present(['client_id', c], ['method', m], ['ttl', ttl]));
    case 'post /v1/challenges/{challenge_id}/validate':
      return pick(fx.challenges.responses).map((r): Pairs => [['response', r]]);
    case 'post /v1/tokens':
      return fc
        .record({
          expiry_time: fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined }),
          expire_after_attempts: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
          scopes: fc.option(fc.subarray(['kem:encapsulate', 'aes:encrypt', 'dsa:verify', 'dsa:sign', 'keys:read', 'dsa:keypair']), { nil: undefined }),
          key_ids: fc.option(fc.subarray([...fx.alice.map((k) => k.keyId), mlDsa44.keyId, rotated.keyId, fx.shared.keyId]), { nil: undefined }),
        })
        .map((r) => Object.entries(r).filter(([, v]) => v !== undefined) as Pairs);
  }
  // Unknown to this file: the documented examples, which the API promises work as they are.
  const props = Object.entries(op.body?.properties ?? {});
  return fc.constant(props.filter(([, s]) => s.example !== undefined).map(([name, s]) => [name, s.example as Value]));
}

function fieldValue(op: Operation, field: string, schema: FieldSchema, fx: Fixtures, maxMessageBytes: number, hugeLists: boolean): fc.Arbitrary<Value> {
  const special = specialValue(op, field, fx, maxMessageBytes, hugeLists);
  if (special && SPECIAL_ONLY.has(`${op.method} ${op.path}#${field}`)) return special;
  const generic = genericValue(schema);
  return special ? fc.oneof({ arbitrary: special, weight: 3 }, { arbitrary: generic, weight: 1 }) : generic;
}

const unknownFields = fc.array(
  fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'PK', 'pk ', 'Key_Id', 'token_id', 'tenant', 'sub', 'scopes', 'admin', 'x', '', '\u0000', 'a'.repeat(300)), weirdStrings as fc.Arbitrary<Value>),
  { minLength: 1, maxLength: 3 },
);

/** A body's fields, how they were made, and (for a batch) how many items a 200 must answer. */
interface BodyCase {
  pairs: Pairs;
  mode: string;
  batchItems?: number;
}

/**
 * `{ batch_input: [...] }` bodies: genuine items (cheap ones), items with a hostile field, items
 * that are not objects or nest a batch, empty, exactly MAX_BATCH and one more, thousands of
 * nulls, batch_input that is not an array, fields next to it, and batch_input given twice.
 */
function batchBodies(op: Operation, fx: Fixtures, maxMessageBytes: number, hugeLists: boolean): fc.Arbitrary<BodyCase> {
  const max = op.batch!.maxItems;
  const names = Object.keys(op.body?.properties ?? {});
  const toItem = (pairs: Pairs): Value => Object.fromEntries(pairs) as Value;
  const cheap = validBody(op, fx, true);
  const valid = cheap.map(toItem);
  const hostileItem = fc
    .tuple(cheap, fc.constantFrom(...names))
    .chain(([pairs, name]) => fieldValue(op, name, op.body!.properties[name]!, fx, maxMessageBytes, hugeLists).map((v) => toItem([...pairs.filter(([k]) => k !== name), [name, v]])));
  const oddItem = fc.oneof(
    fc.constantFrom<Value>(null, 1, 'x', true, [], [{}], {}),
    valid.map((item) => ({ ...(item as Record<string, Value>), batch_input: [item] }) as Value),
    valid.map((item): Value => ({ batch_input: [item] })),
    fc.tuple(valid, unknownFields).map(([item, extra]) => ({ ...(item as Record<string, Value>), ...Object.fromEntries(extra as Pairs) }) as Value),
  );
  const item = fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: hostileItem, weight: 3 }, { arbitrary: oddItem, weight: 1 });
  const arrays: fc.Arbitrary<{ items: Value[]; mode: string }> = fc.oneof(
    { arbitrary: fc.array(valid, { minLength: 1, maxLength: 4 }).map((items) => ({ items, mode: 'batch:valid' })), weight: 4 },
    { arbitrary: fc.array(item, { minLength: 1, maxLength: 5 }).map((items) => ({ items, mode: 'batch:mixed' })), weight: 5 },
    { arbitrary: fc.constant<{ items: Value[]; mode: string }>({ items: [], mode: 'batch:empty' }), weight: 1 },
    { arbitrary: fc.tuple(valid, fc.constantFrom(max, max + 1)).map(([v, n]) => ({ items: Array.from({ length: n }, () => v), mode: n > max ? 'batch:over-max' : 'batch:max' })), weight: 1 },
    { arbitrary: fc.constantFrom(1_000, 20_000).map((n) => ({ items: Array.from({ length: n }, () => null), mode: 'batch:nulls' })), weight: 1 },
  );
  return fc.oneof(
    { arbitrary: arrays.map(({ items, mode }): BodyCase => ({ pairs: [['batch_input', items]], mode, batchItems: items.length })), weight: 10 },
    { arbitrary: fc.oneof(wrongTypes, weirdStrings, valid, rawFragments, deepNesting).map((v): BodyCase => ({ pairs: [['batch_input', v]], mode: 'batch:not-array' })), weight: 1 },
    {
      // A single-form field or an unknown one beside batch_input: refused whole (422), never half-run.
      arbitrary: fc.tuple(arrays, cheap, fc.boolean()).map(([{ items }, pairs, unknown]): BodyCase => ({ pairs: [['batch_input', items], ...(unknown ? ([['__proto__', { x: 1 }]] as Pairs) : pairs.slice(0, 1))], mode: 'batch:extra-field' })),
      weight: 1,
    },
    // JSON.parse keeps the last of two batch_input fields.
    { arbitrary: fc.tuple(arrays, arrays).map(([a, b]): BodyCase => ({ pairs: [['batch_input', a.items], ['batch_input', b.items]], mode: 'batch:dup', batchItems: b.items.length })), weight: 1 },
  );
}

/** The body's fields: valid, with one or several fields made hostile, dropped, duplicated or added; or a batch. */
function bodyPairs(op: Operation, fx: Fixtures, maxMessageBytes: number, hugeLists: boolean): fc.Arbitrary<BodyCase> {
  const props = Object.entries(op.body?.properties ?? {});
  const names = props.map(([n]) => n);
  const valid = validBody(op, fx);
  const hostile = (name: string) => fieldValue(op, name, op.body!.properties[name]!, fx, maxMessageBytes, hugeLists);
  const modes: fc.WeightedArbitrary<BodyCase>[] = [{ arbitrary: valid.map((pairs) => ({ pairs, mode: 'valid' })), weight: 2 }];
  if (op.batch) modes.push({ arbitrary: batchBodies(op, fx, maxMessageBytes, hugeLists), weight: 4 });
  if (names.length > 0) {
    modes.push(
      {
        // One field hostile, the rest genuine: gets past every other check to the one under attack.
        arbitrary: fc.tuple(valid, fc.constantFrom(...names)).chain(([pairs, name]) => hostile(name).map((v) => ({ pairs: [...pairs.filter(([k]) => k !== name), [name, v] as [string, Value]], mode: `bad:${name}` }))),
        weight: 8,
      },
      {
        // Each field independently absent, genuine-looking or hostile.
        arbitrary: fc
          .tuple(...props.map(([name]) => fc.oneof(fc.constant<Maybe>(ABSENT), hostile(name) as fc.Arbitrary<Maybe>).map((v) => [name, v] as const)))
          .map((entries) => ({ pairs: entries.filter(([, v]) => v !== ABSENT) as Pairs, mode: 'random' })),
        weight: 4,
      },
      { arbitrary: fc.tuple(valid, fc.constantFrom(...names)).map(([pairs, name]) => ({ pairs: pairs.filter(([k]) => k !== name), mode: `drop:${name}` })), weight: 1 },
      {
        // The same field twice with different values: JSON.parse keeps the last.
        arbitrary: fc.tuple(valid, fc.constantFrom(...names)).chain(([pairs, name]) => hostile(name).map((v) => ({ pairs: [[name, v] as [string, Value], ...pairs], mode: `dup:${name}` }))),
        weight: 1,
      },
    );
  }
  modes.push({ arbitrary: fc.tuple(valid, unknownFields).map(([pairs, extra]) => ({ pairs: [...pairs, ...(extra as Pairs)], mode: 'unknown-field' })), weight: 2 });
  return fc.oneof(...modes);
}

function serialize(value: Value | Pairs, isPairs = false): Buffer {
  if (value instanceof Raw) return value.bytes;
  if (isPairs) {
    const parts = (value as Pairs).map(([k, v]) => Buffer.concat([Buffer.from(`${JSON.stringify(k)}:`), serialize(v)]));
    return Buffer.concat([Buffer.from('{'), ...parts.flatMap((p, i) => (i ? [Buffer.from(','), p] : [p])), Buffer.from('}')]);
  }
  if (Array.isArray(value)) {
    const parts = value.map((v) => serialize(v));
    return Buffer.concat([Buffer.from('['), ...parts.flatMap((p, i) => (i ? [Buffer.from(','), p] : [p])), Buffer.from(']')]);
  }
  if (value && typeof value === 'object') return serialize(Object.entries(value) as Pairs, true);
  return Buffer.from(JSON.stringify(value) ?? 'null');
}

/** Whole bodies that are not a JSON object, or not JSON at all. */
function rawBodies(valid: Buffer): fc.Arbitrary<{ body: Buffer; mode: string }> {
  return fc.oneof(
    fc.nat().map((n) => ({ body: valid.subarray(0, valid.length ? n % valid.length : 0), mode: 'truncated' })),
    fc.constantFrom('null', '[]', '[{}]', '"x"', '1', 'true', '', ' ', '\n', '{}{}', '{}x', '{', '}', '{"a"}', '{a:1}', "{'a':1}", '{"a":1,}', '/*c*/{}', '\ufeff{}', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}').map((s) => ({ body: Buffer.from(s), mode: `raw:${s.slice(0, 12)}` })),
    fc.uint8Array({ maxLength: 200 }).map((b) => ({ body: Buffer.from(b), mode: 'random-bytes' })),
    fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([at, junk]) => {
      const i = valid.length ? at % valid.length : 0;
      return { body: Buffer.concat([valid.subarray(0, i), Buffer.from(junk), valid.subarray(i)]), mode: 'spliced-bytes' };
    }),
    deepNesting.map((raw) => ({ body: raw.bytes, mode: 'deep-nesting' })),
    fc.constantFrom(1_000, 10_000).map((n) => ({ body: Buffer.from(`{${Array.from({ length: n }, (_, i) => `"f${i}":${i}`).join(',')}}`), mode: 'many-fields' })),
    fc.constant({ body: Buffer.from(`{"x":"${'A'.repeat(300_000)}"}`), mode: 'too-large' }),
  );
}

// ---------------------------------------------------------------- credentials, headers, paths, methods

const headerSafe = (s: string) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');

function credentialHeaders(fx: Fixtures): fc.Arbitrary<{ lines: [string, string][]; credential?: string; label: string }> {
  const creds = Object.entries(fx.credentials);
  const alice = fx.credentials['api:alice']!;
  const bob = fx.credentials['api:bob']!;
  const token = fx.credentials['token:all']!;
  const bearer = ([label, value]: [string, string]) => ({ lines: [['authorization', `Bearer ${value}`]] as [string, string][], credential: value, label });
  const junk: { lines: [string, string][]; credential?: string; label: string }[] = [
    { lines: [], label: 'none' },
    { lines: [['authorization', 'Bearer']], label: 'bearer-alone' },
    { lines: [['authorization', 'Bearer ']], label: 'bearer-space' },
    { lines: [['authorization', '']], label: 'empty' },
    { lines: [['authorization', `Basic ${Buffer.from(`alice:${alice}`).toString('base64')}`]], label: 'basic' },
    { lines: [['authorization', `bearer ${alice}`]], credential: alice, label: 'lowercase-scheme' },
    { lines: [['authorization', `BEARER    ${alice}   `]], credential: alice, label: 'spaces' },
    { lines: [['authorization', `Bearer ${alice} extra`]], credential: alice, label: 'two-words' },
    { lines: [['authorization', `Bearer\t${alice}`]], credential: alice, label: 'tab' },
    { lines: [['authorization', `Token ${alice}`]], credential: alice, label: 'other-scheme' },
    { lines: [['authorization', alice]], credential: alice, label: 'no-scheme' },
    { lines: [['authorization', `Bearer ${alice.toUpperCase()}`]], label: 'uppercased-key' },
    { lines: [['authorization', `Bearer ${'a'.repeat(8193)}`]], label: 'long-credential' },
    { lines: [['authorization', `Bearer ${token}`.repeat(2)]], label: 'doubled' },
    { lines: [['authorization', `Bearer ${alice}\u00e9`]], label: 'latin1' },
    { lines: [['authorization', 'Bearer a.b.c']], label: 'jwt-shaped' },
    { lines: [['authorization', 'Bearer ..']], label: 'dots' },
    { lines: [['authorization', `Bearer ${'A'.repeat(4000)}.${'B'.repeat(4000)}.`]], label: 'big-jwt-shape' },
    { lines: [['authorization', `Bearer ${alice}`], ['authorization', `Bearer ${bob}`]], credential: alice, label: 'two-headers' },
    { lines: [['authorization', 'Bearer nope'], ['authorization', `Bearer ${alice}`]], credential: alice, label: 'junk-then-valid' },
    { lines: [['AUTHORIZATION', `Bearer ${token}`]], credential: token, label: 'header-case' },
    { lines: [['cookie', `token=${alice}`]], credential: alice, label: 'cookie' },
    { lines: [['x-api-key', alice]], credential: alice, label: 'x-api-key' },
    { lines: [['authorization', `Bearer ${alice},Bearer ${bob}`]], label: 'comma-list' },
    // RFC 9421 signatures instead of a bearer credential (registered clients): malformed, huge,
    // bad base64, stale, unknown keyid, unsupported components; and beside a bearer credential.
    ...signatureJunk().map(([label, lines]) => ({ lines, label })),
    { lines: [['authorization', `Bearer ${alice}`], ['signature-input', `sig1=("@method");created=1;keyid="cl_${'A'.repeat(22)}"`], ['signature', 'sig1=:AAAA:']], credential: alice, label: 'sig-beside-bearer' },
  ];
  return fc.oneof(
    { arbitrary: fc.constant(bearer(['api:alice', alice])), weight: 5 },
    { arbitrary: fc.constantFrom(...creds.filter(([k]) => k.startsWith('token:'))).map(bearer), weight: 4 },
    { arbitrary: fc.constantFrom(...creds.filter(([k]) => k.startsWith('forged:') || k === 'api:bob')).map(bearer), weight: 2 },
    { arbitrary: fc.constantFrom(...junk), weight: 2 },
    { arbitrary: fc.string({ maxLength: 60 }).map((s) => ({ lines: [['authorization', headerSafe(s)]] as [string, string][], label: 'random' })), weight: 1 },
  );
}

/** Signature-Input / Signature fields that must each be the uniform 401, never a 5xx. */
function signatureJunk(): [string, [string, string][]][] {
  const now = Math.floor(Date.now() / 1000);
  const keyid = `cl_${'A'.repeat(22)}`;
  const params = (created: number, extra = '') => `;created=${created};nonce="abcdefghijkl";alg="ml-dsa-65";keyid="${keyid}"${extra}`;
  const sig = ['signature', `sig1=:${Buffer.alloc(3309).toString('base64')}:`] as [string, string];
  return [
    ['sig-malformed-input', [['signature-input', 'sig1=("@method"'], ['signature', 'sig1=:AAAA:']]],
    ['sig-not-a-dictionary', [['signature-input', '"@method" "@path"'], ['signature', ':AAAA:']]],
    ['sig-bad-base64', [['signature-input', `sig1=("@method" "@target-uri")${params(now)}`], ['signature', 'sig1=:%%%not base64%%%:']]],
    ['sig-huge-input', [['signature-input', `sig1=(${'"x-a" '.repeat(1500)})${params(now)}`], sig]],
    ['sig-huge-signature', [['signature-input', `sig1=("@method" "@target-uri")${params(now)}`], ['signature', `sig1=:${'A'.repeat(12_000)}:`]]],
    ['sig-many-labels', [['signature-input', Array.from({ length: 300 }, (_, i) => `s${i}=("@method")${params(now)}`).join(', ')], sig]],
    ['sig-stale', [['signature-input', `sig1=("@method" "@target-uri")${params(now - 3600)}`], sig]],
    ['sig-unknown-keyid', [['signature-input', `sig1=("@method" "@target-uri")${params(now)}`], sig]],
    ['sig-unsupported-components', [['signature-input', `sig1=("@query-param";name="a" "@status" "@signature-params" "content-digest";sf)${params(now)}`], sig]],
    ['sig-duplicate-component', [['signature-input', `sig1=("@method" "@method" "@target-uri")${params(now)}`], sig]],
    ['sig-wrong-types', [['signature-input', 'sig1=("@method");created="now";nonce=1;alg=ml-dsa-65;keyid=?1'], sig]],
    ['sig-label-mismatch', [['signature-input', `a=("@method" "@target-uri")${params(now)}`], ['signature', 'b=:AAAA:']]],
    ['sig-only-input', [['signature-input', `sig1=("@method" "@target-uri")${params(now)}`]]],
    ['sig-digest-junk', [['signature-input', `sig1=("@method" "@target-uri" "content-digest")${params(now)}`], sig, ['content-digest', 'sha-256=:!!!:, md5=:AAAA:']]],
    ['sig-content-encoding', [['signature-input', `sig1=("@method" "@target-uri")${params(now)}`], sig, ['content-encoding', 'gzip']]],
  ];
}

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=UTF-8', 'application/json;charset=latin1', 'application/json; charset=utf-16le',
  'application/json; charset=koi8-r', 'application/json; charset=', 'application/json; charset="utf-8"', 'application/merge-patch+json', 'application/problem+json',
  'text/plain', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'APPLICATION/JSON', 'application/JSON; Charset=UTF-8',
  'application/json; foo', '*/*', '', ';;;', 'application/json, text/plain', 'application/octet-stream', 'application/jsonx', 'json',
];

let bomb: Buffer | undefined;
/** 2 MB of spaces, gzipped to about 2 KiB: made once. */
const gzipBomb = () => (bomb ??= gzipSync(Buffer.alloc(2_000_000, 0x20), { level: 9 }));

interface Encoded {
  lines: [string, string][];
  body: Buffer;
  mayBeBare: boolean;
  noContentLength?: boolean;
  fresh?: boolean;
  label: string;
}

/** Header abuse around a body: Content-Type, charset, Content-Encoding, duplicates, sizes. */
function headerAbuse(body: Buffer): fc.Arbitrary<Encoded> {
  const json: [string, string] = ['content-type', 'application/json'];
  return fc.oneof(
    fc.constantFrom(...CONTENT_TYPES).map((ct): Encoded => ({ lines: [['content-type', ct]], body, mayBeBare: false, label: `content-type:${ct}` })),
    fc.constant<Encoded>({ lines: [], body, mayBeBare: false, label: 'no-content-type' }),
    fc.constantFrom('application/json', 'text/plain').map((second): Encoded => ({ lines: [json, ['content-type', second]], body, mayBeBare: true, label: 'two-content-types' })),
    // Built only when drawn: compressing every body for every case cost more than the requests.
    fc.constantFrom<() => Encoded>(
      (): Encoded => ({ lines: [json, ['content-encoding', 'gzip']], body: gzipSync(body), mayBeBare: false, label: 'gzip' }),
      (): Encoded => ({ lines: [json, ['content-encoding', 'deflate']], body: deflateSync(body), mayBeBare: false, label: 'deflate' }),
      (): Encoded => ({ lines: [json, ['content-encoding', 'br']], body: brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } }), mayBeBare: false, label: 'br' }),
      (): Encoded => ({ lines: [json, ['content-encoding', 'gzip']], body, mayBeBare: false, label: 'gzip-not-gzip' }),
      (): Encoded => ({ lines: [json, ['content-encoding', 'deflate']], body: gzipSync(body).subarray(0, 10), mayBeBare: false, label: 'deflate-truncated' }),
      (): Encoded => ({ lines: [json, ['content-encoding', 'gzip']], body: gzipBomb(), mayBeBare: false, label: 'gzip-bomb' }),
      (): Encoded => ({ lines: [json, ['content-encoding', 'identity']], body, mayBeBare: false, label: 'identity' }),
      (): Encoded => ({ lines: [json, ['content-encoding', 'x-compress']], body, mayBeBare: false, label: 'unknown-encoding' }),
      (): Encoded => ({ lines: [json, ['content-encoding', 'gzip, gzip']], body: gzipSync(gzipSync(body)), mayBeBare: false, label: 'gzip-twice' }),
      (): Encoded => ({ lines: [json, ['content-encoding', 'GZIP']], body: gzipSync(body), mayBeBare: false, label: 'GZIP' }),
      (): Encoded => ({ lines: [json, ['transfer-encoding', 'chunked']], body, noContentLength: true, mayBeBare: false, label: 'chunked' }),
      (): Encoded => ({ lines: [json, ['transfer-encoding', 'chunked'], ['content-length', String(body.length)]], body, mayBeBare: true, fresh: true, label: 'chunked-and-length' }),
      (): Encoded => ({ lines: [json, ['content-length', String(body.length)], ['content-length', String(body.length + 1)]], body, mayBeBare: true, fresh: true, label: 'two-lengths' }),
      (): Encoded => ({ lines: [json, ['expect', '100-continue']], body, mayBeBare: false, label: 'expect-continue' }),
      (): Encoded => ({ lines: [json, ['expect', 'teapot']], body, mayBeBare: true, fresh: true, label: 'expect-other' }),
      (): Encoded => ({ lines: [json, ['host', 'a'], ['host', 'b']], body, mayBeBare: true, fresh: true, label: 'two-hosts' }),
      (): Encoded => ({ lines: [json, ['host', 'evil.example:1']], body, mayBeBare: false, label: 'other-host' }),
      (): Encoded => ({ lines: [json, ['x-forwarded-for', '1.2.3.4, ::1, garbage']], body, mayBeBare: false, label: 'forwarded-for' }),
      (): Encoded => ({ lines: [json, ['x-request-id', 'a'.repeat(500)]], body, mayBeBare: false, label: 'long-request-id' }),
      (): Encoded => ({ lines: [json, ['x-request-id', '../\u00ff\u00fe']], body, mayBeBare: false, label: 'odd-request-id' }),
      (): Encoded => ({ lines: [json, ['accept', 'text/html'], ['accept-charset', 'latin1'], ['accept-encoding', 'gzip;q=2, *;q=-1']], body, mayBeBare: false, label: 'accept' }),
      (): Encoded => ({ lines: [json, ['x-http-method-override', 'DELETE']], body, mayBeBare: false, label: 'method-override' }),
      (): Encoded => ({ lines: [json, ['connection', 'close']], body, mayBeBare: false, fresh: true, label: 'connection-close' }),
    ).map((make) => make()),
    fc.constantFrom(200, 8_000, 15_000, 17_000, 70_000).map((n): Encoded => ({ lines: [json, ['x-padding', 'p'.repeat(n)]], body, mayBeBare: n > 14_000, fresh: n > 14_000, label: `header-${n}` })),
    fc.constantFrom(100, 2_100).map((n): Encoded => ({ lines: [json, ...Array.from({ length: n }, (_, i) => [`x-h${i}`, 'v'] as [string, string])], body, mayBeBare: true, fresh: true, label: `headers-${n}` })),
    fc.string({ maxLength: 40 }).map((s): Encoded => ({ lines: [json, ['x-random', headerSafe(s)]], body, mayBeBare: false, label: 'random-header' })),
  );
}

const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'SEARCH', 'PURGE', 'LINK', 'MKCOL', 'REPORT', 'QUERY'];
/** Method tokens Node's HTTP parser does not know: answered by it, before the app. */
const UNKNOWN_METHODS = ['FOO', 'BREW', 'GETS'];

/** encodeURIComponent, with lone surrogates (which it refuses) replaced by U+FFFD first. */
const component = (s: string) => encodeURIComponent(s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));

/** Percent-encodes what node:http would refuse in a request target. */
const targetSafe = (s: string) => s.replace(/[^\x21-\x7e]/gu, (c) => component(c));

function pathSpelling(path: string): fc.Arbitrary<{ path: string; label: string }> {
  return fc.oneof(
    { arbitrary: fc.constant({ path, label: 'as-is' }), weight: 12 },
    {
      arbitrary: fc.constantFrom<{ path: string; label: string }>(
        { path: path.toUpperCase(), label: 'upper' },
        { path: path.replace('/v1/', '/V1/'), label: 'V1' },
        { path: path.replace(/\/([a-z])/, (_, c: string) => `/${c.toUpperCase()}`), label: 'capitalised' },
        { path: `${path}/`, label: 'trailing-slash' },
        { path: `${path}//`, label: 'trailing-slashes' },
        { path: path.replace('/v1/', '/v1//'), label: 'double-slash' },
        { path: `/${path}`, label: 'leading-double-slash' },
        { path: path.replace('/v1/', '/v1/./'), label: 'dot-segment' },
        { path: path.replace('/v1/', '/v1/x/../'), label: 'dotdot-segment' },
        { path: path.replace('/v1/', '/v1/%2e/'), label: 'encoded-dot' },
        { path: path.replace(/\/([^/]+)$/, '%2F$1'), label: 'encoded-slash' },
        { path: `${path};jsessionid=1`, label: 'matrix-param' },
        { path: `${path}%00`, label: 'nul' },
        { path: `${path}%`, label: 'bad-percent' },
        { path: `${path}%zz`, label: 'bad-percent-hex' },
        { path: `${path}.json`, label: 'extension' },
        { path: path.replace('/v1/', '/v2/'), label: 'other-version' },
        { path: path.replace('/v1/', '/'), label: 'no-version' },
        { path: `${path}/${'x'.repeat(10_000)}`, label: 'long-path' },
        { path: '*', label: 'asterisk' },
        { path: `http://127.0.0.1${path}`, label: 'absolute-form' },
      ),
      weight: 6,
    },
    {
      // One character percent-encoded, in lower or upper case hex.
      arbitrary: fc.tuple(fc.nat(), fc.boolean()).map(([at, upper]) => {
        const i = 1 + (at % Math.max(1, path.length - 1));
        const c = path[i]!;
        if (c === '/') return { path, label: 'as-is' };
        const hex = c.charCodeAt(0).toString(16).padStart(2, '0');
        return { path: `${path.slice(0, i)}%${upper ? hex.toUpperCase() : hex}${path.slice(i + 1)}`, label: 'percent-encoded-char' };
      }),
      weight: 2,
    },
  );
}

const junkQuery = fc.oneof(
  { arbitrary: fc.constant(''), weight: 10 },
  { arbitrary: fc.constantFrom('?', '?a=1', '?a=1&a=2', '?__proto__[x]=1', '?a[b]=c', '?%', '?%zz=1', '?=', '?&&&', `?q=${'x'.repeat(5000)}`, '?expiry_time=1&expiry_time=2'), weight: 2 },
  { arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }).map((d) => `?${new URLSearchParams(d).toString()}`), weight: 1 },
);

/** Query parameters a well-behaved client would send, for the operations known here (absent: none). */
function validQuery(op: Operation, fx: Fixtures): fc.Arbitrary<Record<string, string | undefined>> {
  const opt = (xs: readonly string[]) => fc.option(fc.constantFrom(...xs), { nil: undefined, freq: 3 });
  switch (`${op.method} ${op.path}`) {
    case 'get /v1/keys':
      return fc.record({ type: opt(['kem', 'dsa', 'shared']), cursor: opt(fx.cursors), limit: opt(['1', '2', '20', '500']) });
    case 'get /v1/audit':
      return fc.record({ limit: opt(['1', '20', '500']) });
  }
  return fc.constant({});
}

function queryFor(op: Operation, fx: Fixtures, maxMessageBytes: number): fc.Arbitrary<string> {
  const params = op.parameters.filter((p) => p.in === 'query');
  if (params.length === 0) return junkQuery;
  const value = (name: string, schema: FieldSchema) =>
    fieldValue(op, name, schema, fx, maxMessageBytes, false).map((v) => (Array.isArray(v) ? v.map((x) => String(x)).join(',') : v instanceof Raw ? v.bytes.toString('latin1') : typeof v === 'object' && v ? JSON.stringify(v) : String(v)));
  const toQuery = (entries: readonly (readonly [string, string | undefined])[]) => {
    const q = new URLSearchParams();
    for (const [k, v] of entries) if (v !== undefined) q.append(k, v);
    const s = q.toString();
    return s ? `?${s}` : '';
  };
  const valid = validQuery(op, fx);
  // Each parameter independently absent or hostile.
  const built = fc.tuple(...params.map((p) => fc.option(value(p.name, p.schema), { nil: undefined }).map((v) => [p.name, v] as const))).map(toQuery);
  // One parameter hostile, the others genuine: gets past every other check to the one under attack.
  const oneBad = fc
    .tuple(valid, fc.constantFrom(...params))
    .chain(([q, p]) => value(p.name, p.schema).map((v) => toQuery([...Object.entries(q).filter(([k]) => k !== p.name), [p.name, v]])));
  const repeated = fc.constantFrom('?cursor=', '?type=kem&type=dsa', '?cursor[a]=1', '?limit=1&limit=2', '?type=', '?limit=', '?cursor=a&cursor=b', '?type[]=kem', '?limit[]=1');
  return fc.oneof(
    { arbitrary: valid.map((q) => toQuery(Object.entries(q))), weight: 2 },
    { arbitrary: oneBad, weight: 5 },
    { arbitrary: built, weight: 2 },
    { arbitrary: junkQuery, weight: 2 },
    { arbitrary: repeated, weight: 1 },
  );
}

/** The path with its parameters filled in, for a request of `method` (which decides which key ids are safe to name). */
function pathParams(op: Operation, fx: Fixtures, method = op.method): fc.Arbitrary<string> {
  const params = op.parameters.filter((p) => p.in === 'path');
  if (params.length === 0) return fc.constant(op.path);
  const value = (name: string, schema: FieldSchema) =>
    name === 'token_id'
      ? fc.oneof(fc.constantFrom(...fx.tokenIds), fakeTokenIds)
      : name === 'key_id'
        ? keyPathIds(op, fx, method)
        : name === 'challenge_id'
          ? fc.oneof(fc.constantFrom(...fx.challenges.ids), fc.constantFrom(`ch_${TAIL}`, `${fx.challenges.ids[0]}x`, 'ch_', fx.challenges.clientIds[0]!), weirdStrings.map(String))
        : fc.oneof(schema.example !== undefined ? fc.constant(String(schema.example)) : fc.constant('x'), weirdStrings.map(String));
  return fc
    .tuple(...params.map((p) => fc.tuple(value(p.name, p.schema), fc.constantFrom('component', 'component', 'component', 'raw', 'double')).map(([v, how]) => [p.name, v, how] as const)))
    .map((entries) => {
      let path = op.path;
      for (const [name, v, how] of entries) {
        const text = how === 'component' ? component(v) : how === 'double' ? encodeURIComponent(component(v)) : targetSafe(v);
        path = path.replace(`{${name}}`, text);
      }
      return path;
    });
}

// ---------------------------------------------------------------- whole requests

/** How a case prints in fast-check's report: the request, not the generator's insides. */
function describeCase(kind: string, method: string, target: string, headers: readonly (readonly [string, string])[], body: Buffer | undefined): string {
  const clip = (s: string, n = 200) => (s.length > n ? `${s.slice(0, n)}...(${s.length} chars)` : s);
  const lines = headers.map(([k, v]) => `${k}: ${clip(v, 120)}`).join(' | ');
  return `[${kind}] ${method} ${clip(target)} {${lines}} ${body ? clip(JSON.stringify(body.toString('latin1')), 400) : '(no body)'}`;
}

export interface CaseOptions {
  readonly maxMessageBytes: number;
  /** Include the 8,000-id key list (cheap on the memory store, slow on Redis before validation moves first). */
  readonly hugeLists: boolean;
}

export function hostileCases(ops: readonly Operation[], fx: Fixtures, opts: CaseOptions): fc.Arbitrary<HostileCase> {
  const targets = ops.filter((op) => op.path.startsWith('/v1'));
  const perOp = targets.map((op) => {
    const method = op.method.toUpperCase();
    const fields = op.body ? bodyPairs(op, fx, opts.maxMessageBytes, opts.hugeLists) : fc.constant<BodyCase>({ pairs: [], mode: 'no-body' });
    const target = fc.tuple(pathParams(op, fx), queryFor(op, fx, opts.maxMessageBytes)).map(([p, q]) => p + q);
    const creds = credentialHeaders(fx);
    const json: [string, string] = ['content-type', 'application/json'];
    const make = (kind: string, m: string, t: string, cred: { lines: [string, string][]; credential?: string }, lines: [string, string][], body: Buffer | undefined, extra: { -readonly [K in keyof RawRequest]?: RawRequest[K] } & { mayBeBare?: boolean; batchItems?: number } = {}): HostileCase => {
      const { mayBeBare: bareAsked = false, batchItems, ...rest } = extra;
      const headers = [...cred.lines, ...lines];
      // Node refuses a request line and headers of more than 16 KiB itself (431), before the app.
      const oversized = t.length + headers.reduce((n, [k, v]) => n + k.length + v.length + 4, 0) > 14_000;
      const mayBeBare = bareAsked || oversized;
      if (oversized) rest.fresh = true;
      return {
        [fc.toStringMethod]: () => describeCase(kind, m, t, [...cred.lines, ...lines], body),
        kind,
        op,
        request: { method: m, target: t, headers, ...(body !== undefined ? { body } : {}), ...rest },
        mayBeBare,
        ...(cred.credential ? { credential: cred.credential } : {}),
        ...(batchItems !== undefined ? { batchItems } : {}),
      };
    };
    const bodyFor = (pairs: Pairs) => (op.body || pairs.length ? serialize(pairs, true) : undefined);

    const fieldCases = fc.tuple(fields, target, creds).map(([f, t, c]) => make(`fields:${f.mode}`, method, t, c, op.body ? [json] : [], bodyFor(f.pairs), f.batchItems !== undefined ? { batchItems: f.batchItems } : {}));
    const rawCases = op.body
      ? fc.tuple(validBody(op, fx), target, creds).chain(([pairs, t, c]) => rawBodies(serialize(pairs, true)).map((r) => make(`raw-body:${r.mode}`, method, t, c, [json], r.body)))
      : fc.tuple(target, creds, fc.constantFrom('{}', '{"x":1}', 'not json', '[]')).map(([t, c, b]) => make('raw-body:on-bodiless', method, t, c, [json], Buffer.from(b)));
    const headerCases = fc.tuple(validBody(op, fx), target, creds).chain(([pairs, t, c]) =>
      headerAbuse(serialize(pairs, true)).map((h) => make(`headers:${h.label}`, method, t, c, h.lines, h.body, { mayBeBare: h.mayBeBare, ...(h.noContentLength ? { noContentLength: true } : {}), ...(h.fresh ? { fresh: true } : {}) })),
    );
    const pathCases = fc
      .tuple(validBody(op, fx), creds, fc.oneof({ arbitrary: fc.constant(method), weight: 4 }, { arbitrary: fc.constantFrom(...METHODS), weight: 3 }, { arbitrary: fc.constantFrom(...UNKNOWN_METHODS), weight: 1 }))
      // The path's key id depends on the method sent: only a key nothing else uses may be named by a DELETE.
      .chain(([pairs, c, m]) => fc.tuple(pathParams(op, fx, m), queryFor(op, fx, opts.maxMessageBytes)).map(([p, q]) => [pairs, p + q, c, m] as const))
      .chain(([pairs, t, c, m]) =>
        pathSpelling(t.split('?')[0]!).map(({ path, label }) => {
          const query = t.includes('?') ? t.slice(t.indexOf('?')) : '';
          const unknownMethod = UNKNOWN_METHODS.includes(m);
          const odd = ['long-path', 'asterisk', 'absolute-form'].includes(label);
          return make(`path:${label}${m === method ? '' : `:${m}`}`, m, targetSafe(path) + query, c, op.body ? [json] : [], op.body ? serialize(pairs, true) : undefined, {
            mayBeBare: unknownMethod || odd,
            ...(unknownMethod || odd ? { fresh: true } : {}),
          });
        }),
      );
    return fc.oneof({ arbitrary: fieldCases, weight: 12 }, { arbitrary: rawCases, weight: 3 }, { arbitrary: headerCases, weight: 3 }, { arbitrary: pathCases, weight: 3 });
  });
  const unknownPaths = fc
    .tuple(fc.constantFrom('GET', 'POST', 'DELETE'), fc.constantFrom('/v1', '/v1/', '/v1/nope', '/v1/kem', '/v1/kem/', '/v1/tokens/a/b', '/V1', '/v1/%2e%2e/healthz', '/docs/../v1/tokens/current', '/openapi.json/..'), credentialHeaders(fx))
    .map(([m, t, c]): HostileCase => ({ [fc.toStringMethod]: () => describeCase(`unknown-path`, m, t, c.lines, undefined), kind: `unknown-path:${t}`, op: targets[0]!, request: { method: m, target: t, headers: c.lines }, mayBeBare: false, ...(c.credential ? { credential: c.credential } : {}) }));
  const sealed = sealedCases(ops, fx);
  return fc.oneof({ arbitrary: fc.oneof(...perOp), weight: 30 }, { arbitrary: unknownPaths, weight: 1 }, ...(sealed ? [{ arbitrary: sealed, weight: 3 }] : []));
}

/**
 * POST /ohttp with fuzzed bodies: random bytes, and genuine sealed requests (fixtures) truncated,
 * bit-flipped, padded, with a random header, or replayed as they are, under the right media type
 * and some wrong ones. Every answer must be the uniform 400 (or 415 / 413), or 200 for a genuine
 * request the first time; never a 5xx.
 */
function sealedCases(ops: readonly Operation[], fx: Fixtures): fc.Arbitrary<HostileCase> | undefined {
  const op = ops.find((o) => o.path === '/ohttp' && o.method === 'post');
  if (!op || fx.sealedRequests.length === 0) return undefined;
  const genuine = fc.constantFrom(...fx.sealedRequests);
  const bodies: fc.Arbitrary<{ label: string; body: Buffer }> = fc.oneof(
    fc.uint8Array({ maxLength: 4096 }).map((b) => ({ label: 'random', body: Buffer.from(b) })),
    genuine.chain((m) => fc.nat(m.length).map((n) => ({ label: 'truncated', body: m.subarray(0, n) }))),
    genuine.chain((m) => fc.tuple(fc.nat(m.length - 1), fc.integer({ min: 0, max: 7 })).map(([at, bit]) => {
      const c = Buffer.from(m);
      c[at]! ^= 1 << bit;
      return { label: at < 7 ? 'bit-flipped:header' : 'bit-flipped', body: c };
    })),
    genuine.chain((m) => fc.uint8Array({ minLength: 1, maxLength: 64 }).map((extra) => ({ label: 'padded', body: Buffer.concat([m, extra]) }))),
    genuine.chain((m) => fc.uint8Array({ minLength: 7, maxLength: 7 }).map((hdr) => ({ label: 'random-header', body: Buffer.concat([hdr, m.subarray(7)]) }))),
    genuine.map((m) => ({ label: 'genuine-or-replayed', body: m })),
  );
  const type = fc.oneof({ arbitrary: fc.constant('message/ohttp-req'), weight: 6 }, { arbitrary: fc.constantFrom('application/json', 'message/ohttp-res', 'message/bhttp', 'message/ohttp-req; charset=utf-8', ''), weight: 1 });
  return fc.tuple(bodies, type).map(([{ label, body }, t]): HostileCase => {
    const headers: [string, string][] = t ? [['content-type', t]] : [];
    return { [fc.toStringMethod]: () => describeCase(`sealed:${label}`, 'POST', '/ohttp', headers, body), kind: `sealed:${label}`, op, request: { method: 'POST', target: '/ohttp', headers, body }, mayBeBare: false };
  });
}

