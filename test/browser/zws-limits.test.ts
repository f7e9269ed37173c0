/**
 * The ZWS channel's bounds and misuse: every limit of `src/channel/limits.ts` it takes
 * (`handshakeTimeout`, `maxFrameSize`, `maxBufferedBytes` both ways) against real libzmq
 * sockets on `ws://` where a real peer can break it, and a raw server where only a hostile one
 * would; caller misuse as TypeError/RangeError naming the option.
 */
import * as zmq from 'zeromq';
import { connectZws, type ZwsOptions, type ZwsSocket } from '../../src/adapters/browser';
import { wireTraits } from '../../src/mechanism';
import { CURVE, NULL } from '../../mechanisms';
import { ZwsTestWebSocket, zwsRawServer } from './zws-websocket';

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function connect(url: string, extra: Partial<ZwsOptions> = {}): ZwsSocket {
  const channel = connectZws({ url, WebSocket: ZwsTestWebSocket, mechanism: NULL, ...extra } as ZwsOptions);
  closers.push(() => channel.close());
  return channel;
}

/** A NULL socket of `type` bound on ws://. */
async function bound<T extends zmq.Router | zmq.Publisher>(socket: T): Promise<T> {
  closers.push(() => socket.close());
  await socket.bind('ws://127.0.0.1:*');
  return socket;
}

/** The first error the channel emits. */
function firstError(channel: ZwsSocket): Promise<Error> {
  return new Promise((resolve) => channel.on('error', resolve));
}

/** A raw server that answers each connection by sending `messages` (binary unless strings). */
async function answering(...messages: Array<Uint8Array | string>): Promise<string> {
  const server = await zwsRawServer((ws) => {
    for (const message of messages) ws.send(message, { binary: typeof message !== 'string' });
  });
  closers.push(() => server.close());
  return server.url;
}

describe('after the handshake, from a real libzmq Router', () => {
  test('a frame over maxFrameSize ends the channel with ERR_FRAME_TOO_LARGE', async () => {
    const router = await bound(new zmq.Router({ linger: 0 }));
    const channel = connect(router.lastEndpoint!, { maxFrameSize: 1000 });
    channel.send('hello');
    await channel.handshake;
    const [id] = await router.receive();
    const failed = firstError(channel);
    await router.send([id!, new Uint8Array(1001)]);
    await expect(failed).resolves.toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
  });

  test('a multipart message over maxFrameSize, each part under it, ends it too', async () => {
    const router = await bound(new zmq.Router({ linger: 0 }));
    const channel = connect(router.lastEndpoint!, { maxFrameSize: 1000 });
    channel.send('hello');
    await channel.handshake;
    const [id] = await router.receive();
    const failed = firstError(channel);
    await router.send([id!, new Uint8Array(600), new Uint8Array(600)]);
    await expect(failed).resolves.toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
  });

  test('messages waiting for receive() beyond maxBufferedBytes: ERR_LIMIT_REACHED after those held', async () => {
    const router = await bound(new zmq.Router({ linger: 0 }));
    const channel = connect(router.lastEndpoint!, { maxBufferedBytes: 1000 });
    channel.send('hello');
    await channel.handshake;
    const [id] = await router.receive();
    const failed = firstError(channel);
    for (let i = 0; i < 3; i++) await router.send([id!, new Uint8Array(400).fill(i)]);
    // Nothing is taken before the third message arrives: then 800 + 400 bytes would wait.
    await expect(failed).resolves.toMatchObject({ code: 'ERR_LIMIT_REACHED' });
    await expect(channel.receive()).resolves.toEqual([new Uint8Array(400).fill(0)]);
    await expect(channel.receive()).resolves.toEqual([new Uint8Array(400).fill(1)]);
    await expect(channel.receive()).rejects.toMatchObject({ code: 'ERR_LIMIT_REACHED' });
  });

  test('a PUB is not a DEALER\'s peer: ERR_SOCKET_TYPE_MISMATCH', async () => {
    const pub = await bound(new zmq.Publisher({ linger: 0 }));
    await expect(connect(pub.lastEndpoint!).handshake).rejects.toMatchObject({ code: 'ERR_SOCKET_TYPE_MISMATCH' });
  });
});

