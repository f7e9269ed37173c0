/**
 * `createServer` and `connect`, shaped like `node:tls`, over TCP or a Unix socket path (or, for
 * `connect`, any Duplex given as `socket`). The mechanism comes from the options, as a
 * definition or as a name in a registry, so this module never names a concrete mechanism.
 *
 * @module
 */
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Authorizer } from '../../auth';
import type { PeerIdentity, ServerSessions } from '../../mechanism';
import { clientSessions, serverSessions, type MechanismChoice } from '../mechanism-choice';
import { SecureStream, type SecureStreamBaseOptions } from './secure-stream';
import { channelSettings } from './settings';

/** Stream options a server or client passes to each {@link SecureStream}. */
export type SecureChannelOptions = Omit<SecureStreamBaseOptions, 'address' | 'authorizer'>;

/** Options of {@link createServer}. */
export interface SecureServerOptions extends MechanismChoice, SecureChannelOptions {
  /** Decides who may enter; required (for NULL it is asked only when NULL authenticates). */
  readonly authorizer: Authorizer;
}

/** Options of {@link connect}: where to connect, and how to secure the channel. */
export interface SecureConnectOptions extends MechanismChoice, SecureChannelOptions {
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
 * A server that secures each accepted connection. A `net.Server`, so `listen()` takes a port
 * (use 0 for any) or a Unix socket path.
 *
 * Events, besides `net.Server`'s: `'secureConnection'` (stream) once a peer completed its
 * handshake; `'handshakeError'` (error, stream) when a connection failed before that (the
 * stream is then already destroyed; it is `undefined` when the session factory itself threw). A stream's errors after `'secureConnection'` are its own.
 */
export class SecureServer extends net.Server {
  private readonly makeSession: ServerSessions;
  private readonly authorizer: Authorizer;
  private readonly channelOptions: SecureChannelOptions;

  /**
   * @throws {@link TypeError} without an `authorizer`, or with a mechanism name and no `registry`
   * @throws {@link RangeError} for an unknown mechanism name or a bad stream option
   */
  constructor(options: SecureServerOptions, onSecureConnection?: (stream: SecureStream) => void) {
    checkObject(options);
    if (typeof options.authorizer !== 'function') {
      throw new TypeError('"options.authorizer" is required: pass a function deciding who may enter');
    }
    super({ allowHalfOpen: true });
    this.makeSession = serverSessions(options);
    this.authorizer = options.authorizer;
    channelSettings(options);
    this.channelOptions = channelOptions(options);
    this.on('connection', (socket: net.Socket) => this.secure(socket));
    if (onSecureConnection !== undefined) this.on('secureConnection', onSecureConnection);
  }

  /**
   * Stops accepting connections, as `net.Server.close`, and wipes the endpoint's shared secrets
   * (CURVE's cookie keys, through the session factory's `close()`). Open connections go on;
   * a handshake caught between WELCOME and INITIATE fails.
   */
  override close(callback?: (error?: Error) => void): this {
    this.makeSession.close?.();
    return super.close(callback);
  }

  private secure(socket: net.Socket): void {
    const address = socket.remoteAddress;
    let stream: SecureStream;
    try {
      stream = new SecureStream(socket, {
        ...this.channelOptions,
        session: this.makeSession(),
        authorizer: this.authorizer,
        ...(address === undefined ? {} : { address }),
      });
    } catch (error) {
      // A session factory that fails (a custom mechanism's bug) costs one connection, not the server.
      socket.destroy();
      this.emit('handshakeError', error, undefined);
      return;
    }
    const onError = (error: Error) => this.emit('handshakeError', error, stream);
    stream.on('error', onError);
    stream.once('secure', () => {
      stream.off('error', onError);
      this.emit('secureConnection', stream);
    });
  }
}

/**
 * Creates a {@link SecureServer}, like `tls.createServer(options, secureConnectionListener)`.
 *
 * @throws {@link TypeError} without an `authorizer`, or with a mechanism name and no `registry`
 * @throws {@link RangeError} for an unknown mechanism name or a bad stream option
 */
export function createServer(
  options: SecureServerOptions,
  onSecureConnection?: (stream: SecureStream) => void,
): SecureServer {
  return new SecureServer(options, onSecureConnection);
}

/**
 * Connects to a {@link SecureServer} (or secures `options.socket`) and starts the handshake,
 * like `tls.connect(options, secureConnectListener)`. Messages written at once are queued until
 * the handshake completes; await `stream.handshake` or listen for `'secureConnect'`.
 *
 * @throws {@link TypeError} with a mechanism name and no `registry`, or without a port, path or socket
 * @throws {@link RangeError} for an unknown mechanism name or a bad option
 */
export function connect(
  options: SecureConnectOptions,
  onSecureConnect?: (peer: PeerIdentity) => void,
): SecureStream {
  const session = clientSessions(options)();
  const stream = new SecureStream(rawFor(options), { ...channelOptions(options), session });
  if (onSecureConnect !== undefined) stream.once('secureConnect', onSecureConnect);
  return stream;
}

function rawFor(options: SecureConnectOptions): Duplex {
  if (options.socket !== undefined) return options.socket;
  if (options.path !== undefined) return net.connect({ path: options.path, allowHalfOpen: true });
  if (options.port === undefined) throw new TypeError('"options.port", "options.path" or "options.socket" is required');
  return net.connect({ host: options.host ?? 'localhost', port: options.port, allowHalfOpen: true });
}

function checkObject(options: unknown): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
}

/** The names of the stream options a server or client passes on to each stream. */
const CHANNEL_KEYS = [
  'handshakeTimeout',
  'timeout',
  'keepAlive',
  'maxFrameSize',
  'signal',
  'allowHalfOpen',
  'readableHighWaterMark',
  'writableHighWaterMark',
] as const satisfies readonly (keyof SecureChannelOptions)[];

/** The stream options among `options`, and nothing else (a plain loop: it runs per connect). */
function channelOptions(options: SecureChannelOptions): SecureChannelOptions {
  const picked: Record<string, unknown> = {};
  for (const key of CHANNEL_KEYS) {
    const value = options[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked as SecureChannelOptions;
}
