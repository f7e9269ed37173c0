/**
 * The byte-channel framing of the stream adapter: every blob (a handshake command or an encoded
 * message part) travels as a 4-byte big-endian length followed by exactly that many bytes.
 *
 * ```
 * frame  = length blob
 * length = 4OCTET          ; unsigned, big-endian, 0 .. the deframer's limit
 * ```
 *
 * Pure: no streams, no timers. The {@link Deframer} takes the channel's bytes in chunks of any
 * size and yields whole frames; a length over the maximum is refused as soon as its 4 bytes are
 * known, before any memory is reserved for the frame.
 *
 * @module
 */
import { assertBytes } from '../../bytes';
import { checkSize, DEFAULT_MAX_FRAME_SIZE } from '../../channel/limits';
import { ChannelError } from '../../errors';

export { DEFAULT_MAX_FRAME_SIZE };

/** Bytes of the length prefix. */
export const FRAME_HEADER_SIZE = 4;

/** A frame spanning chunks starts in a buffer of at most this size, which grows as bytes come. */
const GROWTH_STEP = 64 * 1024;

/** The largest length a 4-byte prefix can carry. */
export const MAX_FRAME_SIZE_LIMIT = 0xffffffff;

/**
 * The 4-byte length prefix of a blob of `length` bytes.
 *
 * @throws {@link RangeError} unless `length` is an integer from 0 to {@link MAX_FRAME_SIZE_LIMIT}
 */
export function frameHeader(length: number): Uint8Array {
  checkLength(length);
  const header = new Uint8Array(FRAME_HEADER_SIZE);
  writeLength(header, length);
  return header;
}

/**
 * One frame in one new array: the length prefix, then a copy of `blob`. The array comes from
 * Node's buffer pool when small (every byte of it is written here): framing runs once per
 * message part, and a fresh `ArrayBuffer` each time costs more than the copy.
 *
 * @throws {@link TypeError} when `blob` is not a byte array
 * @throws {@link RangeError} when `blob` is longer than {@link MAX_FRAME_SIZE_LIMIT}
 */
export function encodeFrame(blob: Uint8Array): Uint8Array {
  assertBytes(blob, 'blob');
  checkLength(blob.length);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + blob.length);
  writeLength(frame, blob.length);
  frame.set(blob, FRAME_HEADER_SIZE);
  return frame;
}

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > MAX_FRAME_SIZE_LIMIT) {
    throw new RangeError(`"length" expected an integer from 0 to ${MAX_FRAME_SIZE_LIMIT}, got ${String(length)}`);
  }
}

/** Writes the 4-byte big-endian length prefix of a `length`-byte blob at `offset`. */
export function writeLength(target: Uint8Array, length: number, offset = 0): void {
  target[offset] = length >>> 24;
  target[offset + 1] = (length >>> 16) & 0xff;
  target[offset + 2] = (length >>> 8) & 0xff;
  target[offset + 3] = length & 0xff;
}

/** Where {@link Deframer.pushTo} hands each frame, as soon as it is whole. */
export interface FrameSink {
  onFrame(frame: Uint8Array): void;
}

/** Options of {@link Deframer}. */
export interface DeframerOptions {
  /** The largest frame accepted, in bytes (default {@link DEFAULT_MAX_FRAME_SIZE}). */
  readonly maxFrameSize?: number;
}

/**
 * An incremental deframer: feed it the channel's chunks as they come, in any sizes, and it
 * returns the frames completed by each chunk. The result is the same whatever the chunking.
 *
 * A frame held whole inside one chunk is returned as a view of that chunk (no copy), so it
 * starts at least {@link FRAME_HEADER_SIZE} bytes into the chunk's `ArrayBuffer` (its header is
 * there). A frame that spans chunks is assembled in its own `ArrayBuffer`, which nothing else
 * references, at `byteOffset` 0: {@link Deframer.isAssembled} tells the two apart, so a caller
 * may decrypt an assembled frame in place. The assembly buffer grows with the bytes received
 * rather than being reserved at the announced length: at most 64 KiB beyond the bytes of the
 * frame received so far. After an error every call throws the same error: a channel that lost
 * its framing cannot find it again.
 */
export class Deframer {
  private limit: number;
  /** A length prefix split across chunks: its bytes so far, as a number, and their count. */
  private headerValue = 0;
  private headerFill = 0;
  private body: Uint8Array | undefined;
  private bodyLength = 0;
  private bodyFill = 0;
  private failure: ChannelError | undefined;

  /** @throws {@link RangeError} for a bad `options.maxFrameSize` */
  constructor(options: DeframerOptions = {}) {
    this.limit = checkSize(options.maxFrameSize, 'options.maxFrameSize', DEFAULT_MAX_FRAME_SIZE);
  }

  /**
   * The largest frame accepted. It may change between frames: a stream holds a peer to the
   * mechanism's largest handshake command until it is authenticated, and to `maxFrameSize`
   * after. The new limit applies from the next length prefix read.
   *
   * @throws {@link RangeError} when set to anything but an integer from 1 to 2^32 - 1
   */
  get maxFrameSize(): number {
    return this.limit;
  }

