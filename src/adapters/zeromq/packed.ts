/**
 * Packed frames: several MESSAGE envelopes of one session in one ZeroMQ frame.
 *
 * ```
 * packed-frame = %x03 session-id 1*item
 * item         = length blob       ; length: 4 octets, big-endian, at least 1
 * ```
 *
 * Each item stands for the MESSAGE envelope `%x02 session-id blob`, in order. Why: zeromq.js
 * pays about a microsecond per frame on each side, as much as sealing a short part, so a batch
 * of small messages costs far less as one frame than as one frame each. Blobs over
 * {@link PACK_BLOB_MAX} keep a frame of their own (no extra copy); a batch may mix both.
 *
 * @module
 */
import { HEADER_BYTES, KIND_MESSAGE, type Envelope } from './envelope';

/** A frame that carries several MESSAGE blobs of one session. */
export const KIND_PACKED = 0x03;
/** Largest blob packed with others. */
export const PACK_BLOB_MAX = 8 * 1024;
const LENGTH_BYTES = 4;

/**
 * Packs each run of two or more consecutive small MESSAGE envelopes (all of one session) into
 * one packed frame; other frames are kept as they are, in order.
 */
export function packEnvelopes(frames: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  while (start < frames.length) {
    let end = start;
    let bytes = HEADER_BYTES;
    while (end < frames.length && frames[end]!.length - HEADER_BYTES <= PACK_BLOB_MAX) {
      bytes += LENGTH_BYTES + frames[end]!.length - HEADER_BYTES;
      end++;
    }
    if (end - start >= 2) {
      out.push(packRun(frames, start, end, bytes));
      start = end;
    } else {
      out.push(frames[start]!);
      start++;
    }
  }
  return out;
}

function packRun(frames: readonly Buffer[], start: number, end: number, bytes: number): Buffer {
  const packed = Buffer.allocUnsafe(bytes);
  frames[start]!.copy(packed, 0, 0, HEADER_BYTES);
  packed[0] = KIND_PACKED;
  let at = HEADER_BYTES;
  for (let i = start; i < end; i++) {
    const frame = frames[i]!;
    at = packed.writeUInt32BE(frame.length - HEADER_BYTES, at);
    at += frame.copy(packed, at, HEADER_BYTES);
  }
  return packed;
}

/**
 * Appends the MESSAGE envelopes a packed frame stands for to `out` (views into the frame).
 * Takes any bytes: false, with `out` left partly filled, when the frame is not a well-formed
 * packed frame (no item, an empty item, or lengths that do not cover the frame exactly).
 */
export function unpackFrame(frame: Uint8Array, out: Envelope[]): boolean {
  if (frame[0] !== KIND_PACKED || frame.length <= HEADER_BYTES + LENGTH_BYTES) return false;
  const sessionId = frame.subarray(1, HEADER_BYTES);
  let at = HEADER_BYTES;
  while (at < frame.length) {
    if (frame.length - at < LENGTH_BYTES) return false;
    const length = ((frame[at]! << 24) | (frame[at + 1]! << 16) | (frame[at + 2]! << 8) | frame[at + 3]!) >>> 0;
    at += LENGTH_BYTES;
    if (length === 0 || length > frame.length - at) return false;
    out.push({ kind: KIND_MESSAGE, sessionId, blob: frame.subarray(at, at + length) });
    at += length;
  }
  return true;
}
