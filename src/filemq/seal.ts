/**
 * SEALED frames: once access is granted, every command travels as one mechanism blob.
 *
 * @module
 */
import { MechanismError } from '../errors';
import type { Mechanism } from '../mechanism';
import { ownsHeadroom, tunedCodec } from '../tuned-codec';
import { decodeCommand, encodeCommand, ID, SIGNATURE, type Command, type InnerCommand } from './commands';
import { FileMqError } from './errors';

const INNER = new Set<Command['name']>(['ICANHAZ', 'ICANHAZ-OK', 'NOM', 'CHEEZBURGER', 'HUGZ', 'HUGZ-OK', 'KTHXBAI', 'RTFM']);

/** Signature and id: what a SEALED frame carries before its blob. */
const SEALED_HEADER = Uint8Array.of(SIGNATURE[0]!, SIGNATURE[1]!, ID.SEALED);

/** Encodes `command` and wraps it in a SEALED frame through `mechanism`. */
export function seal(mechanism: Mechanism, command: InnerCommand): Uint8Array {
  return sealFrame(mechanism, encodeCommand(command));
}

/**
 * Wraps an encoded inner command (`plain`) in a SEALED frame. A tuned mechanism that leaves
 * room in front of a large blob gets the frame's header written there: a 512 KiB chunk is then
 * copied once (into the blob, where it is sealed), not twice.
 */
export function sealFrame(mechanism: Mechanism, plain: Uint8Array): Uint8Array {
  const tuned = tunedCodec(mechanism);
  if (tuned === undefined) return encodeCommand({ name: 'SEALED', blob: mechanism.encode(plain) });
  const blob = tuned.encode(plain, { headroom: SEALED_HEADER.length });
  if (!ownsHeadroom(blob, SEALED_HEADER.length)) return encodeCommand({ name: 'SEALED', blob });
  const frame = new Uint8Array(blob.buffer, 0, SEALED_HEADER.length + blob.length);
  frame.set(SEALED_HEADER);
  return frame;
}

/**
 * Opens a SEALED frame's blob and decodes the command inside.
 *
 * @param owned - the caller gives `blob` up (a received frame nobody else reads): a tuned
 *   mechanism opens it in place, and the command's fields are views into it
 * @throws {@link FileMqError} `ERR_FILEMQ_SECURITY` when the mechanism rejects the blob (the
 *   mechanism is then failed), `ERR_FILEMQ_UNEXPECTED` for a clear-only command inside, or any
 *   code of {@link decodeCommand}
 */
export function unseal(mechanism: Mechanism, blob: Uint8Array, owned = false): InnerCommand {
  let data: Uint8Array;
  try {
    const tuned = owned ? tunedCodec(mechanism) : undefined;
    const part = tuned === undefined ? mechanism.decode(blob) : tuned.decode(blob, { inPlace: true });
    if (part.more || part.command) throw new FileMqError('ERR_FILEMQ_MALFORMED', 'a sealed command has flags set');
    data = part.data;
  } catch (error) {
    if (error instanceof MechanismError) {
      throw new FileMqError('ERR_FILEMQ_SECURITY', `the mechanism rejected a sealed command (${error.code})`, { cause: error });
    }
    throw error;
  }
  const command = decodeCommand(data);
  if (!INNER.has(command.name)) throw new FileMqError('ERR_FILEMQ_UNEXPECTED', `${command.name} cannot be sealed`);
  return command as InnerCommand;
}
