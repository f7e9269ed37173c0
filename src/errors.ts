/**
 * Errors with stable codes.
 *
 * Two kinds of failure, two signals:
 * - caller misuse (wrong types, bad key lengths, a call out of turn) throws `TypeError`,
 *   `RangeError` or a {@link StateError};
 * - a misbehaving peer, a failed authentication or a transport fault becomes a
 *   {@link MechanismError} (or a {@link ChannelError} in an adapter) whose `code` is stable and
 *   safe to `switch` on. Messages for cryptographic failures are deliberately generic; the
 *   detail is in `code`.
 *
 * @module
 */

/**
 * Every code a {@link MechanismError} may carry. Where libzmq has a matching
 * `ZMQ_PROTOCOL_ERROR_*` or ZAP meaning, the comment names it.
 */
export type MechanismErrorCode =
  /** A command's layout or size is wrong (ZMTP_MALFORMED_COMMAND_*). `command` names it. */
  | 'ERR_MALFORMED_COMMAND'
  /** A command arrived that is not expected in this state (ZMTP_UNEXPECTED_COMMAND). */
  | 'ERR_UNEXPECTED_COMMAND'
  /** A box did not open: wrong key, tampered bytes, reflected or expired (ZMTP_CRYPTOGRAPHIC). */
  | 'ERR_DECRYPT'
  /** The vouch does not bind the transient key and the server key (ZMTP_KEY_EXCHANGE). */
  | 'ERR_KEY_EXCHANGE'
  /** A public key from the peer is all-zero or of low order. */
  | 'ERR_INVALID_KEY'
  /** A MESSAGE nonce is not strictly greater than the last one (ZMTP_INVALID_SEQUENCE). */
  | 'ERR_INVALID_SEQUENCE'
  /** A handshake command was replayed (an INITIATE whose cookie was already used). */
  | 'ERR_REPLAY'
  /** The send counter reached 2^64 - 1; the session cannot send again. */
  | 'ERR_NONCE_EXHAUSTED'
  /** The metadata property list is malformed or over a limit (ZMTP_INVALID_METADATA). */
  | 'ERR_INVALID_METADATA'
  /** The decision step denied the peer (ZAP 400). */
  | 'ERR_AUTH_DENIED'
  /** The decision step reported a temporary failure (ZAP 300). */
  | 'ERR_AUTH_TEMPORARY'
  /** The decision step failed internally (ZAP 500), threw or answered nonsense. */
  | 'ERR_AUTH_ERROR'
  /** The peer sent ERROR; `reason` holds its text and `status` its ZAP status when numeric. */
  | 'ERR_PEER_ERROR'
  /** The injected random source failed or returned too few bytes. */
  | 'ERR_RANDOM_FAILED'
  /** A message is larger than the configured maximum. */
  | 'ERR_MESSAGE_TOO_LARGE';

/**
 * Codes of {@link ChannelError}: faults an adapter sees around a mechanism.
 */
export type ChannelErrorCode =
  /** The handshake did not complete in time. */
  | 'ERR_HANDSHAKE_TIMEOUT'
  /** The channel was idle for longer than its timeout. */
  | 'ERR_IDLE_TIMEOUT'
  /** A frame's length prefix exceeds the maximum frame size. */
  | 'ERR_FRAME_TOO_LARGE'
  /** The channel closed or was cut before the operation could complete. */
  | 'ERR_CHANNEL_CLOSED'
  /** The operation was aborted through an `AbortSignal`. */
  | 'ERR_ABORTED'
  /** A limit of the server (sessions, concurrent handshakes) refused the peer. */
  | 'ERR_LIMIT_REACHED'
  /** The peer's bytes cannot be framed at all (garbage). */
  | 'ERR_PROTOCOL'
  /** ZMTP: the peer's greeting names another security mechanism (RFC 23: close). */
  | 'ERR_MECHANISM_MISMATCH'
  /** ZMTP: the peer's `Socket-Type` cannot pair with this side's (libzmq refuses it too). */
  | 'ERR_SOCKET_TYPE_MISMATCH'
  /** The server ended the session because its key was revoked (`endSessions()`, a fleet). */
  | 'ERR_REVOKED';

/** Options shared by the error constructors. */
export interface CurveZmqErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/** Base class of every coded error this package throws or reports. */
export class CurveZmqError extends Error {
  /** Stable, machine-readable code. */
  readonly code: string;

  constructor(code: string, message: string, options?: CurveZmqErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** Extra facts a {@link MechanismError} may carry. */
export interface MechanismErrorOptions extends CurveZmqErrorOptions {
  /** The command concerned (`'HELLO'`, `'INITIATE'`, ...), when there is one. */
  command?: string;
  /** The ZAP status code (300, 400, 500) for authentication failures and peer ERRORs. */
  status?: number;
  /** The peer's ERROR reason text, for `ERR_PEER_ERROR`. */
  reason?: string;
}

/**
 * A peer misbehaved, authentication failed, or a session-level limit was hit. The mechanism that
 * reports it is in state `failed` unless documented otherwise.
 */
export class MechanismError extends CurveZmqError {
  declare readonly code: MechanismErrorCode;
  /** The command concerned, when there is one. */
  readonly command: string | undefined;
  /** ZAP status (300, 400, 500) for authentication failures and peer ERRORs. */
  readonly status: number | undefined;
  /** The peer's ERROR reason text, for `ERR_PEER_ERROR`. */
  readonly reason: string | undefined;

  constructor(code: MechanismErrorCode, message: string, options: MechanismErrorOptions = {}) {
    super(code, message, options);
    this.command = options.command;
    this.status = options.status;
    this.reason = options.reason;
  }
}

/** An adapter-level fault around a mechanism: timeouts, oversize frames, closed channels. */
export class ChannelError extends CurveZmqError {
  declare readonly code: ChannelErrorCode;

  constructor(code: ChannelErrorCode, message: string, options?: CurveZmqErrorOptions) {
    super(code, message, options);
  }
}

/**
 * The caller used an object out of turn: `receive` before `start`, `encode` before `ready`,
 * anything after `failed` or `destroy()`. Its code is always `ERR_MECHANISM_STATE`.
 */
export class StateError extends CurveZmqError {
  declare readonly code: 'ERR_MECHANISM_STATE';

  constructor(message: string) {
    super('ERR_MECHANISM_STATE', message);
  }
}

/** True when `error` is a {@link MechanismError}, optionally with the given code. */
export function isMechanismError(
  error: unknown,
  code?: MechanismErrorCode,
): error is MechanismError {
  return error instanceof MechanismError && (code === undefined || error.code === code);
}
