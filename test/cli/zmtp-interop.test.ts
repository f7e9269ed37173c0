/**
 * Issue 16, item 10: `curvezmq serve` and `connect` on `tcp://` and `ipc://` speak libzmq's own
 * CURVE, PLAIN and NULL. The peer is a zeromq.js socket with native security options (and a
 * ZapHandler where libzmq asks who may enter): none of this package's mechanisms on that side.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as zmq from 'zeromq';
import { WRONG_SERVER_KEY } from '../../cli/diagnose';
import { EXIT } from '../../cli/exit-codes';
import { curveKeyPair, type Authorizer } from '../../src';
import { nativeCurveClient, nativeCurveServer, ZapHandler } from '../../src/adapters/zeromq';
import { freshAddress, removeIpcFiles } from '../adapters/zeromq/helpers';
import { runCli, serveInProcess } from '../helpers/cli';

const SERVER = curveKeyPair();
const CLIENT = curveKeyPair();
const STRANGER = curveKeyPair();

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  removeIpcFiles();
});

/** Runs `curvezmq serve ...args` in-process: its bound endpoint and log lines; stopped after the test. */
async function serve(...args: string[]): Promise<{ endpoint: string; lines: string[] }> {
  const run = await serveInProcess(args);
  cleanups.push(async () => {
    expect(await run.stop()).toBe(EXIT.OK);
  });
  return { endpoint: run.endpoint, lines: run.lines };
}

/** A zeromq.js Dealer with `options`, connected to `endpoint`, closed after the test. */
function libzmqClient(endpoint: string, options: zmq.SocketOptions<zmq.Dealer>): zmq.Dealer {
  const dealer = new zmq.Dealer({ linger: 0, receiveTimeout: 4000, ...options });
  dealer.connect(endpoint);
  cleanups.push(() => dealer.close());
  return dealer;
}

/**
 * A zeromq.js Router echo server with `options`, bound to `address`; for CURVE and PLAIN a
 * ZapHandler with `authorizer` in the Router's own context (one handler per context).
 */
async function libzmqServer(address: string, options: zmq.SocketOptions<zmq.Router>, authorizer?: Authorizer): Promise<string> {
  const context = new zmq.Context();
  if (authorizer !== undefined) {
    const zap = await ZapHandler.start({ authorizer, context });
    cleanups.push(() => zap.close());
  }
  const router = new zmq.Router({ context, linger: 0, ...options });
  await router.bind(address);
  cleanups.push(() => router.close());
  void (async () => {
    for await (const message of router) await router.send(message);
  })().catch(() => undefined); // ends when the router closes
  return router.lastEndpoint!;
}

/** Resolves with the first event of `type` on `socket`. */
async function nextEvent(socket: zmq.Socket, type: string): Promise<zmq.Event> {
  for (;;) {
    const event = await socket.events.receive();
    if (event.type === type) return event;
  }
}

describe('CLI serve tcp:// <- a libzmq client', () => {
  test('CURVE: a zeromq.js Dealer with curveServerKey gets its message echoed; the server logs its key', async () => {
    const { endpoint, lines } = await serve('tcp://127.0.0.1:*', `--secret-key=${SERVER.secretKey}`, `--allow=${CLIENT.publicKey}`);
    const dealer = libzmqClient(endpoint, nativeCurveClient({ secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey }));
    await dealer.send(['hello', 'libzmq']);
    expect((await dealer.receive()).map(String)).toEqual(['hello', 'libzmq']);
    expect(lines).toContain(`secure: CURVE peer ${CLIENT.publicKey}`);
  });

  test('CURVE: a refused key gets ERROR 400 (libzmq reports handshake:error:auth); the server log names the key', async () => {
    const { endpoint, lines } = await serve('tcp://127.0.0.1:*', `--secret-key=${SERVER.secretKey}`, `--allow=${CLIENT.publicKey}`);
    const dealer = libzmqClient(endpoint, nativeCurveClient({ secretKey: STRANGER.secretKey, serverKey: SERVER.publicKey }));
    await nextEvent(dealer, 'handshake:error:auth');
    expect(lines.filter((line) => line.startsWith('denied:'))).toEqual([`denied: CURVE client key ${STRANGER.publicKey} (400 No access)`]);
  });

  test('PLAIN: a zeromq.js Dealer with plainUsername/plainPassword gets its message echoed', async () => {
    const { endpoint, lines } = await serve('tcp://127.0.0.1:*', '--mechanism', 'plain', '--allow-any');
    const dealer = libzmqClient(endpoint, { plainUsername: 'admin', plainPassword: 'secret' });
    await dealer.send('plain text');
    expect(String((await dealer.receive())[0])).toBe('plain text');
    expect(lines).toContain('secure: PLAIN peer admin');
  });

  test('NULL over ipc://: a zeromq.js Dealer without security gets its message echoed', async () => {
    const { endpoint } = await serve(freshAddress('ipc'), '--mechanism', 'null');
    const dealer = libzmqClient(endpoint, {});
    await dealer.send('over a unix socket');
    expect(String((await dealer.receive())[0])).toBe('over a unix socket');
  });
});

