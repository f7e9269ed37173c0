/**
 * The stream transport of the CLI: the stream adapter's framing over stdin/stdout (endpoint
 * `-`) or over TCP (`tcp+stream://host:port`). `serve` echoes every message back; `connect`
 * sends each `--message`, checks that it comes back unchanged and prints each reply on stderr.
 * Over `-`, stdout carries frames only: every log line goes to stderr.
 *
 * @module
 */
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import type { Authorizer, PeerIdentity } from '../../src';
import type { PeerOrigin } from '../../src/adapters/mechanism-choice';
import { describe, describeClientError, describePeerError, oncePerAddress, sniffZmtp } from '../diagnose';
import { SecureStream, StreamServer } from '../../src/adapters/stream';
import { EXIT, exitCodeFor } from '../exit-codes';
import { UsageError } from '../options';
import type { CliTransport, ConnectContext, Log, ServeContext } from './types';

/** Runs an echo server on `context.endpoint` until `context.signal` aborts (or stdin ends, for `-`). */
export async function serve(context: ServeContext): Promise<number> {
  const authorizer = context.authorizer ?? denyAll;
  if (context.endpoint === '-') {
    const stream = new SecureStream(stdio(), {
      session: context.registry.server(context.mechanism, context.serverOptions)(),
      authorizer,
      signal: context.signal,
    });
    echo(stream, context.log);
    const failure = await closed(stream);
    return failure === undefined ? EXIT.OK : exitCodeFor(failure);
  }
  return serveTcp(context, authorizer, parseEndpoint(context.endpoint));
}

/** Connects, sends each message, checks each echo; the exit code says how it went. */
export async function connect(context: ConnectContext): Promise<number> {
  const raw = context.endpoint === '-' ? stdio() : tcpSocket(parseEndpoint(context.endpoint));
  const sawZmtp = sniffZmtp(raw);
  const stream = new SecureStream(raw, {
    session: context.registry.client(context.mechanism, context.clientOptions),
    handshakeTimeout: context.timeoutMs,
    idleTimeout: context.timeoutMs,
  });
  // Failures reach us through `handshake` and the reply iterator; the event alone would crash.
  stream.on('error', () => undefined);
  try {
    const peer = await stream.handshake;
    context.log(`secure: ${peer.mechanism}${peer.publicKeyZ85 === undefined ? '' : ` server ${peer.publicKeyZ85}`}`);
    return await exchange(stream, context);
  } catch (error) {
    // A reset before any greeting arrived may still be a ZMTP peer: ask it again, silently.
    const zmtp = sawZmtp() || (context.endpoint !== '-' && !stream.peer && (await greetsWithZmtp(parseEndpoint(context.endpoint))));
    context.log(`error: ${describeClientError(error, context.endpoint, zmtp)}`);
    return zmtp ? EXIT.PROTOCOL : exitCodeFor(error);
  } finally {
    stream.destroy();
  }
}

/** The stream transport, as `./index` picks it. */
export const streamTransport: CliTransport = { serve, connect };

async function exchange(stream: SecureStream, context: ConnectContext): Promise<number> {
  const replies = stream[Symbol.asyncIterator]();
  for (const message of context.messages) {
    stream.write(message);
    const reply = await replies.next();
    if (reply.done === true) {
      context.log('error: the server closed the channel before replying');
      return EXIT.PROTOCOL;
    }
    const text = Buffer.isBuffer(reply.value) ? reply.value.toString('utf8') : String(reply.value);
    context.log(`reply: ${text}`);
    if (text !== message) {
      context.log(`error: the reply does not match ${JSON.stringify(message)}`);
      return EXIT.PROTOCOL;
    }
  }
  return EXIT.OK;
}

function serveTcp(context: ServeContext, authorizer: Authorizer, address: TcpAddress): Promise<number> {
  const streams = new Set<SecureStream>();
  const server = new StreamServer(
    { mechanism: context.mechanism, registry: context.registry, mechanismOptions: context.serverOptions, authorizer },
    (stream) => {
      streams.add(stream);
      stream.once('close', () => streams.delete(stream));
      echo(stream, context.log);
    },
  );
  const logOnce = oncePerAddress(context.log);
  server.on('handshakeError', (error: Error, origin?: PeerOrigin) => {
    // Per host, not host:port: a retrying client comes from a new port each time.
    logOnce(origin?.address?.replace(/:\d+$/, ''), `handshake failed: ${describePeerError(error)}`);
  });
  const unenforce = context.enforce?.(server);
  return new Promise((resolve) => {
    const stop = () => {
      unenforce?.();
      for (const stream of streams) stream.destroy();
      void server.close().then(() => resolve(EXIT.OK));
    };
    server.once('error', (error) => {
      context.signal.removeEventListener('abort', stop);
      context.log(`error: ${describe(error)}`);
      resolve(EXIT.FAILURE);
    });
    server.listen(address.port, address.host, () => {
      const { port } = server.address() as net.AddressInfo;
      context.log(`listening on tcp+stream://${address.hostText}:${port} (${context.mechanism})`);
    });
    if (context.signal.aborted) stop();
    else context.signal.addEventListener('abort', stop, { once: true });
  });
}

/** Sends every message back, and logs the peer and the outcome. */
function echo(stream: SecureStream, log: Log): void {
  const logPeer = (peer: PeerIdentity) => log(`secure: ${peer.mechanism} peer ${peer.userId ?? peer.publicKeyZ85 ?? '(anonymous)'}`);
  if (stream.peer === undefined) stream.once('secure', logPeer);
  else logPeer(stream.peer);
  stream.on('error', (error) => log(`error: ${describe(error)}`));
  stream.pipe(stream);
}

/** Resolves with the error the stream failed with, or `undefined` once it closed cleanly. */
function closed(stream: SecureStream): Promise<Error | undefined> {
  return new Promise((resolve) => {
    let failure: Error | undefined;
    stream.on('error', (error) => (failure ??= error));
    stream.once('close', () => resolve(failure));
  });
}

/** Used when the command line gave no authorizer (NULL): any decision asked for is a refusal. */
const denyAll: Authorizer = () => false;

/** stdin and stdout as one Duplex; stdout then carries frames only. */
function stdio(): Duplex {
  return Duplex.from({ readable: process.stdin, writable: process.stdout });
}

interface TcpAddress {
  readonly host: string;
  readonly hostText: string;
  readonly port: number;
}

/**
 * Connects without sending and waits up to half a second for a ZMTP greeting, which a libzmq
 * peer sends at once; a stream server says nothing until it gets HELLO. Only on failure.
 */
function greetsWithZmtp(address: TcpAddress): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpSocket(address);
    const seen = sniffZmtp(socket);
    const done = () => (socket.destroy(), resolve(seen()));
    socket.setTimeout(500, done);
    socket.on('data', (chunk: Buffer) => chunk.length > 0 && done());
    socket.once('error', done);
    socket.once('end', done);
  });
}

function tcpSocket(address: TcpAddress): net.Socket {
  return net.connect({ host: address.host, port: address.port, allowHalfOpen: true });
}

/**
 * Splits `tcp+stream://host:port` (IPv6 hosts in brackets).
 *
 * @throws {@link UsageError} for anything else
 */
export function parseEndpoint(endpoint: string): TcpAddress {
  const match = /^tcp\+stream:\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):(\d{1,5})$/.exec(endpoint);
  const port = Number(match?.[2]);
  if (match === null || port > 65535) {
    throw new UsageError(`expected - or tcp+stream://host:port, got ${endpoint}`);
  }
  const hostText = match[1]!;
  return { host: hostText.replace(/^\[|\]$/g, ''), hostText, port };
}
