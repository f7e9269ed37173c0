/**
 * ZWS 2.0 frames (RFC 45, as libzmq's `ws_encoder`/`ws_decoder` speak it): each ZMTP frame is
 * one binary WebSocket message whose first byte holds the flags and whose rest is the body.
 *
 * ```
 * message = flags body        ; one binary WebSocket message, never empty
 * flags   = bit 0 MORE, bit 1 COMMAND, bits 2-7 zero
 * ```
 *
 * No size field (the WebSocket message carries the length) and no greeting: the mechanism is
 * the WebSocket subprotocol, `ZWS2.0/NULL`, `ZWS2.0/PLAIN` or `ZWS2.0/CURVE`. Note that the
 * bits differ from ZMTP over TCP (there COMMAND is bit 2 and bit 1 is LONG), and that they
 * match the part-blob flags of `'flagged'` mechanisms (`docs/mechanism.md`).
 *
 * Pure: no sockets, no Node. (The ZMTP adapter's `parts.ts` does the same mapping for TCP; it
 * is not imported because nothing under `src/adapters/zmtp` may enter the browser graph.)
 *
 * @module
 */
import { ChannelError } from '../../errors';
import type { WireTraits } from '../../mechanism';

/** Flag bit: more frames of this message follow. */
export const ZWS_MORE = 0x01;
/** Flag bit: the frame is a command. */
export const ZWS_COMMAND = 0x02;

const RESERVED = ~(ZWS_MORE | ZWS_COMMAND) & 0xff;

/**
 * An RFC 6455 subprotocol token (RFC 7230 `tchar`): what the standard `WebSocket` constructor,
 * and `ws`, accept. `ZWS2.0/CURVE` is not one (`/` is a separator).
 */
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`|a-z~]+$/;

/** One frame, decoded (shaped as the ZMTP adapter's, so `partOfFrame` takes it). */
export interface ZwsFrame {
  /** The body: a view into the received message, which the caller owns alone. */
  readonly body: Uint8Array;
  readonly more: boolean;
  readonly command: boolean;
}

/** What {@link decodeZwsMessage} accepts. */
export interface ZwsLimits {
  /** Largest message-frame body. */
  readonly maxFrameSize: number;
  /** Largest command body. */
  readonly maxCommandSize: number;
  /** Whether message frames are accepted (not before the peer is authenticated, RFC 23). */
  readonly messages: boolean;
}

/** The subprotocol that selects `mechanismName` (upper case, as libzmq compares it). */
export function zwsSubprotocol(mechanismName: string): string {
  return `ZWS2.0/${mechanismName}`;
}

/** True when `protocol` is a subprotocol token the standard `WebSocket` API accepts. */
export function isSubprotocolToken(protocol: string): boolean {
  return TOKEN.test(protocol);
}

/**
 * One WebSocket message carrying `body` with the flags.
 *
 * @throws {@link RangeError} for MORE on a command (RFC 37: commands are single frames)
 */
export function encodeZwsMessage(body: Uint8Array, more: boolean, command: boolean): Uint8Array {
  if (more && command) throw new RangeError('a command frame cannot have MORE');
  const out = new Uint8Array(1 + body.length);
  out[0] = (more ? ZWS_MORE : 0) | (command ? ZWS_COMMAND : 0);
  out.set(body, 1);
  return out;
}

/**
 * Reads one received WebSocket message as a frame.
 *
 * @throws {@link ChannelError} `ERR_PROTOCOL` for an empty message (libzmq refuses one too),
 *   reserved flag bits, a command with MORE, or a message frame while `limits.messages` is
 *   false; `ERR_FRAME_TOO_LARGE` for a body over its limit
 */
export function decodeZwsMessage(message: Uint8Array, limits: ZwsLimits): ZwsFrame {
  if (message.length === 0) throw new ChannelError('ERR_PROTOCOL', 'an empty WebSocket message (a ZWS 2.0 frame has at least its flags byte)');
  const flags = message[0]!;
  if ((flags & RESERVED) !== 0) throw new ChannelError('ERR_PROTOCOL', `a frame sets reserved flag bits (0x${flags.toString(16)})`);
  const more = (flags & ZWS_MORE) !== 0;
  const command = (flags & ZWS_COMMAND) !== 0;
  if (more && command) throw new ChannelError('ERR_PROTOCOL', 'a command frame sets MORE');
  const size = message.length - 1;
  const limit = command ? limits.maxCommandSize : limits.maxFrameSize;
  if (size > limit) throw new ChannelError('ERR_FRAME_TOO_LARGE', `a frame of ${size} bytes exceeds the limit, ${limit}`);
  if (!command && !limits.messages) {
    throw new ChannelError('ERR_PROTOCOL', 'a message frame arrived before the peer was authenticated');
  }
  return { body: message.subarray(1), more, command };
}

/**
 * The WebSocket message that carries part blob `blob` (from the mechanism's `encode`), chosen by
 * the mechanism's wire traits, as over TCP:
 *
 * - `'sealed'` (CURVE): the MESSAGE command travels in a frame whose flags are zero; MORE and
 *   COMMAND live inside the seal (libzmq drops a MESSAGE in a command frame);
 * - `'flagged'` (NULL, PLAIN): the blob is a flags byte with the same bits as ZWS, then the data,
 *   so the blob is the message as it is.
 */
export function zwsMessageOfPart(blob: Uint8Array, parts: WireTraits['parts']): Uint8Array {
  return parts === 'sealed' ? encodeZwsMessage(blob, false, false) : blob;
}

/**
 * The part blob a received frame carries, for the mechanism's `decode`.
 *
 * @throws {@link ChannelError} `ERR_PROTOCOL` for a sealed part in a command frame or with outer
 *   MORE (accepting it would let anyone on the path flip flags outside the seal)
 */
export function partOfZwsFrame(frame: ZwsFrame, message: Uint8Array, parts: WireTraits['parts']): Uint8Array {
  if (parts === 'flagged') return message;
  if (frame.more || frame.command) throw new ChannelError('ERR_PROTOCOL', 'a secured part arrived in a command frame or with outer MORE');
  return frame.body;
}

