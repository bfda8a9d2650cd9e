/**
 * The signature base (RFC 9421 section 2.5) and Content-Digest (RFC 9530), against the examples
 * those RFCs print: derived components of section 2.2, field values of section 2.1, the minimal
 * base of appendix B.2.1, and the digests of the `{"hello": "world"}` body (RFC 9530 appendix B,
 * RFC 9421 appendix B.2).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { derivedComponent, fieldValue, signatureBase, signatureInput, type HttpRequestLike } from '../../src/httpsig/base.ts';
import { checkContentDigest, contentDigest } from '../../src/httpsig/digest.ts';

const rfc: HttpRequestLike = { method: 'POST', url: 'https://www.example.com/path?param=value', headers: { host: 'www.example.com' } };

describe('signature base', () => {
  test('derived components as RFC 9421 section 2.2 shows them', () => {
    assert.equal(derivedComponent('@method', rfc), 'POST');
    assert.equal(derivedComponent('@target-uri', rfc), 'https://www.example.com/path?param=value');
    assert.equal(derivedComponent('@authority', rfc), 'www.example.com');
    assert.equal(derivedComponent('@scheme', rfc), 'https');
    assert.equal(derivedComponent('@request-target', rfc), '/path?param=value');
    assert.equal(derivedComponent('@path', rfc), '/path');
    assert.equal(derivedComponent('@query', rfc), '?param=value');
    assert.equal(derivedComponent('@query', { ...rfc, url: 'https://www.example.com/path?queryString' }), '?queryString');
    assert.equal(derivedComponent('@query', { ...rfc, url: 'https://www.example.com/path' }), '?');
  });

  test('authority in lower case without the default port; an empty path is /; percent-encoding kept', () => {
    const at = (url: string) => ({ ...rfc, url });
    assert.equal(derivedComponent('@authority', at('HTTPS://WWW.Example.COM:443/x')), 'www.example.com');
    assert.equal(derivedComponent('@authority', at('http://example.com:80/x')), 'example.com');
    assert.equal(derivedComponent('@authority', at('http://example.com:443/x')), 'example.com:443');
    assert.equal(derivedComponent('@target-uri', at('HTTPS://Example.com:443')), 'https://example.com/');
    assert.equal(derivedComponent('@path', at('https://example.com/a%2Fb/c')), '/a%2Fb/c');
    assert.equal(derivedComponent('@target-uri', at('https://example.com/p?q=1#frag')), 'https://example.com/p?q=1');
    assert.throws(() => derivedComponent('@path', at('/relative')), /not absolute/);
  });

  test('field values as section 2.1 shows them: trimmed, folding removed, lines joined by ", "', () => {
    const headers = {
      'X-OWS-Header': '   Leading and trailing whitespace.   ',
      'X-Obs-Fold-Header': 'Obsolete\r\n    line folding.',
      'Cache-Control': ['max-age=60', '   must-revalidate'],
      'X-Empty-Header': '',
    };
    const request = { ...rfc, headers };
    assert.equal(fieldValue(request, 'x-ows-header'), 'Leading and trailing whitespace.');
    assert.equal(fieldValue(request, 'x-obs-fold-header'), 'Obsolete line folding.');
    assert.equal(fieldValue(request, 'cache-control'), 'max-age=60, must-revalidate');
    assert.equal(fieldValue(request, 'x-empty-header'), '');
    assert.equal(fieldValue(request, 'x-absent'), undefined);
    assert.equal(
      signatureBase(request, signatureInput(['cache-control', 'x-empty-header'], new Map())),
      '"cache-control": max-age=60, must-revalidate\n"x-empty-header": \n"@signature-params": ("cache-control" "x-empty-header")',
    );
  });

  test('appendix B.2.1: the minimal base covers nothing but its parameters', () => {
    const params = new Map<string, string | number>([['created', 1618884473], ['keyid', 'test-key-rsa-pss'], ['nonce', 'b3k2pp5k7z-50gnwp.yemd']]);
    assert.equal(signatureBase(rfc, signatureInput([], params)), '"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"');
  });

  test('a value that could forge a line of the base is refused', () => {
    assert.throws(() => signatureBase({ ...rfc, headers: { 'x-a': 'ok\n"@method": GET' } }, signatureInput(['x-a'], new Map())), /not visible ASCII/);
  });
});

describe('Content-Digest', () => {
  const body = '{"hello": "world"}';
  test('the digests the RFCs print for {"hello": "world"}', () => {
    assert.equal(contentDigest(body), 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
    assert.equal(contentDigest(body, 'sha-512'), 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:');
  });
  test('checks: match, mismatch, unsupported only, malformed', () => {
    assert.equal(checkContentDigest('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, unixsum=:AA==:', body), 'match');
    assert.equal(checkContentDigest('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:', body + ' '), 'mismatch');
    assert.equal(checkContentDigest('md5=:AAAA:', body), 'unsupported');
    assert.equal(checkContentDigest('sha-256="text"', body), 'malformed');
    assert.equal(checkContentDigest('sha-256=:X48E9', body), 'malformed');
  });
});
