/**
 * TCP entry points of the ZMTP adapter: {@link connectZmtp} (a client) and {@link listenZmtp}
 * (a server). Both take the mechanism as every adapter does (a definition, or a name in a
 * registry) and read how it travels from its wire traits, so the adapter names no mechanism.
 *
 * @module
 */
import { once } from 'node:events';
import * as net from 'node:net';
import type { Authorizer } from '../../auth';
import { channelLimits, DEFAULT_HANDSHAKE_TIMEOUT, type ChannelLimitsInit } from '../../channel/limits';
import type { MetadataInit } from '../../codec/metadata';
import { ChannelError } from '../../errors';
import type { AnyDefinition, MechanismDefinition, WireTraits } from '../../mechanism';
import type { AnyMechanismOptions } from '../../registry';
import { resolveMechanism, type ClientChoice, type MechanismChoice, type ServerChoice } from '../mechanism-choice';
import type { ZmtpConnectionConfig } from './config';
import { ZmtpConnection } from './connection';
import { ZmtpServer } from './server';
import { checkSocketType, connectionMetadata, type ZmtpSocketType } from './socket-type';

export { DEFAULT_HANDSHAKE_TIMEOUT };

/**
 * Options shared by both sides. The mechanism (`mechanism`, `registry`, `mechanismOptions`) is
 * chosen as in every adapter; its name goes in the greeting (RFC 23), and the `metadata` of
 * `mechanismOptions` is replaced by the adapter's (RFC 23's `Socket-Type` and `Identity`). The
 * limits (`handshakeTimeout`, `idleTimeout`, `keepAlive`, `maxFrameSize`, `maxBufferedBytes`;
 * on a server also `maxHandshakes`, `maxSessions`) are those of every adapter
 * (`src/channel/limits.ts`).
 */
export interface ZmtpBaseOptions extends ChannelLimitsInit {
  /** This side's socket type, sent as `Socket-Type` (default `'DEALER'`). */
  readonly socketType?: ZmtpSocketType;
  /** The `Identity` sent by REQ, DEALER and ROUTER (default empty). */
  readonly identity?: string | Uint8Array;
  /** Application metadata (`X-*` properties; libzmq requires that prefix). */
  readonly metadata?: MetadataInit;
  /**
   * Whether the mechanism's parts are commands in message frames.
   *
   * @deprecated declare `wire: { parts: 'sealed' | 'flagged', ... }` on the mechanism's
   *   definition instead; this overrides its `parts` for one release
   */
  readonly securityLayer?: boolean;
}

/** Both sides' options with the mechanism loosely typed, as the resolvers take them. */
export type ZmtpOptions = MechanismChoice & ZmtpBaseOptions;

/**
 * Options of {@link connectZmtp}: the mechanism typed per mechanism (`D` is inferred from
 * `mechanism`, so a client without the server's key does not compile), and the options below.
 */
export type ZmtpConnectOptions<D extends AnyDefinition = AnyDefinition> = ClientChoice<D> & ZmtpConnectBaseOptions;

/** What {@link connectZmtp} takes besides its mechanism. */
export interface ZmtpConnectBaseOptions extends ZmtpBaseOptions {
  /** The server's port. */
  readonly port: number;
  /** The server's host (default `'127.0.0.1'`). */
  readonly host?: string;
}

/**
 * Options of {@link listenZmtp}: the mechanism typed per mechanism, the authorizer (required:
 * `allowAny()` is the explicit way to let everyone in), and the options below.
 */
export type ZmtpListenOptions<D extends AnyDefinition = AnyDefinition> = ServerChoice<D> & ZmtpListenBaseOptions;

/** What {@link listenZmtp} takes besides its mechanism and authorizer. */
export interface ZmtpListenBaseOptions extends ZmtpBaseOptions {
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
  const { name, definition, options: ownOptions, wire } = resolveMechanism(options);
  const socketType = checkSocketType(options.socketType ?? 'DEALER');
  const limits = channelLimits(options);
  return {
    config: {
      socketType,
      mechanismName: name,
      wire: withOverride(wire, options.securityLayer),
      limits,
      ...(authorizer === undefined ? {} : { authorizer }),
    },
    definition,
    mechanismOptions: {
      ...ownOptions,
      metadata: connectionMetadata(socketType, options.identity, options.metadata),
    },
  };
}

/** The deprecated `securityLayer` option, applied over the definition's traits. */
function withOverride(wire: WireTraits, securityLayer: unknown): WireTraits {
  if (securityLayer === undefined) return wire;
  if (typeof securityLayer !== 'boolean') throw new TypeError('"options.securityLayer" expected a boolean');
  return { ...wire, parts: securityLayer ? 'sealed' : 'flagged' };
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
export async function connectZmtp<D extends AnyDefinition = AnyDefinition>(typed: ZmtpConnectOptions<D>): Promise<ZmtpConnection> {
  const options = typed as ZmtpConnectOptions & ZmtpOptions;
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
  await connection.handshake;
  return connection;
}

/**
 * Listens for ZMTP 3.x peers (libzmq clients or {@link connectZmtp}) as the mechanism's server.
 *
 * @throws {@link TypeError} / {@link RangeError} for bad options, including a missing
 *   `authorizer` or bad mechanism options (checked once, before listening)
 * @returns rejects with the listen error (e.g. `EADDRINUSE`)
 */
export async function listenZmtp<D extends AnyDefinition = AnyDefinition>(typed: ZmtpListenOptions<D>): Promise<ZmtpServer> {
  const options = typed as ZmtpListenOptions & ZmtpOptions;
  if (typeof options?.authorizer !== 'function') {
    throw new TypeError('"options.authorizer" is required: pass a function deciding who may enter (allowAny() lets everyone in)');
  }
  const { config, definition, mechanismOptions } = prepare(options, options.authorizer);
  const sessions = definition.server(mechanismOptions);
  const server = net.createServer();
  const zmtp = new ZmtpServer(server, sessions, config);
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch (error) {
    sessions.close?.();
    throw error;
  }
  return zmtp;
}
