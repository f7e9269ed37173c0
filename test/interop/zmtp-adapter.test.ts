/**
 * The ZMTP adapter against itself and against raw bytes: every way a peer can misbehave ends in
 * a typed error on the connection (never a crash or a hang), and caller misuse throws.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { defaultRegistry } from '../../mechanisms';
import { CURVE } from '../../mechanisms/curve';
import { ChannelError, curveKeyPair, MechanismError, MechanismRegistry } from '../../src';
import {
  connectZmtp,
  encodeFrame,
  encodeGreeting,
  listenZmtp,
  type ZmtpConnection,
  type ZmtpListenOptions,
  type ZmtpListenBaseOptions,
  type AuthorizerChoice,
  type ZmtpServer,
} from '../../src/adapters/zmtp';
import { Closers, digest, messageAt } from './helpers';

const closers = new Closers();
afterEach(() => closers.closeAll());

const SERVER = curveKeyPair();
const CLIENT = curveKeyPair();

async function curveServer(extra: Partial<ZmtpListenBaseOptions & AuthorizerChoice> = {}): Promise<ZmtpServer> {
  return closers.add(
    await listenZmtp({
      registry: defaultRegistry,
      mechanism: 'CURVE',
      mechanismOptions: { secretKey: SERVER.secretKey },
      authorizer: () => true,
      ...extra,
    }),
    (s) => s.close(),
  );
}

/** The client takes CURVE as a definition; {@link curveServer} takes it by name. */
function curveClient(port: number): Promise<ZmtpConnection> {
  return connectZmtp({
    mechanism: CURVE,
    mechanismOptions: { secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey },
    port,
  });
}

/** A raw TCP socket to `server`, for writing bytes no honest peer sends. */
async function rawSocket(server: ZmtpServer): Promise<net.Socket> {
  const socket = closers.add(net.connect({ host: '127.0.0.1', port: server.address().port }), (s) => s.destroy());
  await once(socket, 'connect');
  // Read (and drop) what the server sends, so that its FIN is seen and 'close' follows.
  socket.resume();
  return socket;
}

function nextHandshakeError(server: ZmtpServer): Promise<Error> {
  return new Promise((resolve) => server.once('handshakeError', resolve));
}

function nextConnection(server: ZmtpServer): Promise<ZmtpConnection> {
  return new Promise((resolve) => server.once('connection', resolve));
}

