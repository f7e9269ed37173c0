/**
 * ZMTP 3.x frames (RFC 23 and RFC 37): a flags byte, a 1-byte or 8-byte big-endian size, the
 * body.
 *
 * ```
 * frame = flags size body
 * flags = bit 0 MORE, bit 1 LONG (8-byte size), bit 2 COMMAND, bits 3-7 zero
 * ```
 *
 * Pure: no sockets. The {@link FrameDecoder} takes bytes in chunks of any size and yields whole
 * frames; a size over the maximum is refused as soon as the size field is complete, and memory
 * is only ever held for bytes that actually arrived. Its limits can change between two frames
 * (the adapter tightens them until the peer is authenticated), so it can be fed frame by frame.
 *
 * @module
 */
import { assertBytes } from '../../bytes';
import { checkSize, DEFAULT_MAX_FRAME_SIZE } from '../../channel/limits';
import { ChannelError } from '../../errors';

/** Flag bit: more frames of this message follow. */
export const FLAG_MORE = 0x01;
/** Flag bit: the size field is 8 bytes. */
export const FLAG_LONG = 0x02;
/** Flag bit: the frame is a command. */
export const FLAG_COMMAND = 0x04;

/** The largest body a short (1-byte) size carries. */
const SHORT_MAX = 0xff;
const RESERVED = ~(FLAG_MORE | FLAG_LONG | FLAG_COMMAND) & 0xff;

export { DEFAULT_MAX_FRAME_SIZE };

/** One frame, decoded. */
export interface ZmtpFrame {
  /** The body (a copy the decoder does not keep). */
  readonly body: Uint8Array;
  /** MORE: more frames of the same message follow. */
  readonly more: boolean;
  /** COMMAND: the body is a command (name length, name, data). */
  readonly command: boolean;
}

/** Flags of a frame to encode. */
export interface FrameFlags {
  /** Set MORE (not allowed with `command`). */
  readonly more?: boolean;
  /** Set COMMAND. */
  readonly command?: boolean;
}

/**
 * The header of a frame of `size` bytes: the short form up to 255 bytes, the long form above
 * (libzmq does the same, so an INITIATE, at least 257 bytes, always goes long).
 *
 * @throws {@link RangeError} for a size that is not a safe non-negative integer, or for MORE on
 *   a command (RFC 37: commands are single frames)
 */
export function encodeFrameHeader(size: number, flags: FrameFlags = {}): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`"size" expected a non-negative safe integer, got ${String(size)}`);
  if (flags.more === true && flags.command === true) throw new RangeError('a command frame cannot have MORE');
  const bits = (flags.more === true ? FLAG_MORE : 0) | (flags.command === true ? FLAG_COMMAND : 0);
  if (size <= SHORT_MAX) return Uint8Array.of(bits, size);
  const header = new Uint8Array(9);
  header[0] = bits | FLAG_LONG;
  new DataView(header.buffer).setBigUint64(1, BigInt(size), false);
  return header;
}

/**
 * One frame in one new array: header, then a copy of `body`.
 *
 * @throws {@link TypeError} when `body` is not bytes; {@link RangeError} as {@link encodeFrameHeader}
 */
export function encodeFrame(body: Uint8Array, flags: FrameFlags = {}): Uint8Array {
  assertBytes(body, 'body');
  const header = encodeFrameHeader(body.length, flags);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

/** Default largest command frame (1 MiB): a handshake command with the most metadata is about 257 KiB. */
export const DEFAULT_MAX_COMMAND_SIZE = 1024 * 1024;

/** Options of a {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** The largest body accepted, in bytes (default {@link DEFAULT_MAX_FRAME_SIZE}). */
  readonly maxFrameSize?: number;
  /**
   * The largest command body accepted (default the smaller of {@link DEFAULT_MAX_COMMAND_SIZE}
   * and `maxFrameSize`). Handshake commands come before the peer is known, so they get a
   * tighter bound than message frames.
   */
  readonly maxCommandSize?: number;
  /**
   * Whether message frames are accepted (default true). Before the peer is authenticated only
   * commands may come (RFC 23), so a message frame is refused from its header, before any of
   * its body is held.
   */
  readonly messages?: boolean;
}

/**
 * Checks a `maxFrameSize` option.
 *
 * @deprecated use `checkSize` of `src/channel/limits.ts`, the one check of every size
 * @throws {@link RangeError} unless an integer from 1 to 2^32 - 1
 */
export function checkMaxFrameSize(value: unknown, name = 'maxFrameSize'): number {
  return checkSize(value, name, DEFAULT_MAX_FRAME_SIZE);
}

/**
 * An incremental frame decoder. Feed it the bytes after the greeting with {@link push}; it keeps
 * a partial frame across calls. Memory follows the bytes received, never a size the peer
 * claims: a header announcing 16 MiB reserves nothing until the bytes arrive. After it reports
 * an error it is dead: every later `push` throws the same error, so a caller cannot
 * resynchronise on garbage by accident.
 */
export class FrameDecoder {
  private maxFrameSize: number;
  private maxCommandSize: number;
  private messages: boolean;
  /** Header bytes collected so far (flags, then 1 or 8 size bytes). */
  private readonly header = new Uint8Array(9);
  private headerFilled = 0;
  /** The current body's size once its header is complete, else -1. */
  private bodySize = -1;
  /** Slices of the current body received so far. */
  private pieces: Uint8Array[] = [];
  private bodyFilled = 0;
  private failure: ChannelError | undefined;

