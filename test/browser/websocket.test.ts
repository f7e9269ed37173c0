/**
 * The browser stream channel (`connectWebSocket`) against the stream adapter behind a real `ws`
 * server over TCP: CURVE, PLAIN and NULL handshakes, multipart echo up to 1 MiB, refusals and
 * faults as coded errors, and misuse as TypeError/RangeError naming the option.
 */
import { connectWebSocket, type SecureWebSocket } from '../../src/adapters/browser';
import { allowAny } from '../../src/trust/authorizers';
import { curveKeyPair } from '../../src/keys';
import { utf8, fromUtf8 } from '../../src/bytes';
import { CURVE, NULL, PLAIN } from '../../mechanisms';
import { echoServer, NodeWebSocket, rawServer, type EchoServer } from './websocket-server';
import { HandshakeDriver, type HandshakeOutcome } from '../../src/channel/handshake';
import { encodePing, parseHeartbeat } from '../../src/codec/heartbeat';
import { encodeFrames, FrameReader } from '../../src/adapters/browser/frames';
import type { WebSocket } from 'ws';

/**
 * A CURVE server driven by hand over a raw `ws` socket: once ready it sends `command` as a
 * command part, and resolves with the first command part the page sends back.
 */
function commandServer(ws: WebSocket, command: Uint8Array): Promise<Uint8Array> {
  const session = CURVE.server({ secretKey: serverKeys.secretKey })();
  return new Promise((resolve) => {
    const follow = (outcome: HandshakeOutcome): void => {
      if (outcome.send.length > 0) ws.send(encodeFrames(outcome.send));
      if (outcome.state === 'ready') ws.send(encodeFrames([session.encode(command, { command: true })]));
    };
    const driver = new HandshakeDriver(session, { authorizer: allowAny(), onDecision: follow });
    const reader = new FrameReader(1 << 20);
    follow(driver.start());
    ws.on('message', (data: Buffer) =>
      reader.push(new Uint8Array(data), (frame) => {
        if (driver.pending) follow(driver.receive(frame));
        else {
          const part = session.decode(frame);
          if (part.command) resolve(part.data);
        }
        return true;
      }));
  });
}

const serverKeys = curveKeyPair();
const clientKeys = curveKeyPair();

/** The next message the channel receives. */
function nextMessage(channel: SecureWebSocket): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    channel.on('message', resolve);
    channel.on('error', reject);
  });
}

describe('CURVE to the stream adapter behind ws', () => {
  let server: EchoServer;
  beforeAll(async () => {
    server = await echoServer(CURVE, { secretKey: serverKeys.secretKey }, (request) => request.publicKeyZ85 === clientKeys.publicKey);
  });
  afterAll(() => server.close());

  function connect(secretKey = clientKeys.secretKey, extra: object = {}): SecureWebSocket {
    return connectWebSocket({
      url: server.url,
      WebSocket: NodeWebSocket,
      mechanism: CURVE,
      mechanismOptions: { secretKey, serverKey: serverKeys.publicKey },
      ...extra,
    });
  }

  test('the handshake resolves with the server\'s key; messages sent before it arrive after', async () => {
    const channel = connect();
    channel.send('sent before the handshake');
    const reply = nextMessage(channel);
    await expect(channel.handshake).resolves.toMatchObject({ publicKeyZ85: serverKeys.publicKey });
    expect((await reply).map(fromUtf8)).toEqual(['sent before the handshake']);
    const closed = new Promise<void>((resolve) => channel.on('close', resolve));
    await channel.close();
    await closed;
  });

  test('multipart messages up to 1 MiB echo intact, in order', async () => {
    const channel = connect();
    await channel.handshake;
    const big = new Uint8Array(1024 * 1024).map((_, i) => (i * 7) & 0xff);
    const received: Uint8Array[][] = [];
    const all = new Promise<void>((resolve, reject) => {
      channel.on('error', reject);
      channel.on('message', (parts) => {
        received.push(parts);
        if (received.length === 200) resolve();
      });
    });
    for (let i = 0; i < 199; i++) channel.send([utf8(`head ${i}`), new Uint8Array(i), 'tail']);
    channel.send([big, utf8('after'), big.subarray(3, 70_000)]);
    await all;
    expect(received.slice(0, 199).map((parts) => [fromUtf8(parts[0]!), parts[1]!.length, fromUtf8(parts[2]!)]))
      .toEqual(Array.from({ length: 199 }, (_, i) => [`head ${i}`, i, 'tail']));
    const last = received[199]!;
    expect(last).toHaveLength(3);
    expect(Buffer.compare(last[0]!, big)).toBe(0);
    expect(fromUtf8(last[1]!)).toBe('after');
    expect(Buffer.compare(last[2]!, big.subarray(3, 70_000))).toBe(0);
    await channel.close();
  });

  test('a key the server does not allow is refused: ERR_PEER_ERROR 400 on the page, ERR_AUTH_DENIED on the server', async () => {
    const channel = connect(curveKeyPair().secretKey);
    const reported = new Promise<Error>((resolve) => channel.on('error', resolve));
    await expect(channel.handshake).rejects.toMatchObject({ code: 'ERR_PEER_ERROR', status: 400 });
    await expect(reported).resolves.toMatchObject({ code: 'ERR_PEER_ERROR' });
    await channel.close();
    expect(server.errors.some((error) => (error as { code?: string }).code === 'ERR_AUTH_DENIED')).toBe(true);
  });

  test('a multipart message over maxFrameSize: ERR_FRAME_TOO_LARGE', async () => {
    const channel = connect(undefined, { maxFrameSize: 1000 });
    await channel.handshake;
    const reported = new Promise<Error>((resolve) => channel.on('error', resolve));
    channel.send([new Uint8Array(400), new Uint8Array(400), new Uint8Array(400)]); // the server echoes it
    await expect(reported).resolves.toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
    await channel.close();
  });

  test('close() during the handshake rejects it with ERR_CHANNEL_CLOSED and resolves', async () => {
    const channel = connect();
    const closing = channel.close();
    await expect(channel.handshake).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
    await expect(closing).resolves.toBeUndefined();
    expect(() => channel.send('late')).toThrow(/closed/);
  });
});

