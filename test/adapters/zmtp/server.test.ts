/**
 * The ZMTP server in the adapters' one vocabulary: `'handshake'` (peer, origin) and
 * `'handshakeError'` (error, origin), `conn.handshake` resolving with the peer, the server caps
 * `maxHandshakes` (the oldest undecided evicted, `ERR_LIMIT_REACHED`) and `maxSessions`, and the
 * limits checked by `src/channel/limits.ts` under their one name.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { CURVE } from '../../../mechanisms/curve';
import { NULL } from '../../../mechanisms/null';
import { curveKeyPair, type PeerIdentity } from '../../../src';
import {
  connectZmtp,
  encodeGreeting,
  listenZmtp,
  type PeerOrigin,
  type ZmtpConnection,
  type ZmtpListenOptions,
  type ZmtpListenBaseOptions,
  type AuthorizerChoice,
  type ZmtpServer,
} from '../../../src/adapters/zmtp';
import { Closers } from '../../interop/helpers';

const SERVER = curveKeyPair();
const CLIENT = curveKeyPair();
const closers = new Closers();
afterEach(() => closers.closeAll());

async function curveServer(extra: Partial<ZmtpListenBaseOptions & AuthorizerChoice> = {}): Promise<ZmtpServer> {
  return closers.add(
    await listenZmtp({ mechanism: CURVE, mechanismOptions: { secretKey: SERVER.secretKey }, authorizer: () => true, ...extra }),
    (s) => s.close(),
  );
}

function curveClient(port: number): Promise<ZmtpConnection> {
  return connectZmtp({ mechanism: CURVE, mechanismOptions: { secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey }, port }).then(
    (c) => closers.add(c, (x) => x.close()),
  );
}

/** A raw socket that has sent its greeting and seen the server's first byte (so it was accepted). */
async function greeted(server: ZmtpServer): Promise<net.Socket> {
  const socket = closers.add(net.connect({ host: '127.0.0.1', port: server.address().port }), (s) => s.destroy());
  await once(socket, 'connect');
  socket.write(encodeGreeting({ mechanism: 'CURVE', asServer: false }));
  await once(socket, 'data');
  socket.resume();
  return socket;
}

describe('ZmtpServer events and readiness', () => {
  test("'handshake' (peer, origin) then 'connection'; the client's handshake resolves with the server", async () => {
    const server = await curveServer();
    const handshake = once(server, 'handshake') as Promise<[PeerIdentity, PeerOrigin]>;
    const connection = once(server, 'connection') as Promise<[ZmtpConnection]>;
    const client = await curveClient(server.address().port);
    const [peer, origin] = await handshake;
    expect(peer.publicKeyZ85).toBe(CLIENT.publicKey);
    expect(origin).toEqual({ address: '127.0.0.1' });
    const [served] = await connection;
    await expect(served.handshake).resolves.toBe(peer);
    await expect(client.handshake).resolves.toMatchObject({ publicKeyZ85: SERVER.publicKey });
    await expect(client.ready).resolves.toBeDefined(); // the deprecated alias is the same promise
  });

  test("'handshakeError' (error, origin) for a refused client", async () => {
    const server = await curveServer({ authorizer: () => false });
    const failed = once(server, 'handshakeError') as Promise<[Error, PeerOrigin]>;
    await expect(curveClient(server.address().port)).rejects.toMatchObject({ code: 'ERR_PEER_ERROR' });
    const [error, origin] = await failed;
    expect(error).toMatchObject({ name: 'MechanismError', code: 'ERR_AUTH_DENIED' });
    expect(origin).toEqual({ address: '127.0.0.1' });
  });

  test('a NULL server: no roles, so its greeting says as-server 0 (from the wire traits)', async () => {
    const server = closers.add(await listenZmtp({ mechanism: NULL, authorizer: () => true }), (s) => s.close());
    const client = closers.add(await connectZmtp({ mechanism: NULL, port: server.address().port }), (c) => c.close());
    expect(client.peerGreeting).toMatchObject({ mechanism: 'NULL', asServer: false });
  });
});

describe('ZmtpServer caps', () => {
  test('maxHandshakes: a third half-open peer evicts the oldest with ERR_LIMIT_REACHED', async () => {
    const server = await curveServer({ maxHandshakes: 2 });
    const errors: Error[] = [];
    server.on('handshakeError', (error: Error) => errors.push(error));
    const first = await greeted(server);
    const firstClosed = once(first, 'close');
    await greeted(server);
    expect(server.handshakeCount).toBe(2);
    await greeted(server);
    await firstClosed;
    expect(server.handshakeCount).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'ChannelError', code: 'ERR_LIMIT_REACHED' });
  });

  test('maxSessions: a connection over the cap is refused (ERR_LIMIT_REACHED); the ones in keep working', async () => {
    const server = await curveServer({ maxSessions: 1 });
    const served = once(server, 'connection') as Promise<[ZmtpConnection]>;
    const client = await curveClient(server.address().port);
    const [connection] = await served;
    const refused = once(server, 'handshakeError') as Promise<[Error, PeerOrigin]>;
    await expect(curveClient(server.address().port)).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
    expect((await refused)[0]).toMatchObject({ code: 'ERR_LIMIT_REACHED' });
    expect(server.connectionCount).toBe(1);
    await client.send(Buffer.from('still here'));
    expect(Buffer.from((await connection.receive())[0]!).toString()).toBe('still here');
  });

  test('limits are checked by channelLimits under their one name (handshakeTimeout of 2^32 is refused)', async () => {
    const base = { mechanism: NULL, authorizer: () => true };
    await expect(listenZmtp({ ...base, handshakeTimeout: 2 ** 32 })).rejects.toThrow('"options.handshakeTimeout"');
    await expect(listenZmtp({ ...base, maxHandshakes: 0 })).rejects.toThrow(RangeError);
    await expect(listenZmtp({ ...base, maxSessions: 1.5 })).rejects.toThrow('"options.maxSessions"');
    await expect(listenZmtp({ ...base, idleTimeout: -1 })).rejects.toThrow('"options.idleTimeout"');
    await expect(listenZmtp({ ...base, keepAlive: Infinity })).rejects.toThrow('"options.keepAlive"');
    await expect(listenZmtp({ ...base, maxBufferedBytes: 0 })).rejects.toThrow('"options.maxBufferedBytes"');
    await expect(connectZmtp({ mechanism: NULL, port: 1, maxFrameSize: 2 ** 40 })).rejects.toThrow('"options.maxFrameSize"');
    await expect(listenZmtp({ mechanism: NULL } as unknown as ZmtpListenOptions)).rejects.toThrow(TypeError);
  });
});
