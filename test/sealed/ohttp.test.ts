/**
 * Oblivious HTTP framing (src/sealed/ohttp.ts) against RFC 9458 Appendix A's worked example, byte
 * for byte: its key configuration, the client's Encapsulated Request (given the RFC's ephemeral
 * key), the gateway's opening of it, and the Encapsulated Response (given the RFC's
 * response_nonce), opened again by the client. The example's HPKE suite is DHKEM(X25519) +
 * HKDF-SHA256 + AES-128-GCM, taken from the `hpke` library directly. Then the
 * `application/ohttp-keys` list rules of section 3.2 and the parse of malformed requests.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as HPKE from 'hpke';
import {
  decapsulateResponse,
  decodeKeyConfig,
  decodeKeyConfigs,
  encapsulateRequest,
  encapsulateResponse,
  encodeKeyConfig,
  encodeKeyConfigs,
  OhttpFormatError,
  parseEncapsulatedRequest,
  requestInfo,
  responseKeying,
  type KeyConfig,
} from '../../src/sealed/ohttp.ts';
import { HpkeOpenError } from '../../src/crypto/hpke.ts';

const h = (dump: string) => new Uint8Array(Buffer.from(dump.replace(/\s+/g, ''), 'hex'));

// RFC 9458 Appendix A, in order.
const A = {
  skR: h('3c168975674b2fa8e465970b79c8dcf09f1c741626480bd4c6162fc5b6a98e1a'),
  keyConfig: h('01002031e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e 79815500080001000100010003'),
  request: h('00034745540568747470730b6578616d706c652e636f6d012f'),
  pkE: h('4b28f881333e7c164ffc499ad9796f877f4e1051ee6d31bad19dec96c208b472'),
  info: h('6d6573736167652f626874747020726571756573740001002000010001'),
  encRequest: h(`010020000100014b28f881333e7c164ffc499ad9796f877f4e1051ee6d31bad1
    9dec96c208b4726374e469135906992e1268c594d2a10c695d858c40a026e796 5e7d86b83dd440b2c0185204b4d63525`),
  response: h('0140c8'),
  secret: h('62d87a6ba569ee81014c2641f52bea36'),
  responseNonce: h('c789e7151fcba46158ca84b04464910d'),
  encResponse: h('c789e7151fcba46158ca84b04464910d86f9013e404feea014e7be4a441f234f 857fbd'),
};

const suite = new HPKE.CipherSuite(HPKE.KEM_DHKEM_X25519_HKDF_SHA256, HPKE.KDF_HKDF_SHA256, HPKE.AEAD_AES_128_GCM);

describe('RFC 9458 Appendix A, byte for byte', () => {
  test('the key configuration decodes and encodes back', () => {
    const config = decodeKeyConfig(A.keyConfig);
    assert.equal(config.keyId, 1);
    assert.equal(config.kemId, 0x0020);
    assert.deepEqual(config.algorithms, [
      { kdfId: 1, aeadId: 1 },
      { kdfId: 1, aeadId: 3 },
    ]);
    assert.deepEqual(encodeKeyConfig(config), A.keyConfig);
  });

  test("the client's Encapsulated Request, its info, and the gateway's opening of it", async () => {
    const config = decodeKeyConfig(A.keyConfig);
    const header = { keyId: config.keyId, kemId: config.kemId, kdfId: 1, aeadId: 1 };
    assert.deepEqual(requestInfo(header), A.info);

    // The RFC's ephemeral key pair fixes enc; its shared secret is what the gateway decapsulates.
    const skR = await suite.DeserializePrivateKey(A.skR, true); // extractable: DHKEM finds pkR from it
    const sharedSecret = await HPKE.KEM_DHKEM_X25519_HKDF_SHA256().Decap(A.pkE, skR, undefined);
    const fixed = new HPKE.CipherSuite(() => ({ ...HPKE.KEM_DHKEM_X25519_HKDF_SHA256(), Encap: async () => ({ enc: A.pkE, shared_secret: sharedSecret }) }), HPKE.KDF_HKDF_SHA256, HPKE.AEAD_AES_128_GCM);
    const { encapsulatedSecret, ctx } = await fixed.SetupSender(await fixed.DeserializePublicKey(config.publicKey), { info: requestInfo(header) });
    const sender = { enc: encapsulatedSecret, seal: (pt: Uint8Array, aad?: Uint8Array) => ctx.Seal(pt, aad), export: (c: Uint8Array, l: number) => ctx.Export(c, l) };
    assert.deepEqual(await encapsulateRequest(header, sender, A.request), A.encRequest);

    const parsed = parseEncapsulatedRequest(A.encRequest);
    assert.deepEqual(parsed.header, header);
    assert.deepEqual(parsed.enc, A.pkE);
    const recipient = await suite.SetupRecipient(skR, parsed.enc, { info: requestInfo(parsed.header) });
    assert.deepEqual(await recipient.Open(parsed.ciphertext), A.request);

    // The gateway's Encapsulated Response with the RFC's response_nonce, and the client opening it.
    const gatewayKeying = await responseKeying({ export: (c, l) => recipient.Export(c, l) }, parsed.header, parsed.enc);
    assert.deepEqual(gatewayKeying.secret, A.secret, 'the exported secret');
    assert.deepEqual(encapsulateResponse(gatewayKeying, A.response, A.responseNonce), A.encResponse);
    const clientKeying = await responseKeying(sender, header, sender.enc);
    assert.deepEqual(decapsulateResponse(clientKeying, A.encResponse), A.response);

    // A fresh response_nonce each time, by default; a flipped bit does not open.
    const fresh = encapsulateResponse(gatewayKeying, A.response);
    assert.notDeepEqual(fresh.subarray(0, 16), A.responseNonce);
    assert.deepEqual(decapsulateResponse(clientKeying, fresh), A.response);
    const flipped = Uint8Array.from(A.encResponse, (b, i) => (i === 20 ? b ^ 1 : b));
    assert.throws(() => decapsulateResponse(clientKeying, flipped), HpkeOpenError);
    assert.throws(() => decapsulateResponse(clientKeying, A.encResponse.subarray(0, 31)), HpkeOpenError);
    assert.throws(() => decapsulateResponse({ ...clientKeying, aeadId: 2 }, A.encResponse), HpkeOpenError, 'another AEAD');
  });
});

describe('application/ohttp-keys (section 3.2)', () => {
  const x25519: KeyConfig = decodeKeyConfig(A.keyConfig);
  const xwing: KeyConfig = { keyId: 7, kemId: 0x647a, publicKey: new Uint8Array(1216).fill(9), algorithms: [{ kdfId: 1, aeadId: 2 }] };

  test('a list round-trips, each configuration behind its 2-byte length', () => {
    const list = encodeKeyConfigs([xwing, x25519]);
    assert.equal((list[0]! << 8) | list[1]!, 1 + 2 + 1216 + 2 + 4);
    assert.deepEqual(decodeKeyConfigs(list), [xwing, x25519]);
  });

  test('a configuration of an unknown KEM is left out; any encoding error refuses the whole list', () => {
    const unknown = Uint8Array.from([...A.keyConfig]);
    unknown[1] = 0x00;
    unknown[2] = 0x99;
    const withUnknown = new Uint8Array([0, unknown.length, ...unknown, ...encodeKeyConfigs([x25519])]);
    assert.deepEqual(decodeKeyConfigs(withUnknown), [x25519]);

    const good = encodeKeyConfigs([x25519, xwing]);
    for (const [why, bytes] of [
      ['empty', new Uint8Array(0)],
      ['cut', good.subarray(0, good.length - 1)],
      ['a stray byte', Uint8Array.from([...good, 0])],
      ['a length past the end', Uint8Array.from([0xff, 0xff, ...good])],
    ] as const) {
      assert.throws(() => decodeKeyConfigs(bytes), OhttpFormatError, why);
    }
    // Inside one configuration: algorithm lengths that are not a positive multiple of 4, or disagree.
    for (const algLength of [0, 2, 5, 12]) {
      const bad = Uint8Array.from(A.keyConfig);
      bad[35] = 0;
      bad[36] = algLength;
      assert.throws(() => decodeKeyConfig(bad), OhttpFormatError, `algorithms length ${algLength}`);
    }
  });

  test('encoding refuses what cannot be encoded', () => {
    assert.throws(() => encodeKeyConfig({ ...xwing, keyId: 256 }), RangeError);
    assert.throws(() => encodeKeyConfig({ ...xwing, algorithms: [] }), RangeError);
    assert.throws(() => encodeKeyConfig({ ...xwing, publicKey: new Uint8Array(1184) }), RangeError);
  });
});

describe('parseEncapsulatedRequest', () => {
  test('refuses what is too short for its header, enc and a tag, and unknown KEMs or AEADs', () => {
    assert.throws(() => parseEncapsulatedRequest(A.encRequest.subarray(0, 6)), OhttpFormatError);
    assert.throws(() => parseEncapsulatedRequest(A.encRequest.subarray(0, 7 + 32 + 15)), OhttpFormatError);
    const unknownKem = Uint8Array.from(A.encRequest);
    unknownKem[2] = 0x21;
    assert.throws(() => parseEncapsulatedRequest(unknownKem), OhttpFormatError);
    const unknownAead = Uint8Array.from(A.encRequest);
    unknownAead[6] = 0x09;
    assert.throws(() => parseEncapsulatedRequest(unknownAead), OhttpFormatError);
    // The shortest acceptable: header, enc, a bare tag (an empty request).
    assert.equal(parseEncapsulatedRequest(A.encRequest.subarray(0, 7 + 32 + 16)).ciphertext.length, 16);
  });
});