describe.each([
  ['PLAIN', PLAIN, { username: 'u', password: 'p' }, {}],
  ['NULL', NULL, {}, {}],
] as const)('%s to the stream adapter behind ws', (_name, definition, clientOptions, serverOptions) => {
  test('handshake and echo', async () => {
    const server = await echoServer(definition, serverOptions, allowAny());
    const channel = connectWebSocket({ url: server.url, WebSocket: NodeWebSocket, mechanism: definition, mechanismOptions: clientOptions } as never);
    await channel.handshake;
    const reply = nextMessage(channel);
    channel.send(['one', 'two']);
    expect((await reply).map(fromUtf8)).toEqual(['one', 'two']);
    await channel.close();
    await server.close();
  });
});

describe('a hostile or silent server', () => {
  test('no answer: ERR_HANDSHAKE_TIMEOUT after handshakeTimeout', async () => {
    const server = await rawServer(() => undefined);
    const channel = connectWebSocket({ url: server.url, WebSocket: NodeWebSocket, mechanism: NULL, handshakeTimeout: 150 });
    await expect(channel.handshake).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
    await channel.close();
    await server.close();
  });

  test('a frame header over the largest handshake command: ERR_FRAME_TOO_LARGE before its body comes', async () => {
    const server = await rawServer((ws) => ws.send(Uint8Array.of(0x00, 0x10, 0x00, 0x00)));
    const channel = connectWebSocket({
      url: server.url,
      WebSocket: NodeWebSocket,
      mechanism: CURVE,
      mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
      handshakeTimeout: 5_000, // without the check, the handshake would only time out
    });
    await expect(channel.handshake).rejects.toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
    await channel.close();
    await server.close();
  });

  test('a text message: ERR_PROTOCOL', async () => {
    const server = await rawServer((ws) => ws.send('hello'));
    const channel = connectWebSocket({ url: server.url, WebSocket: NodeWebSocket, mechanism: NULL });
    await expect(channel.handshake).rejects.toMatchObject({ code: 'ERR_PROTOCOL' });
    await channel.close();
    await server.close();
  });

  test('a PING is answered with a PONG carrying its context; a PING without its TTL ends the channel with ERR_PROTOCOL', async () => {
    let answered!: Promise<Uint8Array>;
    const server = await rawServer((ws) => (answered = commandServer(ws, encodePing(10, utf8('ctx')))));
    const channel = connectWebSocket({
      url: server.url,
      WebSocket: NodeWebSocket,
      mechanism: CURVE,
      mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
    });
    await channel.handshake;
    const pong = parseHeartbeat(await answered);
    expect(pong?.name).toBe('PONG');
    expect(fromUtf8(pong!.context)).toBe('ctx');
    await channel.close();
    await server.close();

    const bad = await rawServer((ws) => void commandServer(ws, encodePing().subarray(0, 5)));
    const refused = connectWebSocket({
      url: bad.url,
      WebSocket: NodeWebSocket,
      mechanism: CURVE,
      mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
    });
    const reported = new Promise<Error>((resolve) => refused.on('error', resolve));
    await refused.handshake;
    await expect(reported).resolves.toMatchObject({ code: 'ERR_PROTOCOL' });
    await refused.close();
    await bad.close();
  });

  test('the server going away mid-handshake: ERR_CHANNEL_CLOSED', async () => {
    const server = await rawServer((ws) => ws.close());
    const channel = connectWebSocket({ url: server.url, WebSocket: NodeWebSocket, mechanism: NULL });
    await expect(channel.handshake).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
    await channel.close();
    await server.close();
  });
});

describe('misuse', () => {
  test('TypeError or RangeError naming the option', () => {
    const base = { WebSocket: NodeWebSocket, mechanism: NULL } as const;
    expect(() => connectWebSocket({ ...base })).toThrow(/"options.url"/);
    expect(() => connectWebSocket({ mechanism: NULL, url: 'ws://127.0.0.1:1', WebSocket: undefined })).toThrow(TypeError);
    expect(() => connectWebSocket({ ...base, url: 'ws://127.0.0.1:1', handshakeTimeout: 0 })).toThrow(/options.handshakeTimeout/);
    expect(() => connectWebSocket({ ...base, url: 'ws://127.0.0.1:1', maxFrameSize: -1 })).toThrow(RangeError);
    expect(() => connectWebSocket({ ...base, url: 'ws://127.0.0.1:1', socket: {} as never })).toThrow(/"options.socket"/);
    expect(() => connectWebSocket({ url: 'ws://127.0.0.1:1', mechanism: 'NULL' } as never)).toThrow(/"options.registry"/);
  });

  test('messages held before the handshake are capped by maxBufferedBytes; a bad part is a TypeError', async () => {
    const server = await rawServer(() => undefined);
    const channel = connectWebSocket({ url: server.url, WebSocket: NodeWebSocket, mechanism: NULL, maxBufferedBytes: 1000 });
    channel.send(new Uint8Array(600));
    expect(() => channel.send(new Uint8Array(600))).toThrow(/options.maxBufferedBytes/);
    expect(() => channel.send([utf8('a'), 42 as never])).toThrow(/"message\[1\]"/);
    expect(() => channel.send([])).toThrow(TypeError);
    await channel.close();
    await expect(channel.handshake).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
    await server.close();
  });
});
