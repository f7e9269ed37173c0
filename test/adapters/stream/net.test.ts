import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CURVE, defaultRegistry, PLAIN } from '../../../mechanisms';
import type { AuthRequest } from '../../../src';
import { CLOSE_GRACE_MS, connect, createServer, StreamServer, type PeerOrigin, type SecureStream } from '../../../src/adapters/stream';
import { allowAdmin, CLIENT_KEYS, CLIENT_OPTIONS, MECHANISMS, messages, outcome, SERVER_KEYS, SERVER_OPTIONS } from './helpers';

/** Listens on 127.0.0.1, port 0, and returns the port. */
async function listen(server: net.Server | StreamServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

/** An echo server for `mechanism`, recording the decision requests it saw. */
function echoServer(mechanism: string) {
  const requests: AuthRequest[] = [];
  const streams: SecureStream[] = [];
  const server = createServer(
    {
      mechanism,
      registry: defaultRegistry,
      mechanismOptions: SERVER_OPTIONS[mechanism]!,
      authorizer: (request) => {
        requests.push(request);
        return allowAdmin(request);
      },
    },
    (stream) => {
      streams.push(stream);
      stream.on('error', () => undefined);
      stream.pipe(stream);
    },
  );
  const close = async () => {
    for (const stream of streams) stream.destroy();
    await server.close();
  };
  return { server, requests, close };
}

describe.each(MECHANISMS)('createServer / connect over TCP (%s)', (mechanism) => {
  test('echoes messages and gives the authorizer the verified peer address', async () => {
    const { server, requests, close } = echoServer(mechanism);
    const port = await listen(server);
    const client = connect({ port, host: '127.0.0.1', mechanism, registry: defaultRegistry, mechanismOptions: CLIENT_OPTIONS[mechanism]! });
    client.write('hello');
    client.write(['multi', 'part']);
    const [one, two] = await messages(client, 2);
    expect(String(one)).toBe('hello');
    expect((two as Buffer[]).map(String)).toEqual(['multi', 'part']);
    expect((await client.handshake).mechanism).toBe(mechanism);
    if (mechanism !== 'NULL') expect(requests[0]?.address).toBe('127.0.0.1');
    client.destroy();
    await close();
  });
});

describe('createServer / connect', () => {
  test('a definition instead of a name, the secureConnect callback, and a Unix socket path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'curvezmq-'));
    const path = join(dir, 'echo.sock');
    const server = createServer({ mechanism: CURVE, mechanismOptions: { secretKey: SERVER_KEYS.secretKey }, authorizer: allowAdmin }, (stream) => stream.pipe(stream));
    server.listen(path);
    await once(server, 'listening');
    const peers: string[] = [];
    const client = connect(
      { path, mechanism: CURVE, mechanismOptions: { secretKey: CLIENT_KEYS.secretKey, serverKey: SERVER_KEYS.publicKey } },
      (peer) => peers.push(peer.publicKeyZ85 ?? ''),
    );
    client.write('over a unix socket');
    expect(String((await messages(client, 1))[0])).toBe('over a unix socket');
    expect(peers).toEqual([SERVER_KEYS.publicKey]);
    client.destroy();
    server.close();
    await once(server, 'close');
    rmSync(dir, { recursive: true, force: true });
  });

  test('a refused client: handshakeError on the server, ERR_PEER_ERROR 400 on the client', async () => {
    const server = createServer({ mechanism: PLAIN, authorizer: () => false });
    const failures: string[] = [];
    server.on('handshakeError', (error: { code: string }) => failures.push(error.code));
    const port = await listen(server);
    const client = connect({ port, host: '127.0.0.1', mechanism: PLAIN, mechanismOptions: { username: 'u', password: 'p' } });
    expect((await outcome(client)).error).toMatchObject({ code: 'ERR_PEER_ERROR', status: 400 });
    server.close();
    await once(server, 'close');
    expect(failures).toEqual(['ERR_AUTH_DENIED']);
  });

  test('a session factory that throws costs that connection only: handshakeError, server still up', async () => {
    let calls = 0;
    const flaky = {
      name: 'FLAKY',
      client: () => defaultRegistry.client('NULL', {}),
      server: () => () => {
        if (++calls === 1) throw new Error('factory failed');
        return defaultRegistry.server('NULL', {})();
      },
    };
    const server = createServer({ mechanism: flaky, authorizer: allowAdmin }, (stream) => stream.pipe(stream));
    const failures: unknown[] = [];
    server.on('handshakeError', (error: Error, origin: PeerOrigin) => failures.push([error.message, origin]));
    const port = await listen(server);
    const first = connect({ port, host: '127.0.0.1', mechanism: flaky });
    expect((await outcome(first)).error).toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
    expect(failures).toEqual([['factory failed', { address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) }]]);
    const second = connect({ port, host: '127.0.0.1', mechanism: flaky });
    second.write('still serving');
    expect(String((await messages(second, 1))[0])).toBe('still serving');
    second.destroy();
    await server.close();
  });

  test('nobody listening: ERR_CHANNEL_CLOSED with the socket error as cause', async () => {
    const probe = net.createServer();
    const port = await listen(probe);
    probe.close();
    await once(probe, 'close');
    const client = connect({ port, host: '127.0.0.1', mechanism: 'NULL', registry: defaultRegistry });
    const { error } = await outcome(client);
    expect(error).toMatchObject({ code: 'ERR_CHANNEL_CLOSED', cause: expect.objectContaining({ code: 'ECONNREFUSED' }) });
  });

  test('misuse: a server without an authorizer, a name without a registry, no address', () => {
    expect(() => createServer({ mechanism: PLAIN } as never)).toThrow(/"options\.authorizer" is required/);
    expect(() => createServer({ mechanism: 'PLAIN', authorizer: allowAdmin } as never)).toThrow(/"options\.registry"/);
    expect(() => createServer({ mechanism: 'NOPE', registry: defaultRegistry, authorizer: allowAdmin })).toThrow(RangeError);
    expect(() => createServer({ mechanism: PLAIN, authorizer: allowAdmin, keepAlive: -1 })).toThrow(/options\.keepAlive/);
    expect(() => createServer({ mechanism: CURVE, mechanismOptions: { secretKey: 'too short' }, authorizer: allowAdmin })).toThrow();
    expect(() => connect({ mechanism: PLAIN, mechanismOptions: { username: 'u', password: 'p' } })).toThrow(/"options\.port"/);
    expect(() => connect({ mechanism: {} as never, port: 1 })).toThrow(/"options\.mechanism"/);
    expect(new StreamServer({ mechanism: PLAIN, authorizer: allowAdmin })).toBeInstanceOf(net.Server);
  });
});

