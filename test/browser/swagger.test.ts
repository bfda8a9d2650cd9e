/**
 * Swagger UI as a person uses it, in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core): authorize with the development key, mint a token and authorize as it, then
 * key pair, encapsulate (pasting the key pair's answer), decapsulate, sign, verify, encrypt and
 * decrypt, each by filling the request body and clicking Execute, reading what the page shows.
 * Screenshots go to artifacts/browser/. Skipped, saying why, where Chromium is not installed;
 * .ci/run installs it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join('artifacts', 'browser');
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

describe('Swagger UI in a real browser', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let shot = 0;
  const screenshot = async (name: string) => {
    await page.screenshot({ path: join(SHOTS, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: false });
  };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // No API_KEYS: the server makes the development key, as `npm start` does.
    server = await startServer({ env: { API_KEYS: '', NODE_ENV: 'development' } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // As root in a container, and with no network beyond this machine.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const authorize = async (credential: string) => {
    await page.locator('button.authorize').first().click();
    const modal = page.locator('.modal-ux');
    const logout = modal.locator('button', { hasText: 'Logout' });
    if (await logout.count()) await logout.first().click();
    await modal.locator('input[type="text"], input[type="password"]').first().fill(credential);
    await modal.locator('button.authorize').click();
    await modal.locator('button', { hasText: 'Close' }).click();
  };

  /** Opens an operation, puts `body` in its editor, clicks Execute, and reads the answer shown. */
  const execute = async (tag: string, operationId: string, body: unknown, name: string) => {
    const block = page.locator(`[id="operations-${tag}-${operationId}"]`);
    await block.scrollIntoViewIfNeeded();
    if (!(await block.locator('.opblock-body').count())) await block.locator('.opblock-summary').first().click();
    const tryIt = block.locator('button.try-out__btn', { hasText: 'Try it out' });
    if (await tryIt.count()) await tryIt.click();
    const editor = block.locator('textarea.body-param__text');
    if (body !== undefined) await editor.fill(JSON.stringify(body, null, 2));
    await block.locator('button.execute').click();
    const shown = block.locator('.live-responses-table .response-col_description .microlight').first();
    await shown.waitFor();
    const status = Number((await block.locator('.live-responses-table .response .response-col_status').first().innerText()).trim());
    const text = await shown.innerText();
    await shown.scrollIntoViewIfNeeded();
    await screenshot(name);
    return { status, body: JSON.parse(text) as Record<string, unknown> };
  };

  test('a person clicks through the whole flow and sees each answer', async () => {
    await page.goto(`${server.url}/docs`);
    await page.locator('.information-container .title').waitFor();
    assert.match(await page.locator('.information-container .title').innerText(), /Post-quantum crypto API/);
    // The sections come in the order of the instructions: key exchange first, tokens after AES.
    const tags = await page.locator('.opblock-tag-section h3 .opblock-tag, .opblock-tag-section h3').allInnerTexts();
    const order = ['ML-KEM', 'ML-DSA', 'AES-256-GCM', 'HPKE', 'Tokens'].map((t) => tags.findIndex((x) => x.startsWith(t)));
    assert.deepEqual([...order].sort((a, b) => a - b), order, `tag order ${tags.join(' | ')}`);
    await screenshot('docs');

    await authorize(server.config.apiKeys[0]!.key);
    const minted = await execute('Tokens', 'tokensCreate', { expiry_time: 600, expire_after_attempts: 20 }, 'token');
    assert.equal(minted.status, 201);
    assert.equal(minted.body.attempts_left, 20);
    await authorize(String(minted.body.new_token));

    const kp = await execute('ML-KEM', 'kemKeypair', { algorithm: 'ML-KEM-768' }, 'keypair');
    assert.equal(kp.status, 201, JSON.stringify(kp.body));
    // Following the instructions literally: keypair's pk, signature and verification_key pasted over the example.
    const enc = await execute('ML-KEM', 'kemEncapsulate', { pk: kp.body.pk, signature: kp.body.signature, verification_key: kp.body.verification_key }, 'encapsulate');
    assert.equal(enc.status, 200, JSON.stringify(enc.body));
    const dec = await execute('ML-KEM', 'kemDecapsulate', { cipher: enc.body.cipher, key_id: kp.body.key_id }, 'decapsulate');
    assert.equal(dec.status, 200, JSON.stringify(dec.body));
    assert.equal(dec.body.shared_key, enc.body.shared_key);

    const signed = await execute('ML-DSA', 'dsaSign', { data: 'hello from a browser' }, 'sign');
    assert.equal(signed.status, 200);
    const verified = await execute('ML-DSA', 'dsaVerify', { data: 'hello from a browser', pk: signed.body.pk, signature: signed.body.signature }, 'verify');
    assert.deepEqual(verified, { status: 200, body: { verified: true } });

    const sealed = await execute('AES-256-GCM', 'aesEncrypt', { unencrypted: 'hello from a browser', key: enc.body.shared_key }, 'encrypt');
    assert.equal(sealed.status, 200);
    const opened = await execute('AES-256-GCM', 'aesDecrypt', { ciphertext: sealed.body.ciphertext, key: enc.body.shared_key }, 'decrypt');
    assert.deepEqual(opened, { status: 200, body: { decrypted: 'hello from a browser' } });

    // HPKE: the seal example as it is (to the example ML-KEM-768 key), then sealed to the key pair and opened.
    const example = await execute('HPKE', 'hpkeSeal', undefined, 'hpke-seal-example');
    assert.equal(example.status, 200, JSON.stringify(example.body));
    const toKey = await execute('HPKE', 'hpkeSeal', { plaintext: 'hello from a browser', key_id: kp.body.key_id }, 'hpke-seal');
    assert.equal(toKey.status, 200, JSON.stringify(toKey.body));
    const hpkeOpened = await execute('HPKE', 'hpkeOpen', { key_id: kp.body.key_id, enc: toKey.body.enc, ciphertext: toKey.body.ciphertext }, 'hpke-open');
    assert.deepEqual(hpkeOpened, { status: 200, body: { plaintext: 'hello from a browser' } });

    // Ten requests with the token: 10 of its 20 attempts left, as the page shows.
    const current = await execute('Tokens', 'tokensCurrent', undefined, 'current');
    assert.equal(current.body.attempts_left, 10);
  });

  test('long base64 answers wrap inside the page instead of running under the copy button', async () => {
    const code = page.locator('[id="operations-ML-KEM-kemKeypair"] .live-responses-table .microlight').first();
    const box = await code.boundingBox();
    assert.ok(box && box.width < 1280, `the answer is ${box?.width} px wide`);
    // Runs in the page (the project's TypeScript has no DOM types).
    type Styles = { getComputedStyle(element: unknown): { whiteSpace: string } };
    assert.equal(await code.evaluate((el) => (globalThis as unknown as Styles).getComputedStyle(el).whiteSpace), 'pre-wrap');
  });
});
