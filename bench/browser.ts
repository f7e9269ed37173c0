/**
 * The browser part of `npm run bench`: in headless Chromium (see test/browser/chromium.ts), the
 * page's figures over the stream channel to the Node stream adapter behind `ws` on loopback:
 * CURVE handshakes per second, 64 KiB messages echoed per second, and X25519 per second on each
 * crypto backend a page has (WebCrypto and tweetnacl).
 *
 * The WebCrypto row's handshakes run the client's X25519 on WebCrypto (the CURVE `x25519`
 * option, an asynchronous step: docs/mechanism.md); its messages still seal on tweetnacl, since
 * WebCrypto has no XSalsa20-Poly1305, so it has no message figure of its own.
 *
 * Run alone: `node --require ./bench/register.js bench/browser.ts` (BENCH_QUICK=1 for a short run).
 */
import type { Browser } from 'playwright-core';
import { bundleForBrowser } from '../test/browser/bundle';
import { callPage, chromiumSkipReason, launchChromium, openPage, servePage, type PageServer } from '../test/browser/chromium';
import type { bench as PageBench } from '../test/browser/chromium-page';
import { echoServer } from '../test/browser/websocket-server';
import { allowAny } from '../src/trust/authorizers';
import { curveKeyPair } from '../src/keys';
import { CURVE } from '../mechanisms';

/** The figures of one run, per second; `null` where a backend cannot do it in a page. */
export interface BrowserFigures {
  chromium: string;
  backends: {
    name: 'tweetnacl' | 'webcrypto';
    x25519PerSecond: number | null;
    handshakesPerSecond: number | null;
    echoes64KiBPerSecond: number | null;
  }[];
}

/** Options of {@link runBrowser}. */
export interface BrowserBenchOptions {
  /** Milliseconds each rate is measured for (default 2,000). */
  readonly milliseconds?: number;
  /** 64 KiB messages echoed in the message figure (default 400). */
  readonly messages?: number;
  readonly log?: (line: string) => void;
}

/** Runs the browser figures, or resolves `null` (after one log line) when no Chromium is found. */
export async function runBrowser(options: BrowserBenchOptions = {}): Promise<BrowserFigures | null> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const skip = chromiumSkipReason();
  if (skip !== undefined) {
    log(`  browser: skipped, ${skip}`);
    return null;
  }
  const milliseconds = options.milliseconds ?? 2_000;
  const messages = options.messages ?? 400;
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();
  const server = await echoServer(CURVE, { secretKey: serverKeys.secretKey }, allowAny());
  let browser: Browser | undefined;
  let pages: PageServer | undefined;
  try {
    const bundle = await bundleForBrowser(`import './test/browser/chromium-page.ts';`);
    [browser, pages] = await Promise.all([launchChromium(), servePage(bundle.code)]);
    const { page, errors } = await openPage(browser, pages.url);
    const call = <K extends keyof typeof PageBench>(name: K, ...args: Parameters<(typeof PageBench)[K]>) =>
      callPage<typeof PageBench, K>(page, 'bench', name, ...args);
    const keys = [server.url, clientKeys.secretKey, serverKeys.publicKey] as const;
    log(`  browser: Chromium ${browser.version()}, X25519 on each backend`);
    const x25519 = await call('x25519', milliseconds);
    log('  browser: CURVE handshakes (tweetnacl)');
    const handshakes = await call('handshakes', milliseconds, ...keys);
    log('  browser: CURVE handshakes (client X25519 on WebCrypto)');
    const webHandshakes = await call('webCryptoHandshakes', milliseconds, ...keys);
    log(`  browser: ${messages} messages of 64 KiB echoed (tweetnacl)`);
    const echoes = await call('echoes', messages, 64 * 1024, ...keys);
    if (errors.length > 0) throw new Error(`the page reported: ${errors.join('; ')}`);
    return {
      chromium: browser.version(),
      backends: [
        { name: 'tweetnacl', x25519PerSecond: x25519.tweetnacl, handshakesPerSecond: handshakes, echoes64KiBPerSecond: echoes },
        { name: 'webcrypto', x25519PerSecond: x25519.webcrypto, handshakesPerSecond: webHandshakes, echoes64KiBPerSecond: null },
      ],
    };
  } finally {
    await browser?.close();
    await pages?.close();
    await server.close();
  }
}

/** The figures as a Markdown table. */
export function renderBrowserTable(figures: BrowserFigures): string {
  const rate = (value: number | null, why: string) => (value === null ? why : Math.round(value).toLocaleString('en-US'));
  let out = `\n### In the browser (Chromium ${figures.chromium}, page to the stream adapter behind ws on loopback)\n\n`;
  out += '| crypto backend in the page | X25519 /s | CURVE handshakes /s | 64 KiB messages echoed /s |\n';
  out += '| --- | --- | --- | --- |\n';
  for (const b of figures.backends) {
    out += `| ${b.name} | ${rate(b.x25519PerSecond, 'absent')} | ${rate(b.handshakesPerSecond, 'absent')} | ${rate(b.echoes64KiBPerSecond, 'n/a: no XSalsa20-Poly1305')} |\n`;
  }
  return out;
}

if (require.main === module) {
  const quick = process.env.BENCH_QUICK === '1';
  runBrowser(quick ? { milliseconds: 500, messages: 100 } : {})
    .then((figures) => {
      if (figures !== null) process.stdout.write(renderBrowserTable(figures));
      process.exit(0);
    })
    .catch((error: Error) => {
      process.stderr.write(`${error.stack ?? error.message}\n`);
      process.exit(1);
    });
}
