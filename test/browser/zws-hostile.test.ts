/**
 * The ZWS channel facing a hostile server (a raw WebSocket server speaking `ZWS2.0/CURVE`):
 * whatever bytes come, before or after the handshake, the channel ends with a coded error and
 * never crashes nor delivers a message it did not authenticate (fast-check properties); and the
 * rules a real peer could break after the handshake, one by one.
 */
import fc from 'fast-check';
import type { WebSocket } from 'ws';
import { connectZws, type ZwsSocket } from '../../src/adapters/browser';
import { encodeZwsMessage } from '../../src/adapters/browser/zws-frames';
import { HandshakeDriver, type HandshakeOutcome } from '../../src/channel/handshake';
import { encodeCommand } from '../../src/codec/command';
import { encodePing, parseHeartbeat } from '../../src/codec/heartbeat';
import { allowAny } from '../../src/trust/authorizers';
import { curveKeyPair } from '../../src/keys';
import type { Mechanism } from '../../src/mechanism';
import { CURVE } from '../../mechanisms';
import { ZwsTestWebSocket, zwsRawServer, type ZwsRawServer } from './zws-websocket';

const serverKeys = curveKeyPair();
const clientKeys = curveKeyPair();

/** What the server does with each connection; set by each test or property run. */
let onConnection: (ws: WebSocket) => void = () => undefined;
let server: ZwsRawServer;
beforeAll(async () => {
  server = await zwsRawServer((ws) => onConnection(ws));
});
afterAll(() => server.close());

const opened: ZwsSocket[] = [];
afterEach(async () => {
  onConnection = () => undefined;
  await Promise.all(opened.splice(0).map((channel) => channel.close()));
});

function connect(): ZwsSocket {
  const channel = connectZws({
    url: server.url,
    WebSocket: ZwsTestWebSocket,
    mechanism: CURVE,
    mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
    handshakeTimeout: 5_000,
  });
  opened.push(channel);
  return channel;
}

/**
 * A CURVE server driven by hand on `ws`: once ready, `onReady` gets the session (to seal what
 * it sends); each part the page sends afterwards goes to `onPart`.
 */
function curveServer(ws: WebSocket, onReady: (session: Mechanism) => void, onPart: (data: Uint8Array, command: boolean) => void = () => undefined): void {
  const session = CURVE.server({ secretKey: serverKeys.secretKey })();
  const follow = (outcome: HandshakeOutcome): void => {
    for (const blob of outcome.send) ws.send(encodeZwsMessage(blob, false, true));
    if (outcome.state === 'ready') onReady(session);
  };
  const driver = new HandshakeDriver(session, { authorizer: allowAny(), onDecision: follow });
  follow(driver.start());
  ws.on('message', (data: Buffer) => {
    const frame = new Uint8Array(data).subarray(1);
    if (driver.pending) follow(driver.receive(frame));
    else {
      const part = session.decode(frame);
      onPart(part.data, part.command);
    }
  });
}

/** Binary or text messages a server might send. */
const messages = fc.array(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 40 })), { maxLength: 6 });

/** Where the channel ended: its handshake outcome, every error emitted, and messages delivered. */
async function ending(channel: ZwsSocket): Promise<{ handshake: unknown; errors: Error[]; delivered: number }> {
  const errors: Error[] = [];
  let delivered = 0;
  channel.on('error', (error) => errors.push(error));
  channel.on('message', () => delivered++);
  const closed = new Promise<void>((resolve) => channel.on('close', resolve));
  const handshake = await channel.handshake.then(() => 'ready', (error: unknown) => error);
  await closed;
  return { handshake, errors, delivered };
}

const coded = (error: unknown): boolean => error instanceof Error && typeof (error as { code?: unknown }).code === 'string';

test('random server bytes during the handshake: a coded rejection, never a crash', async () => {
  await fc.assert(
    fc.asyncProperty(messages, async (script) => {
      onConnection = (ws) => {
        for (const message of script) ws.send(message, { binary: typeof message !== 'string' });
        ws.close();
      };
      const { handshake, errors } = await ending(connect());
      expect(coded(handshake)).toBe(true);
      expect(errors.every(coded)).toBe(true);
    }),
    { numRuns: 60 },
  );
});

test('random server bytes after the handshake: coded errors only, no message delivered', async () => {
  await fc.assert(
    fc.asyncProperty(messages, async (script) => {
      onConnection = (ws) =>
        curveServer(ws, () => {
          for (const message of script) ws.send(message, { binary: typeof message !== 'string' });
          ws.close();
        });
      const { handshake, errors, delivered } = await ending(connect());
      expect(handshake).toBe('ready');
      expect(errors.every(coded)).toBe(true);
      expect(delivered).toBe(0);
    }),
    { numRuns: 40 },
  );
});

describe('after the handshake', () => {
  test('a sealed MESSAGE in a frame with outer MORE: ERR_PROTOCOL', async () => {
    onConnection = (ws) =>
      curveServer(ws, (session) => {
        const sealed = session.encode(new Uint8Array([1, 2, 3]), { more: false });
        ws.send(encodeZwsMessage(sealed, true, false));
      });
    const channel = connect();
    const failed = new Promise<Error>((resolve) => channel.on('error', resolve));
    await channel.handshake;
    await expect(failed).resolves.toMatchObject({ code: 'ERR_PROTOCOL' });
  });

  test('a PING gets its PONG, with the context', async () => {
    let pong: Uint8Array | undefined;
    onConnection = (ws) => {
      let sealer: Mechanism;
      curveServer(
        ws,
        (session) => {
          sealer = session;
          ws.send(encodeZwsMessage(session.encode(encodePing(0, Uint8Array.of(7, 7)), { command: true }), false, false));
        },
        (data, command) => {
          if (!command) return;
          pong = data;
          ws.send(encodeZwsMessage(sealer.encode(new TextEncoder().encode('seen')), false, false));
        },
      );
    };
    const channel = connect();
    await channel.handshake;
    expect((await channel.receive()).map((part) => new TextDecoder().decode(part))).toEqual(['seen']);
    expect(parseHeartbeat(pong!)).toMatchObject({ name: 'PONG', context: Uint8Array.of(7, 7) });
  });

  test('an ERROR command: ERR_PEER_ERROR with the reason', async () => {
    onConnection = (ws) =>
      curveServer(ws, (session) => {
        const reason = Uint8Array.of(3, ...new TextEncoder().encode('bye'));
        ws.send(encodeZwsMessage(session.encode(encodeCommand('ERROR', reason), { command: true }), false, false));
      });
    const channel = connect();
    const failed = new Promise<Error>((resolve) => channel.on('error', resolve));
    await channel.handshake;
    await expect(failed).resolves.toMatchObject({ code: 'ERR_PEER_ERROR', reason: 'bye' });
  });
});
