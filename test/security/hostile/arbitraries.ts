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

const scopesLists = fc.oneof(
  fc.subarray(['tokens:create', 'kem:keypair', 'kem:encapsulate', 'kem:decapsulate', 'dsa:sign', 'dsa:verify', 'aes:encrypt', 'aes:decrypt']),
  fc.array(fc.constantFrom('kem:decapsulate', 'KEM:DECAPSULATE', 'admin', '*', 'kem:*', '', 'tokens:create ', 'audit:read', 'keys:manage'), { maxLength: 4 }),
  fc.constantFrom(65, 100).map((n) => Array.from({ length: n }, () => 'dsa:sign')),
  fc.constant('kem:decapsulate,dsa:sign'),
);

function keyIdLists(fx: Fixtures, hugeLists: boolean) {
  const ids = [...fx.alice.map((k) => k.keyId), ...fx.bob.map((k) => k.keyId), 'kem_AAAAAAAAAAAAAAAAAAAAAA', 'kem_short', 'KEM_AAAAAAAAAAAAAAAAAAAAAA', ''];
  const arbs: fc.Arbitrary<Value>[] = [
    fc.array(fc.constantFrom(...ids), { maxLength: 6 }),
    fc.constantFrom(64, 65, 200).map((n) => Array.from({ length: n }, (_, i) => (i % 2 ? fx.alice[0]!.keyId : 'kem_AAAAAAAAAAAAAAAAAAAAAA'))),
    fc.constant(fx.alice.map((k) => k.keyId).join(',')),
  ];
  // 8,000 copies of one id: the attack of issue 6 item 4 (each one a store read on old code).
  if (hugeLists) arbs.push(fc.constant(Array.from({ length: 8000 }, () => fx.alice[0]!.keyId)));
  return fc.oneof(...arbs);
}

const fakeTokenIds = fc.oneof(
  fc.constantFrom('AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB', 'current', 'CURRENT', '', '.', '..', 'a'.repeat(23), 'a'.repeat(5000)),
  fc.string({ maxLength: 30 }),
);

/** Hostile values for a field of a known operation (undefined: generic only). */
function specialValue(op: Operation, field: string, fx: Fixtures, maxMessageBytes: number, hugeLists: boolean): fc.Arbitrary<Value> | undefined {
  const allKemPk = [...fx.alice, ...fx.bob].map((k) => k.pk);
  const kemPkLengths = [799, 800, 801, 1183, 1184, 1185, 1567, 1568, 1569, 0, 32, 1312, 1952, 2592];
  const dsaPkLengths = [1311, 1312, 1313, 1951, 1952, 1953, 2591, 2592, 2593, 0, 800, 1184, 1568];
  const sigLengths = [2419, 2420, 2421, 3308, 3309, 3310, 4626, 4627, 4628, 0, 1, 2];
  const cipherLengths = [767, 768, 769, 1087, 1088, 1089, 1567, 1568, 1569, 0, 1, 800, 1184];
  // The FIPS 203 modulus check: a 12-bit coefficient of 0xfff (4095) is not below q = 3329.
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
    case 'post /v1/kem/encapsulate#pk':
      return fc.oneof(bytesField(kemPkLengths, allKemPk), fc.constantFrom(...broken));
    case 'post /v1/kem/encapsulate#signature':
      return bytesField(sigLengths, [...fx.alice, ...fx.bob].map((k) => k.signature));
    case 'post /v1/kem/encapsulate#verif_key':
    case 'post /v1/kem/encapsulate#verification_key':
      return bytesField(dsaPkLengths, [fx.alice[0]!.verificationKey, fx.bob[0]!.verificationKey]);
    case 'post /v1/kem/decapsulate#cipher':
      return bytesField(cipherLengths, [...fx.alice, ...fx.bob].map((k) => k.cipher));
    case 'post /v1/kem/decapsulate#pk':
      return bytesField(kemPkLengths, allKemPk);
    case 'post /v1/kem/decapsulate#key_id':
      return fc.oneof(fc.constantFrom(...[...fx.alice, ...fx.bob].map((k) => k.keyId), 'kem_AAAAAAAAAAAAAAAAAAAAAA', 'kem_', 'dsa_AAAAAAAAAAAAAAAAAAAAAA'), weirdStrings);
    case 'post /v1/dsa/verify#pk':
      return bytesField(dsaPkLengths, [fx.dsa.pk, fx.dsa.bobPk]);
    case 'post /v1/dsa/verify#signature':
      return bytesField(sigLengths, [fx.dsa.signature]);
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
    case 'post /v1/aes/decrypt#ciphertext':
      return bytesField([0, 1, 11, 12, 16, 27, 28, 29, 44, maxMessageBytes + 28, maxMessageBytes + 29], [fx.aes.ciphertext, fx.aes.binaryCiphertext]);
    case 'post /v1/aes/encrypt#aad':
    case 'post /v1/aes/decrypt#aad':
      return fc.oneof(fc.constantFrom(fx.aes.aad, '', 'x'.repeat(4096), 'x'.repeat(4097), 'é'.repeat(2048), `${'é'.repeat(2048)}a`), contexts);
    case 'post /v1/tokens#scopes':
      return scopesLists;
    case 'post /v1/tokens#key_ids':
      return keyIdLists(fx, hugeLists);
  }
  if (field === 'encoding') return encodings;
  return undefined;
}

