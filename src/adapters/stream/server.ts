/**
 * `StreamServer` (`createServer`), shaped like `node:tls`'s server: it secures each accepted TCP
 * or Unix socket connection with a {@link SecureStream}. It owns what is per endpoint: the
 * mechanism's server factory (its sessions share endpoint secrets, such as cookie keys), the
 * caps on concurrent handshakes and connections, and a close bounded in time.
 *
 * @module
 */
import * as net from 'node:net';
import type { Authorizer } from '../../auth';
import { ChannelError } from '../../errors';
import { DecisionGate, peerKeyZ85, revocation, type SessionRevoker } from '../../channel/revocation';
import type { KeyLike } from '../../keys';
import type { AnyDefinition, PeerIdentity, ServerSessions } from '../../mechanism';
import { resolveMechanism, type PeerOrigin, type ServerChoice } from '../mechanism-choice';
import { channelOptions, CHECKED_LIMITS, streamLimits, type SecureChannelOptions, type StreamLimits } from './options';
import { SecureStream } from './secure-stream';

/** How long {@link StreamServer.close} lets open connections end before destroying them. */
export const CLOSE_GRACE_MS = 1_000;

/**
 * Options of {@link createServer}: the mechanism typed per mechanism (`D` is inferred from
 * `mechanism`), the authorizer (required, even for a mechanism that authenticates nobody:
 * `allowAny()` is the explicit way in), and the options below.
 */
export type StreamServerOptions<D extends AnyDefinition = AnyDefinition> = ServerChoice<D> & StreamServerBaseOptions;

/** What a {@link StreamServer} takes besides its mechanism and authorizer. */
export interface StreamServerBaseOptions extends SecureChannelOptions {
  /**
   * Concurrent unauthenticated connections (default 1 000). A new one makes room by evicting
   * the oldest that is not waiting for the authorizer (else the oldest of all), which fails
   * with `ERR_LIMIT_REACHED`: a flood of half-open connections cannot lock good peers out.
   */
  readonly maxHandshakes?: number;
  /** Concurrent connections, handshaking or secure (default 10 000); more are refused. */
  readonly maxSessions?: number;
}

/**
 * The `net.Server` the stream server extends, with `close()` left out of its type: the stream
 * server's `close()` returns a promise (see {@link StreamServer.close}).
 */
const NetServer = net.Server as unknown as new (options?: net.ServerOpts) => Omit<net.Server, 'close'>;

/**
 * A server that secures each accepted connection: a `net.Server` underneath, so `listen()`
 * takes a port (0 for any) or a Unix socket path, and `address()` says where it listens.
 *
 * Events, besides `net.Server`'s: `'handshake'` (peer, origin) and `'secureConnection'`
 * (stream) once a peer completed its handshake; `'handshakeError'` (error, origin) when a
 * connection failed before that (its stream is then destroyed). `origin` is a
 * {@link PeerOrigin} whose `address` is the remote `host:port`. A stream's errors after
 * `'secureConnection'` are its own.
 */
export class StreamServer<D extends AnyDefinition = AnyDefinition> extends NetServer implements SessionRevoker {
  private readonly makeSession: ServerSessions;
  /** The caller's authorizer, through a gate that {@link endSessions} can close on a key. */
  private readonly gate: DecisionGate;
  private readonly authorizer: Authorizer;
  private readonly channelOptions: SecureChannelOptions;
  private readonly limits: StreamLimits;
  /** Streams still in their handshake, oldest first (a Set keeps insertion order). */
  private readonly handshaking = new Set<SecureStream>();
  /** Every open stream, handshaking or secure. */
  private readonly live = new Set<SecureStream>();
  /** Each stream's TCP or Unix socket, for {@link endSessions}'s reset. */
  private readonly sockets = new WeakMap<SecureStream, net.Socket>();
  private closing: Promise<void> | undefined;
  /** Resolves close()'s wait once the last open stream has closed. */
  private allClosed: (() => void) | undefined;

