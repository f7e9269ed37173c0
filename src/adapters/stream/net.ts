/**
 * `connect`, shaped like `node:tls`'s, over TCP, a Unix socket path or any Duplex given as
 * `socket`. The mechanism comes from the options, as a definition or as a name in a registry,
 * so this module never names a concrete mechanism. The server side is `./server`.
 *
 * @module
 */
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { AnyDefinition, PeerIdentity } from '../../mechanism';
import { resolveMechanism, type ClientChoice } from '../mechanism-choice';
import { channelOptions, type SecureChannelOptions } from './options';
import { SecureStream } from './secure-stream';
import { createServer, StreamServer, type StreamServerOptions } from './server';

export type { SecureChannelOptions };
export { createServer, StreamServer, type StreamServerOptions };

/** @deprecated use {@link StreamServer} */
export const SecureServer = StreamServer;
/** @deprecated use {@link StreamServer} */
export type SecureServer = StreamServer;
/** @deprecated use {@link StreamServerOptions} */
export type SecureServerOptions = StreamServerOptions;

/**
 * Options of {@link connect}: the mechanism typed per mechanism (`D` is inferred from
 * `mechanism`, so a client without the server's key does not compile), where to connect, and
 * how to secure the channel.
 */
export type SecureConnectOptions<D extends AnyDefinition = AnyDefinition> = ClientChoice<D> & SecureConnectBaseOptions;

/** What {@link connect} takes besides its mechanism. */
export interface SecureConnectBaseOptions extends SecureChannelOptions {
  /** TCP host (default `'localhost'`). */
  readonly host?: string;
  /** TCP port. */
  readonly port?: number;
  /** A Unix socket path (or Windows pipe name) instead of `host`/`port`. */
  readonly path?: string;
  /** An already connected Duplex to secure instead of opening a socket (as in `tls.connect`). */
  readonly socket?: Duplex;
}

/**
 * Connects to a {@link StreamServer} (or secures `options.socket`) and starts the handshake,
 * like `tls.connect(options, secureConnectListener)`. Messages written at once are queued until
 * the handshake completes; await `stream.handshake` or listen for `'secureConnect'`.
 *
 * @throws {@link TypeError} with a mechanism name and no `registry`, or without a port, path or socket
 * @throws {@link RangeError} for an unknown mechanism name or a bad option
 */
export function connect<D extends AnyDefinition = AnyDefinition>(
  typed: SecureConnectOptions<D>,
  onSecureConnect?: (peer: PeerIdentity) => void,
): SecureStream {
  const options = typed as SecureConnectOptions;
  const { definition, options: mechanismOptions, wire } = resolveMechanism(options);
  const session = definition.client(mechanismOptions);
  let raw: Duplex;
  try {
    raw = rawFor(options);
  } catch (error) {
    session.destroy();
    throw error;
  }
  const stream = new SecureStream(raw, { ...channelOptions(options), wire, session });
  if (onSecureConnect !== undefined) stream.once('secureConnect', onSecureConnect);
  return stream;
}

function rawFor(options: SecureConnectOptions): Duplex {
  if (options.socket !== undefined) return options.socket;
  if (options.path !== undefined) return net.connect({ path: options.path, allowHalfOpen: true });
  if (options.port === undefined) throw new TypeError('"options.port", "options.path" or "options.socket" is required');
  return net.connect({ host: options.host ?? 'localhost', port: options.port, allowHalfOpen: true });
}
