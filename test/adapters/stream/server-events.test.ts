/**
 * The stream server's vocabulary and caps on TCP: 'handshake' (peer, origin) and
 * 'handshakeError' (error, origin), maxSessions, and a refused client that handles its failure
 * through `await stream.handshake` alone (issue 16: no second, unhandled 'error').
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { defaultRegistry } from '../../../mechanisms';
import type { PeerIdentity } from '../../../src';
import { connect, createServer, type PeerOrigin, type SecureStream, type StreamServer } from '../../../src/adapters/stream';
import { allowAdmin, CLIENT_OPTIONS, outcome, SERVER_OPTIONS } from './helpers';

const servers: StreamServer[] = [];
const sockets: Array<net.Socket | SecureStream> = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function listening(server: StreamServer): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

function client(port: number, mechanism = 'PLAIN', options = CLIENT_OPTIONS[mechanism]!): SecureStream {
  const stream = connect({ host: '127.0.0.1', port, mechanism, registry: defaultRegistry, mechanismOptions: options });
  sockets.push(stream);
  return stream;
}

describe('stream server events', () => {
  test("'handshake' gives the peer and its origin (host:port); 'secureConnection' the stream", async () => {
    const server = createServer({ mechanism: 'PLAIN', registry: defaultRegistry, authorizer: allowAdmin });
    const port = await listening(server);
    const handshake = once(server, 'handshake') as Promise<[PeerIdentity, PeerOrigin]>;
    const secured = once(server, 'secureConnection') as Promise<[SecureStream]>;
    const stream = client(port);
    await stream.handshake;
    const raw = stream.rawStream as net.Socket;
    const [peer, origin] = await handshake;
    expect(peer).toMatchObject({ mechanism: 'PLAIN', userId: 'admin' });
    expect(origin).toEqual({ address: `${raw.localAddress}:${raw.localPort}` });
    const [accepted] = await secured;
    expect(accepted.peer).toBe(peer);
  });

  test("'handshakeError' gives the coded error and the origin of a refused peer", async () => {
    const server = createServer({ mechanism: 'PLAIN', registry: defaultRegistry, authorizer: () => false });
    const port = await listening(server);
    const failed = once(server, 'handshakeError') as Promise<[Error & { code?: string }, PeerOrigin]>;
    const stream = client(port);
    const raw = stream.rawStream as net.Socket;
    await once(raw, 'connect');
    const address = `${raw.localAddress}:${raw.localPort}`;
    await expect(stream.handshake).rejects.toMatchObject({ code: 'ERR_PEER_ERROR' });
    const [error, origin] = await failed;
    expect(error.code).toBe('ERR_AUTH_DENIED');
    expect(origin).toEqual({ address });
  });
});

describe('issue 16: a failure reported through `handshake` alone', () => {
  test("a refused client doing try { await stream.handshake } catch {} with no 'error' listener does not crash", async () => {
    const server = createServer({ mechanism: 'PLAIN', registry: defaultRegistry, mechanismOptions: SERVER_OPTIONS.PLAIN!, authorizer: () => false });
    const port = await listening(server);
    const stream = client(port);
    let caught: unknown;
    try {
      await stream.handshake;
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'ERR_PEER_ERROR' });
    // An 'error' nobody listens for would be thrown from the 'close' sequence: let it run out.
    if (!stream.closed) await new Promise((resolve) => stream.once('close', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.listenerCount('error')).toBe(0);
  });

  test("an 'error' listener still gets the failure", async () => {
    const server = createServer({ mechanism: 'PLAIN', registry: defaultRegistry, authorizer: () => false });
    const port = await listening(server);
    const stream = client(port);
    const ended = outcome(stream);
    await expect(stream.handshake).rejects.toMatchObject({ code: 'ERR_PEER_ERROR' });
    expect((await ended).errors.map((error) => (error as { code?: string }).code)).toEqual(['ERR_PEER_ERROR']);
  });
});

describe('maxSessions', () => {
  test('a connection over maxSessions is refused with ERR_LIMIT_REACHED; the others go on', async () => {
    const server = createServer({ mechanism: 'NULL', registry: defaultRegistry, authorizer: allowAdmin, maxSessions: 2 }, (stream) => stream.pipe(stream));
    const port = await listening(server);
    const first = client(port, 'NULL');
    const second = client(port, 'NULL');
    await Promise.all([first.handshake, second.handshake]);
    const refused = once(server, 'handshakeError') as Promise<[Error & { code?: string }, PeerOrigin]>;
    const third = client(port, 'NULL');
    const thirdEnd = outcome(third);
    const [error] = await refused;
    expect(error.code).toBe('ERR_LIMIT_REACHED');
    expect((await thirdEnd).error).toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
    first.write('still served');
    const [echo] = (await once(first, 'data')) as [Buffer];
    expect(echo.toString()).toBe('still served');
    expect(server.sessionCount).toBe(2);
  });

  test('limits are checked at creation, naming the option', () => {
    const base = { mechanism: 'NULL', registry: defaultRegistry, authorizer: allowAdmin };
    expect(() => createServer({ ...base, maxSessions: 0 })).toThrow(/"options\.maxSessions"/);
    expect(() => createServer({ ...base, maxHandshakes: 1.5 })).toThrow(/"options\.maxHandshakes"/);
    expect(() => createServer({ ...base, handshakeTimeout: 0 })).toThrow(/"options\.handshakeTimeout"/);
    expect(() => createServer({ ...base, maxBufferedBytes: -1 })).toThrow(/"options\.maxBufferedBytes"/);
    expect(() => createServer({ ...base, idleTimeout: -1 })).toThrow(/"options\.idleTimeout"/);
    expect(() => createServer({ ...base, timeout: -1 })).toThrow(/"options\.timeout"/);
  });
});
