/**
 * Nothing unbounded before authentication (issue 14, stream side), on real TCP sockets: a peer
 * that announces a huge frame, a peer that floods after INITIATE while its decision is pending,
 * a channel that ignores pause(), and half-open connections over maxHandshakes. Memory is the
 * peak growth of this process (server and attacker both run here; the attacker writes from one
 * reused chunk, with backpressure), sampled while the attack runs.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { CURVE } from '../../../mechanisms';
import { curveKeyPair, type Authorizer, type Mechanism } from '../../../src';
import { createServer, Deframer, encodeFrame, frameHeader, SecureStream, type PeerOrigin, type StreamServer } from '../../../src/adapters/stream';
import { ALLOWED_GROWTH, describeGrowth, flood, peakGrowth } from '../../helpers/memory';
import { Unpausable } from './helpers';

const SERVER_KEYS = curveKeyPair();
const CLIENT_KEYS = curveKeyPair();
const MiB = 1024 * 1024;
const FLOOD = 256 * MiB;

/** An authorizer that never answers, and a way to know it was asked. */
function neverAnswers() {
  let asked!: () => void;
  const wasAsked = new Promise<void>((resolve) => (asked = resolve));
  const authorizer: Authorizer = () => (asked(), new Promise<boolean>(() => undefined));
  return { authorizer, wasAsked };
}