describe('CLI connect tcp:// -> a libzmq server with a ZAP handler', () => {
  const allowClient: Authorizer = (request) => request.publicKeyZ85 === CLIENT.publicKey;
  const curveServer = () => libzmqServer('tcp://127.0.0.1:*', nativeCurveServer(SERVER.secretKey), allowClient);
  const connectArgs = (endpoint: string, secretKey: string, serverKey = SERVER.publicKey) =>
    ['connect', endpoint, `--secret-key=${secretKey}`, `--server-key=${serverKey}`, '--message', 'hi', '--message', 'there', '--timeout', '3000'];
  const errors = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('error:'));

  test('CURVE: an allowed key gets each message echoed and exits 0', async () => {
    const result = await runCli(...connectArgs(await curveServer(), CLIENT.secretKey));
    expect(result.stderr).toContain(`secure: CURVE server ${SERVER.publicKey}\nreply: hi\nreply: there\n`);
    expect(result.code).toBe(EXIT.OK);
  });

  test('CURVE: a key the ZAP handler refuses exits 3 with one line', async () => {
    const result = await runCli(...connectArgs(await curveServer(), STRANGER.secretKey));
    expect(errors(result.stderr)).toEqual([expect.stringMatching(/^error: ERR_PEER_ERROR.*400/)]);
    expect(result.code).toBe(EXIT.REFUSED);
  });

  test('CURVE: a wrong server key exits 4 at once (libzmq hangs up), naming the likely causes', async () => {
    const started = Date.now();
    const result = await runCli(...connectArgs(await curveServer(), CLIENT.secretKey, STRANGER.publicKey));
    expect(errors(result.stderr)).toEqual([expect.stringContaining(WRONG_SERVER_KEY)]);
    expect(result.code).toBe(EXIT.PROTOCOL);
    expect(Date.now() - started).toBeLessThan(3000); // not the timeout
  });

  test('PLAIN at a CURVE server: 4, saying which mechanism each side speaks', async () => {
    const endpoint = await curveServer();
    const result = await runCli('connect', endpoint, '--mechanism', 'plain', '--username', 'u', '--password', 'p', '--message', 'hi');
    expect(errors(result.stderr)).toEqual(['error: ERR_MECHANISM_MISMATCH: the peer speaks CURVE, this side PLAIN']);
    expect(result.code).toBe(EXIT.PROTOCOL);
  });

  test('NULL over ipc://: a zeromq.js Router without security echoes', async () => {
    const endpoint = await libzmqServer(freshAddress('ipc'), {});
    const result = await runCli('connect', endpoint, '--mechanism', 'null', '--message', 'hi');
    expect(result.stderr).toContain('reply: hi\n');
    expect(result.code).toBe(EXIT.OK);
  });
});

