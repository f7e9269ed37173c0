/**
 * `npm run example:browser`: serves ./index.html and ./page.js (bundled by esbuild for the
 * browser) on http://127.0.0.1:8080/, and a CURVE server on the same port at `ws://…/curve`:
 * the stream adapter (`SecureStream`) behind `ws`, which greets each page by its public key.
 * PORT=0 picks a free port.
 *
 * Why not ZWS 2.0 straight to libzmq: libzmq selects CURVE on `ws://` only by the subprotocol
 * `ZWS2.0/CURVE`, and a browser's `WebSocket` refuses that name (docs/browser.md).
 */
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { CURVE, curveKeyPair, SecureStream } from 'curvezmq';

/** The running example. */
export interface BrowserExample {
  readonly url: string;
  readonly serverKey: string;
  /** The public key of each page that completed a handshake, in order. */
  readonly clients: string[];
  close(): Promise<void>;
}

/** Starts the example on `port` (0 for any free one); `onClient` hears each page's key. */
export async function startExample(port = 8080, onClient?: (publicKeyZ85: string) => void): Promise<BrowserExample> {
  const serverKeys = curveKeyPair();
  const clients: string[] = [];
  // esbuild resolves 'curvezmq/browser' as any bundler would (in this repository, through
  // tsconfig.json's paths, to the sources).
  const bundle = await build({ entryPoints: [join(__dirname, 'page.js')], bundle: true, platform: 'browser', format: 'esm', minify: true, write: false });
  const files: Record<string, [string, string]> = {
    '/': ['text/html; charset=utf-8', readFileSync(join(__dirname, 'index.html'), 'utf8')],
    '/page.js': ['text/javascript; charset=utf-8', bundle.outputFiles[0]!.text],
    '/config.json': ['application/json', JSON.stringify({ serverKey: serverKeys.publicKey })],
  };
  const http = createServer((request, response) => {
    const file = files[(request.url ?? '/').split('?')[0]!];
    if (file === undefined) response.writeHead(404).end();
    else response.writeHead(200, { 'content-type': file[0] }).end(file[1]);
  });

  const makeSession = CURVE.server({ secretKey: serverKeys.secretKey });
  const wss = new WebSocketServer({ server: http, path: '/curve' });
  wss.on('connection', (ws) => {
    const secure = new SecureStream(createWebSocketStream(ws), {
      session: makeSession(),
      wire: CURVE.wire,
      // Any key may connect: a page is known by its key. An allow-list goes here.
      authorizer: () => true,
    });
    secure.on('error', () => secure.destroy());
    secure.handshake.then(
      (peer) => {
        clients.push(peer.publicKeyZ85!);
        onClient?.(peer.publicKeyZ85!);
      },
      () => undefined, // the 'error' listener has it
    );
    secure.on('data', (message: Buffer | Buffer[]) => {
      secure.write([Buffer.from(`hello ${secure.peer!.publicKeyZ85}, you sent`), ...[message].flat()]);
    });
  });

  http.listen(port, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
  return {
    url,
    serverKey: serverKeys.publicKey,
    clients,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      makeSession.close?.();
    },
  };
}

if (require.main === module) {
  const port = process.env.PORT === undefined ? undefined : Number(process.env.PORT);
  startExample(port, (key) => console.log(`a page connected with key ${key}`)).then((example) => {
    console.log(`open ${example.url} (server key ${example.serverKey}); Ctrl-C stops`);
  });
}
