/**
 * Where the CLI's ZMTP transport listens and connects: `tcp://HOST:PORT` (libzmq's `*` for any
 * interface or any port) and `ipc://PATH` (a Unix socket, which libzmq speaks the same ZMTP
 * over). `listenZmtp` and `connectZmtp` take a TCP host and port only, so the connection
 * config is assembled here from the adapter's own parts, as `src/adapters/zmtp/net.ts` does,
 * and handed to `ZmtpServer` / `ZmtpConnection` over a socket of either kind.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import type { Authorizer, MechanismRegistry } from '../../src';
import { channelLimits, type ChannelLimitsInit } from '../../src/channel/limits';
import type { Mechanism, ServerSessions } from '../../src/mechanism';
import type { AnyMechanismOptions } from '../../src/registry';
import { resolveMechanism } from '../../src/adapters/mechanism-choice';
import {
  checkSocketType,
  connectionMetadata,
  encodeGreeting,
  GREETING_SIZE,
  parseGreeting,
  ZmtpConnection,
  ZmtpServer,
  type ZmtpConnectionConfig,
  type ZmtpSocketType,
} from '../../src/adapters/zmtp';
import { UsageError } from '../usage';

/** A parsed `tcp://` or `ipc://` endpoint. */
export type ZmtpEndpoint =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly text: string }
  | { readonly kind: 'ipc'; readonly path: string; readonly text: string };

/**
 * Splits `tcp://HOST:PORT` (IPv6 hosts in brackets; `*` as host is every interface, as port any
 * free port) or `ipc://PATH`.
 *
 * @throws {@link UsageError} for anything else
 */
export function parseZmtpEndpoint(endpoint: string): ZmtpEndpoint {
  const ipc = /^ipc:\/\/(.+)$/.exec(endpoint);
  if (ipc !== null) return { kind: 'ipc', path: ipc[1]!, text: endpoint };
  const tcp = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):(\d{1,5}|\*)$/.exec(endpoint);
  const port = tcp?.[2] === '*' ? 0 : Number(tcp?.[2]);
  if (tcp === null || port > 65535) throw new UsageError(`expected tcp://host:port or ipc://path, got ${endpoint}`);
  const host = tcp[1] === '*' ? '0.0.0.0' : tcp[1]!.replace(/^\[|\]$/g, '');
  return { kind: 'tcp', host, port, text: endpoint };
}

/** What both sides are made of: the connection config and the mechanism's definition and options. */
interface Prepared {
  readonly config: ZmtpConnectionConfig;
  make(role: 'client'): Mechanism;
  make(role: 'server'): ServerSessions;
}

/** The mechanism, as the CLI names it, and the limits of its connections. */
export interface ZmtpSide extends ChannelLimitsInit {
  readonly mechanism: string;
  readonly registry: MechanismRegistry;
  readonly mechanismOptions: AnyMechanismOptions;
  readonly socketType: ZmtpSocketType;
  readonly authorizer?: Authorizer;
}

function prepare(side: ZmtpSide): Prepared {
  const { name, definition, options, wire } = resolveMechanism(side);
  const socketType = checkSocketType(side.socketType);
  const mechanismOptions = { ...options, metadata: connectionMetadata(socketType) };
  const config: ZmtpConnectionConfig = {
    socketType,
    mechanismName: name,
    wire,
    limits: channelLimits(side),
    ...(side.authorizer === undefined ? {} : { authorizer: side.authorizer }),
  };
  const make = ((role: 'client' | 'server') => (role === 'client' ? definition.client(mechanismOptions) : definition.server(mechanismOptions))) as Prepared['make'];
  return { config, make };
}

/**
 * Listens on `endpoint` as the mechanism's server. An `ipc://` path left behind by a server
 * that died is removed first, as libzmq's bind does; one where a server still answers is not.
 *
 * @returns the server and the endpoint it is bound to (the port filled in)
 * @throws the listen error (e.g. `EADDRINUSE`)
 */
