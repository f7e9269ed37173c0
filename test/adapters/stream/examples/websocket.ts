import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, createWebSocketStream } from 'ws';
import { connect, CURVE, curveKeyPair, SecureStream, type PeerIdentity } from 'curvezmq';

/** CURVE over a WebSocket: the server's key as the client saw it, and the echoed message. */
export async function overWebSocket(): Promise<{ peer: PeerIdentity; reply: string; serverKey: string }> {
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();

  // Server: one SecureStream per WebSocket, sessions from one factory (shared cookie keys).
  const makeSession = CURVE.server({ secretKey: serverKeys.secretKey });
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => {
    const secure = new SecureStream(createWebSocketStream(ws), {
      session: makeSession(),
      wire: CURVE.wire, // holds an unauthenticated peer to CURVE's largest handshake command
      authorizer: (request) => request.publicKeyZ85 === clientKeys.publicKey,
    });
    secure.on('error', () => secure.destroy());
    secure.pipe(secure); // echo
  });

  // Client
  await once(wss, 'listening');
  const { port } = wss.address() as AddressInfo;
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  const client = connect({
    socket: createWebSocketStream(ws),
    mechanism: CURVE,
    mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
  });
  client.write('hello over a WebSocket');
  const peer = await client.handshake; // peer.publicKeyZ85 === serverKeys.publicKey
  const [reply] = (await once(client, 'data')) as [Buffer];

  client.destroy();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  return { peer, reply: String(reply), serverKey: serverKeys.publicKey };
}
