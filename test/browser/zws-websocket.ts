/**
 * WebSockets that carry ZWS 2.0's subprotocols, for the ZWS channel's tests in Node.
 *
 * Why not `ws` as it is: its client and server apply the standard API's rule that a subprotocol
 * is an RFC 7230 token, exactly as Chromium does, and `ZWS2.0/CURVE` is not one. So these
 * helpers do the HTTP upgrade themselves (node:http) and hand the upgraded TCP socket to a `ws`
 * WebSocket, which does all the framing (masking as a client, unmasking as a server). Real TCP,
 * real RFC 6455 frames; only the subprotocol check is not applied.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { WebSocketConstructor } from '../../src/adapters/browser';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_PAYLOAD = 64 * 1024 * 1024;

function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** `ws`'s internals this file drives: a WebSocket made without an address is waiting for a socket. */
interface Unopened {
  _isServer: boolean;
  _protocol: string;
  _req: http.ClientRequest | null;
  setSocket(socket: Socket, head: Buffer, options: object): void;
  emitClose(): void;
}

function unopened(asServer: boolean): WebSocket {
  const ws = new (WebSocket as unknown as new (address: null, protocols: undefined, options: object) => WebSocket)(null, undefined, { autoPong: true });
  (ws as unknown as Unopened)._isServer = asServer;
  // As a page's WebSocket: an 'error' nobody listens to is no crash (the channel's own
  // listener, added with addEventListener, still gets it).
  ws.on('error', () => undefined);
  return ws;
}

/**
 * A WebSocket constructor (client) that offers any subprotocol and accepts the server's choice
 * only when it is one it offered.
 */
export const ZwsTestWebSocket = class {
  constructor(address: string, protocols?: string | string[]) {
    const url = new URL(address);
    const offered = protocols === undefined ? [] : [protocols].flat();
    const key = randomBytes(16).toString('base64');
    const ws = unopened(false);
    const inner = ws as unknown as Unopened;
    const request = http.request({
      host: url.hostname,
      port: Number(url.port),
      path: url.pathname + url.search,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': key,
        ...(offered.length > 0 ? { 'Sec-WebSocket-Protocol': offered.join(', ') } : {}),
      },
    });
    inner._req = request; // so that close() before the upgrade aborts the request
    const fail = (message: string): void => {
      inner._req = null;
      request.destroy();
      ws.emit('error', new Error(message));
      inner.emitClose();
    };
    request.on('error', (error) => fail(error.message));
    request.on('response', (response) => fail(`unexpected server response: ${response.statusCode}`));
    request.on('upgrade', (response: http.IncomingMessage, socket: Socket, head: Buffer) => {
      inner._req = null;
      const chosen = response.headers['sec-websocket-protocol'];
      if (response.headers['sec-websocket-accept'] !== acceptKey(key) || (chosen !== undefined && !offered.includes(chosen))) {
        socket.destroy();
        return fail('the server answered the upgrade wrongly');
      }
      inner._protocol = chosen ?? '';
      inner.setSocket(socket, head, { allowSynchronousEvents: true, maxPayload: MAX_PAYLOAD, skipUTF8Validation: false });
    });
    request.end();
    return ws as unknown as this;
  }
} as unknown as WebSocketConstructor;

/** A raw ZWS server: accepts any upgrade, answers with the first subprotocol offered. */
export interface ZwsRawServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves raw WebSockets speaking any subprotocol: `onConnection` gets each (a hostile peer). */
export async function zwsRawServer(onConnection: (ws: WebSocket, protocol: string) => void): Promise<ZwsRawServer> {
  const sockets = new Set<Socket>();
  const server = http.createServer((_, response) => response.writeHead(400).end());
  server.on('upgrade', (request: http.IncomingMessage, socket: Socket, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const protocol = String(request.headers['sec-websocket-protocol'] ?? '').split(',')[0]!.trim();
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${acceptKey(String(request.headers['sec-websocket-key']))}\r\n` +
        (protocol === '' ? '' : `Sec-WebSocket-Protocol: ${protocol}\r\n`) +
        '\r\n',
    );
    const ws = unopened(true);
    (ws as unknown as Unopened).setSocket(socket, head, { allowSynchronousEvents: true, maxPayload: MAX_PAYLOAD, skipUTF8Validation: false });
    onConnection(ws, protocol);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
