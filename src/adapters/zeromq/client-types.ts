/**
 * The types of the client's API: options, status, events.
 *
 * @module
 */
import type * as zmq from 'zeromq';
import type { PeerIdentity } from '../../mechanism';
import type { RandomSource } from '../../random';
import type { ChannelLimitsInit } from '../../channel/limits';
import type { AnyDefinition } from '../../mechanism';
import type { ClientChoice } from '../mechanism-choice';

/**
 * Options of `ZeroMqClient`: the mechanism, typed per mechanism (`D` is inferred from
 * `mechanism`, so a client without the server's key does not compile), and the options below.
 */
export type ZeroMqClientOptions<D extends AnyDefinition = AnyDefinition> = ClientChoice<D> & ZeroMqClientBaseOptions;

/** What `ZeroMqClient` takes besides its mechanism. */
export interface ZeroMqClientBaseOptions
  extends Pick<ChannelLimitsInit, 'handshakeTimeout' | 'keepAlive' | 'maxFrameSize' | 'maxBufferedBytes'> {
  /**
   * The socket to run over: a zeromq `Dealer` (default: a new one) or `Request`. The client owns
   * it from now on and closes it. It must have been created with `maxMessageSize` set (at most
   * maxFrameSize plus envelope overhead; the `TypeError` says the number).
   */
  readonly socket?: zmq.Dealer | zmq.Request;
  /**
   * Limits (`src/channel/limits.ts`): `handshakeTimeout` (default 30,000 ms, as libzmq's
   * ZMQ_HANDSHAKE_IVL), `maxFrameSize` (largest part and message received, and the sockets'
   * `maxMessageSize` with envelope overhead), `maxBufferedBytes` (received bytes held for a
   * slow reader before the socket is no longer read). `keepAlive`: heartbeats (ZMTP 3.1's
   * `ZMQ_HEARTBEAT_IVL`): once ready, the client sends an encrypted PING whenever nothing was
   * received for this many ms, and the server answers with PONG. 0 (default), as in libzmq: a
   * server of an earlier version of this adapter drops PINGs.
   */
  readonly keepAlive?: number;
  /** @deprecated use `keepAlive` */
  readonly heartbeatInterval?: number;
  /**
   * ZMQ_RCVTIMEO: `receive()` rejects with `ERR_IDLE_TIMEOUT` when no message came in this many
   * milliseconds (default: waits forever). A per-receive deadline, not the session's idle
   * limit. The async iterator is not affected.
   */
  readonly receiveTimeout?: number;
  /**
   * `ZMQ_HEARTBEAT_TIMEOUT`: when nothing at all arrives within this many ms of a PING, the
   * session fails with `ERR_IDLE_TIMEOUT` (`session:error`): the server crashed or the path is
   * gone. Default: `keepAlive`, as libzmq. Needs `keepAlive`.
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

/** @deprecated use `ZeroMqClientOptions` */
export type SecureClientOptions = ZeroMqClientOptions;

/** Options of `ZeroMqClient.connect`. */
export interface ConnectOptions {
  /** Aborts the handshake (rejects with `ERR_ABORTED`). */
  readonly signal?: AbortSignal;
}

/** Where a client is in its life. */
export type ClientStatus = 'idle' | 'handshaking' | 'ready' | 'failed' | 'closed';

/**
 * The events of a `ZeroMqClient` (colon-namespaced; there is no bare `'error'` event, so
 * an unheard failure never crashes the process).
 */
export interface ClientEvents {
  /** A handshake command from the server was accepted by the mechanism. */
  'handshake:receive': [blob: Uint8Array];
  /** The handshake completed. */
  handshake: [peer: PeerIdentity];
  /** The handshake failed (denied, wrong server key, timeout, abort). */
  handshakeError: [error: Error];
  /** @deprecated listen to `'handshakeError'` */
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
