/**
 * ZMTP-style command framing shared by every mechanism (RFC 37 `command-body`, RFC 26 command
 * grammar): one length byte, the command name (1..255 ALPHA characters), then the body.
 *
 * ```
 * command = name-size name body
 * name-size = OCTET            ; 1..255
 * name = 1*255ALPHA
 * ```
 *
 * @module
 */
import { concatBytes, isBytes } from '../bytes';
import { MechanismError } from '../errors';

/** A command split into its name and body. `body` is a view into the original blob. */
export interface ParsedCommand {
  /** The command name, e.g. `'HELLO'`. */
  readonly name: string;
  /** The bytes after the name. A view, not a copy. */
  readonly body: Uint8Array;
}

const NAME_PATTERN = /^[A-Za-z]{1,255}$/;

/**
 * Encodes a command: the name's length, the name, then each body part in order.
 *
 * @throws {@link RangeError} when `name` is not 1..255 ASCII letters
 */
export function encodeCommand(name: string, ...body: readonly Uint8Array[]): Uint8Array {
  if (!NAME_PATTERN.test(name)) {
    throw new RangeError(`"name" expected 1..255 ASCII letters, got ${JSON.stringify(name)}`);
  }
  const head = new Uint8Array(1 + name.length);
  head[0] = name.length;
  for (let i = 0; i < name.length; i++) head[1 + i] = name.charCodeAt(i);
  return concatBytes(head, ...body);
}

/**
 * Splits a received blob into name and body.
 *
 * @throws {@link TypeError} when `blob` is not bytes (caller misuse)
 * @throws {@link MechanismError} `ERR_MALFORMED_COMMAND` when the blob is empty, the name length
 *   is zero or runs past the end, or the name holds a non-letter
 */
export function parseCommand(blob: Uint8Array): ParsedCommand {
  if (!isBytes(blob)) throw new TypeError('"blob" expected Uint8Array');
  const nameLength = blob[0];
  if (nameLength === undefined || nameLength === 0 || 1 + nameLength > blob.length) {
    throw new MechanismError('ERR_MALFORMED_COMMAND', 'malformed command: bad name length');
  }
  const name = String.fromCharCode(...blob.subarray(1, 1 + nameLength));
  if (!NAME_PATTERN.test(name)) {
    throw new MechanismError('ERR_MALFORMED_COMMAND', 'malformed command: bad name');
  }
  return { name, body: blob.subarray(1 + nameLength) };
}

/**
 * True when `blob` starts with the command `name` (length byte and name), without parsing
 * further. Cheap enough for a hot path.
 */
export function isCommand(blob: Uint8Array, name: string): boolean {
  if (blob.length < 1 + name.length || blob[0] !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (blob[1 + i] !== name.charCodeAt(i)) return false;
  return true;
}

/**
 * Encodes ZMTP's ERROR command (RFC 23/37): `\x05ERROR`, a 1-byte reason length, the reason.
 *
 * @throws {@link RangeError} when the reason is longer than 255 bytes or not printable ASCII
 */
export function encodeError(reason: string): Uint8Array {
  if (!/^[\x20-\x7e]{0,255}$/.test(reason)) {
    throw new RangeError('"reason" expected 0..255 printable ASCII characters');
  }
  const body = new Uint8Array(1 + reason.length);
  body[0] = reason.length;
  for (let i = 0; i < reason.length; i++) body[1 + i] = reason.charCodeAt(i);
  return encodeCommand('ERROR', body);
}

/**
 * Decodes the body of a received ERROR command into the {@link MechanismError} it stands for:
 * `ERR_PEER_ERROR` with the reason, and `status` when the reason is a 3-digit ZAP code (as
 * libzmq sends).
 *
 * @returns the error to report (never throws for peer input)
 */
export function peerErrorFrom(body: Uint8Array, command = 'ERROR'): MechanismError {
  const length = body[0];
  if (length === undefined || 1 + length !== body.length) {
    return new MechanismError('ERR_MALFORMED_COMMAND', 'malformed ERROR command', { command });
  }
  const reason = String.fromCharCode(...body.subarray(1));
  const status = /^[2-5]\d\d$/.test(reason) ? Number(reason) : undefined;
  return new MechanismError('ERR_PEER_ERROR', `peer sent ERROR: ${JSON.stringify(reason)}`, {
    command,
    reason,
    ...(status === undefined ? {} : { status }),
  });
}