const servers: StreamServer[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface Failure {
  readonly error: Error & { code?: string };
  readonly origin: PeerOrigin;
}

async function curveServer(authorizer: Authorizer, options: { handshakeTimeout?: number; maxHandshakes?: number; maxFrameSize?: number } = {}) {
  const server = createServer({ mechanism: CURVE, mechanismOptions: { secretKey: SERVER_KEYS.secretKey }, authorizer, ...options });
  const failures: Failure[] = [];
  server.on('handshakeError', (error: Error, origin: PeerOrigin) => failures.push({ error, origin }));
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  /** Resolves with the next handshake failure. */
  const nextFailure = () => new Promise<Failure>((resolve) => server.once('handshakeError', (error: Error, origin: PeerOrigin) => resolve({ error, origin })));
  return { server, port, failures, nextFailure };
}

async function rawClient(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

/** The client's own address as the server sees it (`host:port`). */
function addressOf(socket: net.Socket): string {
  return `${socket.localAddress}:${socket.localPort}`;
}

/** Drives a CURVE client by hand over `socket` up to INITIATE (sent); the server then decides. */
async function curveUpToInitiate(socket: net.Socket): Promise<Mechanism> {
  const client = CURVE.client({ secretKey: CLIENT_KEYS.secretKey, serverKey: SERVER_KEYS.publicKey });
  const deframer = new Deframer();
  socket.write(encodeFrame(client.start().send[0]!));
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  const [welcome] = deframer.push(chunk);
  const step = client.receive(welcome!);
  expect(step.send).toHaveLength(1);
  socket.write(encodeFrame(step.send[0]!));
  return client;
}

describe('nothing unbounded before authentication (stream, TCP)', () => {
  test('a 4-byte header announcing 256 MiB, then 256 MiB: refused from the header, growth under 8 MiB', async () => {
    const { authorizer } = neverAnswers();
    // maxFrameSize is for authenticated peers: even at 512 MiB, an unauthenticated one is held
    // to the mechanism's largest handshake command.
    const { port, nextFailure } = await curveServer(authorizer, { maxFrameSize: 512 * MiB });
    const socket = await rawClient(port);
    const address = addressOf(socket);
    const failed = nextFailure();
    const { result, growth } = await peakGrowth(async () => {
      socket.write(frameHeader(FLOOD));
      return flood(socket, FLOOD);
    });
    expect(result.cutOff).toBe(true);
    const { error, origin } = await failed;
    expect(error).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
    expect(origin.address).toBe(address);
    expect(growth.rss).toBeLessThan(ALLOWED_GROWTH);
    expect(growth.arrayBuffers).toBeLessThan(ALLOWED_GROWTH);
    process.stdout.write(`header flood: ${describeGrowth(growth)}, ${(result.written / MiB).toFixed(1)} MiB accepted by the socket\n`);
  });

  test('CURVE up to INITIATE, then 256 MiB while the authorizer has not answered: paused, dropped at the deadline, growth under 8 MiB', async () => {
    const { authorizer, wasAsked } = neverAnswers();
    const { port, nextFailure } = await curveServer(authorizer, { handshakeTimeout: 1_000 });
    const socket = await rawClient(port);
    const address = addressOf(socket);
    const failed = nextFailure();
    await curveUpToInitiate(socket);
    await wasAsked;
    const { result, growth } = await peakGrowth(() => flood(socket, FLOOD));
    expect(result.cutOff).toBe(true);
    const { error, origin } = await failed;
    expect(error).toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
    expect(origin.address).toBe(address);
    expect(growth.rss).toBeLessThan(ALLOWED_GROWTH);
    expect(growth.arrayBuffers).toBeLessThan(ALLOWED_GROWTH);
    process.stdout.write(`flood after INITIATE: ${describeGrowth(growth)}, ${(result.written / MiB).toFixed(1)} MiB accepted by the socket\n`);
  });
});

describe('a channel that ignores pause()', () => {
  test('frames after INITIATE while the decision is pending: held to about one handshake command, then ERR_PROTOCOL', async () => {
    const { authorizer, wasAsked } = neverAnswers();
    const raw = new Unpausable();
    const maxHandshakeSize = CURVE.wire!.maxHandshakeSize;
    const server = new SecureStream(raw, { session: CURVE.server({ secretKey: SERVER_KEYS.secretKey })(), authorizer, wire: CURVE.wire! });
    const errors: Array<Error & { code?: string }> = [];
    server.on('error', (error) => errors.push(error));
    const client = CURVE.client({ secretKey: CLIENT_KEYS.secretKey, serverKey: SERVER_KEYS.publicKey });
    raw.feed(encodeFrame(client.start().send[0]!));
    await new Promise((resolve) => setImmediate(resolve));
    const [welcome] = new Deframer().push(Buffer.concat(raw.written));
    raw.feed(encodeFrame(client.receive(welcome!).send[0]!));
    await wasAsked;
    // 1 KiB frames, 256 MiB of them if the server kept taking them.
    const frame = encodeFrame(new Uint8Array(1024));
    let fed = 0;
    const { growth } = await peakGrowth(async () => {
      while (!server.destroyed && fed < FLOOD) {
        raw.feed(frame);
        fed += frame.length;
      }
    });
    expect(server.destroyed).toBe(true);
    await new Promise((resolve) => server.once('close', resolve));
    expect(errors.map((error) => error.code)).toEqual(['ERR_PROTOCOL']);
    expect(fed).toBeLessThanOrEqual(maxHandshakeSize + 2 * frame.length);
    expect(growth.arrayBuffers).toBeLessThan(ALLOWED_GROWTH);
    expect(growth.rss).toBeLessThan(ALLOWED_GROWTH);
    process.stdout.write(`unpausable channel: ${describeGrowth(growth)}, ${(fed / 1024).toFixed(0)} KiB taken before ERR_PROTOCOL\n`);
  });
});

describe('maxHandshakes', () => {
  test('N + 1 half-open TCP connections: the oldest is evicted with ERR_LIMIT_REACHED', async () => {
    const { authorizer } = neverAnswers();
    const { server, port, nextFailure } = await curveServer(authorizer, { maxHandshakes: 3 });
    const connected = () => new Promise((resolve) => server.once('connection', resolve));
    const halfOpen: net.Socket[] = [];
    for (let i = 0; i < 3; i++) {
      const accepted = connected();
      halfOpen.push(await rawClient(port));
      await accepted;
    }
    expect(server.handshakeCount).toBe(3);
    const evicted = nextFailure();
    const oldestClosed = once(halfOpen[0]!, 'close');
    const accepted = connected();
    halfOpen.push(await rawClient(port));
    await accepted;
    const { error, origin } = await evicted;
    expect(error).toMatchObject({ code: 'ERR_LIMIT_REACHED' });
    expect(origin.address).toBe(addressOf(halfOpen[0]!));
    await oldestClosed;
    expect(server.handshakeCount).toBe(3);
  });

  test('a handshake waiting for the authorizer is spared: the oldest stalled one makes room', async () => {
    const { authorizer, wasAsked } = neverAnswers();
    const { server, port, nextFailure } = await curveServer(authorizer, { maxHandshakes: 2 });
    const deciding = await rawClient(port);
    await curveUpToInitiate(deciding);
    await wasAsked;
    const connected = () => new Promise((resolve) => server.once('connection', resolve));
    let accepted = connected();
    const stalled = await rawClient(port);
    await accepted;
    const evicted = nextFailure();
    accepted = connected();
    await rawClient(port);
    await accepted;
    const { error, origin } = await evicted;
    expect(error).toMatchObject({ code: 'ERR_LIMIT_REACHED' });
    expect(origin.address).toBe(addressOf(stalled));
    expect(deciding.destroyed).toBe(false);
  });
});
