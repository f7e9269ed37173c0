/**
 * A CURVE client on WebCrypto X25519 (asynchronous steps) over the stream adapter on real TCP,
 * against the normal server: the handshake completes, messages echo, and a refused key is a
 * coded failure, with no change in the adapter (it goes through the HandshakeDriver).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { defaultRegistry } from '../../mechanisms';
import { curveKeyPair } from '../../src';
import { connect, createServer, type SecureStream } from '../../src/adapters/stream';
import { webCryptoX25519, type WebCryptoX25519 } from '../../src/crypto/webcrypto';

const SERVER = curveKeyPair();
const ALLOWED = curveKeyPair();
const REFUSED = curveKeyPair();

let webcrypto: WebCryptoX25519;
beforeAll(async () => {
  const found = await webCryptoX25519();
  expect(found).toBeDefined(); // Node 20 has it
  webcrypto = found!;
});

async function echoServer() {
  const streams: SecureStream[] = [];
  const server = createServer(
    {
      mechanism: 'CURVE',
      registry: defaultRegistry,
      mechanismOptions: { secretKey: SERVER.secretKey },
      authorizer: (request) => request.publicKeyZ85 === ALLOWED.publicKey,
    },
    (stream) => {
      streams.push(stream);
      stream.on('error', () => undefined);
      stream.pipe(stream);
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const close = async () => {
    for (const stream of streams) stream.destroy();
    await server.close();
  };
  return { port, close };
}

function client(port: number, secretKey: string): SecureStream {
  return connect({
    port,
    host: '127.0.0.1',
    mechanism: 'CURVE',
    registry: defaultRegistry,
    mechanismOptions: { secretKey, serverKey: SERVER.publicKey, x25519: webcrypto },
  });
}

describe('stream adapter with a WebCrypto CURVE client', () => {
  test('completes the handshake and echoes messages', async () => {
    const { port, close } = await echoServer();
    const stream = client(port, ALLOWED.secretKey);
    try {
      stream.write('hello');
      stream.write(['multi', 'part']);
      const received: unknown[] = [];
      for await (const message of stream) {
        received.push(message);
        if (received.length === 2) break;
      }
      expect(String(received[0])).toBe('hello');
      expect((received[1] as Buffer[]).map(String)).toEqual(['multi', 'part']);
      const peer = await stream.handshake;
      expect(peer.publicKeyZ85).toBe(SERVER.publicKey);
    } finally {
      stream.destroy();
      await close();
    }
  });

  test('a key the server refuses fails the handshake with a coded error', async () => {
    const { port, close } = await echoServer();
    const stream = client(port, REFUSED.secretKey);
    stream.on('error', () => undefined);
    try {
      await expect(stream.handshake).rejects.toMatchObject({ code: 'ERR_PEER_ERROR' });
    } finally {
      stream.destroy();
      await close();
    }
  });
});
