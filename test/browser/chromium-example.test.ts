/**
 * examples/browser in Chromium, so that it cannot rot: the example's server starts (bundling
 * its page), Chromium opens the page it prints, the page makes a key pair, completes a CURVE
 * handshake with the server and gets its greeting, and the server stops.
 */
import type { Browser } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from './chromium';
import { startExample } from '../../examples/browser/server';

const skipReason = chromiumSkipReason();
const describeInChromium = skipReason === undefined ? describe : describe.skip;

describeInChromium(`examples/browser in Chromium${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 30_000);
  afterAll(() => browser?.close());

  test('the page handshakes with the example server and gets its greeting', async () => {
    const example = await startExample(0);
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(example.url);
      await page.waitForFunction(() => (globalThis as unknown as { document: { body: { dataset: { reply?: string } } } }).document.body.dataset.reply !== undefined, undefined, { timeout: 20_000 });
      const log = await page.textContent('#log');
      expect(errors).toEqual([]);
      expect(example.clients).toHaveLength(1);
      expect(log).toContain(`handshake done, the server is ${example.serverKey}`);
      expect(log).toContain(`received: hello ${example.clients[0]}, you sent | hello | from the page`);
      expect(log).toContain(`my public key: ${example.clients[0]}`);
    } finally {
      await example.close();
    }
  });
});
