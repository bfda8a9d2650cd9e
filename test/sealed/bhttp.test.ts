/**
 * Binary HTTP (RFC 9292): the examples of its section 5 byte for byte (known-length request,
 * indeterminate-length request with padding, indeterminate-length response with informational
 * responses, known-length response with trailers), RFC 9458 Appendix A's request and response,
 * truncation, and the invalid messages of section 4 refused as BhttpFormatError.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BhttpFormatError, type BhttpRequest, decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../src/sealed/bhttp.ts';

const h = (dump: string) => new Uint8Array(Buffer.from(dump.replace(/\s+/g, ''), 'hex'));
const text = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

// RFC 9292 section 5.1, "Known-Length Binary Encoding of Request".
const KNOWN_LENGTH_REQUEST = h(`00034745 54056874 74707300 0a2f6865 6c6c6f2e 74787440 6c0a7573 65722d61
  67656e74 34637572 6c2f372e 31362e33 206c6962 6375726c 2f372e31 362e3320 4f70656e 53534c2f 302e392e 376c207a
  6c69622f 312e322e 3304686f 73740f77 77772e65 78616d70 6c652e63 6f6d0f61 63636570 742d6c61 6e677561 67650665
  6e2c206d 690000`);
// RFC 9292 section 5.1, "Indeterminate-Length Binary Encoding of Request" (10 bytes of padding).
const INDETERMINATE_LENGTH_REQUEST = h(`02034745 54056874 74707300 0a2f6865 6c6c6f2e 7478740a 75736572 2d616765
  6e743463 75726c2f 372e3136 2e33206c 69626375 726c2f37 2e31362e 33204f70 656e5353 4c2f302e 392e376c 207a6c69
  622f312e 322e3304 686f7374 0f777777 2e657861 6d706c65 2e636f6d 0f616363 6570742d 6c616e67 75616765 06656e2c
  206d6900 00000000 00000000 00000000`);
const EXAMPLE_REQUEST: BhttpRequest = {
  method: 'GET',
  scheme: 'https',
  authority: '',
  path: '/hello.txt',
  headers: [
    ['user-agent', 'curl/7.16.3 libcurl/7.16.3 OpenSSL/0.9.7l zlib/1.2.3'],
    ['host', 'www.example.com'],
    ['accept-language', 'en, mi'],
  ],
  content: new Uint8Array(0),
  trailers: [],
};

// RFC 9292 section 5.2, "Binary Response including Interim Responses".
const INDETERMINATE_LENGTH_RESPONSE = h(`03406607 72756e6e 696e670a 22736c65 65702031 35220040 67046c69 6e6b233c
  2f737479 6c652e63 73733e3b 2072656c 3d707265 6c6f6164 3b206173 3d737479 6c65046c 696e6b24 3c2f7363 72697074
  2e6a733e 3b207265 6c3d7072 656c6f61 643b2061 733d7363 72697074 0040c804 64617465 1d4d6f6e 2c203237 204a756c
  20323030 39203132 3a32383a 35332047 4d540673 65727665 72064170 61636865 0d6c6173 742d6d6f 64696669 65641d57
  65642c20 3232204a 756c2032 30303920 31393a31 353a3536 20474d54 04657461 67142233 34616133 38372d64 2d313536
  38656230 30220d61 63636570 742d7261 6e676573 05627974 65730e63 6f6e7465 6e742d6c 656e6774 68023531 04766172
  790f4163 63657074 2d456e63 6f64696e 670c636f 6e74656e 742d7479 70650a74 6578742f 706c6169 6e003348 656c6c6f
  20576f72 6c642120 4d792063 6f6e7465 6e742069 6e636c75 64657320 61207472 61696c69 6e672043 524c462e 0d0a0000`);
// RFC 9292 section 5.2, "Known-Length Encoding of Response" (the chunked example, with a trailer).
const KNOWN_LENGTH_RESPONSE = h(`0140c800 1d546869 7320636f 6e74656e 7420636f 6e746169 6e732043 524c462e 0d0a0d07 74726169 6c657204 74657874`);

describe('RFC 9292 section 5 examples', () => {
  test('the known-length request decodes, and encodes back to the same bytes', () => {
    assert.deepEqual(decodeRequest(KNOWN_LENGTH_REQUEST), EXAMPLE_REQUEST);
    assert.deepEqual(encodeRequest(EXAMPLE_REQUEST), KNOWN_LENGTH_REQUEST);
  });

  test('the same request truncated by its last two bytes (empty content, empty trailers) means the same', () => {
    assert.deepEqual(decodeRequest(KNOWN_LENGTH_REQUEST.subarray(0, -1)), EXAMPLE_REQUEST);
    assert.deepEqual(decodeRequest(KNOWN_LENGTH_REQUEST.subarray(0, -2)), EXAMPLE_REQUEST);
  });

  test('the indeterminate-length request with its padding decodes to the same request, and up to 12 bytes can go', () => {
    assert.deepEqual(decodeRequest(INDETERMINATE_LENGTH_REQUEST), EXAMPLE_REQUEST);
    assert.deepEqual(decodeRequest(INDETERMINATE_LENGTH_REQUEST.subarray(0, -12)), EXAMPLE_REQUEST);
  });

  test('the response with interim responses decodes (102, 103, then 200 with content)', () => {
    const r = decodeResponse(INDETERMINATE_LENGTH_RESPONSE);
    assert.deepEqual(r.informational, [
      { status: 102, headers: [['running', '"sleep 15"']] },
      {
        status: 103,
        headers: [
          ['link', '</style.css>; rel=preload; as=style'],
          ['link', '</script.js>; rel=preload; as=script'],
        ],
      },
    ]);
    assert.equal(r.status, 200);
    assert.deepEqual(r.headers.map(([n]) => n), ['date', 'server', 'last-modified', 'etag', 'accept-ranges', 'content-length', 'vary', 'content-type']);
    assert.deepEqual(r.headers[6], ['vary', 'Accept-Encoding']);
    assert.equal(Buffer.from(r.content).toString('latin1'), 'Hello World! My content includes a trailing CRLF.\r\n');
    assert.deepEqual(r.trailers, []);
    // Re-encoded in known-length form it decodes to the same response.
    assert.deepEqual(decodeResponse(encodeResponse(r)), r);
  });

  test('the known-length response with a trailer decodes, and encodes back to the same bytes', () => {
    const r = decodeResponse(KNOWN_LENGTH_RESPONSE);
    assert.deepEqual(r, { informational: [], status: 200, headers: [], content: text('This content contains CRLF.\r\n'), trailers: [['trailer', 'text']] });
    assert.deepEqual(encodeResponse(r), KNOWN_LENGTH_RESPONSE);
  });

  test("RFC 9458 Appendix A's inner request (GET https://example.com/) and response (200)", () => {
    const request = h('00034745540568747470730b6578616d706c652e636f6d012f');
    assert.deepEqual(decodeRequest(request), { method: 'GET', scheme: 'https', authority: 'example.com', path: '/', headers: [], content: new Uint8Array(0), trailers: [] });
    assert.deepEqual(decodeResponse(h('0140c8')), { informational: [], status: 200, headers: [], content: new Uint8Array(0), trailers: [] });
    assert.deepEqual(encodeResponse({ status: 200 }).subarray(0, 3), h('0140c8'));
  });
});

describe('invalid messages (RFC 9292 section 4) are BhttpFormatError', () => {
  const ok = encodeRequest({ method: 'POST', scheme: 'https', authority: 'api.example', path: '/v1/kem/keypair', headers: [['content-type', 'application/json']], content: text('{}') });
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['a response where a request is expected', KNOWN_LENGTH_RESPONSE],
    ['framing indicator 4', h('04')],
    ['cut inside the control data', ok.subarray(0, 5)],
    ['cut inside the header section', ok.subarray(0, ok.length - 6)],
    ['non-zero padding', Uint8Array.from([...ok, 0, 1])],
    ['a length past the end (8-byte varint)', h('00 c0ffffffffffffff')],
    ['an uppercase field name', encodeUnchecked(['Content-Type', 'x'])],
    ['a pseudo-field', encodeUnchecked([':path', '/x'])],
    ['an empty field name', encodeUnchecked(['', 'x'])],
    ['a CR in a field value', encodeUnchecked(['x-a', 'a\rb'])],
    ['a field value with leading space', encodeUnchecked(['x-a', ' a'])],
    ['a method that is not a token', h('00 03 47 20 54 05 6874747073 00 01 2f')],
    ['a path without a leading slash', h('00 03 474554 05 6874747073 00 01 78')],
  ];
  for (const [why, bytes] of cases) test(why, () => assert.throws(() => decodeRequest(bytes), BhttpFormatError));

  test('responses: a final status out of range, a 1xx as the only status, a request where a response is expected', () => {
    assert.throws(() => decodeResponse(h('01 4258')), BhttpFormatError, 'status 600');
    assert.throws(() => decodeResponse(h('01 4064')), BhttpFormatError, '100, then nothing');
    assert.throws(() => decodeResponse(KNOWN_LENGTH_REQUEST), BhttpFormatError);
  });

  test('encoding refuses what decoding would refuse', () => {
    assert.throws(() => encodeRequest({ method: 'GET', scheme: 'https', path: 'nope' }), BhttpFormatError);
    assert.throws(() => encodeRequest({ method: 'GET', scheme: 'https', path: '/', headers: [['Bad', 'x']] }), BhttpFormatError);
    assert.throws(() => encodeResponse({ status: 99 }), BhttpFormatError);
    assert.throws(() => encodeResponse({ status: 200, informational: [{ status: 200, headers: [] }] }), BhttpFormatError);
  });
});

/** A request with one header line, encoded by hand so that the encoder's own checks do not stop it. */
function encodeUnchecked([name, value]: [string, string]): Uint8Array {
  const field = Buffer.concat([Buffer.from([name.length]), Buffer.from(name, 'latin1'), Buffer.from([value.length]), Buffer.from(value, 'latin1')]);
  return new Uint8Array(Buffer.concat([h('00 03474554 056874747073 00 012f'), Buffer.from([field.length]), field, h('00 00')]));
}

describe('properties', () => {
  const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
  const value = fc.stringMatching(/^[!-~]([ -~]{0,40}[!-~])?$/);
  const fields = fc.array(fc.tuple(token, value), { maxLength: 8 });

  test('every request and response round-trips, whatever the lengths (1-, 2- and 4-byte integers)', () => {
    fc.assert(
      fc.property(fields, fc.uint8Array({ maxLength: 20_000 }), fields, fc.constantFrom('GET', 'POST', 'DELETE'), (headers, content, trailers, method) => {
        const request = { method, scheme: 'https', authority: 'a.example', path: '/v1/x?y=1', headers, content, trailers };
        assert.deepEqual(decodeRequest(encodeRequest(request)), request);
        const response = { informational: [], status: 201, headers, content, trailers };
        assert.deepEqual(decodeResponse(encodeResponse(response)), response);
      }),
      { numRuns: 60 },
    );
  });

  test('any bytes decode or fail with BhttpFormatError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        for (const decode of [decodeRequest, decodeResponse]) {
          try {
            decode(bytes);
          } catch (e) {
            assert.ok(e instanceof BhttpFormatError, String(e));
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
