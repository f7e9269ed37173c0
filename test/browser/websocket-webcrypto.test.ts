/**
 * The browser stream channel with a CURVE client on WebCrypto X25519 (`x25519` option): the
 * handshake's steps complete later, and the channel waits for them (issue 19), against the
 * stream adapter behind a real `ws` server. Without `onDecision` in the channel, the driver
 * fails such a client with ERR_PROTOCOL.
 */
import { connectWebSocket, type SecureWebSocket } from '../../src/adapters/browser';
import { curveKeyPair } from '../../src/keys';
import { fromUtf8 } from '../../src/bytes';
import { webCryptoX25519, type WebCryptoX25519 } from '../../src/crypto/webcrypto';
import { CURVE } from '../../mechanisms';
import { echoServer, NodeWebSocket, type EchoServer } from './websocket-server';

const serverKeys = curveKeyPair();
const clientKeys = curveKeyPair();
let webcrypto: WebCryptoX25519;
let server: EchoServer;

beforeAll(async () => {
  const found = await webCryptoX25519();
  if (found === undefined) throw new Error('Node 20 has WebCrypto X25519; this test needs it');
  webcrypto = found;
  server = await echoServer(CURVE, { secretKey: serverKeys.secretKey }, (request) => request.publicKeyZ85 === clientKeys.publicKey);
});
afterAll(() => server.close());

function open(secretKey: string): SecureWebSocket {
  return connectWebSocket({ url: server.url, WebSocket: NodeWebSocket, mechanism: CURVE, mechanismOptions: { secretKey, serverKey: serverKeys.publicKey, x25519: webcrypto } });
}

test('a WebCrypto CURVE client completes its handshake and echoes a multipart message', async () => {
  const channel = open(clientKeys.secretKey);
  try {
    const reply = new Promise<Uint8Array[]>((resolve, reject) => {
      channel.on('message', resolve);
      channel.on('error', reject);
    });
    channel.send(['hello', new Uint8Array(70_000).fill(7)]);
    await expect(channel.handshake).resolves.toMatchObject({ publicKeyZ85: serverKeys.publicKey });
    const parts = await reply;
    expect(fromUtf8(parts[0]!)).toBe('hello');
    expect(parts[1]!.length).toBe(70_000);
  } finally {
    await channel.close();
  }
});

test('a WebCrypto CURVE client whose key is not allowed: ERR_PEER_ERROR', async () => {
  const channel = open(curveKeyPair().secretKey);
  channel.on('error', () => undefined);
  try {
    await expect(channel.handshake).rejects.toMatchObject({ code: 'ERR_PEER_ERROR' });
  } finally {
    await channel.close();
  }
});
