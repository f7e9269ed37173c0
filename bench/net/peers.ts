/**
 * The subjects of the network parts: each one can serve (an echo endpoint for the connection
 * test, a sink endpoint for the message test), connect once, and send many messages. Ours are
 * loaded only when asked for, so a missing or broken adapter makes its row "pending" and never
 * stops the others.
 *
 * Sink protocol: a byte-stream peer (TCP, TLS) first sends 8 bytes holding the number of
 * payload bytes to follow; a message peer first sends one 8-byte message holding the number of
 * messages to follow. The sink answers one byte when it has them all, so the sender's clock
 * covers delivery, not just queuing.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { clientKeys, HOST, ONE, header, loadFailure, seconds, serverKeys, type Channel, type Mechanisms, type Peer, type PeerContext } from './peer-kit';
import { curveZmq, zmqPeer } from './zmq-peers';

export type { Peer, PeerContext, PeerServer } from './peer-kit';

/** A `net.Server`, or a stream adapter's server (a `net.Server` whose `close()` returns a promise). */
type AnyServer = Omit<net.Server, 'close'> & { close(callback: () => void): unknown };

function listen(server: AnyServer): Promise<string> {
  return new Promise((resolve) => server.listen(0, HOST, () => resolve(String((server.address() as net.AddressInfo).port))));
}

function closeServer(server: AnyServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Writes everything with back-pressure. */
async function writeAll(stream: Channel, chunk: Uint8Array, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (!stream.write(chunk)) await once(stream, 'drain');
  }
}

// ---- byte streams: TCP and TLS ----------------------------------------------------------

/** Echo on one socket, and the byte-counting sink, for any byte stream. */
function byteEcho(socket: Duplex): void {
  socket.on('error', () => undefined);
  socket.on('data', (data: Buffer) => socket.write(data));
}

function byteSink(socket: Duplex): void {
  socket.on('error', () => undefined);
  let expected = -1;
  let received = 0;
  let head = Buffer.alloc(0);
  socket.on('data', (data: Buffer) => {
    if (expected < 0) {
      head = Buffer.concat([head, data]);
      if (head.length < 8) return;
      expected = Number(head.readBigUInt64BE(0));
      received = head.length - 8;
    } else {
      received += data.length;
    }
    if (received >= expected) socket.write(ONE);
  });
}

async function byteEchoOnce(socket: Duplex, ready: string): Promise<void> {
  socket.on('error', () => undefined);
  await once(socket, ready);
  socket.write(ONE);
  await once(socket, 'data');
  socket.destroy();
}

async function byteSendMany(socket: Duplex, ready: string, size: number, count: number): Promise<number> {
  await once(socket, ready);
  const answer = once(socket, 'data');
  const start = seconds();
  socket.write(header(size * count));
  await writeAll(socket, new Uint8Array(size).fill(0x61), count);
  await answer;
  const elapsed = seconds() - start;
  socket.destroy();
  return elapsed;
}

const tcp: Peer = {
  name: 'tcp',
  unavailable: () => undefined,
  async serve() {
    const echo = net.createServer(byteEcho);
    const sink = net.createServer(byteSink);
    return { echo: await listen(echo), sink: await listen(sink), close: async () => void (await Promise.all([closeServer(echo), closeServer(sink)])) };
  },
  echoOnce: (port) => byteEchoOnce(net.connect(Number(port), HOST).setNoDelay(true), 'connect'),
  sendMany: (port, size, count) => byteSendMany(net.connect(Number(port), HOST), 'connect', size, count),
};

const tlsPeer: Peer = {
  name: 'tls',
  unavailable: (ctx) => (ctx.tls === undefined ? 'no openssl command to make a certificate' : undefined),
  async serve(ctx) {
    const options: tls.TlsOptions = { key: ctx.tls!.key, cert: ctx.tls!.cert, minVersion: 'TLSv1.3' };
    const echo = tls.createServer(options, byteEcho);
    const sink = tls.createServer(options, byteSink);
    return { echo: await listen(echo), sink: await listen(sink), close: async () => void (await Promise.all([closeServer(echo), closeServer(sink)])) };
  },
  echoOnce(port, ctx) {
    return byteEchoOnce(tlsConnect(port, ctx), 'secureConnect');
  },
  sendMany(port, size, count, ctx) {
    return byteSendMany(tlsConnect(port, ctx), 'secureConnect', size, count);
  },
};

let tlsClientContext: tls.SecureContext | undefined;

function tlsConnect(port: string, ctx: PeerContext): tls.TLSSocket {
  // The certificate is verified against itself as CA: the full cost of a real client. The
  // context (the parsed CA) is made once, as a real client keeps it: passing `ca` to each
  // `connect` would parse it again for every connection and halve TLS's rate.
  tlsClientContext ??= tls.createSecureContext({ ca: ctx.tls!.cert, minVersion: 'TLSv1.3' });
  return tls.connect({ port: Number(port), host: HOST, secureContext: tlsClientContext, servername: 'localhost' });
}

// ---- message streams: secret-stream and our stream adapter ------------------------------

function messageEcho(stream: Channel): void {
  stream.on('error', () => undefined);
  stream.on('data', (message: Uint8Array) => stream.write(message));
}

