import { ChannelError, MechanismError } from '../src';

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

/** The exit-code table every command's help ends with, the same for every transport and `files`. */
export const EXIT_CODES_HELP = `exit codes (every command, every transport):
  0  ok: everything asked for was done
  1  failure: anything else (I/O error, missing optional package)
  2  usage: unknown command or option, missing or malformed value
  3  refused: the server denied us (wrong client key, user or password)
  4  protocol or key error: wrong server key, another protocol, malformed or forged data
  5  timeout: no answer in time (no server there, or it never answered)`;

/** One of the {@link EXIT} values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * The exit code for a failure: refused 3 (the peer's ERROR, or our decision), timeout 5,
 * protocol 4 (a mechanism failure, a bad frame, a peer that hung up mid-protocol), otherwise 1.
 */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof MechanismError) {
    return error.code === 'ERR_PEER_ERROR' || error.code.startsWith('ERR_AUTH_') ? EXIT.REFUSED : EXIT.PROTOCOL;
  }
  if (!(error instanceof ChannelError)) return EXIT.FAILURE;
  switch (error.code) {
    case 'ERR_HANDSHAKE_TIMEOUT':
    case 'ERR_IDLE_TIMEOUT':
      return EXIT.TIMEOUT;
    case 'ERR_CHANNEL_CLOSED':
      return error.cause === undefined ? EXIT.PROTOCOL : EXIT.FAILURE;
    case 'ERR_ABORTED':
      return EXIT.OK;
    default:
      return EXIT.PROTOCOL;
  }
}
