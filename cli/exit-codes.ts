/**
 * Exit codes of the `curvezmq` command, the same for every transport.
 *
 * @module
 */
export const EXIT = {
  /** Everything asked for was done (every reply matched, every file verified). */
  OK: 0,
  /** A failure not covered below (I/O error, unexpected exception). */
  FAILURE: 1,
  /** Bad command line: unknown command or option, missing or malformed value. */
  USAGE: 2,
  /** The server refused us (ERROR 400/500, or our authorizer refused a peer at start-up). */
  REFUSED: 3,
  /** Protocol failure: wrong server key, malformed or forged data, a reply that did not match. */
  PROTOCOL: 4,
  /** No answer in time. */
  TIMEOUT: 5,
} as const;

/** One of the {@link EXIT} values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