  /** @throws {@link RangeError} for a bad `maxFrameSize` or `maxCommandSize` */
  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
    this.maxCommandSize = DEFAULT_MAX_COMMAND_SIZE;
    this.messages = true;
    this.setLimits(options);
  }

  /**
   * Changes the limits from the next frame header on (a frame whose header was already read
   * keeps the limits it was checked against). Options left out take their defaults.
   *
   * @throws {@link RangeError} for a bad `maxFrameSize` or `maxCommandSize`
   */
  setLimits(options: FrameDecoderOptions): void {
    const maxFrameSize = checkSize(options.maxFrameSize, 'maxFrameSize', DEFAULT_MAX_FRAME_SIZE);
    const maxCommandSize = checkSize(options.maxCommandSize, 'maxCommandSize', Math.min(DEFAULT_MAX_COMMAND_SIZE, maxFrameSize));
    this.maxFrameSize = maxFrameSize;
    this.maxCommandSize = maxCommandSize;
    this.messages = options.messages ?? true;
  }

  /**
   * Decodes what `chunk` completes.
   *
   * @returns the frames completed by this chunk, in order
   * @throws {@link ChannelError} `ERR_PROTOCOL` for reserved flag bits, a command with MORE, a
   *   message frame while messages are refused, or a size of 2^63 or more;
   *   `ERR_FRAME_TOO_LARGE` for a size over the maximum
   */
  push(chunk: Uint8Array): ZmtpFrame[] {
    const frames: ZmtpFrame[] = [];
    this.feed(chunk, (frame) => void frames.push(frame));
    return frames;
  }

  /**
   * Decodes `chunk` frame by frame, calling `onFrame` as each completes, so the caller can act
   * on a frame (and change the limits) before the next header is read. Decoding stops after a
   * frame for which `onFrame` returns `false`; the caller keeps the rest and feeds it later.
   *
   * @returns how many bytes of `chunk` were consumed (all of it unless `onFrame` stopped it)
   * @throws as {@link push}, and whatever `onFrame` throws
   */
  feed(chunk: Uint8Array, onFrame: (frame: ZmtpFrame) => boolean | void): number {
    if (this.failure !== undefined) throw this.failure;
    assertBytes(chunk, 'chunk');
    let offset = 0;
    while (offset < chunk.length) {
      if (this.bodySize < 0) {
        offset = this.readHeader(chunk, offset);
        if (this.bodySize < 0) continue;
      }
      const take = Math.min(chunk.length - offset, this.bodySize - this.bodyFilled);
      if (take > 0) this.pieces.push(chunk.subarray(offset, offset + take));
      this.bodyFilled += take;
      offset += take;
      // A zero-length body completes with its header, even at the chunk's very end.
      if (this.bodyFilled === this.bodySize && onFrame(this.finish()) === false) break;
    }
    return offset;
  }

  /** Copies header bytes; once the header is complete, validates it and opens the body. */
  private readHeader(chunk: Uint8Array, offset: number): number {
    const flags = this.headerFilled === 0 ? chunk[offset]! : this.header[0]!;
    if (this.headerFilled === 0) this.checkFlags(flags);
    const needed = (flags & FLAG_LONG) !== 0 ? 9 : 2;
    const take = Math.min(chunk.length - offset, needed - this.headerFilled);
    this.header.set(chunk.subarray(offset, offset + take), this.headerFilled);
    this.headerFilled += take;
    if (this.headerFilled === needed) this.bodySize = this.checkSize(flags);
    return offset + take;
  }

  private checkFlags(flags: number): void {
    if ((flags & RESERVED) !== 0) throw this.fault('ERR_PROTOCOL', 'a frame sets reserved flag bits');
    if ((flags & FLAG_COMMAND) !== 0 && (flags & FLAG_MORE) !== 0) {
      throw this.fault('ERR_PROTOCOL', 'a command frame sets MORE');
    }
  }

  /** Records a fault of the stream: the decoder is dead from here on (see the class). */
  private fault(code: 'ERR_PROTOCOL' | 'ERR_FRAME_TOO_LARGE', message: string): ChannelError {
    this.failure = new ChannelError(code, message);
    return this.failure;
  }

  private checkSize(flags: number): number {
    const size =
      (flags & FLAG_LONG) !== 0 ? new DataView(this.header.buffer).getBigUint64(1, false) : BigInt(this.header[1]!);
    if (size >= 2n ** 63n) throw this.fault('ERR_PROTOCOL', 'a frame size is 2^63 or more');
    const limit = (flags & FLAG_COMMAND) !== 0 ? this.maxCommandSize : this.maxFrameSize;
    if (size > BigInt(limit)) {
      throw this.fault('ERR_FRAME_TOO_LARGE', `a frame of ${size} bytes exceeds the maximum of ${limit}`);
    }
    // Checked after the size, so that a huge frame is reported as such, and before any body byte.
    if ((flags & FLAG_COMMAND) === 0 && !this.messages) {
      throw this.fault('ERR_PROTOCOL', 'a message frame arrived before the peer was authenticated');
    }
    return Number(size);
  }

  private finish(): ZmtpFrame {
    const flags = this.header[0]!;
    const body = new Uint8Array(this.bodySize);
    let at = 0;
    for (const piece of this.pieces) {
      body.set(piece, at);
      at += piece.length;
    }
    this.pieces = [];
    this.bodySize = -1;
    this.bodyFilled = 0;
    this.headerFilled = 0;
    return { body, more: (flags & FLAG_MORE) !== 0, command: (flags & FLAG_COMMAND) !== 0 };
  }
}
