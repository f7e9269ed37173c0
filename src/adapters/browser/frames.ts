/**
 * The stream adapter's framing (a 4-byte big-endian length, then the blob) over WebSocket
 * binary messages, with only `Uint8Array`: a page has no `Buffer`.
 *
 * Message boundaries carry no meaning: the Node side writes the frames of a tick as one chunk
 * (so one message may hold several frames) and `ws`'s stream may split a large one, so the
 * reader treats the messages as one byte stream, exactly as `src/adapters/stream/framing.ts`
 * does with socket chunks. Why a second reader: that one assembles split frames in Node
 * buffers; the wire format is the same, and the stream tests' peer checks it.
 *
 * @module
 */
import { ChannelError } from '../../errors';

const HEADER = 4;

/** One binary message holding the frames of `blobs`, one after another. */
export function encodeFrames(blobs: readonly Uint8Array[]): Uint8Array {
  let bytes = 0;
  for (const blob of blobs) bytes += HEADER + blob.length;
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const blob of blobs) {
    view.setUint32(offset, blob.length);
    out.set(blob, offset + HEADER);
    offset += HEADER + blob.length;
  }
  return out;
}

/**
 * Cuts the bytes of successive messages into frames. A length over {@link limit} is refused as
 * soon as its 4 bytes are known, before anything is reserved for the frame: the limit is the
 * mechanism's largest handshake command until the peer is authenticated.
 */
export class FrameReader {
  /** The largest frame accepted from the next length prefix on. */
  limit: number;
  private header = new Uint8Array(HEADER);
  private headerFill = 0;
  private body: Uint8Array | undefined;
  private bodyFill = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /**
   * Feeds one message and hands each whole frame to `onFrame`, which may change {@link limit}
   * or stop the reading by returning false (the channel failed).
   *
   * @throws {@link ChannelError} `ERR_FRAME_TOO_LARGE` for a length over the limit
   */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => boolean): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.body === undefined) {
        const take = Math.min(HEADER - this.headerFill, chunk.length - offset);
        this.header.set(chunk.subarray(offset, offset + take), this.headerFill);
        this.headerFill += take;
        offset += take;
        if (this.headerFill < HEADER) return;
        this.headerFill = 0;
        const length = new DataView(this.header.buffer).getUint32(0);
        if (length > this.limit) {
          throw new ChannelError('ERR_FRAME_TOO_LARGE', `a frame of ${length} bytes exceeds the limit, ${this.limit}`);
        }
        // A frame whole inside this message is a view of it: no copy.
        if (chunk.length - offset >= length) {
          const frame = chunk.subarray(offset, offset + length);
          offset += length;
          if (!onFrame(frame)) return;
          continue;
        }
        this.body = new Uint8Array(length);
        this.bodyFill = 0;
      }
      const take = Math.min(this.body.length - this.bodyFill, chunk.length - offset);
      this.body.set(chunk.subarray(offset, offset + take), this.bodyFill);
      this.bodyFill += take;
      offset += take;
      if (this.bodyFill === this.body.length) {
        const frame = this.body;
        this.body = undefined;
        if (!onFrame(frame)) return;
      }
    }
  }

  /** True inside a frame: the peer closing now cut a message. */
  get pending(): boolean {
    return this.headerFill > 0 || this.body !== undefined;
  }
}
