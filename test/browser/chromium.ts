/**
 * Headless Chromium for the browser tests and the browser bench: Debian's `chromium` driven by
 * playwright-core (which downloads no browser), and a local HTTP server for a test page and its
 * esbuild bundle.
 *
 * Why these flags: this machine's network is closed, and without the background-networking ones
 * Chromium opens (and is refused) many connections at each start. playwright's `launch()` gives
 * each browser a fresh, empty profile directory of its own and removes it on close.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Chromium is looked for: `CHROMIUM_PATH` alone when it is set, else Debian's and other distributions' paths. */
const CANDIDATES = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium executable, or `undefined` when this machine has none. */
export function chromiumPath(): string | undefined {
  return CANDIDATES.find((path) => existsSync(path));
}

/** Why the Chromium tests are skipped here, or `undefined` when they run. */
export function chromiumSkipReason(): string | undefined {
  if (chromiumPath() !== undefined) return undefined;
  return process.env.CHROMIUM_PATH
    ? `no Chromium at CHROMIUM_PATH=${process.env.CHROMIUM_PATH}`
    : 'no Chromium found at /usr/bin/chromium (install Debian\'s chromium, as .ci/run does, or set CHROMIUM_PATH)';
}

/** Launches headless Chromium. */
export function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) throw new Error(chromiumSkipReason());
  return chromium.launch({ executablePath, headless: true, args: FLAGS, timeout: 30_000 });
}

/** A local HTTP server of a page and its script. */
export interface PageServer {
  /** The page's address: `http://127.0.0.1:PORT/`, a secure context, so WebCrypto is there. */
  readonly url: string;
  close(): Promise<void>;
}

/** The page: loads `/page.js` as a module; the test reads `globalThis.ready`. */
const HTML = '<!doctype html><meta charset="utf-8"><title>curvezmq</title><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>\n';

/** Serves `/` (a page loading `/page.js`) and `/page.js` (`script`); anything else is a 404. */
export async function servePage(script: string, html = HTML): Promise<PageServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const body = path === '/' ? html : path === '/page.js' ? script : undefined;
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'content-type': path === '/' ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8',
      'cache-control': 'no-store',
    });
    response.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Opens `url` in a new page and waits until its script has set `globalThis.ready`. Errors the
 * page throws or logs are collected, so a failing test can show them.
 */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true, undefined, { timeout: 20_000 });
  return { page, errors };
}

/** Calls `globalThis[object][method](...args)` in the page (set up by chromium-page.ts) and returns its result. */
export function callPage<T extends Record<string, (...args: never[]) => unknown>, K extends keyof T & string>(
  page: Page,
  object: 'suite' | 'bench',
  method: K,
  ...args: Parameters<T[K]>
): Promise<Awaited<ReturnType<T[K]>>> {
  return page.evaluate(
    ([o, m, a]) => (globalThis as unknown as Record<string, Record<string, (...x: unknown[]) => unknown>>)[o]![m]!(...a),
    [object, method, args] as [string, string, unknown[]],
  ) as Promise<Awaited<ReturnType<T[K]>>>;
}