/** A body a well-behaved client would send, with genuine values, for the operations known here. */
function validBody(op: Operation, fx: Fixtures): fc.Arbitrary<Pairs> {
  const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
  switch (`${op.method} ${op.path}`) {
    case 'post /v1/kem/keypair':
      return pick(['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024', undefined]).map((a) => (a ? [['algorithm', a]] : []));
    case 'post /v1/kem/encapsulate':
      return fc.tuple(pick(fx.alice), fc.nat(3)).map(([k, how]): Pairs => {
        if (how === 0) return [['pk', k.pk]];
        return [['pk', k.pk], ['signature', k.signature], [how === 1 ? 'verif_key' : 'verification_key', k.verificationKey], ...(how === 3 ? ([['verif_key', k.verificationKey]] as Pairs) : [])];
      });
    case 'post /v1/kem/decapsulate':
      return fc.tuple(pick(fx.alice), fc.nat(2)).map(([k, how]): Pairs => [['cipher', k.cipher], ...(how !== 1 ? ([['key_id', k.keyId]] as Pairs) : []), ...(how !== 0 ? ([['pk', k.pk]] as Pairs) : [])]);
    case 'post /v1/dsa/sign':
      return fc.tuple(fc.string({ maxLength: 64 }), fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), pick(['utf8', 'base64', 'hex', undefined])).map(([data, context, encoding]): Pairs => {
        const bytes = Buffer.from(data);
        const text = encoding === 'base64' ? bytes.toString('base64') : encoding === 'hex' ? bytes.toString('hex') : data;
        return [['data', text], ...(encoding ? ([['encoding', encoding]] as Pairs) : []), ...(context !== undefined ? ([['context', context]] as Pairs) : [])];
      });
    case 'post /v1/dsa/verify':
      return pick([0, 1, 2]).map((how): Pairs => [['data', fx.dsa.data], ['pk', fx.dsa.pk], ['signature', fx.dsa.signature], ['context', how === 0 ? fx.dsa.context : how === 1 ? '' : 'other context']]);
    case 'post /v1/aes/encrypt':
      return fc.tuple(pick(fx.alice), fc.string({ maxLength: 64 }), fc.option(fc.string({ maxLength: 20 }), { nil: undefined })).map(([k, text, aad]): Pairs => [['unencrypted', text], ['key', k.sharedKey], ...(aad !== undefined ? ([['aad', aad]] as Pairs) : [])]);
    case 'post /v1/aes/decrypt':
      return pick([0, 1, 2, 3]).map((how): Pairs => {
        if (how === 0) return [['ciphertext', fx.aes.ciphertext], ['key', fx.aes.key], ['aad', fx.aes.aad]];
        if (how === 1) return [['ciphertext', fx.aes.ciphertext], ['key', fx.aes.key]]; // aad missing: decryption-failed
        return [['ciphertext', fx.aes.binaryCiphertext], ['key', fx.aes.key], ['encoding', how === 2 ? 'utf8' : 'hex']];
      });
    case 'post /v1/tokens':
      return fc
        .record({ expiry_time: fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined }), expire_after_attempts: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }), scopes: fc.option(fc.subarray(['kem:encapsulate', 'aes:encrypt', 'dsa:verify']), { nil: undefined }), key_ids: fc.option(fc.subarray(fx.alice.map((k) => k.keyId)), { nil: undefined }) })
        .map((r) => Object.entries(r).filter(([, v]) => v !== undefined) as Pairs);
  }
  // Unknown to this file: the documented examples, which the API promises work as they are.
  const props = Object.entries(op.body?.properties ?? {});
  return fc.constant(props.filter(([, s]) => s.example !== undefined).map(([name, s]) => [name, s.example as Value]));
}

