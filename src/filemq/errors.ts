/**
 * Errors of the file-transfer protocol, with stable codes.
 *
 * A peer's bad bytes, a refusal or a failed integrity check becomes a {@link FileMqError};
 * caller misuse throws `TypeError` / `RangeError` as everywhere in the package.
 *
 * @module
 */
import { CurveZmqError, type CurveZmqErrorOptions } from '../errors';

/** Every code a {@link FileMqError} may carry. */
export type FileMqErrorCode =
  /** The frame does not start with the signature `0xAA 0xA3`. */
  | 'ERR_FILEMQ_SIGNATURE'
  /** The command id is not one this protocol defines. */
  | 'ERR_FILEMQ_UNKNOWN_COMMAND'
  /** A command's body is truncated, too long, or holds an out-of-range field. */
  | 'ERR_FILEMQ_MALFORMED'
  /** A well-formed command arrived where the protocol does not allow it. */
  | 'ERR_FILEMQ_UNEXPECTED'
  /** A path is absolute, climbs out with `..`, or holds a forbidden character. */
  | 'ERR_FILEMQ_PATH'
  /** The subscribed path names no file on the server. */
  | 'ERR_FILEMQ_NOT_FOUND'
  /** The server refused the client (SRSLY): failed authentication or no common mechanism. */
  | 'ERR_FILEMQ_REFUSED'
  /** The peer reported our command as invalid (RTFM). */
  | 'ERR_FILEMQ_RTFM'
  /** The mechanism rejected the handshake or a sealed command (forged, replayed, wrong key). */
  | 'ERR_FILEMQ_SECURITY'
  /** The server sent more file bytes than the client granted. */
  | 'ERR_FILEMQ_CREDIT'
  /** A chunk arrived out of sequence or at the wrong offset. */
  | 'ERR_FILEMQ_SEQUENCE'
  /** A file's SHA-256 after transfer differs from the one the server announced. */
  | 'ERR_FILEMQ_INTEGRITY'
  /** Nothing arrived from the peer for longer than the timeout. */
  | 'ERR_FILEMQ_TIMEOUT'
  /** The connection or the socket closed before the transfer completed. */
  | 'ERR_FILEMQ_CLOSED';

/** A protocol, security or integrity failure of a file transfer. */
export class FileMqError extends CurveZmqError {
  declare readonly code: FileMqErrorCode;

  constructor(code: FileMqErrorCode, message: string, options?: CurveZmqErrorOptions) {
    super(code, message, options);
  }
}

/** True when `error` is a {@link FileMqError}, optionally with the given code. */
export function isFileMqError(error: unknown, code?: FileMqErrorCode): error is FileMqError {
  return error instanceof FileMqError && (code === undefined || error.code === code);
}