function messageSink(stream: Channel): void {
  stream.on('error', () => undefined);
  let expected = -1;
  let received = 0;
  stream.on('data', (message: Buffer | Buffer[]) => {
    if (expected < 0) {
      expected = Number(Buffer.from(Array.isArray(message) ? message[0]! : message).readBigUInt64BE(0));
    } else if (++received === expected) {
      stream.write(ONE);
    }
  });
}

async function messageEchoOnce(stream: Channel, ready: Promise<unknown>): Promise<void> {
  stream.on('error', () => undefined);
  await ready;
  stream.write(ONE);
  await once(stream, 'data');
  stream.destroy();
}

async function messageSendMany(stream: Channel, ready: Promise<unknown>, size: number, count: number): Promise<number> {
  stream.on('error', () => undefined);
  await ready;
  const answer = once(stream, 'data');
  const start = seconds();
  stream.write(header(count));
  await writeAll(stream, new Uint8Array(size).fill(0x61), count);
  await answer;
  const elapsed = seconds() - start;
  stream.destroy();
  return elapsed;
}

interface SecretStreamClass {
  new (isInitiator: boolean, raw: Duplex, options: { keyPair: unknown }): Duplex & { opened: Promise<boolean> };
  keyPair(seed: Buffer): unknown;
}

function secretStreamClass(): SecretStreamClass {
  return require('@hyperswarm/secret-stream') as SecretStreamClass;
}

const secretStream: Peer = {
  name: 'secret-stream',
  unavailable() {
    try {
      secretStreamClass();
      return undefined;
    } catch {
      return '@hyperswarm/secret-stream is not installed';
    }
  },
  async serve() {
    const SecretStream = secretStreamClass();
    // Fixed key pairs on both sides, as our CURVE peers have: no key generation per connection.
    const keyPair = SecretStream.keyPair(Buffer.alloc(32, 3));
    const wrap = (handler: (s: Duplex) => void) => (socket: net.Socket) => {
      socket.on('error', () => undefined);
      handler(new SecretStream(false, socket, { keyPair }));
    };
    const echo = net.createServer(wrap(messageEcho));
    const sink = net.createServer(wrap(messageSink));
    return { echo: await listen(echo), sink: await listen(sink), close: async () => void (await Promise.all([closeServer(echo), closeServer(sink)])) };
  },
  echoOnce(port) {
    const stream = secretStreamConnect(port);
    return messageEchoOnce(stream, stream.opened);
  },
  sendMany(port, size, count) {
    const stream = secretStreamConnect(port);
    return messageSendMany(stream, stream.opened, size, count);
  },
};

let clientSecretStreamKeys: unknown;
function secretStreamConnect(port: string): Duplex & { opened: Promise<boolean> } {
  const SecretStream = secretStreamClass();
  clientSecretStreamKeys ??= SecretStream.keyPair(Buffer.alloc(32, 4));
  const socket = net.connect(Number(port), HOST);
  socket.on('error', () => undefined);
  return new SecretStream(true, socket, { keyPair: clientSecretStreamKeys });
}

type StreamAdapter = typeof import('../../src/adapters/stream');

function ourStream(): { adapter: StreamAdapter; mechanisms: Mechanisms } {
  return { adapter: require('../../src/adapters/stream') as StreamAdapter, mechanisms: require('../../mechanisms') as Mechanisms };
}


const curveStream: Peer = {
  name: 'curvezmq-stream',
  unavailable: () => loadFailure(() => {
    const { adapter, mechanisms } = ourStream();
    if (typeof adapter.createServer !== 'function' || !mechanisms.defaultRegistry.has('CURVE')) throw new Error('adapter or CURVE missing');
  }),
  async serve() {
    const { adapter, mechanisms } = ourStream();
    const options = {
      mechanism: 'CURVE',
      registry: mechanisms.defaultRegistry,
      mechanismOptions: { secretKey: serverKeys.secretKey },
      authorizer: () => true,
    };
    const echo = adapter.createServer(options, messageEcho);
    const sink = adapter.createServer(options, messageSink);
    for (const server of [echo, sink]) server.on('handshakeError', () => undefined);
    return { echo: await listen(echo), sink: await listen(sink), close: async () => void (await Promise.all([closeServer(echo), closeServer(sink)])) };
  },
  echoOnce(port) {
    const stream = curveStreamConnect(port);
    return messageEchoOnce(stream, stream.handshake);
  },
  sendMany(port, size, count) {
    const stream = curveStreamConnect(port);
    return messageSendMany(stream, stream.handshake, size, count);
  },
};

function curveStreamConnect(port: string): ReturnType<StreamAdapter['connect']> {
  const { adapter, mechanisms } = ourStream();
  return adapter.connect({
    host: HOST,
    port: Number(port),
    mechanism: 'CURVE',
    registry: mechanisms.defaultRegistry,
    mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
  });
}

// ---- ZeroMQ: zeromq.js with libzmq's CURVE or NULL, and our ZeroMQ adapter ----------------

export const PEERS: readonly Peer[] = [
  curveStream,
  curveZmq,
  tlsPeer,
  secretStream,
  zmqPeer('zmq-curve', true),
  zmqPeer('zmq-null', false),
  tcp,
];

/** A peer by name. */
export function peerByName(name: string): Peer {
  const peer = PEERS.find((p) => p.name === name);
  if (peer === undefined) throw new RangeError(`unknown peer ${name}`);
  return peer;
}