function fieldValue(op: Operation, field: string, schema: FieldSchema, fx: Fixtures, maxMessageBytes: number, hugeLists: boolean): fc.Arbitrary<Value> {
  const special = specialValue(op, field, fx, maxMessageBytes, hugeLists);
  const generic = genericValue(schema);
  return special ? fc.oneof({ arbitrary: special, weight: 3 }, { arbitrary: generic, weight: 1 }) : generic;
}

const unknownFields = fc.array(
  fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'PK', 'pk ', 'Key_Id', 'token_id', 'tenant', 'sub', 'scopes', 'admin', 'x', '', '\u0000', 'a'.repeat(300)), weirdStrings as fc.Arbitrary<Value>),
  { minLength: 1, maxLength: 3 },
);

/** The body's fields: valid, with one or several fields made hostile, dropped, duplicated or added. */
function bodyPairs(op: Operation, fx: Fixtures, maxMessageBytes: number, hugeLists: boolean): fc.Arbitrary<{ pairs: Pairs; mode: string }> {
  const props = Object.entries(op.body?.properties ?? {});
  const names = props.map(([n]) => n);
  const valid = validBody(op, fx);
  const hostile = (name: string) => fieldValue(op, name, op.body!.properties[name]!, fx, maxMessageBytes, hugeLists);
  const modes: fc.WeightedArbitrary<{ pairs: Pairs; mode: string }>[] = [{ arbitrary: valid.map((pairs) => ({ pairs, mode: 'valid' })), weight: 2 }];
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
  ];
  return fc.oneof(
    { arbitrary: fc.constant(bearer(['api:alice', alice])), weight: 5 },
    { arbitrary: fc.constantFrom(...creds.filter(([k]) => k.startsWith('token:'))).map(bearer), weight: 4 },
    { arbitrary: fc.constantFrom(...creds.filter(([k]) => k.startsWith('forged:') || k === 'api:bob')).map(bearer), weight: 2 },
    { arbitrary: fc.constantFrom(...junk), weight: 2 },
    { arbitrary: fc.string({ maxLength: 60 }).map((s) => ({ lines: [['authorization', headerSafe(s)]] as [string, string][], label: 'random' })), weight: 1 },
  );
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

