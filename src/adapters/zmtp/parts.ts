/**
 * How a mechanism's part blobs map onto ZMTP frames, chosen by the mechanism's wire traits
 * (`WireTraits.parts`), never by its name:
 *
 * - `'sealed'` (a mechanism with a security layer): each part is the mechanism's MESSAGE command, carried in a ZMTP *message*
 *   frame whose outer flags are only 0x00 or 0x02 (LONG); MORE and COMMAND live inside the seal.
 *   libzmq sends exactly this and drops a MESSAGE in a command frame
 *   (RFC 25; libzmq 4.3.5, as `test/interop/wire-capture.test.ts` records);
 * - `'flagged'` (mechanisms without one): the part blob is a flags byte (bit 0 MORE, bit 1 COMMAND, see
 *   `docs/mechanism.md`) then the data, which travels in a plain frame carrying those flags.
 *
 * Pure: no sockets.
 *
 * @module
 */
import { ChannelError } from '../../errors';
import type { WireTraits } from '../../mechanism';
import type { ZmtpFrame } from './frames';

/** Part-blob flag bits of `'flagged'` mechanisms (`docs/mechanism.md`). */
const PART_MORE = 0x01;
const PART_COMMAND = 0x02;

/** A frame to write: its body and flags. */
export interface OutgoingFrame {
  readonly body: Uint8Array;
  readonly more: boolean;
  readonly command: boolean;
}

/** The frame that carries part blob `blob` (from the mechanism's `encode`). */
export function frameOfPart(blob: Uint8Array, parts: WireTraits['parts']): OutgoingFrame {
  if (parts === 'sealed') return { body: blob, more: false, command: false };
  const flags = blob[0]!;
  return { body: blob.subarray(1), more: (flags & PART_MORE) !== 0, command: (flags & PART_COMMAND) !== 0 };
}

/**
 * The part blob a received frame carries, for the mechanism's `decode`.
 *
 * @throws {@link ChannelError} `ERR_PROTOCOL` for a sealed part in a command frame or with
 *   outer MORE (libzmq never sends one; accepting it would let an attacker flip flags outside
 *   the seal)
 */
export function partOfFrame(frame: ZmtpFrame, parts: WireTraits['parts']): Uint8Array {
  if (parts === 'sealed') {
    if (frame.command || frame.more) {
      throw new ChannelError('ERR_PROTOCOL', 'a secured part arrived in a command frame or with outer MORE');
    }
    return frame.body;
  }
  const blob = new Uint8Array(1 + frame.body.length);
  blob[0] = (frame.more ? PART_MORE : 0) | (frame.command ? PART_COMMAND : 0);
  blob.set(frame.body, 1);
  return blob;
}

export { MessageAssembler, messageSize } from '../../channel/assembler';