describe('ZMTP adapter, both ends ours', () => {
  test('CURVE round trip: multipart messages cross in both directions; the peers see each other', async () => {
    const server = await curveServer({ socketType: 'ROUTER', metadata: { 'X-Role': 'server' } });
    const served = nextConnection(server);
    const client = closers.add(await curveClient(server.address().port), (c) => c.close());
    const connection = await served;
    expect(client.peer?.metadata.toRecord()).toEqual({ 'Socket-Type': 'ROUTER', Identity: '', 'X-Role': 'server' });
    expect(connection.peer?.publicKeyZ85).toBe(CLIENT.publicKey);
    expect(connection.peerGreeting?.asServer).toBe(false);
    expect(client.peerGreeting?.asServer).toBe(true);
    for (let i = 0; i < 30; i++) {
      await client.send(messageAt(i));
      await connection.send(messageAt(i + 1));
    }
    for (let i = 0; i < 30; i++) {
      expect(digest(await connection.receive())).toBe(digest(messageAt(i)));
      expect(digest(await client.receive())).toBe(digest(messageAt(i + 1)));
    }
  });

  test('queued messages are still delivered after the peer hangs up; then receive and send reject', async () => {
    const server = await curveServer();
    const served = nextConnection(server);
    const client = await curveClient(server.address().port);
    const connection = await served;
    const closed = once(connection, 'close');
    await client.send([Buffer.from('last'), Buffer.from('words')]);
    client.close();
    const [error] = (await closed) as [ChannelError];
    expect(error.code).toBe('ERR_CHANNEL_CLOSED');
    expect((await connection.receive()).map((part) => Buffer.from(part).toString())).toEqual(['last', 'words']);
    await expect(connection.receive()).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
    await expect(connection.send(Buffer.from('x'))).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
    await expect(client.send(Buffer.from('x'))).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
  });

  test('a receiver that falls 3,000 messages behind pauses its socket and catches up in order', async () => {
    const server = await curveServer();
    const served = nextConnection(server);
    const client = closers.add(await curveClient(server.address().port), (c) => c.close());
    const connection = await served;
    for (let i = 0; i < 3_000; i++) await client.send(Buffer.from(String(i)));
    for (let i = 0; i < 3_000; i++) expect(Buffer.from((await connection.receive())[0]!).toString()).toBe(String(i));
  });

  test('a PLAIN client at a CURVE server: both sides report ERR_MECHANISM_MISMATCH', async () => {
    const server = await curveServer();
    const refused = nextHandshakeError(server);
    const attempt = connectZmtp({
      registry: defaultRegistry,
      mechanism: 'PLAIN',
      mechanismOptions: { username: 'u', password: 'p' },
      port: server.address().port,
    });
    await expect(attempt).rejects.toMatchObject({ name: 'ChannelError', code: 'ERR_MECHANISM_MISMATCH' });
    expect(await refused).toMatchObject({ name: 'ChannelError', code: 'ERR_MECHANISM_MISMATCH' });
  });

  test('a PUSH client at a DEALER server: the server refuses the pair with ERR_SOCKET_TYPE_MISMATCH', async () => {
    const server = closers.add(
      await listenZmtp({ registry: defaultRegistry, mechanism: 'NULL', authorizer: () => true }),
      (s) => s.close(),
    );
    const refused = nextHandshakeError(server);
    const attempt = connectZmtp({ registry: defaultRegistry, mechanism: 'NULL', socketType: 'PUSH', port: server.address().port });
    await expect(attempt).rejects.toBeInstanceOf(ChannelError);
    expect(await refused).toMatchObject({ code: 'ERR_SOCKET_TYPE_MISMATCH' });
  });

  test('an authorizer that throws denies (500): the client gets ERROR "500"', async () => {
    const server = await curveServer({
      authorizer: () => {
        throw new Error('database down');
      },
    });
    await expect(curveClient(server.address().port)).rejects.toMatchObject({
      name: 'MechanismError',
      code: 'ERR_PEER_ERROR',
      status: 500,
    });
  });

  test('closing the server closes its session factory, which wipes CURVE\'s cookie keys', async () => {
    let closes = 0;
    const registry = new MechanismRegistry().register({
      name: 'CURVE',
      client: CURVE.client,
      server: (options) => {
        const sessions = CURVE.server(options);
        return Object.assign(() => sessions(), { close: () => (closes++, sessions.close!()) });
      },
    });
    const server = await listenZmtp({ registry, mechanism: 'CURVE', mechanismOptions: { secretKey: SERVER.secretKey }, authorizer: () => true });
    const client = await connectZmtp({ registry, mechanism: 'CURVE', mechanismOptions: { secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey }, port: server.address().port });
    client.close();
    expect(closes).toBe(0);
    await server.close();
    expect(closes).toBe(1);
  });
});

