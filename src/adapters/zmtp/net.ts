/**
 * TCP entry points of the ZMTP adapter: {@link connectZmtp} (a client) and {@link listenZmtp}
 * (a server). Both take the mechanism as every adapter does (a definition, or a name in a
 * registry), so the adapter works with any mechanism and names none.
 *
 * @module
 */
import { EventEmitter, once } from 'node:events';
import * as net from 'node:net';
import type { Authorizer } from '../../auth';
import type { MetadataInit } from '../../codec/metadata';
import { ChannelError } from '../../errors';
import type { MechanismDefinition, ServerSessions } from '../../mechanism';
import type { AnyMechanismOptions } from '../../registry';
import { resolveMechanism, type MechanismChoice } from '../mechanism-choice';
import { ZmtpConnection, type ZmtpConnectionConfig } from './connection';
import { checkMaxFrameSize } from './frames';
import { checkSocketType, connectionMetadata, type ZmtpSocketType } from './socket-type';

/** Default handshake timeout (30 s, libzmq's `ZMQ_HANDSHAKE_IVL`). */
export const DEFAULT_HANDSHAKE_TIMEOUT = 30_000;

/**
 * The mechanisms ZMTP defines without a security layer (RFC 23 NULL, RFC 24 PLAIN): their parts
 * travel as plain frames. Every other mechanism's parts are commands carried in message frames,
 * as CURVE's MESSAGE is (RFC 25).
 */
const CLEARTEXT = new Set(['NULL', 'PLAIN']);

/**
 * Options shared by both sides. The mechanism (`mechanism`, `registry`, `mechanismOptions`) is
 * chosen as in every adapter; its name goes in the greeting (RFC 23), and the `metadata` of
 * `mechanismOptions` is replaced by the adapter's (RFC 23's `Socket-Type` and `Identity`).
 */
export interface ZmtpOptions extends MechanismChoice {
  /** This side's socket type, sent as `Socket-Type` (default `'DEALER'`). */
  readonly socketType?: ZmtpSocketType;
  /** The `Identity` sent by REQ, DEALER and ROUTER (default empty). */
  readonly identity?: string | Uint8Array;
  /** Application metadata (`X-*` properties; libzmq requires that prefix). */
  readonly metadata?: MetadataInit;
  /**
   * Whether the mechanism's parts are commands in message frames (default: true except for
   * NULL and PLAIN). Set it only for a custom mechanism.
   */
  readonly securityLayer?: boolean;
  /** Milliseconds the handshake may take (default {@link DEFAULT_HANDSHAKE_TIMEOUT}). */
  readonly handshakeTimeout?: number;
  /** Largest frame body accepted, in bytes (default 16 MiB). */
  readonly maxFrameSize?: number;
}

/** Options of {@link connectZmtp}. */
export interface ZmtpConnectOptions extends ZmtpOptions {
  /** The server's port. */
  readonly port: number;
  /** The server's host (default `'127.0.0.1'`). */
  readonly host?: string;
}

/** Options of {@link listenZmtp}. */
export interface ZmtpListenOptions extends ZmtpOptions {
  /** Decides who may enter (required: no default lets anyone in). */
  readonly authorizer: Authorizer;
  /** The port to listen on (default 0: any free port). */
  readonly port?: number;
  /** The address to listen on (default `'127.0.0.1'`). */
  readonly host?: string;
}

interface Prepared {
  readonly config: ZmtpConnectionConfig;
  readonly definition: MechanismDefinition<AnyMechanismOptions>;
  readonly mechanismOptions: AnyMechanismOptions;
}

function prepare(options: ZmtpOptions, authorizer?: Authorizer): Prepared {
  const { name, definition, options: ownOptions } = resolveMechanism(options);
  const socketType = checkSocketType(options.socketType ?? 'DEALER');
  const timeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
  if (!Number.isSafeInteger(timeout) || timeout < 1) {
    throw new RangeError(`"handshakeTimeout" expected a positive integer of milliseconds, got ${String(timeout)}`);
  }
  const securityLayer = options.securityLayer ?? !CLEARTEXT.has(name);
  if (typeof securityLayer !== 'boolean') throw new TypeError('"securityLayer" expected a boolean');
  return {
    config: {
      socketType,
      securityLayer,
      handshakeTimeout: timeout,
      maxFrameSize: checkMaxFrameSize(options.maxFrameSize),
      ...(authorizer === undefined ? {} : { authorizer }),
    },
    definition,
    mechanismOptions: {
      ...ownOptions,
      metadata: connectionMetadata(socketType, options.identity, options.metadata),
    },
  };
}

