/**
 * The Node side of the browser channel's tests: a `ws` server running the stream adapter on each
 * WebSocket, as test/adapters/stream/examples/websocket.ts does, echoing every message.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, createWebSocketStream } from 'ws';
import { SecureStream } from '../../src/adapters/stream';
import type { Authorizer } from '../../src/auth';
import type { AnyDefinition } from '../../src/mechanism';
import type { WebSocketConstructor } from '../../src/adapters/browser';

/** `ws`'s client, standing in for a page's global `WebSocket` (Node 20 has none). */
export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

/** A listening echo server and the errors its streams ended with. */
export interface EchoServer {
  readonly url: string;
  readonly errors: Error[];
  close(): Promise<void>;
}

/** Serves `definition` (with `serverOptions`) behind `authorizer`, echoing each message. */
export async function echoServer(
  definition: AnyDefinition,
  serverOptions: object,
  authorizer: Authorizer,
): Promise<EchoServer> {
  const sessions = definition.server(serverOptions as never);
  const errors: Error[] = [];
  const server = await rawServer((ws) => {
    const secure = new SecureStream(createWebSocketStream(ws), { session: sessions(), wire: definition.wire, authorizer });
    secure.on('error', (error) => {
      errors.push(error);
      secure.destroy();
    });
    secure.on('data', (message: Buffer | Buffer[]) => secure.write(message));
  });
  return {
    url: server.url,
    errors,
    close: async () => {
      await server.close();
      sessions.close?.();
    },
  };
}

/** A raw `ws` server that hands each connection to `onConnection` (a hostile or silent peer). */
export async function rawServer(onConnection: (ws: WebSocket) => void): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', onConnection);
  await once(wss, 'listening');
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
