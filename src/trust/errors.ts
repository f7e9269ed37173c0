/**
 * Errors of the trust layer: certificate files, bare key files, password files and stores.
 * Each carries a stable `code` and, when the fault is in a file, the file and the 1-based line.
 *
 * @module
 */
import { CurveZmqError, type CurveZmqErrorOptions } from '../errors';

/** Every code a {@link TrustError} may carry. */
export type TrustErrorCode =
  /** A certificate file breaks the ZPL grammar or lacks a valid `curve`/`public-key`. */
  | 'ERR_CERT_MALFORMED'
  /** A secret certificate's `public-key` is not the public key of its `secret-key`. */
  | 'ERR_CERT_KEY_MISMATCH'
  /** A secret key was required but the certificate holds none. */
  | 'ERR_CERT_NO_SECRET'
  /** No file exists at the path (for a certificate: nor under either naming scheme). */
  | 'ERR_FILE_NOT_FOUND'
  /** A certificate file would be overwritten without the `overwrite` option. */
  | 'ERR_CERT_EXISTS'
  /** A file holding a bare key does not hold exactly one 40-character Z85 key. */
  | 'ERR_KEY_FILE_MALFORMED'
  /** A line of a password file is not `user=password`, or repeats a user. */
  | 'ERR_PASSWORD_FILE_MALFORMED'
  /** A file is larger than the trust layer reads (`MAX_TRUST_FILE_SIZE`, 1 MiB). */
  | 'ERR_FILE_TOO_LARGE'
  /** A file or directory exists but cannot be read (permissions, I/O error). */
  | 'ERR_FILE_UNREADABLE';

/** Where a {@link TrustError} happened, besides the options every error takes. */
export interface TrustErrorOptions extends CurveZmqErrorOptions {
  /** The file concerned. */
  file?: string;
  /** The 1-based line in `file`, when the fault is on one line. */
  line?: number;
}

/**
 * A certificate, key or password file is missing, unreadable or malformed. The message names
 * the file and line (`path:line: ...`) so it can be printed as is.
 */
export class TrustError extends CurveZmqError {
  declare readonly code: TrustErrorCode;
  /** The file concerned, when there is one. */
  readonly file: string | undefined;
  /** The 1-based line in {@link TrustError.file}, when the fault is on one line. */
  readonly line: number | undefined;

  constructor(code: TrustErrorCode, message: string, options: TrustErrorOptions = {}) {
    super(code, `${where(options)}${message}`, options);
    this.file = options.file;
    this.line = options.line;
  }
}

function where({ file, line }: TrustErrorOptions): string {
  if (file === undefined) return '';
  return line === undefined ? `${file}: ` : `${file}:${line}: `;
}

/** True when `error` is a {@link TrustError}, optionally with the given code. */
export function isTrustError(error: unknown, code?: TrustErrorCode): error is TrustError {
  return error instanceof TrustError && (code === undefined || error.code === code);
}
