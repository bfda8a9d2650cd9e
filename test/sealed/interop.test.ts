/**
 * The gateway (src/sealed/gateway.ts) against a client written here from RFC 9458 and RFC 9292
 * alone, on an independent HPKE implementation (@hpke/core with @hpke/hybridkem-x-wing and
 * @hpke/ml-kem) and node:crypto for the response's HKDF and AEAD: none of the project's OHTTP,
 * Binary HTTP or HPKE code is on the client side. Both offered KEMs, both AEADs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, createHmac } from 'node:crypto';
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { XWing } from '@hpke/hybridkem-x-wing';
import { MlKem768 } from '@hpke/ml-kem';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { createHpke } from '../../src/crypto/hpke.ts';
import { deriveOhttpKeys, openSealedRequest, sealResponse } from '../../src/sealed/gateway.ts';

// ---- an independent client, from the RFCs ----

const varint = (n: number) => (n < 64 ? [n] : [0x40 | (n >> 8), n & 0xff]); // RFC 9000 section 16 (up to 16383)
const str = (s: string) => [...varint(Buffer.byteLength(s)), ...Buffer.from(s)];

/** RFC 9292 section 3.1: a known-length request. */
function bhttpRequest(method: string, authority: string, path: string, fields: [string, string][], body: string): Uint8Array {
  const section = fields.flatMap(([n, v]) => [...str(n), ...str(v)]);
  return Uint8Array.from([0, ...str(method), ...str('https'), ...str(authority), ...str(path), ...varint(section.length), ...section, ...str(body), 0]);
}

/** RFC 9458 section 3.2: the key configurations, as a client reads them (only the two KEMs used here). */
function readKeyConfigs(list: Uint8Array) {
  const out: { keyId: number; kemId: number; pk: Uint8Array; algs: [number, number][] }[] = [];
  for (let at = 0; at < list.length; ) {
    const len = (list[at]! << 8) | list[at + 1]!;
    const c = list.subarray(at + 2, at + 2 + len);
    at += 2 + len;
    const kemId = (c[1]! << 8) | c[2]!;
    const npk = { 0x647a: 1216, 0x0041: 1184 }[kemId]!;
    const algs: [number, number][] = [];
    for (let i = 3 + npk + 2; i < c.length; i += 4) algs.push([(c[i]! << 8) | c[i + 1]!, (c[i + 2]! << 8) | c[i + 3]!]);
    out.push({ keyId: c[0]!, kemId, pk: c.subarray(3, 3 + npk), algs });
  }
  return out;
}

const hmac = (key: Uint8Array, data: Uint8Array) => new Uint8Array(createHmac('sha256', key).update(data).digest());

test('a sealed request made by an independent client opens at the gateway, and its response opens at the client', async () => {
  const hpke = createHpke('auto');
  const keys = await deriveOhttpKeys(hpke, new Uint8Array(32).fill(5), 9);
  const configs = readKeyConfigs(keys.encoded);
  assert.equal(configs.length, 2);

  for (const config of configs) {
    for (const [kdfId, aeadId] of config.algs) {
      const kem = config.kemId === 0x647a ? new XWing() : new MlKem768();
      const suite = new CipherSuite({ kem, kdf: new HkdfSha256(), aead: aeadId === 2 ? new Aes256Gcm() : new Chacha20Poly1305() });
      // RFC 9458 section 4.3.
      const hdr = Uint8Array.from([config.keyId, config.kemId >> 8, config.kemId & 0xff, kdfId >> 8, kdfId & 0xff, aeadId >> 8, aeadId & 0xff]);
      const info = Uint8Array.from([...Buffer.from('message/bhttp request'), 0, ...hdr]);
      const sender = await suite.createSenderContext({ recipientPublicKey: await suite.kem.deserializePublicKey(config.pk), info });
      const request = bhttpRequest('POST', 'api.example', '/v1/hpke/seal', [['date', new Date().toUTCString()], ['authorization', 'Bearer x']], '{"plaintext":"hi"}');
      const ct = new Uint8Array(await sender.seal(request));
      const enc = new Uint8Array(sender.enc);
      const message = Uint8Array.from([...hdr, ...enc, ...ct]);

      const opened = await openSealedRequest(hpke, keys, message);
      assert.equal(opened.request.method, 'POST');
      assert.equal(opened.request.path, '/v1/hpke/seal');
      assert.deepEqual(opened.request.headers[1], ['authorization', 'Bearer x']);
      assert.equal(Buffer.from(opened.request.content).toString(), '{"plaintext":"hi"}');

      // RFC 9458 section 4.4, the client's side.
      const encResponse = sealResponse(opened, { status: 200, headers: [['content-type', 'application/json']], content: Buffer.from('{"ok":true}') });
      const secret = new Uint8Array(await sender.export(Buffer.from('message/bhttp response'), 32));
      const responseNonce = encResponse.subarray(0, 32);
      const prk = hmac(Uint8Array.from([...enc, ...responseNonce]), secret); // HKDF-Extract(salt, ikm)
      const key = hmac(prk, Uint8Array.from([...Buffer.from('key'), 1])); // HKDF-Expand, one block (32 bytes)
      const nonce = hmac(prk, Uint8Array.from([...Buffer.from('nonce'), 1])).subarray(0, 12);
      const decipher = createDecipheriv(aeadId === 2 ? 'aes-256-gcm' : 'chacha20-poly1305', key, nonce, { authTagLength: 16 } as never) as ReturnType<typeof createDecipheriv> & { setAuthTag(t: Uint8Array): void };
      decipher.setAuthTag(encResponse.subarray(encResponse.length - 16));
      const bhttp = Buffer.concat([decipher.update(encResponse.subarray(32, encResponse.length - 16)), decipher.final()]);
      // RFC 9292: 0x01, status 200 (0x40c8), a header section holding content-type, then the content.
      assert.deepEqual([...bhttp.subarray(0, 3)], [0x01, 0x40, 0xc8]);
      assert.ok(bhttp.includes(Buffer.from('content-type')) && bhttp.includes(Buffer.from('{"ok":true}')), `${config.kemId}/${aeadId}`);
    }
  }
});