function queryFor(op: Operation, fx: Fixtures, maxMessageBytes: number): fc.Arbitrary<string> {
  const params = op.parameters.filter((p) => p.in === 'query');
  if (params.length === 0) return junkQuery;
  const value = (name: string, schema: FieldSchema) =>
    fieldValue(op, name, schema, fx, maxMessageBytes, false).map((v) => (Array.isArray(v) ? v.map((x) => String(x)).join(',') : v instanceof Raw ? v.bytes.toString('latin1') : typeof v === 'object' && v ? JSON.stringify(v) : String(v)));
  const built = fc
    .tuple(...params.map((p) => fc.option(value(p.name, p.schema), { nil: undefined }).map((v) => [p.name, v] as const)))
    .map((entries) => {
      const q = new URLSearchParams();
      for (const [k, v] of entries) if (v !== undefined) q.append(k, v);
      const s = q.toString();
      return s ? `?${s}` : '';
    });
  return fc.oneof({ arbitrary: built, weight: 3 }, { arbitrary: junkQuery, weight: 1 });
}

function pathParams(op: Operation, fx: Fixtures): fc.Arbitrary<string> {
  const params = op.parameters.filter((p) => p.in === 'path');
  if (params.length === 0) return fc.constant(op.path);
  const value = (name: string, schema: FieldSchema) =>
    name === 'token_id'
      ? fc.oneof(fc.constantFrom(...fx.tokenIds), fakeTokenIds)
      : fc.oneof(schema.example !== undefined ? fc.constant(String(schema.example)) : fc.constant('x'), fc.constantFrom(...fx.alice.map((k) => k.keyId), ...fx.bob.map((k) => k.keyId)), weirdStrings.map(String));
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
    const fields = op.body ? bodyPairs(op, fx, opts.maxMessageBytes, opts.hugeLists) : fc.constant({ pairs: [] as Pairs, mode: 'no-body' });
    const target = fc.tuple(pathParams(op, fx), queryFor(op, fx, opts.maxMessageBytes)).map(([p, q]) => p + q);
    const creds = credentialHeaders(fx);
    const json: [string, string] = ['content-type', 'application/json'];
    const make = (kind: string, m: string, t: string, cred: { lines: [string, string][]; credential?: string }, lines: [string, string][], body: Buffer | undefined, extra: { -readonly [K in keyof RawRequest]?: RawRequest[K] } & { mayBeBare?: boolean } = {}): HostileCase => {
      const { mayBeBare: bareAsked = false, ...rest } = extra;
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
      };
    };
    const bodyFor = (pairs: Pairs) => (op.body || pairs.length ? serialize(pairs, true) : undefined);

    const fieldCases = fc.tuple(fields, target, creds).map(([f, t, c]) => make(`fields:${f.mode}`, method, t, c, op.body ? [json] : [], bodyFor(f.pairs)));
    const rawCases = op.body
      ? fc.tuple(validBody(op, fx), target, creds).chain(([pairs, t, c]) => rawBodies(serialize(pairs, true)).map((r) => make(`raw-body:${r.mode}`, method, t, c, [json], r.body)))
      : fc.tuple(target, creds, fc.constantFrom('{}', '{"x":1}', 'not json', '[]')).map(([t, c, b]) => make('raw-body:on-bodiless', method, t, c, [json], Buffer.from(b)));
    const headerCases = fc.tuple(validBody(op, fx), target, creds).chain(([pairs, t, c]) =>
      headerAbuse(serialize(pairs, true)).map((h) => make(`headers:${h.label}`, method, t, c, h.lines, h.body, { mayBeBare: h.mayBeBare, ...(h.noContentLength ? { noContentLength: true } : {}), ...(h.fresh ? { fresh: true } : {}) })),
    );
    const pathCases = fc
      .tuple(validBody(op, fx), target, creds, fc.oneof({ arbitrary: fc.constant(method), weight: 4 }, { arbitrary: fc.constantFrom(...METHODS), weight: 3 }, { arbitrary: fc.constantFrom(...UNKNOWN_METHODS), weight: 1 }))
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
  return fc.oneof({ arbitrary: fc.oneof(...perOp), weight: 30 }, { arbitrary: unknownPaths, weight: 1 });
}

