/**
 * Gathering the parts of one multipart message, capped in bytes: a peer could otherwise send
 * MORE forever, each frame under the frame limit, and grow the message without bound. Shared by
 * the ZMTP adapter and the browser's ZWS channel (this module is Node-free).
 *
 * @module
 */
import { ChannelError } from '../errors';

/** Bytes of a message's parts. */
export function messageSize(parts: readonly Uint8Array[]): number {
  let bytes = 0;
  for (const part of parts) bytes += part.length;
  return bytes;
}

/** The parts of one message in progress, up to `maxBytes`. */
export class MessageAssembler {
  private parts: Uint8Array[] = [];
  private bytes = 0;

  /**
   * @param maxBytes - the largest message (the adapter's `maxFrameSize`)
   * @param option - how the error names that limit
   */
  constructor(
    private readonly maxBytes: number,
    private readonly option = 'maxFrameSize',
  ) {}

  /**
   * Adds a part; returns the whole message with its last part.
   *
   * @throws {@link ChannelError} `ERR_FRAME_TOO_LARGE` once the message exceeds `maxBytes`
   */
  add(data: Uint8Array, more: boolean): Uint8Array[] | undefined {
    this.bytes += data.length;
    if (this.bytes > this.maxBytes) {
      throw new ChannelError('ERR_FRAME_TOO_LARGE', `a multipart message of over ${this.maxBytes} bytes (${this.option})`);
    }
    this.parts.push(data);
    if (more) return undefined;
    const message = this.parts;
    this.clear();
    return message;
  }

  /** Drops a message in progress. */
  clear(): void {
    this.parts = [];
    this.bytes = 0;
  }
}