  set maxFrameSize(value: number) {
    this.limit = checkSize(value, 'maxFrameSize', this.limit);
  }

  /**
   * True when `frame`, returned by {@link Deframer.push}, was assembled from several chunks in
   * an `ArrayBuffer` of its own (or is empty), false when it is a view of the chunk it came in.
   */
  static isAssembled(frame: Uint8Array): boolean {
    return frame.byteOffset === 0;
  }

  /** Bytes received that do not make a whole frame yet (0 between frames). */
  get pending(): number {
    return this.body === undefined ? this.headerFill : FRAME_HEADER_SIZE + this.bodyFill;
  }

  /**
   * Takes the next chunk of the channel and returns the frames it completes, in order.
   *
   * @throws {@link TypeError} when `chunk` is not a byte array
   * @throws {@link ChannelError} `ERR_FRAME_TOO_LARGE` when a length prefix exceeds
   *   `maxFrameSize` (then on every later call)
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    this.pushTo(chunk, { onFrame: (frame) => frames.push(frame) });
    return frames;
  }

  /**
   * As {@link push}, but hands each frame to `sink` as soon as it is whole, before the next
   * length prefix is read: the sink may change {@link maxFrameSize} for the frames after it
   * (the frame that completes a handshake, then the first message in the same chunk).
   *
   * @throws as {@link push}
   */
  pushTo(chunk: Uint8Array, sink: FrameSink): void {
    assertBytes(chunk, 'chunk');
    if (this.failure !== undefined) throw this.failure;
    let offset = 0;
    while (offset < chunk.length) {
      offset = this.body === undefined ? this.readHeader(chunk, offset, sink) : this.readBody(chunk, offset, sink);
    }
  }

  /** Reads length-prefix bytes; takes a whole frame straight from the chunk when it can. */
  private readHeader(chunk: Uint8Array, offset: number, sink: FrameSink): number {
    if (this.headerFill === 0 && chunk.length - offset >= FRAME_HEADER_SIZE) {
      const length = this.checkLength(readLength(chunk, offset));
      const start = offset + FRAME_HEADER_SIZE;
      if (chunk.length - start >= length) {
        sink.onFrame(chunk.subarray(start, start + length));
        return start + length;
      }
      this.startBody(length, chunk.length - start);
      return start;
    }
    const take = Math.min(FRAME_HEADER_SIZE - this.headerFill, chunk.length - offset);
    // Multiplied, not shifted: a length up to 2^32 - 1 stays a positive integer.
    for (let i = 0; i < take; i++) this.headerValue = this.headerValue * 256 + chunk[offset + i]!;
    this.headerFill += take;
    if (this.headerFill === FRAME_HEADER_SIZE) {
      const value = this.headerValue;
      this.headerFill = 0;
      this.headerValue = 0;
      const length = this.checkLength(value);
      if (length === 0) sink.onFrame(new Uint8Array(0));
      else this.startBody(length, chunk.length - offset - take);
    }
    return offset + take;
  }

  private readBody(chunk: Uint8Array, offset: number, sink: FrameSink): number {
    const take = Math.min(this.bodyLength - this.bodyFill, chunk.length - offset);
    const body = this.reserve(this.bodyFill + take);
    body.set(chunk.subarray(offset, offset + take), this.bodyFill);
    this.bodyFill += take;
    if (this.bodyFill === this.bodyLength) {
      this.body = undefined;
      this.bodyFill = 0;
      sink.onFrame(body);
    }
    return offset + take;
  }

  /**
   * Starts assembling a frame of `length` bytes, of which `available` are in the chunk at hand.
   * Its buffer takes what is here plus up to {@link GROWTH_STEP}: a 64 KiB message (a frame a
   * little over 64 KiB) is then assembled in one buffer, without growing.
   */
  private startBody(length: number, available: number): void {
    this.bodyLength = length;
    this.bodyFill = 0;
    this.body = allocBody(Math.min(length, available + GROWTH_STEP));
  }

  /**
   * The body buffer, grown to hold at least `needed` bytes. It grows with the bytes that
   * actually arrive (doubling, capped at the announced length), so that a peer announcing a
   * large frame and sending little of it makes us hold little: memory follows what was
   * received, never what was claimed.
   */
  private reserve(needed: number): Uint8Array {
    const body = this.body!;
    if (body.length >= needed) return body;
    const grown = allocBody(Math.min(this.bodyLength, Math.max(needed, body.length * 2)));
    grown.set(body.subarray(0, this.bodyFill));
    this.body = grown;
    return grown;
  }

  /** Refuses an oversize length before anything is allocated for it. */
  private checkLength(length: number): number {
    if (length <= this.limit) return length;
    this.failure = new ChannelError('ERR_FRAME_TOO_LARGE', `frame of ${length} bytes exceeds the limit of ${this.limit}`);
    throw this.failure;
  }
}

/**
 * An assembly buffer in an `ArrayBuffer` of its own (never Node's shared pool), not zero-filled:
 * a frame leaves the deframer only once every byte of it was written from the channel.
 */
function allocBody(length: number): Uint8Array {
  return Buffer.allocUnsafeSlow(length);
}

function readLength(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}
