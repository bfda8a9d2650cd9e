import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  decodeBase64,
  decodeHex,
  decodeMessage,
  decodeUtf8,
  encodeBase64,
  encodeHex,
  encodeMessage,
  encodeUtf8,
} from '../../src/crypto/encoding.ts';

const b = (...xs: number[]) => Uint8Array.from(xs);

describe('decodeBase64', () => {
  test('accepts standard base64 with padding', () => {
    assert.deepEqual(decodeBase64('QQ=='), b(0x41));
    assert.deepEqual(decodeBase64('QUI='), b(0x41, 0x42));
    assert.deepEqual(decodeBase64('QUJD'), b(0x41, 0x42, 0x43));
    assert.deepEqual(decodeBase64('+/8='), b(0xfb, 0xff));
  });

  test('accepts base64 without padding', () => {
    assert.deepEqual(decodeBase64('QQ'), b(0x41));
    assert.deepEqual(decodeBase64('QUI'), b(0x41, 0x42));
    assert.deepEqual(decodeBase64('+/8'), b(0xfb, 0xff));
  });

  test('accepts url-safe base64, padded or not', () => {
    assert.deepEqual(decodeBase64('-_8'), b(0xfb, 0xff));
    assert.deepEqual(decodeBase64('-_8='), b(0xfb, 0xff));
    assert.deepEqual(decodeBase64('_w'), b(0xff));
    assert.deepEqual(decodeBase64('_w=='), b(0xff));
  });

  test('accepts the empty string as empty bytes', () => {
    assert.deepEqual(decodeBase64(''), new Uint8Array(0));
  });

  test('round-trips random bytes of every length 0..64, in both alphabets, padded and unpadded', () => {
    for (let n = 0; n <= 64; n++) {
      const data = new Uint8Array(randomBytes(n));
      const std = encodeBase64(data);
      const url = std.replace(/\+/g, '-').replace(/\//g, '_');
      for (const text of [std, std.replace(/=+$/, ''), url, url.replace(/=+$/, '')]) {
        assert.deepEqual(decodeBase64(text), data, `length ${n}: ${text}`);
      }
    }
  });

  test('rejects characters outside both alphabets', () => {
    for (const text of ['QQ!=', 'QU*D', 'QUJD.', 'Q\u00e9==', 'QUJD\0']) assert.equal(decodeBase64(text), undefined, JSON.stringify(text));
  });

  test('rejects whitespace anywhere, including a trailing newline', () => {
    for (const text of [' QUJD', 'QUJD ', 'QU JD', 'QUJD\n', 'QU\nJD', '\tQQ==', 'QQ==\r\n']) {
      assert.equal(decodeBase64(text), undefined, JSON.stringify(text));
    }
  });

  test('rejects a mix of the standard and url-safe alphabets', () => {
    assert.equal(decodeBase64('+_8='), undefined);
    assert.equal(decodeBase64('-/8='), undefined);
    assert.equal(decodeBase64('ab+c-d__'), undefined);
  });

  test('rejects wrong padding: too much, too little, or inside the text', () => {
    for (const text of ['QQ=', 'QQ===', 'QUI==', 'QUJD=', 'QUJD==', '=', '==', '====', 'Q===', 'QQ==QQ==', 'Q=Q=', '=QQ=']) {
      assert.equal(decodeBase64(text), undefined, text);
    }
  });

  test('rejects a length of 1 mod 4 (no byte count encodes to it)', () => {
    for (const text of ['Q', 'QUJDR', 'QUJDRUZHS', 'Q===']) assert.equal(decodeBase64(text), undefined, text);
  });

  test('rejects non-canonical encodings whose unused trailing bits are not zero', () => {
    assert.deepEqual(decodeBase64('QQ=='), b(0x41));
    for (const text of ['QR==', 'QR', 'QX==', 'QUJ=', 'QUK=', 'QUK', '_x', '-_9']) assert.equal(decodeBase64(text), undefined, text);
  });

  test('returns bytes that own their memory, not a view into Node\u2019s shared Buffer pool', () => {
    const out = decodeBase64('QUJD')!;
    assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
    assert.equal(out.byteOffset, 0);
    assert.equal(out.buffer.byteLength, 3);
  });
});

describe('encodeBase64', () => {
  test('writes standard, padded base64 and honours a subarray view', () => {
    assert.equal(encodeBase64(b(0xfb, 0xff)), '+/8=');
    assert.equal(encodeBase64(b(1, 0x41, 2).subarray(1, 2)), 'QQ==');
  });
});

describe('decodeHex / encodeHex', () => {
  test('accepts lower and upper case and the empty string', () => {
    assert.deepEqual(decodeHex('00ff7A'), b(0, 0xff, 0x7a));
    assert.deepEqual(decodeHex('00FF7a'), b(0, 0xff, 0x7a));
    assert.deepEqual(decodeHex(''), new Uint8Array(0));
  });

  test('rejects an odd length', () => {
    for (const text of ['0', 'abc', '00f']) assert.equal(decodeHex(text), undefined, text);
  });

  test('rejects non-hex characters, prefixes and whitespace', () => {
    for (const text of ['zz', '0g', '0x00', ' 00', '00 ', '00\n', '+1', '-1', '\u0660\u0661']) {
      assert.equal(decodeHex(text), undefined, JSON.stringify(text));
    }
  });

  test('encodes lowercase and honours a subarray view', () => {
    assert.equal(encodeHex(b(0xab, 0xcd, 0xef)), 'abcdef');
    assert.equal(encodeHex(b(1, 0xab, 2).subarray(1, 2)), 'ab');
  });
});

describe('UTF-8', () => {
  test("decodeMessage('utf8') encodes text, including astral characters (a valid surrogate pair)", () => {
    assert.deepEqual(decodeMessage('h\u00e9', 'utf8'), b(0x68, 0xc3, 0xa9));
    assert.deepEqual(decodeMessage('\ud83d\ude00', 'utf8'), b(0xf0, 0x9f, 0x98, 0x80));
    assert.deepEqual(decodeMessage('', 'utf8'), new Uint8Array(0));
  });

  test("decodeMessage('utf8') rejects a lone surrogate instead of replacing it with U+FFFD", () => {
    for (const text of ['\ud800', 'a\ud800b', '\udc00', 'x\ude00\ud83d', '\ud83d\ud83d\ude00\ud800']) {
      assert.equal(decodeMessage(text, 'utf8'), undefined, JSON.stringify(text));
    }
  });

  test("encodeMessage(bytes, 'utf8') returns undefined for invalid UTF-8", () => {
    for (const bad of [b(0xff), b(0x80), b(0xc3), b(0xc0, 0x80), b(0xed, 0xa0, 0x80), b(0xf4, 0x90, 0x80, 0x80), b(0x61, 0xfe, 0x62)]) {
      assert.equal(encodeMessage(bad, 'utf8'), undefined, encodeHex(bad));
    }
  });

  test("encodeMessage(bytes, 'utf8') decodes valid UTF-8 and keeps a leading byte-order mark", () => {
    assert.equal(encodeMessage(b(0x68, 0xc3, 0xa9), 'utf8'), 'h\u00e9');
    assert.equal(encodeMessage(b(0xef, 0xbb, 0xbf, 0x61), 'utf8'), '\ufeffa');
    assert.deepEqual(encodeUtf8(decodeUtf8(b(0xef, 0xbb, 0xbf, 0x61))!), b(0xef, 0xbb, 0xbf, 0x61));
  });
});

describe('decodeMessage / encodeMessage', () => {
  test('round-trip in each encoding', () => {
    const data = b(0x00, 0x41, 0xfb, 0xff);
    assert.equal(encodeMessage(data, 'base64'), 'AEH7/w==');
    assert.equal(encodeMessage(data, 'hex'), '0041fbff');
    assert.deepEqual(decodeMessage('AEH7/w==', 'base64'), data);
    assert.deepEqual(decodeMessage('AEH7_w', 'base64'), data);
    assert.deepEqual(decodeMessage('0041fbff', 'hex'), data);
  });

  test('malformed text in each encoding gives undefined', () => {
    assert.equal(decodeMessage('QR==', 'base64'), undefined);
    assert.equal(decodeMessage('abc', 'hex'), undefined);
    assert.equal(decodeMessage('\ud800', 'utf8'), undefined);
  });
});