  /**
   * @throws {@link TypeError} without an `authorizer`, or with a mechanism name and no `registry`
   * @throws {@link RangeError} for an unknown mechanism name or a bad stream option or limit
   */
  constructor(typed: StreamServerOptions<D>, onSecureConnection?: (stream: SecureStream) => void) {
    // The mechanism's type has done its work at the call; from here on the options are checked at run time.
    const options = typed as StreamServerOptions;
    if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
    if (typeof options.authorizer !== 'function') {
      throw new TypeError('"options.authorizer" is required: pass a function deciding who may enter (allowAny() lets everyone in)');
    }
    const { definition, options: mechanismOptions, wire } = resolveMechanism(options);
    const limits = streamLimits({ ...options, wire });
    super({ allowHalfOpen: true });
    this.makeSession = definition.server(mechanismOptions);
    this.gate = new DecisionGate(options.authorizer);
    this.authorizer = this.gate.authorizer;
    this.limits = limits;
    this.channelOptions = { ...channelOptions(options), wire, [CHECKED_LIMITS]: limits } as SecureChannelOptions;
    this.on('connection', (socket: net.Socket) => this.secure(socket));
    if (onSecureConnection !== undefined) this.on('secureConnection', onSecureConnection);
  }

  /** Open connections, handshaking or secure (counted against `maxSessions`). */
  get sessionCount(): number {
    return this.live.size;
  }

  /** Connections still in their handshake (counted against `maxHandshakes`). */
  get handshakeCount(): number {
    return this.handshaking.size;
  }

  /**
   * Ends every secure connection of `publicKey`: each stream is destroyed with `ERR_REVOKED`
   * (its `'error'` event, then `'close'`; only `'close'` when nothing listens for `'error'`). The stream protocol has no error command after the
   * handshake, so a TCP connection is reset: the peer's stream fails with `ERR_CHANNEL_CLOSED`
   * at once, rather than seeing a clean end (a Unix socket, which cannot reset, just closes). A
   * handshake of the key waiting for the authorizer is refused (`'handshakeError'`,
   * `ERR_AUTH_DENIED`; the peer gets the mechanism's ERROR). Resolves with how many ended.
   *
   * @throws {@link TypeError}/{@link RangeError} naming `publicKey` or `reason`
   */
  endSessions(publicKey: KeyLike, reason?: string): Promise<number> {
    const revoked = revocation(publicKey, reason);
    let ended = this.gate.cancel(revoked.publicKeyZ85, revoked.reason);
    // A scan, not an index by key: revocation is rare, and an index would cost every connection.
    for (const stream of [...this.live]) {
      if (stream.secure && peerKeyZ85(stream.peer) === revoked.publicKeyZ85) {
        reset(this.sockets.get(stream));
        // Without a listener an 'error' would end the process: a revocation (perhaps a fleet
        // admin's delete) must not take the server down with it.
        stream.destroy(stream.listenerCount('error') > 0 ? revoked.error() : undefined);
        ended += 1;
      }
    }
    return Promise.resolve(ended);
  }

  /**
   * Stops accepting connections, wipes the endpoint's shared secrets (such as cookie keys,
   * through the session factory's `close()`), fails every handshake in progress with
   * `ERR_CHANNEL_CLOSED` and ends every secure connection. Connections that have not closed
   * {@link CLOSE_GRACE_MS} later (a peer that stopped reading) are destroyed, so the promise
   * resolves within a bounded time. Calling it again returns the same promise.
   *
   * @param callback - called once closed (the `net.Server` form, kept for code written for it)
   */
  close(callback?: (error?: Error) => void): Promise<void> {
    this.closing ??= this.shutdown();
    if (callback !== undefined) this.closing.then(() => callback(), callback);
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.makeSession.close?.();
    // Resolves once every socket has closed (net.Server's rule); with ERR_SERVER_NOT_RUNNING
    // when it was not listening: closed all the same.
    const socketsClosed = new Promise<void>((resolve) => {
      net.Server.prototype.close.call(this as unknown as net.Server, () => resolve());
    });
    for (const stream of this.live) {
      if (this.handshaking.has(stream)) stream.destroy(new ChannelError('ERR_CHANNEL_CLOSED', 'the server closed'));
      else if (!stream.destroyed) stream.end();
    }
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([socketsClosed, new Promise((resolve) => (grace = setTimeout(resolve, CLOSE_GRACE_MS)))]);
    clearTimeout(grace);
    // Left: peers that did not end within the grace, and streams whose socket closed but whose
    // application stopped reading (their end is never read).
    const allClosed = new Promise<void>((resolve) => (this.allClosed = resolve));
    for (const stream of this.live) stream.destroy();
    if (this.live.size > 0) await allClosed;
    await socketsClosed;
  }

