/**
 * What a browser channel receives while a mechanism step is pending (a CURVE client on
 * WebCrypto X25519): a page cannot stop reading a WebSocket, so the frames are held, within one
 * handshake command's worth, and replayed in order once the step completes.
 *
 * @module
 */
import { ChannelError } from '../../errors';

/** Frames held during a pending step, capped in bytes. */
export class HeldFrames {
  private frames: Uint8Array[] = [];
  private bytes = 0;

  /** @param maxBytes - the mechanism's largest handshake command */
  constructor(private readonly maxBytes: number) {}

  /**
   * Holds a copy of `frame` (the channel may reuse its buffer).
   *
   * @throws {@link ChannelError} `ERR_PROTOCOL` beyond `maxBytes`: a server sending more than one
   *   command before we answered is not following the protocol
   */
  hold(frame: Uint8Array): void {
    this.bytes += frame.length;
    if (this.bytes > this.maxBytes) throw new ChannelError('ERR_PROTOCOL', 'the server sent more than one command while a handshake step was pending');
    this.frames.push(frame.slice());
  }

  /** The frames held, in order; the holder is empty after. */
  take(): Uint8Array[] {
    const frames = this.frames;
    this.frames = [];
    this.bytes = 0;
    return frames;
  }
}
