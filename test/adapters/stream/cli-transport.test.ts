/**
 * The CLI's stream transport in-process: the exit code for each outcome of `connect` against
 * `serve` over `tcp+stream://` (the two-pipe runs with real processes are in cli.test.ts).
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { exitCodeFor } from '../../../cli/exit-codes';
import { connect, parseEndpoint, serve } from '../../../cli/transports/stream';
import type { ConnectContext } from '../../../cli/transports/types';
import { EXIT } from '../../../cli/exit-codes';
import { defaultRegistry } from '../../../mechanisms';
import { ChannelError, MechanismError, type Authorizer } from '../../../src';
import { createServer, type StreamServer } from '../../../src/adapters/stream';
import { CLIENT_KEYS, SERVER_KEYS } from './helpers';

/** Starts the transport's echo server on port 0 and returns its endpoint and a stop function. */
async function startServe(authorizer: Authorizer) {
  const controller = new AbortController();
  const lines: string[] = [];
  let listening: (endpoint: string) => void = () => undefined;
  const endpoint = new Promise<string>((resolve) => (listening = resolve));
  const exit = serve({
    endpoint: 'tcp+stream://127.0.0.1:0',
    mechanism: 'CURVE',
    registry: defaultRegistry,
    serverOptions: { secretKey: SERVER_KEYS.secretKey },
    authorizer,
    signal: controller.signal,
    log: (line) => {
      lines.push(line);
      const match = /listening on (\S+)/.exec(line);
      if (match) listening(match[1]!);
    },
  });
  return { endpoint: await endpoint, lines, stop: () => (controller.abort(), exit) };
}

function connectContext(endpoint: string, overrides: Partial<ConnectContext> = {}) {
  const lines: string[] = [];
  const context: ConnectContext = {
    endpoint,
    mechanism: 'CURVE',
    registry: defaultRegistry,
    clientOptions: { secretKey: CLIENT_KEYS.secretKey, serverKey: SERVER_KEYS.publicKey },
    messages: ['hello', 'world'],
    timeoutMs: 5000,
    log: (line) => lines.push(line),
    ...overrides,
  };
  return { context, lines };
}

async function listenOn(server: net.Server | StreamServer): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `tcp+stream://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

describe('stream transport exit codes', () => {
  test('every reply matched: 0, each reply logged; serve stops with 0 on abort', async () => {
    const served = await startServe((request) => request.publicKeyZ85 === CLIENT_KEYS.publicKey);
    const { context, lines } = connectContext(served.endpoint);
    expect(await connect(context)).toBe(EXIT.OK);
    expect(lines).toEqual(expect.arrayContaining(['reply: hello', 'reply: world']));
    expect(await served.stop()).toBe(EXIT.OK);
    expect(served.lines.some((line) => line.startsWith('secure: CURVE peer '))).toBe(true);
  });

  test('refused by the server: 3; a wrong server key: 4', async () => {
    const served = await startServe(() => false);
    expect(await connect(connectContext(served.endpoint).context)).toBe(EXIT.REFUSED);
    const wrongKey = connectContext(served.endpoint, {
      clientOptions: { secretKey: CLIENT_KEYS.secretKey, serverKey: CLIENT_KEYS.publicKey },
    });
    expect(await connect(wrongKey.context)).toBe(EXIT.PROTOCOL);
    expect(await served.stop()).toBe(EXIT.OK);
  });

  test('a reply that does not match: 4', async () => {
    const server = createServer(
      { mechanism: 'CURVE', registry: defaultRegistry, mechanismOptions: { secretKey: SERVER_KEYS.secretKey }, authorizer: () => true },
      (stream) => stream.on('data', (message: Buffer) => stream.write(message.toString().toUpperCase())).on('error', () => undefined),
    );
    const { context, lines } = connectContext(await listenOn(server));
    expect(await connect(context)).toBe(EXIT.PROTOCOL);
    expect(lines).toContain('reply: HELLO');
    server.close();
  });

  test('a server that never answers: 5 after the timeout', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    const { context, lines } = connectContext(await listenOn(silent), { timeoutMs: 50 });
    expect(await connect(context)).toBe(EXIT.TIMEOUT);
    expect(lines.join('\n')).toMatch(/ERR_HANDSHAKE_TIMEOUT/);
    for (const socket of sockets) socket.destroy();
    silent.close();
  });

  test('nobody listening: 1', async () => {
    const probe = net.createServer();
    const endpoint = await listenOn(probe);
    probe.close();
    await once(probe, 'close');
    const { context, lines } = connectContext(endpoint);
    expect(await connect(context)).toBe(EXIT.FAILURE);
    expect(lines.join('\n')).toMatch(/ECONNREFUSED/);
  });

  test('exitCodeFor maps each code', () => {
    expect(exitCodeFor(new MechanismError('ERR_PEER_ERROR', 'x', { status: 400 }))).toBe(EXIT.REFUSED);
    expect(exitCodeFor(new MechanismError('ERR_AUTH_DENIED', 'x'))).toBe(EXIT.REFUSED);
    expect(exitCodeFor(new MechanismError('ERR_DECRYPT', 'x'))).toBe(EXIT.PROTOCOL);
    expect(exitCodeFor(new ChannelError('ERR_HANDSHAKE_TIMEOUT', 'x'))).toBe(EXIT.TIMEOUT);
    expect(exitCodeFor(new ChannelError('ERR_IDLE_TIMEOUT', 'x'))).toBe(EXIT.TIMEOUT);
    expect(exitCodeFor(new ChannelError('ERR_CHANNEL_CLOSED', 'x'))).toBe(EXIT.PROTOCOL);
    expect(exitCodeFor(new ChannelError('ERR_CHANNEL_CLOSED', 'x', { cause: new Error('reset') }))).toBe(EXIT.FAILURE);
    expect(exitCodeFor(new ChannelError('ERR_FRAME_TOO_LARGE', 'x'))).toBe(EXIT.PROTOCOL);
    expect(exitCodeFor(new ChannelError('ERR_ABORTED', 'x'))).toBe(EXIT.OK);
    expect(exitCodeFor(new Error('other'))).toBe(EXIT.FAILURE);
  });
});

describe('parseEndpoint', () => {
  test('takes host:port and bracketed IPv6, refuses anything else with a usage error', () => {
    expect(parseEndpoint('tcp+stream://127.0.0.1:5555')).toEqual({ host: '127.0.0.1', hostText: '127.0.0.1', port: 5555 });
    expect(parseEndpoint('tcp+stream://[::1]:0')).toEqual({ host: '::1', hostText: '[::1]', port: 0 });
    for (const bad of ['tcp+stream://host', 'tcp://1.2.3.4:5', 'tcp+stream://h:70000', 'tcp+stream://h:1/x']) {
      expect(() => parseEndpoint(bad)).toThrow(/expected - or tcp\+stream/);
    }
  });
});
