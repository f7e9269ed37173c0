/**
 * The types of the server's API: options, received messages, events.
 *
 * @module
 */
import type * as zmq from 'zeromq';
import type { Authorizer } from '../../auth';
import type { PeerIdentity } from '../../mechanism';
import type { MechanismChoice } from '../mechanism-choice';
import type { MessageLike } from './parts';

/** Options of `SecureServer`. */
export interface SecureServerOptions extends MechanismChoice {
  /**
   * Decides who may enter (may be async; a slow answer delays only its own peer). A server
   * without one answers every decision its mechanism asks for with 400 (fail closed).
   */
  readonly authorizer?: Authorizer;
  /**
   * The Router to run over (default: a new one). The server owns it and closes it. One that is
   * already bound is read at once; otherwise reading starts with the first `bind()`.
   */
  readonly socket?: zmq.Router;
  /** Most sessions at once, handshaking or ready (default 10,000; libcurve `max_clients`). */
  readonly maxSessions?: number;
  /**
   * Most handshakes in progress at once (default 1,000; libcurve `max_pending`). When full, a
   * new handshake evicts the oldest one not waiting for the authorizer (it fails with
   * `ERR_LIMIT_REACHED`); only when all wait for decisions is the new peer refused.
   */
  readonly maxHandshakes?: number;
  /** Time for a handshake to complete, in ms (default 30,000; libcurve `pending_ttl`). */
  readonly handshakeTimeout?: number;
  /** An idle session is dropped after this many ms (default 300,000; libcurve `client_ttl`). */
  readonly sessionTimeout?: number;
  /** Received messages held before the reader pauses (default 1,000). */
  readonly receiveHighWaterMark?: number;
  /**
   * ZMQ_SNDHWM of the server's own outgoing queue (all sessions): `send()` and `reply()`
   * resolve as soon as the message is encrypted and queued, and wait only while this many
   * messages are queued (default 1,000).
   */
  readonly sendHighWaterMark?: number;
}

/** One received message with who sent it and how to answer. */
export interface IncomingMessage {
  /** The plaintext parts. */
  readonly parts: Buffer[];
  /** The session id in hex: the handle for `SecureServer.send` and `publish`. */
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

/** The events of a `SecureServer` (colon-namespaced; no bare `'error'`). */
export interface ServerEvents {
  /** A handshake command from a client was accepted by its mechanism. */
  'handshake:receive': [sessionId: string, blob: Uint8Array];
  /** A session completed its handshake. */
  handshake: [sessionId: string, peer: PeerIdentity];
  /** A handshake failed (refused, malformed, timed out). */
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