/**
 * Connects to a ZMTP 3.x peer (libzmq or another {@link listenZmtp}) and completes the
 * handshake as the mechanism's client.
 *
 * @returns the connection, ready for `send`/`receive`
 * @throws {@link TypeError} / {@link RangeError} for bad options (before connecting)
 * @throws {@link ChannelError} `ERR_CHANNEL_CLOSED` when the TCP connection fails or the peer
 *   hangs up during the handshake, `ERR_MECHANISM_MISMATCH`, `ERR_SOCKET_TYPE_MISMATCH`,
 *   `ERR_PROTOCOL`, `ERR_FRAME_TOO_LARGE`, `ERR_HANDSHAKE_TIMEOUT`; or the mechanism's
 *   {@link MechanismError} (e.g. `ERR_PEER_ERROR` when the server refused us)
 */
export async function connectZmtp(options: ZmtpConnectOptions): Promise<ZmtpConnection> {
  const { config, definition, mechanismOptions } = prepare(options);
  const mechanism = definition.client(mechanismOptions);
  const socket = net.connect({ host: options.host ?? '127.0.0.1', port: options.port, noDelay: true });
  try {
    await once(socket, 'connect');
  } catch (error) {
    mechanism.destroy();
    throw new ChannelError('ERR_CHANNEL_CLOSED', 'could not connect', { cause: error });
  }
  const connection = new ZmtpConnection(socket, mechanism, config);
  await connection.ready;
  return connection;
}

/**
 * A listening ZMTP endpoint: one server session (from the endpoint's mechanism factory) per
 * accepted TCP connection.
 *
 * Events: `'connection'` (a {@link ZmtpConnection} whose handshake completed);
 * `'handshakeError'` (the error, the remote address) for a connection that failed before.
 */
export class ZmtpServer extends EventEmitter {
  private readonly server: net.Server;
  private readonly live = new Set<ZmtpConnection>();
  private readonly sessions: ServerSessions;

  /** @internal use {@link listenZmtp} */
  constructor(server: net.Server, sessions: ServerSessions, config: ZmtpConnectionConfig) {
    super();
    this.server = server;
    this.sessions = sessions;
    server.on('connection', (socket) => {
      if (!server.listening) {
        socket.destroy(); // accepted as close() began: the session factory is closed
        return;
      }
      socket.setNoDelay(true);
      const connection = new ZmtpConnection(socket, sessions(), config);
      this.live.add(connection);
      connection.once('close', () => this.live.delete(connection));
      connection.ready.then(
        () => this.emit('connection', connection),
        (error: Error) => this.emit('handshakeError', error, socket.remoteAddress),
      );
    });
  }

  /** The bound address (port included). */
  address(): net.AddressInfo {
    return this.server.address() as net.AddressInfo;
  }

  /**
   * Stops listening, closes every connection and wipes the endpoint's shared secrets (CURVE's
   * cookie keys). Resolves when the listener is closed.
   */
  async close(): Promise<void> {
    this.sessions.close?.();
    for (const connection of this.live) connection.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Listens for ZMTP 3.x peers (libzmq clients or {@link connectZmtp}) as the mechanism's server.
 *
 * @throws {@link TypeError} / {@link RangeError} for bad options, including a missing
 *   `authorizer` or bad mechanism options (checked once, before listening)
 * @returns rejects with the listen error (e.g. `EADDRINUSE`)
 */
export async function listenZmtp(options: ZmtpListenOptions): Promise<ZmtpServer> {
  if (typeof options?.authorizer !== 'function') {
    throw new TypeError('"options.authorizer" is required: pass a function deciding who may enter');
  }
  const { config, definition, mechanismOptions } = prepare(options, options.authorizer);
  const sessions = definition.server(mechanismOptions);
  const server = net.createServer();
  const zmtp = new ZmtpServer(server, sessions, config);
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  return zmtp;
}
