/**
 * Checklist rows 8 and 9 at integration level: downgrades and mechanism mismatches against
 * CURVE endpoints of both adapters on TCP 127.0.0.1. Whatever the peer offers instead of a
 * CURVE handshake (a ZMTP 1.0 peer with a bare message, a plaintext message envelope, a NULL or
 * PLAIN client), nothing is delivered and the authorizer is never called.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import * as zmq from 'zeromq';
import { defaultRegistry } from '../../mechanisms';
import { curveKeyPair, type AnyMechanismOptions, type Authorizer } from '../../src';
import { connect, createServer, encodeFrame, type SecureStream } from '../../src/adapters/stream';
import { encodeEnvelope, KIND_MESSAGE, ZeroMqClient, ZeroMqServer } from '../../src/adapters/zeromq';

const SERVER = curveKeyPair();
const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
});

/** An authorizer that records being asked and lets everyone in (so that any call is visible). */
function spy(): { authorizer: Authorizer; asked: unknown[] } {
  const asked: unknown[] = [];
  return { asked, authorizer: (request) => (asked.push(request), true) };
}

/** Weaker mechanisms and how a CURVE server refuses their first command (READY; a HELLO of the wrong size). */
const WEAK: ReadonlyArray<[string, string, AnyMechanismOptions]> = [
  ['NULL', 'ERR_UNEXPECTED_COMMAND', {}],
  ['PLAIN', 'ERR_MALFORMED_COMMAND', { username: 'admin', password: 'secret' }],
];

describe('row 8/9: downgrade and mismatch against a CURVE ZeroMQ server', () => {
  async function curveServer() {
    const { authorizer, asked } = spy();
    const server = new ZeroMqServer({
      mechanism: 'CURVE',
      registry: defaultRegistry,
      mechanismOptions: { secretKey: SERVER.secretKey },
      authorizer,
    });
    closers.push(() => server.close());
    const endpoint = await server.bind('tcp://127.0.0.1:*');
    const delivered: unknown[] = [];
    void (async () => {
      for await (const message of server) delivered.push(message);
    })().catch(() => undefined);
    return { server, endpoint, asked, delivered };
  }

  test('row 8: a ZMTP 1.0 peer sending a bare message gets nothing delivered', async () => {
    const { server, endpoint, asked, delivered } = await curveServer();
    const dropped = once(server, 'message:drop');
    const port = Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
    const socket = net.connect({ host: '127.0.0.1', port });
    closers.push(() => socket.destroy());
    socket.on('error', () => undefined);
    // ZMTP 1.0: an empty identity frame, then a one-frame message "hello" (length includes flags).
    socket.write(Buffer.from([0x01, 0x00, 0x06, 0x00, ...Buffer.from('hello')]));
    expect(await dropped).toEqual(['not an envelope']);
    expect(delivered).toEqual([]);
    expect(asked).toEqual([]);
    expect(server.sessionCount).toBe(0);
  });

  test('row 8: a plaintext MESSAGE envelope with no handshake is dropped', async () => {
    const { server, endpoint, asked, delivered } = await curveServer();
    const dealer = new zmq.Dealer({ linger: 0 });
    closers.push(() => dealer.close());
    dealer.connect(endpoint);
    const dropped = once(server, 'message:drop');
    await dealer.send(encodeEnvelope(KIND_MESSAGE, randomBytes(16), Buffer.from('\x00plaintext')));
    expect(await dropped).toEqual(['MESSAGE for no ready session']);
    expect(delivered).toEqual([]);
    expect(asked).toEqual([]);
  });

  test.each(WEAK)('row 9: a %s client fails against it with %s and the authorizer is never called', async (name, code, options) => {
    const { server, endpoint, asked, delivered } = await curveServer();
    const failed = once(server, 'handshakeError');
    const client = new ZeroMqClient({ mechanism: name, registry: defaultRegistry, mechanismOptions: options, handshakeTimeout: 300 });
    closers.push(() => client.close());
    await expect(client.connect(endpoint)).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
    expect(((await failed)[0] as Error & { code: string }).code).toBe(code);
    expect(asked).toEqual([]);
    expect(delivered).toEqual([]);
    expect(server.sessionCount).toBe(0);
  });
});

describe('row 8/9: downgrade and mismatch against a CURVE stream server', () => {
  async function curveServer() {
    const { authorizer, asked } = spy();
    const failures: Error[] = [];
    const connected: SecureStream[] = [];
    const server = createServer(
      { mechanism: 'CURVE', registry: defaultRegistry, mechanismOptions: { secretKey: SERVER.secretKey }, authorizer },
      (stream) => connected.push(stream),
    );
    server.on('handshakeError', (error: Error) => failures.push(error));
    closers.push(() => server.close());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { port: (server.address() as AddressInfo).port, asked, failures, connected, server };
  }

  test.each(WEAK)('row 9: a %s client is refused with %s; the authorizer is never called', async (name, code, options) => {
    const { port, asked, failures, connected, server } = await curveServer();
    const failed = once(server, 'handshakeError');
    const client = connect({ host: '127.0.0.1', port, mechanism: name, registry: defaultRegistry, mechanismOptions: options });
    client.on('error', () => undefined);
    closers.push(() => client.destroy());
    client.write('never delivered');
    await failed;
    await expect(client.handshake).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
    expect(failures.map((e) => (e as Error & { code: string }).code)).toEqual([code]);
    expect(asked).toEqual([]);
    expect(connected).toEqual([]);
  });

  test('row 8: plaintext frames instead of a handshake end in an error; nothing is delivered', async () => {
    const { port, asked, connected, server } = await curveServer();
    const failed = once(server, 'handshakeError');
    const socket = net.connect({ host: '127.0.0.1', port });
    closers.push(() => socket.destroy());
    socket.on('error', () => undefined);
    socket.write(Buffer.concat([encodeFrame(Buffer.from('\x00hello')), encodeFrame(Buffer.from('\x00world'))]));
    const [error] = (await failed) as [Error & { code: string }];
    expect(['ERR_MALFORMED_COMMAND', 'ERR_UNEXPECTED_COMMAND']).toContain(error.code);
    expect(asked).toEqual([]);
    expect(connected).toEqual([]);
  });
});
