/**
 * The types of the client's API: options, status, events.
 *
 * @module
 */
import type * as zmq from 'zeromq';
import type { PeerIdentity } from '../../mechanism';
import type { RandomSource } from '../../random';
import type { MechanismChoice } from '../mechanism-choice';

/** Options of `SecureClient`. */
export interface SecureClientOptions extends MechanismChoice {
  /**
   * The socket to run over: a zeromq `Dealer` (default: a new one) or `Request`. The client owns
   * it from now on and closes it.
   */
  readonly socket?: zmq.Dealer | zmq.Request;
  /** Handshake time limit in milliseconds (default 30,000, as libzmq's ZMQ_HANDSHAKE_IVL). */
  readonly handshakeTimeout?: number;
  /**
   * ZMQ_RCVTIMEO: `receive()` rejects with `ERR_IDLE_TIMEOUT` when no message came in this many
   * milliseconds (default: waits forever). The async iterator is not affected.
   */
  readonly receiveTimeout?: number;
  /**
   * Heartbeats (ZMTP 3.1's `ZMQ_HEARTBEAT_IVL`): once ready, the client sends an encrypted PING
   * whenever nothing was received for this many ms, and the server answers with PONG. Off by
   * default, as in libzmq: a server of an earlier version of this adapter drops PINGs, so a
   * client with heartbeats would time out against it.
   */
  readonly heartbeatInterval?: number;
  /**
   * `ZMQ_HEARTBEAT_TIMEOUT`: when nothing at all arrives within this many ms of a PING, the
   * session fails with `ERR_IDLE_TIMEOUT` (`session:error`): the server crashed or the path is
   * gone. Default: `heartbeatInterval`, as libzmq. Needs `heartbeatInterval`.
   */
  readonly heartbeatTimeout?: number;
  /**
   * ZMQ_SNDHWM of the client's own outgoing queue: `send()` resolves as soon as its message is
   * encrypted and queued, and waits only while this many messages are queued (default 1,000).
   */
  readonly sendHighWaterMark?: number;
  /** Received messages held before the reader pauses (default 1,000). */
  readonly receiveHighWaterMark?: number;
  /**
   * ZMQ_LINGER of the sockets the client creates, in ms (default: zeromq's). After a failed
   * handshake the client always closes with linger 0: what it queued for the server is moot, and
   * a queued HELLO to a server that never answered would hold the process open at exit.
   */
  readonly linger?: number;
  /** Where the session id comes from (default: the platform CSPRNG). */
  readonly random?: RandomSource;
}

/** Options of `SecureClient.connect`. */
export interface ConnectOptions {
  /** Aborts the handshake (rejects with `ERR_ABORTED`). */
  readonly signal?: AbortSignal;
}

/** Where a client is in its life. */
export type ClientStatus = 'idle' | 'handshaking' | 'ready' | 'failed' | 'closed';

/**
 * The events of a `SecureClient` (colon-namespaced; there is no bare `'error'` event, so
 * an unheard failure never crashes the process).
 */
export interface ClientEvents {
  /** A handshake command from the server was accepted by the mechanism. */
  'handshake:receive': [blob: Uint8Array];
  /** The handshake completed. */
  handshake: [peer: PeerIdentity];
  /** The handshake failed (denied, wrong server key, timeout, abort). */
  'handshake:error': [error: Error];
  /** A received ZeroMQ message was dropped (not ours, malformed, or rejected by the mechanism). */
  'message:drop': [reason: string];
  /**
   * The session failed after the handshake: a forged or replayed MESSAGE on the Dealer, or
   * `ERR_IDLE_TIMEOUT` when a PING went unanswered for `heartbeatTimeout`.
   */
  'session:error': [error: Error];
  /** The server ended the session (it closed it, or it expired): a `ChannelError` `ERR_CHANNEL_CLOSED`. */
  'session:close': [error: Error];
  /** The client closed. */
  close: [];
}