  private secure(socket: net.Socket): void {
    const origin = originOf(socket);
    if (this.closing !== undefined) {
      socket.destroy(); // accepted as close() began: the session factory is closed
      return;
    }
    if (this.live.size >= this.limits.maxSessions) {
      socket.destroy();
      this.emit('handshakeError', new ChannelError('ERR_LIMIT_REACHED', `maxSessions ${this.limits.maxSessions} reached: connection refused`), origin);
      return;
    }
    if (this.handshaking.size >= this.limits.maxHandshakes) this.evictOldest();
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
      this.emit('handshakeError', error, origin);
      return;
    }
    this.sockets.set(stream, socket);
    this.track(stream, origin);
  }

  /** Follows one stream through its handshake and its life, for the caps and for close(). */
  private track(stream: SecureStream, origin: PeerOrigin): void {
    this.live.add(stream);
    this.handshaking.add(stream);
    const onError = (error: Error) => this.emit('handshakeError', error, origin);
    stream.on('error', onError);
    stream.once('secure', (peer: PeerIdentity) => {
      this.handshaking.delete(stream);
      stream.off('error', onError);
      this.emit('handshake', peer, origin);
      this.emit('secureConnection', stream);
    });
    stream.once('close', () => {
      this.handshaking.delete(stream);
      this.live.delete(stream);
      if (this.live.size === 0) this.allClosed?.();
    });
  }

  /**
   * Makes room for one more handshake: fails the oldest one that is not waiting for the
   * authorizer (a peer that stalls), or the oldest of all when every one is waiting.
   */
  private evictOldest(): void {
    let victim: SecureStream | undefined;
    for (const stream of this.handshaking) {
      victim ??= stream;
      if (!stream.deciding) {
        victim = stream;
        break;
      }
    }
    this.handshaking.delete(victim!);
    victim!.destroy(new ChannelError('ERR_LIMIT_REACHED', `maxHandshakes ${this.limits.maxHandshakes} reached: the oldest pending handshake made room for a new one`));
  }
}

/**
 * Creates a {@link StreamServer}, like `tls.createServer(options, secureConnectionListener)`.
 *
 * @throws {@link TypeError} without an `authorizer`, or with a mechanism name and no `registry`
 * @throws {@link RangeError} for an unknown mechanism name or a bad stream option or limit
 */
export function createServer<D extends AnyDefinition = AnyDefinition>(
  options: StreamServerOptions<D>,
  onSecureConnection?: (stream: SecureStream) => void,
): StreamServer<D> {
  return new StreamServer<D>(options, onSecureConnection);
}

/** Sends RST on a TCP socket; other sockets (Unix, pipes) are left to the stream's close. */
function reset(socket: net.Socket | undefined): void {
  try {
    socket?.resetAndDestroy();
  } catch {
    // ERR_INVALID_HANDLE_TYPE: not TCP
  }
}

/** The peer's `host:port` as the socket saw it (`[v6]:port` for IPv6); none for a Unix socket. */
function originOf(socket: net.Socket): PeerOrigin {
  const host = socket.remoteAddress;
  if (host === undefined) return {};
  return { address: `${net.isIPv6(host) ? `[${host}]` : host}:${socket.remotePort}` };
}
