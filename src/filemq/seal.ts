/**
 * SEALED frames: once access is granted, every command travels as one mechanism blob.
 *
 * @module
 */
import { MechanismError } from '../errors';
import type { Mechanism } from '../mechanism';
import { decodeCommand, encodeCommand, type Command, type InnerCommand } from './commands';
import { FileMqError } from './errors';

const INNER = new Set<Command['name']>(['ICANHAZ', 'ICANHAZ-OK', 'NOM', 'CHEEZBURGER', 'HUGZ', 'HUGZ-OK', 'KTHXBAI', 'RTFM']);

/** Encodes `command` and wraps it in a SEALED frame through `mechanism`. */
export function seal(mechanism: Mechanism, command: InnerCommand): Uint8Array {
  return encodeCommand({ name: 'SEALED', blob: mechanism.encode(encodeCommand(command)) });
}

/**
 * Opens a SEALED frame's blob and decodes the command inside.
 *
 * @throws {@link FileMqError} `ERR_FILEMQ_SECURITY` when the mechanism rejects the blob (the
 *   mechanism is then failed), `ERR_FILEMQ_UNEXPECTED` for a clear-only command inside, or any
 *   code of {@link decodeCommand}
 */
export function unseal(mechanism: Mechanism, blob: Uint8Array): InnerCommand {
  let data: Uint8Array;
  try {
    const part = mechanism.decode(blob);
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
