/**
 * The WebSocket example of docs/stream.md, run as written (keep the two in step).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, createWebSocketStream } from 'ws';
import { CURVE, curveKeyPair, type PeerIdentity } from '../../../index';
import { connect, SecureStream } from '../../../src/adapters/stream';

test('CURVE over a WebSocket: a ws server and client through createWebSocketStream', async () => {
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();

  // --- docs/stream.md: server ---
  const makeSession = CURVE.server({ secretKey: serverKeys.secretKey });
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => {
    const secure = new SecureStream(createWebSocketStream(ws), {
      session: makeSession(),
      authorizer: (request) => request.publicKeyZ85 === clientKeys.publicKey,
    });
    secure.on('error', () => secure.destroy());
    secure.pipe(secure); // echo
  });

  // --- docs/stream.md: client ---
  await once(wss, 'listening');
  const { port } = wss.address() as AddressInfo;
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  const client = connect({
    socket: createWebSocketStream(ws),
    mechanism: CURVE,
    mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
  });
  client.write('hello over a WebSocket');
  const peer: PeerIdentity = await client.handshake;
  const [reply] = (await once(client, 'data')) as [Buffer];
  // --- end of the example ---

  expect(peer.publicKeyZ85).toBe(serverKeys.publicKey);
  expect(reply.toString()).toBe('hello over a WebSocket');
  client.destroy();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
});
