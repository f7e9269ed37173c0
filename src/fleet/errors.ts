/**
 * The coded error of the fleet (CHP, RFC 12): every malformed command a peer sends becomes one of
 * these, never a throw, so a server can drop it, count it by code and carry on.
 *
 * @module
 */
import { CurveZmqError } from '../errors';

/**
 * Stable codes of {@link ChpError}:
 * - `ERR_CHP_FRAMES`: wrong number of frames for the command, or an unknown command
 * - `ERR_CHP_KEY`: a key or subtree that is empty, too long, or has characters outside 0x21-0x7E
 * - `ERR_CHP_SEQUENCE`: a sequence frame not 8 bytes, above 2^53 - 1, or out of order
 * - `ERR_CHP_UUID`: a UUID frame neither empty nor 16 bytes
 * - `ERR_CHP_PROPERTIES`: properties not `name=value\n` lines, duplicated, or too many
 * - `ERR_CHP_SIZE`: a frame larger than the limit for its field
 * - `ERR_CHP_FIELD`: a frame that must be empty (or hold a constant) and does not
 * - `ERR_CHP_ENTRY`: a key map entry whose value is not valid key metadata
 */
export type ChpErrorCode =
  | 'ERR_CHP_FRAMES'
  | 'ERR_CHP_KEY'
  | 'ERR_CHP_SEQUENCE'
  | 'ERR_CHP_UUID'
  | 'ERR_CHP_PROPERTIES'
  | 'ERR_CHP_SIZE'
  | 'ERR_CHP_FIELD'
  | 'ERR_CHP_ENTRY';

/** A CHP command or key map entry a peer sent is malformed. */
export class ChpError extends CurveZmqError {
  declare readonly code: ChpErrorCode;

  constructor(code: ChpErrorCode, message: string) {
    super(code, message);
  }
}
