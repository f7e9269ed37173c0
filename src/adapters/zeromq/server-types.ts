/**
 * The types of the server's API: options, received messages, events.
 *
 * @module
 */
import type * as zmq from 'zeromq';
import type { PeerIdentity } from '../../mechanism';
import type { ChannelLimitsInit } from '../../channel/limits';
import type { AnyDefinition } from '../../mechanism';
import type { PeerOrigin, ServerChoice } from '../mechanism-choice';
import type { MessageLike } from './parts';

/**
 * Options of `ZeroMqServer`: a mechanism typed per mechanism (`D` is inferred from `mechanism`),
 * an authorizer (required: who may enter; may be async, a slow answer delays only its own
 * peer; `allowAny()` is the explicit way to let everyone in), limits and sockets.
 */
export type ZeroMqServerOptions<D extends AnyDefinition = AnyDefinition> = ServerChoice<D> & ZeroMqServerBaseOptions;

/** What `ZeroMqServer` takes besides its mechanism and authorizer. */
export interface ZeroMqServerBaseOptions extends Omit<ChannelLimitsInit, 'keepAlive'> {
  /**
   * The Router to run over (default: a new one). The server owns it and closes it. One that is
   * already bound is read at once; otherwise reading starts with the first `bind()`. It must
   * have been created with `maxMessageSize` set (at most maxFrameSize plus envelope overhead;
   * the `TypeError` says the number): a Router without it lets any peer make libzmq buffer a
   * frame of any size before authentication.
   */
  readonly socket?: zmq.Router;
  /**
   * Limits (`src/channel/limits.ts`): `handshakeTimeout` (default 30 s), `idleTimeout` (an
   * idle session is dropped after this many ms; default 300,000 here, libcurve's `client_ttl`,
   * because ZeroMQ hides disconnections; 0 = never), `maxFrameSize` (largest part and
   * message, and the Router's `maxMessageSize` with envelope overhead), `maxHandshakes` (when
   * full, a new handshake evicts the oldest one not waiting for the authorizer, which fails
   * with `ERR_LIMIT_REACHED`), `maxSessions`, `maxBufferedBytes` (received bytes held for a
   * slow reader before the Router is no longer read). The server sends no PING: its clients do
   * (`keepAlive` on the client), and it answers them.
   */
  readonly idleTimeout?: number;
  /** @deprecated use `idleTimeout` */
  readonly sessionTimeout?: number;
  /** Received messages held before the reader pauses (default 1,000). */
  readonly receiveHighWaterMark?: number;
  /**
   * ZMQ_SNDHWM of the server's own outgoing queue (all sessions): `send()` and `reply()`
   * resolve as soon as the message is encrypted and queued, and wait only while this many
   * messages are queued (default 1,000).
   */
  readonly sendHighWaterMark?: number;
  /**
   * Milliseconds `publish()` waits for its session's subscriber before it rejects with
   * `ERR_IDLE_TIMEOUT` (default 30,000; never 0: a publish always has a deadline).
   */
  readonly publishTimeout?: number;
}

/** @deprecated use `ZeroMqServerOptions` */
export type SecureServerOptions = ZeroMqServerOptions;

/** One received message with who sent it and how to answer. */
export interface ZeroMqMessage {
  /** The plaintext parts. */
  readonly parts: Buffer[];
  /** The session id in hex: the handle for `ZeroMqServer.send` and `publish`. */
  readonly sessionId: string;
  /** The authenticated client: public key, user id, metadata. */
  readonly peer: PeerIdentity;
  /** Sends a message back to the session (same as `server.send(sessionId, message)`). */
  reply(message: MessageLike): Promise<void>;
}

/**
 * Why the server dropped a session: it `failed`, it `expired` (handshake timeout or idle TTL),
 * the server `closed` it (`closeSession()`, `close()`), or the client `left` (its CLOSE).
 */
export type SessionCloseReason = 'failed' | 'expired' | 'closed' | 'left';

/** @deprecated use `ZeroMqMessage` */
export type IncomingMessage = ZeroMqMessage;

/**
 * The events of a `ZeroMqServer`. There is no `'error'` event: a fault is `'fault'`, so an
 * unheard one never crashes the process.
 */
export interface ServerEvents {
  /** A handshake command from a client was accepted by its mechanism. */
  'handshake:receive': [sessionId: string, blob: Uint8Array];
  /** A session completed its handshake. */
  handshake: [peer: PeerIdentity, origin: PeerOrigin];
  /** A handshake failed (refused, malformed, timed out, evicted). */
  handshakeError: [error: Error, origin: PeerOrigin];
  /** @deprecated listen to `'handshakeError'` (error, origin) */
  'handshake:error': [sessionId: string, error: Error];
  /** An authenticated MESSAGE moved a session to a new route. */
  'session:move': [sessionId: string];
  /** A session was dropped. */
  'session:close': [sessionId: string, reason: SessionCloseReason, error: Error | undefined];
  /** A received ZeroMQ message was dropped without touching any session. */
  'message:drop': [reason: string];
  /** A limit was hit: a new session was refused (`maxSessions`), or a stalled handshake evicted or a new one refused (`maxHandshakes`). */
  limit: [which: 'maxSessions' | 'maxHandshakes'];
  /** An internal fault (a socket failed under the server). */
  fault: [error: unknown];
  /** The server closed. */
  close: [];
}