describe('before the handshake', () => {
  test('a silent server: ERR_HANDSHAKE_TIMEOUT at handshakeTimeout', async () => {
    const url = await answering();
    const started = Date.now();
    await expect(connect(url, { handshakeTimeout: 200 }).handshake).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  test('a command over the mechanism\'s largest: ERR_FRAME_TOO_LARGE', async () => {
    const command = new Uint8Array(2 + wireTraits(NULL).maxHandshakeSize);
    command[0] = 0x02;
    await expect(connect(await answering(command)).handshake).rejects.toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
  });

  test.each([
    ['a message frame', Uint8Array.of(0x00, 1, 2, 3)],
    ['an empty message', new Uint8Array(0)],
    ['reserved flag bits', Uint8Array.of(0x06, 5, 0x52)],
    ['a command with MORE', Uint8Array.of(0x03, 5, 0x52)],
    ['a text message', 'READY'],
  ])('%s: ERR_PROTOCOL', async (_, message) => {
    await expect(connect(await answering(message)).handshake).rejects.toMatchObject({ code: 'ERR_PROTOCOL' });
  });

  test('messages sent before it are held within maxBufferedBytes, a RangeError beyond', async () => {
    const channel = connect(await answering(), { maxBufferedBytes: 100 });
    channel.send(new Uint8Array(60));
    expect(() => channel.send(new Uint8Array(60))).toThrow(expect.objectContaining({ name: 'RangeError', message: expect.stringContaining('options.maxBufferedBytes') }));
  });
});

describe('misuse', () => {
  const url = 'ws://127.0.0.1:1';
  test.each([
    [{ url: undefined }, TypeError, 'options.url'],
    [{ mechanism: 'NULL' }, TypeError, 'options.registry'],
    [{ mechanism: { name: 'X' } }, TypeError, 'options.mechanism'],
    [{ socketType: 'SUB' }, RangeError, 'options.socketType'],
    [{ handshakeTimeout: 0 }, RangeError, 'options.handshakeTimeout'],
    [{ maxFrameSize: -1 }, RangeError, 'options.maxFrameSize'],
    [{ maxBufferedBytes: 1.5 }, RangeError, 'options.maxBufferedBytes'],
    [{ identity: 'x'.repeat(256) }, RangeError, 'options.identity'],
    [{ metadata: { 'Socket-Type': 'ROUTER' } }, RangeError, 'options.metadata'],
  ])('%p: %p naming %s', (extra, type, name) => {
    expect(() => connectZws({ url, WebSocket: ZwsTestWebSocket, mechanism: NULL, ...extra } as ZwsOptions)).toThrow(
      expect.objectContaining({ name: type.name, message: expect.stringContaining(name) }),
    );
  });

  test('a bad CURVE key is refused before anything opens', () => {
    let opened = 0;
    const Counting = function (this: unknown, ...args: [string, string[]]) {
      opened++;
      return new ZwsTestWebSocket(...args);
    } as unknown as typeof ZwsTestWebSocket;
    expect(() => connectZws({ url, WebSocket: Counting, mechanism: CURVE, mechanismOptions: { secretKey: 'short', serverKey: 'short' } })).toThrow(RangeError);
    expect(opened).toBe(0);
  });

  test('send after close is a StateError; a message of no part a TypeError', async () => {
    const channel = connect(await answering());
    expect(() => channel.send([])).toThrow(TypeError);
    await channel.close();
    expect(() => channel.send('late')).toThrow(expect.objectContaining({ code: 'ERR_MECHANISM_STATE' }));
    await expect(channel.handshake).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
  });
});
