/**
 * ZWS 2.0 from a real page: Chromium (see ./chromium.test.ts) loads the bundle of
 * ./chromium-page.ts and connects with CURVE to a zeromq.js Router bound on `ws://` running
 * libzmq's native CURVE, with our authorizer as its ZAP handler.
 *
 * What a page gets today is a coded refusal, before anything is sent: libzmq selects CURVE only
 * by the subprotocol `ZWS2.0/CURVE`, and Chromium's `WebSocket` constructor throws a
 * `SyntaxError` for it (`/` is not a token character), so no page can open that channel. The
 * test pins that down against the real browser and the real libzmq; if a browser ever accepts
 * the name, the page runs the 1,000-message echo instead and the test says so by failing.
 */
import * as zmq from 'zeromq';
import type { Browser, Page } from 'playwright-core';
import { bundleForBrowser } from './bundle';
import { callPage, chromiumSkipReason, launchChromium, openPage, servePage, type PageServer } from './chromium';
import type { suite as PageSuite } from './chromium-page';
import { nativeCurveServer, ZapHandler } from '../../src/adapters/zeromq';
import { curveKeyPair } from '../../src/keys';

const skipReason = chromiumSkipReason();
const describeInChromium = skipReason === undefined ? describe : describe.skip;

describeInChromium(`ZWS 2.0 in Chromium${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, () => {
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();
  const requests: string[] = [];
  let browser: Browser;
  let pages: PageServer;
  let page: Page;
  let pageErrors: string[];
  let zap: ZapHandler;
  let router: zmq.Router;

  beforeAll(async () => {
    const bundle = await bundleForBrowser(`import './test/browser/chromium-page.ts';`);
    [browser, pages, zap] = await Promise.all([
      launchChromium(),
      servePage(bundle.code),
      ZapHandler.start({ authorizer: (request) => (requests.push(request.publicKeyZ85!), request.publicKeyZ85 === clientKeys.publicKey) }),
    ]);
    router = new zmq.Router({ ...nativeCurveServer(serverKeys.secretKey), linger: 0, zapDomain: 'web' });
    await router.bind('ws://127.0.0.1:*');
    void (async () => {
      for await (const message of router) await router.send(message);
    })().catch(() => undefined); // ends when the router closes
    ({ page, errors: pageErrors } = await openPage(browser, pages.url));
  }, 60_000);

  afterAll(async () => {
    router?.close();
    zap?.close();
    await browser?.close();
    await pages?.close();
  });

  test('CURVE to libzmq\'s native CURVE on ws://: ERR_PROTOCOL, because Chromium refuses the subprotocol ZWS2.0/CURVE', async () => {
    const outcome = await callPage<typeof PageSuite, 'zws'>(page, 'suite', 'zws', router.lastEndpoint!, clientKeys.secretKey, serverKeys.publicKey, 1000);
    expect(outcome).toEqual({ code: 'ERR_PROTOCOL', cause: 'SyntaxError' });
    expect(requests).toEqual([]); // nothing reached libzmq, so its ZAP handler was never asked
    expect(pageErrors).toEqual([]);
  });
});
