/**
 * The listening side of the ZMTP adapter: one server session (from the endpoint's mechanism
 * factory) per accepted TCP connection, with the server's caps on concurrent handshakes
 * (`maxHandshakes`) and connections (`maxSessions`).
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import { ChannelError } from '../../errors';
import { DecisionGate, peerKeyZ85, revocation, type SessionRevoker } from '../../channel/revocation';
import type { KeyLike } from '../../keys';
import type { ServerSessions } from '../../mechanism';
import type { PeerOrigin } from '../mechanism-choice';
import type { ZmtpConnectionConfig } from './config';
import { ZmtpConnection } from './connection';

/**
 * A listening ZMTP endpoint (what `listenZmtp` returns).
 *
 * Events: `'connection'` (a {@link ZmtpConnection} whose handshake completed), just after
 * `'handshake'` (its `PeerIdentity`, the {@link PeerOrigin}); `'handshakeError'` (the coded
 * error, the {@link PeerOrigin}) for a connection that failed before, was evicted to make room
 * for a newer handshake, or was refused because `maxSessions` were open (`ERR_LIMIT_REACHED`);
 * `'close'` once {@link close} has finished.
 */
export class ZmtpServer extends EventEmitter implements SessionRevoker {
  private readonly server: net.Server;
  /** The caller's authorizer, through a gate that {@link endSessions} can close on a key. */
  private readonly gate: DecisionGate | undefined;
  private readonly sessions: ServerSessions;
  private readonly config: ZmtpConnectionConfig;
  /** Every open connection, handshaking or ready. */
  private readonly live = new Set<ZmtpConnection>();
  /** Connections still in their handshake, oldest first (a Set keeps insertion order). */
  private readonly pending = new Set<ZmtpConnection>();
  private closing: Promise<void> | undefined;

  /** @internal use `listenZmtp` */
  constructor(server: net.Server, sessions: ServerSessions, config: ZmtpConnectionConfig) {
    super();
    this.server = server;
    this.sessions = sessions;
    this.gate = config.authorizer === undefined ? undefined : new DecisionGate(config.authorizer);
    this.config = this.gate === undefined ? config : { ...config, authorizer: this.gate.authorizer };
    server.on('connection', (socket) => this.accept(socket));
  }

  /** The bound address (port included). */
  address(): net.AddressInfo {
    return this.server.address() as net.AddressInfo;
  }

  /** Connections still in their handshake. */
  get handshakeCount(): number {
    return this.pending.size;
  }

  /** Open connections, handshaking or ready. */
  get connectionCount(): number {
    return this.live.size;
  }

  /**
   * Ends every ready connection of `publicKey`: it is destroyed with `ERR_REVOKED` (its
   * `'close'` event carries the error, and its `receive()` rejects with it). ZMTP and CurveZMQ
   * have no error command after the handshake (RFC 23, RFC 26), so the peer sees its TCP
   * connection close. A handshake of the key waiting for the authorizer is refused
   * (`'handshakeError'`, `ERR_AUTH_DENIED`; the peer gets ERROR). Resolves with how many.
   *
   * @throws {@link TypeError}/{@link RangeError} naming `publicKey` or `reason`
   */
  endSessions(publicKey: KeyLike, reason?: string): Promise<number> {
    const revoked = revocation(publicKey, reason);
    let ended = this.gate?.cancel(revoked.publicKeyZ85, revoked.reason) ?? 0;
    for (const connection of [...this.live]) {
      if (connection.error !== undefined || peerKeyZ85(connection.peer) !== revoked.publicKeyZ85) continue;
      connection.destroy(revoked.error());
      ended += 1;
    }
    return Promise.resolve(ended);
  }

  /**
   * Stops listening, closes every connection (each resolves within its close grace, even when
   * the peer stopped reading) and wipes the endpoint's shared secrets (such as cookie keys).
   * Resolves when all are closed. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const listener = new Promise<void>((resolve) => this.server.close(() => resolve()));
      const connections = [...this.live].map((connection) => connection.close());
      // Every connection has ended (synchronously, above): no session uses the factory any more.
      this.sessions.close?.();
      await Promise.all([listener, ...connections]);
      this.emit('close');
    })();
    return this.closing;
  }

  private accept(socket: net.Socket): void {
    if (this.closing !== undefined) {
      socket.destroy(); // accepted as close() began: the session factory is closed
      return;
    }
    const origin: PeerOrigin = socket.remoteAddress === undefined ? {} : { address: socket.remoteAddress };
    const { maxSessions, maxHandshakes } = this.config.limits;
    if (this.live.size >= maxSessions) {
      socket.destroy();
      this.emit('handshakeError', new ChannelError('ERR_LIMIT_REACHED', `${maxSessions} connections are open (maxSessions)`), origin);
      return;
    }
    if (this.pending.size >= maxHandshakes) this.evictOldest(maxHandshakes);
    socket.setNoDelay(true);
    const connection = new ZmtpConnection(socket, this.sessions(), this.config);
    this.live.add(connection);
    this.pending.add(connection);
    connection.once('close', () => {
      this.live.delete(connection);
      this.pending.delete(connection);
    });
    connection.handshake.then(
      (peer) => {
        this.pending.delete(connection);
        this.emit('handshake', peer, origin);
        this.emit('connection', connection);
      },
      (error: Error) => {
        this.pending.delete(connection);
        this.emit('handshakeError', error, origin);
      },
    );
  }

  /** Makes room for one more handshake by dropping the oldest still undecided. */
  private evictOldest(maxHandshakes: number): void {
    for (const oldest of this.pending) {
      this.pending.delete(oldest);
      if (!oldest.handshaking) continue; // completed, its promise not yet settled
      oldest.destroy(new ChannelError('ERR_LIMIT_REACHED', `${maxHandshakes} handshakes were in progress (maxHandshakes); the oldest made room`));
      return;
    }
  }
}
