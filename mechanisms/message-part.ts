/**
 * The message-part blob of the mechanisms without a security layer (NULL, PLAIN): one flags
 * byte (bit 0 MORE, bit 1 COMMAND, the same bits as CURVE's inner flags and ZMTP's frame flags)
 * followed by the part's bytes. On ZMTP these flags live in the frame header; over a blob channel
 * they travel in the blob. Reserved bits 2-7 are sent as zero and rejected when set.
 *
 * @module
 */
import { DEFAULT_METADATA_LIMITS, MechanismError, type DecodedPart, type PartFlags } from '../src';

/** Flag bit: more parts follow. */
export const FLAG_MORE = 0x01;
/** Flag bit: the part is a ZMTP command. */
export const FLAG_COMMAND = 0x02;

/** The flags byte for `flags`. */
export function flagsByte(flags: PartFlags): number {
  return (flags.more ? FLAG_MORE : 0) | (flags.command ? FLAG_COMMAND : 0);
}

/** Encodes a cleartext part: flags byte, then the data (copied). */
export function encodePlainPart(data: Uint8Array, flags: PartFlags): Uint8Array {
  const out = new Uint8Array(1 + data.length);
  out[0] = flagsByte(flags);
  out.set(data, 1);
  return out;
}

/**
 * Decodes a cleartext part: `data` is a copy, or with `inPlace` a view into `blob`.
 *
 * @throws {@link MechanismError} `ERR_MALFORMED_COMMAND` for an empty blob or reserved bits set
 */
export function decodePlainPart(blob: Uint8Array, inPlace = false): DecodedPart {
  const flags = blob[0];
  if (flags === undefined || (flags & ~(FLAG_MORE | FLAG_COMMAND)) !== 0) {
    throw new MechanismError('ERR_MALFORMED_COMMAND', 'malformed message part', { command: 'MESSAGE' });
  }
  return { data: inPlace ? blob.subarray(1) : blob.slice(1), more: (flags & FLAG_MORE) !== 0, command: (flags & FLAG_COMMAND) !== 0 };
}

/**
 * Size of the largest command `name` can be when it carries metadata (READY, INITIATE): the
 * name's length byte, the name, and the largest property list the metadata codec accepts.
 */
export function commandWithMetadataSize(name: string): number {
  return 1 + name.length + DEFAULT_METADATA_LIMITS.maxTotalLength;
}