describe('ZMTP adapter against raw bytes', () => {
  test('a peer that never speaks: ERR_HANDSHAKE_TIMEOUT', async () => {
    const server = await curveServer({ handshakeTimeout: 50 });
    const refused = nextHandshakeError(server);
    await rawSocket(server);
    expect(await refused).toMatchObject({ name: 'ChannelError', code: 'ERR_HANDSHAKE_TIMEOUT' });
  });

  test('an HTTP request instead of a greeting: ERR_PROTOCOL from its first byte', async () => {
    const server = await curveServer();
    const refused = nextHandshakeError(server);
    (await rawSocket(server)).write('GET / HTTP/1.1\r\n');
    expect(await refused).toMatchObject({ name: 'ChannelError', code: 'ERR_PROTOCOL' });
  });

  test("before authentication, a command over the mechanism's largest: ERR_FRAME_TOO_LARGE before the body arrives", async () => {
    // maxFrameSize applies after authentication; before it, CURVE's largest INITIATE is the bound.
    const server = await curveServer({ maxFrameSize: 64 * 1024 * 1024 });
    const refused = nextHandshakeError(server);
    const socket = await rawSocket(server);
    socket.write(encodeGreeting({ mechanism: 'CURVE', asServer: false }));
    socket.write(Buffer.from('06000000000010000005', 'hex'));
    expect(await refused).toMatchObject({ name: 'ChannelError', code: 'ERR_FRAME_TOO_LARGE' });
  });

  test('a message frame during the handshake: ERR_PROTOCOL', async () => {
    const server = await curveServer();
    const refused = nextHandshakeError(server);
    const socket = await rawSocket(server);
    socket.write(encodeGreeting({ mechanism: 'CURVE', asServer: false }));
    socket.write(encodeFrame(Buffer.from('hello')));
    expect(await refused).toMatchObject({ name: 'ChannelError', code: 'ERR_PROTOCOL' });
  });

  test('a malformed HELLO: the mechanism\'s typed error, and the server closes', async () => {
    const server = await curveServer();
    const refused = nextHandshakeError(server);
    const socket = await rawSocket(server);
    const closed = once(socket, 'close');
    socket.write(encodeGreeting({ mechanism: 'CURVE', asServer: false }));
    socket.write(encodeFrame(Buffer.concat([Buffer.from('\x05HELLO'), Buffer.alloc(100)]), { command: true }));
    expect(await refused).toMatchObject({ name: 'MechanismError', code: 'ERR_MALFORMED_COMMAND' });
    await closed;
  });

  test('after the handshake, outer MORE on a CURVE frame and a forged MESSAGE each end the connection', async () => {
    const codes: string[] = [];
    for (const bytes of [Buffer.from([0x01, 0x00]), encodeFrame(Buffer.concat([Buffer.from('\x07MESSAGE'), Buffer.alloc(40, 0xff)]))]) {
      const server = await curveServer();
      const served = nextConnection(server);
      const client = closers.add(await curveClient(server.address().port), (c) => c.close());
      const connection = await served;
      const closed = once(connection, 'close');
      client.socket.write(bytes);
      const [error] = (await closed) as [Error];
      codes.push((error as ChannelError | MechanismError).code);
    }
    expect(codes).toEqual(['ERR_PROTOCOL', 'ERR_DECRYPT']);
  });

  test('nothing listening: connectZmtp rejects with ERR_CHANNEL_CLOSED', async () => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    await expect(connectZmtp({ registry: defaultRegistry, mechanism: 'NULL', port })).rejects.toMatchObject({
      code: 'ERR_CHANNEL_CLOSED',
    });
  });
});

describe('ZMTP adapter options', () => {
  test('caller misuse throws TypeError or RangeError before any I/O', async () => {
    const base = { registry: defaultRegistry, mechanism: 'NULL', port: 1 };
    await expect(listenZmtp({ ...base } as unknown as ZmtpListenOptions)).rejects.toThrow(TypeError);
    await expect(connectZmtp({ ...base, registry: {} as never })).rejects.toThrow('"options.registry" expected a MechanismRegistry');
    await expect(connectZmtp({ mechanism: 'NULL', port: 1 } as never)).rejects.toThrow('"options.registry" is required when "options.mechanism" is a name');
    await expect(connectZmtp({ mechanism: {} as never, port: 1 })).rejects.toThrow('"options.mechanism" expected a mechanism definition or a name');
    await expect(connectZmtp({ ...base, mechanism: 'NOPE' })).rejects.toThrow(RangeError);
    await expect(connectZmtp({ ...base, socketType: 'ROUTERX' as never })).rejects.toThrow(RangeError);
    await expect(connectZmtp({ ...base, metadata: { 'Socket-Type': 'PUB' } })).rejects.toThrow(RangeError);
    await expect(connectZmtp({ ...base, identity: '\0x' })).rejects.toThrow(RangeError);
    await expect(connectZmtp({ ...base, handshakeTimeout: 0 })).rejects.toThrow(RangeError);
    await expect(connectZmtp({ ...base, maxFrameSize: -1 })).rejects.toThrow(RangeError);
    await expect(
      connectZmtp({ ...base, mechanism: 'CURVE', mechanismOptions: { secretKey: CLIENT.secretKey } }),
    ).rejects.toThrow(TypeError);
  });

  test('send() refuses what is not a message', async () => {
    const server = await curveServer();
    const client = closers.add(await curveClient(server.address().port), (c) => c.close());
    await expect(client.send([])).rejects.toThrow(TypeError);
    await expect(client.send(['text'] as never)).rejects.toThrow(TypeError);
  });
});