describe('streaming over TCP with backpressure', () => {
  test('10 MB through CURVE arrive identical, and the writer waits for drain', async () => {
    const { server, close } = echoServer('CURVE');
    const port = await listen(server);
    const client = connect({ port, host: '127.0.0.1', mechanism: 'CURVE', registry: defaultRegistry, mechanismOptions: CLIENT_OPTIONS.CURVE! });
    const total = 10 * 1024 * 1024;
    const chunk = 64 * 1024;
    const sent = createHash('sha256');
    const received = createHash('sha256');
    let receivedBytes = 0;
    const done = new Promise<void>((resolve) => {
      client.on('data', (message: Buffer) => {
        received.update(message);
        receivedBytes += message.length;
        if (receivedBytes === total) resolve();
      });
    });
    let drains = 0;
    for (let offset = 0; offset < total; offset += chunk) {
      const data = Buffer.alloc(chunk, offset / chunk);
      data.writeUInt32BE(offset, 0);
      sent.update(data);
      if (!client.write(data)) {
        drains++;
        expect(client.writableLength).toBeLessThanOrEqual(client.writableHighWaterMark);
        await once(client, 'drain');
      }
    }
    await done;
    expect(received.digest('hex')).toBe(sent.digest('hex'));
    expect(drains).toBeGreaterThan(0);
    client.destroy();
    await close();
  });
});

describe('closing a stream server', () => {
  test('close() wipes its session factory\'s secrets, ends secure connections and resolves once all are closed', async () => {
    let closes = 0;
    const sessions = CURVE.server({ secretKey: SERVER_KEYS.secretKey });
    const definition = { ...CURVE, server: () => Object.assign(() => sessions(), { close: () => (closes++, sessions.close!()) }) };
    const server = createServer({ mechanism: definition, authorizer: () => true }, (stream) => {
      stream.on('error', () => undefined);
      stream.pipe(stream);
    });
    const port = await listen(server);
    const client = connect({ mechanism: CURVE, mechanismOptions: { secretKey: CLIENT_KEYS.secretKey, serverKey: SERVER_KEYS.publicKey }, port, host: '127.0.0.1' });
    await client.handshake;
    const clientEnd = outcome(client.resume());
    const closing = server.close();
    expect(server.close()).toBe(closing);
    expect(closes).toBe(1);
    expect(() => sessions()).toThrow(/closed/);
    await closing;
    expect((await clientEnd).error).toBeUndefined();
    expect(server.sessionCount).toBe(0);
  });

  test('close() resolves within its grace period when a peer stops reading, destroying what is left', async () => {
    const server = createServer({ mechanism: 'NULL', registry: defaultRegistry, authorizer: () => true }, (stream) => stream.on('error', () => undefined));
    const port = await listen(server);
    const client = connect({ mechanism: 'NULL', registry: defaultRegistry, port, host: '127.0.0.1' });
    await client.handshake;
    client.pause(); // never reads the end, so it never ends its side
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(CLOSE_GRACE_MS + 1_000);
    expect(server.sessionCount).toBe(0);
    client.destroy();
  });

  test('close() fails handshakes in progress with ERR_CHANNEL_CLOSED', async () => {
    let asked!: () => void;
    const wasAsked = new Promise<void>((resolve) => (asked = resolve));
    const never = () => (asked(), new Promise<boolean>(() => undefined));
    const server = createServer({ mechanism: 'PLAIN', registry: defaultRegistry, authorizer: never });
    const failures: string[] = [];
    server.on('handshakeError', (error: { code: string }) => failures.push(error.code));
    const port = await listen(server);
    const client = connect({ mechanism: 'PLAIN', registry: defaultRegistry, mechanismOptions: CLIENT_OPTIONS.PLAIN!, port, host: '127.0.0.1' });
    const clientEnd = outcome(client);
    await wasAsked;
    await server.close();
    expect(failures).toEqual(['ERR_CHANNEL_CLOSED']);
    expect((await clientEnd).error).toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
  });
});

