/**
 * What Node's HTTP parser refuses before the app sees it is still answered as a problem
 * (src/http/client-errors.ts). A request head over 16 KiB to a HEAD gets the 431's head only:
 * a body after a HEAD answer is a parse error for the client (a defect the hostile-input suite
 * found; the test was seen failing first).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { startApi, type TestServer } from './support.ts';

let api: TestServer;
before(async () => {
  api = await startApi();
});
after(() => api.close());

test('a request head over 16 KiB is a 431 problem with no-store; to a HEAD, without a body a HEAD client would choke on', async () => {
  const send = (method: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request(`${api.url}/v1/audit?cursor=${'A'.repeat(300_000)}`, { method }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject); // a body after a HEAD answer is a parse error here
      req.end();
    });
  for (const method of ['GET', 'HEAD']) {
    const res = await send(method);
    assert.equal(res.status, 431, method);
    assert.equal(res.headers['cache-control'], 'no-store', method);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/, method);
    assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/, method);
    if (method === 'HEAD') assert.equal(res.body, '');
    else assert.equal(JSON.parse(res.body).type, 'urn:pq-crypto-api:problem:headers-too-large');
  }
});