describe('--envelope: the 0.1 behaviour, chosen explicitly', () => {
  test('serve --envelope and connect --envelope talk; a connect without it is told to add it (4)', async () => {
    const { endpoint } = await serve('tcp://127.0.0.1:*', '--envelope', `--secret-key=${SERVER.secretKey}`, `--allow=${CLIENT.publicKey}`);
    const args = ['connect', endpoint, `--secret-key=${CLIENT.secretKey}`, `--server-key=${SERVER.publicKey}`, '--message', 'hi', '--timeout', '3000'];
    const enveloped = await runCli(...args, '--envelope');
    expect(enveloped.stderr).toContain('reply: hi\n');
    expect(enveloped.code).toBe(EXIT.OK);
    const plain = await runCli(...args);
    expect(plain.stderr).toMatch(/ERR_MECHANISM_MISMATCH: the peer speaks NULL, this side CURVE \(a 'curvezmq serve --envelope' server\? then connect with --envelope too\)/);
    expect(plain.code).toBe(EXIT.PROTOCOL);
  });

  test.each([
    [['serve', 'inproc://x', '--mechanism', 'null'], /inproc:\/\/ reaches only sockets of the same process: it needs --envelope/],
    [['serve', 'tcp+stream://127.0.0.1:0', '--mechanism', 'null', '--envelope'], /--envelope applies to tcp:\/\/, ipc:\/\/ and inproc:\/\//],
    [['connect', 'udp://127.0.0.1:1', '--mechanism', 'null'], /no transport for endpoint udp:\/\/127\.0\.0\.1:1/],
    [['serve', 'tcp://127.0.0.1:1:2', '--mechanism', 'null'], /expected tcp:\/\/host:port or ipc:\/\/path/],
  ])('%j is a usage error (2)', async (args, message) => {
    const result = await runCli(...args);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(EXIT.USAGE);
  });
});

test('a zeromq.js client waits for a late server, and so does connect: started first, it gets in once serve listens', async () => {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const endpoint = `tcp://127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
  await new Promise((resolve) => probe.close(resolve));
  const client = runCli('connect', endpoint, '--mechanism', 'null', '--message', 'late', '--timeout', '4000');
  await serve(endpoint, '--mechanism', 'null');
  const result = await client;
  expect(result.stderr).toContain('reply: late\n');
  expect(result.code).toBe(EXIT.OK);
});

test('a tcp+stream:// client at a tcp:// serve is told to use tcp:// (4); the server names the mistake once', async () => {
  const { endpoint, lines } = await serve('tcp://127.0.0.1:*', '--mechanism', 'null');
  const port = /:(\d+)$/.exec(endpoint)![1];
  const result = await runCli('connect', `tcp+stream://127.0.0.1:${port}`, '--mechanism', 'null', '--message', 'hi', '--timeout', '3000');
  expect(result.stderr).toContain(`this endpoint speaks ZMTP (ZeroMQ): use tcp://127.0.0.1:${port}`);
  expect(result.code).toBe(EXIT.PROTOCOL);
  await new Promise<void>((resolve) => {
    const check = () => (lines.some((line) => line.startsWith('handshake failed')) ? resolve() : setImmediate(check));
    check();
  });
  expect(lines.filter((line) => line.startsWith('handshake failed'))).toEqual([
    expect.stringMatching(/^handshake failed: ERR_PROTOCOL: .*not a ZMTP client \(a tcp\+stream:\/\/ client\?\) \(from 127\.0\.0\.1\)$/),
  ]);
});

test('serve ipc:// removes a socket file left by a server that died, as libzmq does', async () => {
  const endpoint = freshAddress('ipc');
  const file = endpoint.slice('ipc://'.length);
  // A process that listens on the path and is killed leaves the socket file behind.
  const script = `require('net').createServer().listen(${JSON.stringify(file)}, () => process.kill(process.pid, 'SIGKILL'))`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  await once(child, 'exit');
  expect(fs.lstatSync(file).isSocket()).toBe(true);
  await serve(endpoint, '--mechanism', 'null');
  const result = await runCli('connect', endpoint, '--mechanism', 'null', '--message', 'hi');
  expect(result.stderr).toContain('reply: hi\n');
  expect(result.code).toBe(EXIT.OK);
});
