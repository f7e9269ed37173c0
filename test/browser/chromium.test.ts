/**
 * `curvezmq/browser` in a real browser: headless Chromium (Debian's, driven by playwright-core)
 * loads a page served locally with the esbuild bundle of test/browser/chromium-page.ts, which
 * checks the X25519 vectors on both backends (WebCrypto and tweetnacl), echoes 1,000 multipart
 * messages (up to 1 MiB) with CURVE over the stream channel to the Node stream adapter behind
 * `ws`, and is refused with a coded error when its key is not allowed.
 *
 * Where no Chromium is found, the suite is skipped with its reason, and one line says so.
 */
import type { Browser, Page } from 'playwright-core';
import { bundleForBrowser } from './bundle';
import { callPage, chromiumSkipReason, launchChromium, openPage, servePage, type PageServer } from './chromium';
import type { suite as PageSuite, Vector } from './chromium-page';
import { echoServer, type EchoServer } from './websocket-server';
import { loadVectors } from '../crypto/load-vectors';
import { curveKeyPair } from '../../src/keys';
import { CURVE } from '../../mechanisms';

const skipReason = chromiumSkipReason();
if (skipReason !== undefined) process.stdout.write(`Chromium tests skipped: ${skipReason}\n`);
const describeInChromium = skipReason === undefined ? describe : describe.skip;

/** Calls `suite[name](...args)` in the page and returns its result. */
function call<K extends keyof typeof PageSuite>(page: Page, name: K, ...args: Parameters<(typeof PageSuite)[K]>) {
  return callPage<typeof PageSuite, K>(page, 'suite', name, ...args);
}

describeInChromium(`in Chromium${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, () => {
  let browser: Browser;
  let pages: PageServer;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    const bundle = await bundleForBrowser(`import './test/browser/chromium-page.ts';`);
    expect(bundle.warnings).toEqual([]);
    [browser, pages] = await Promise.all([launchChromium(), servePage(bundle.code)]);
    ({ page, errors: pageErrors } = await openPage(browser, pages.url));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
  });

  afterEach(() => expect(pageErrors).toEqual([]));

  test('every Wycheproof X25519 vector and low-order point, on WebCrypto and on tweetnacl', async () => {
    const wycheproof = loadVectors<{ testGroups: { tests: Vector[] }[] }>('wycheproof_x25519_test.json').testGroups.flatMap((g) => g.tests);
    const lowOrder = loadVectors<{ points: { public: string }[] }>('x25519_low_order_points.json').points.map((p) => p.public);
    const vectors = wycheproof.map(({ tcId, private: secret, public: point, shared }) => ({ tcId, private: secret, public: point, shared }));
    const zero = wycheproof.filter((t) => /^0{64}$/.test(t.shared)).length;
    const result = await call(page, 'vectors', vectors, lowOrder);
    // Chromium 133 and later have WebCrypto X25519: here its absence is a failure, not a skip.
    for (const [name, backend] of [['webcrypto', result.webcrypto], ['tweetnacl', result.tweetnacl]] as const) {
      expect(backend).toEqual({ backend: name, checked: wycheproof.length, wrong: [], refused: zero, lowOrderAccepted: [] });
    }
    expect(wycheproof.length).toBe(518);
    expect(lowOrder.length).toBeGreaterThan(0);
  });

  describe('CURVE over the stream channel, to the stream adapter behind ws', () => {
    const serverKeys = curveKeyPair();
    const clientKeys = curveKeyPair();
    const seen: string[] = [];
    let server: EchoServer;
    beforeAll(async () => {
      server = await echoServer(CURVE, { secretKey: serverKeys.secretKey }, (request) => {
        seen.push(request.publicKeyZ85!);
        return request.publicKeyZ85 === clientKeys.publicKey;
      });
    });
    afterAll(() => server.close());

    test('1,000 multipart messages, up to 1 MiB, echo intact and in order; the server sees the page\'s key', async () => {
      const echo = await call(page, 'echoStream', server.url, clientKeys.secretKey, serverKeys.publicKey, 1000);
      expect(echo).toMatchObject({ serverKey: serverKeys.publicKey, sent: 1000, received: 1000, mismatches: [] });
      expect(echo.bytes).toBeGreaterThan(10 * (1 << 20)); // the ten 1 MiB parts came back
      expect(seen).toContain(clientKeys.publicKey);
      expect(server.errors).toEqual([]);
    }, 45_000);

    test('with the client\'s X25519 on the page\'s WebCrypto (an asynchronous step), 100 messages echo', async () => {
      const echo = await call(page, 'echoStreamWebCrypto', server.url, clientKeys.secretKey, serverKeys.publicKey, 100);
      expect(echo).toMatchObject({ serverKey: serverKeys.publicKey, sent: 100, received: 100, mismatches: [] });
      expect(server.errors).toEqual([]);
    }, 30_000);

    test('a key the server does not allow: the handshake is refused with ERR_PEER_ERROR 400', async () => {
      const stranger = curveKeyPair();
      await expect(call(page, 'refusedStream', server.url, stranger.secretKey, serverKeys.publicKey)).resolves.toEqual({
        code: 'ERR_PEER_ERROR',
        status: 400,
      });
      expect(seen).toContain(stranger.publicKey);
    });
  });
});