export async function listenOn(endpoint: ZmtpEndpoint, side: ZmtpSide): Promise<{ server: ZmtpServer; bound: string }> {
  const { config, make } = prepare(side);
  if (endpoint.kind === 'ipc' && (await staleSocket(endpoint.path))) await fs.unlink(endpoint.path);
  const listener = net.createServer();
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    if (endpoint.kind === 'ipc') listener.listen(endpoint.path, resolve);
    else listener.listen(endpoint.port, endpoint.host, resolve);
  });
  const server = new ZmtpServer(listener, make('server'), config);
  if (endpoint.kind === 'ipc') return { server, bound: endpoint.text };
  const { address, port } = server.address();
  return { server, bound: `tcp://${address.includes(':') ? `[${address}]` : address}:${port}` };
}

/** True when `file` is a Unix socket nobody accepts on. */
async function staleSocket(file: string): Promise<boolean> {
  const stat = await fs.lstat(file).catch(() => undefined);
  if (stat?.isSocket() !== true) return false;
  return !(await opens({ path: file }, 1000));
}

/** Codes of a connection attempt that found nobody there yet: libzmq retries these, so do we. */
const NOBODY_THERE = new Set(['ECONNREFUSED', 'ENOENT']);

/** How often a refused connection is retried (libzmq's `ZMQ_RECONNECT_IVL` default). */
const RETRY_MS = 100;

/**
 * Connects to `endpoint` and starts the mechanism's client handshake over it. While nobody
 * listens there the attempt is repeated, as a libzmq client does, until `deadline`.
 *
 * @returns the connection (await its `handshake`), or `undefined` when nobody listened in time
 * @throws the connection error for anything but "nobody there" (an unknown host, for example)
 */
export async function connectTo(endpoint: ZmtpEndpoint, side: ZmtpSide, deadline: number): Promise<ZmtpConnection | undefined> {
  const { config, make } = prepare(side);
  const target: net.NetConnectOpts = endpoint.kind === 'ipc' ? { path: endpoint.path } : { host: endpoint.host, port: endpoint.port, noDelay: true };
  for (;;) {
    const socket = net.connect(target);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      // A loopback connect while nobody listens can pick the target port as its own source
      // port and connect to itself (TCP simultaneous open), holding the port serve wants.
      if (endpoint.kind === 'tcp' && socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress) {
        throw Object.assign(new Error('connected to itself'), { code: 'ECONNREFUSED' });
      }
      socket.removeAllListeners('error');
      return new ZmtpConnection(socket, make('client'), config);
    } catch (error) {
      socket.destroy();
      const wait = Math.min(RETRY_MS, deadline - Date.now());
      if (!NOBODY_THERE.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      if (wait <= 0) return undefined;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** What {@link probeGreeting} learnt of the server: its mechanism, or that it speaks no ZMTP. */
export type Probe = { readonly mechanism: string } | 'not-zmtp' | 'no-answer';

/**
 * Asks the server at `endpoint` for its greeting, on a connection of its own, and hangs up.
 * Used only after a handshake failed without a word: libzmq hangs up at once on a mechanism
 * it does not speak, and the reset can discard its greeting before we read it. Sending the
 * signature and major version is enough for libzmq to send the rest, the mechanism included.
 */
export function probeGreeting(endpoint: ZmtpEndpoint, ms = 1000): Promise<Probe> {
  const target: net.NetConnectOpts = endpoint.kind === 'ipc' ? { path: endpoint.path } : { host: endpoint.host, port: endpoint.port };
  return new Promise((resolve) => {
    const socket = net.connect(target);
    let received = Buffer.alloc(0);
    const done = () => {
      socket.destroy();
      if (received.length === 0) return resolve('no-answer');
      if (received[0] !== 0xff || (received.length >= 10 && (received[9]! & 0x01) === 0)) return resolve('not-zmtp');
      try {
        resolve(received.length >= GREETING_SIZE ? { mechanism: parseGreeting(received.subarray(0, GREETING_SIZE)).mechanism } : 'no-answer');
      } catch {
        resolve('not-zmtp');
      }
    };
    socket.setTimeout(ms, done);
    socket.once('connect', () => socket.write(encodeGreeting({ mechanism: 'NULL', asServer: false }).subarray(0, 11)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= GREETING_SIZE) done();
    });
    socket.once('error', done);
    socket.once('end', done);
  });
}

/** True when a connection to `target` opens within `ms`. */
function opens(target: net.NetConnectOpts, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(target);
    const done = (open: boolean) => (socket.destroy(), resolve(open));
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
