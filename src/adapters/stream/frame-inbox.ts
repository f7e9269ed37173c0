/**
 * The stream's receiving side after the deframer: frames it cannot handle yet (a decision is
 * pending, or the application's buffer is full), the parts of a multipart message so far, and
 * the reading of frames into messages. What is held is counted in bytes so that the stream can
 * cap it: nothing a peer sends is held without bound.
 *
 * @module
 */
import { answerPing } from '../../codec/heartbeat';
import { ChannelError } from '../../errors';
import type { Mechanism } from '../../mechanism';
import { tunedCodec, type DecodeOptions, type TunedCodec } from '../../tuned-codec';
import { Deframer, FRAME_HEADER_SIZE } from './framing';
import { incomingMessage, messageBuffer, type StreamMessage } from './message';
import type { StreamLimits } from './options';

/**
 * The empty list, shared by every inbox: an inbox is replaced, never appended to, while empty
 * (see {@link FrameInbox.push}), so this array is never written.
 */
const NO_FRAMES: Uint8Array[] = [];

/**
 * Frames received but not handled yet, in order. A frame is usually a view of the chunk it
 * came in, so each is counted with its header: the bytes counted are the bytes of the
 * channel's chunks kept alive.
 */
export class FrameInbox {
  private frames: Uint8Array[] = NO_FRAMES;
  private head = 0;
  private held = 0;

  /** True when no frame waits. */
  get empty(): boolean {
    return this.head >= this.frames.length;
  }

  private push(frame: Uint8Array): void {
    if (this.frames === NO_FRAMES) this.frames = [];
    this.frames.push(frame);
    this.held += FRAME_HEADER_SIZE + frame.length;
  }

  /** The next frame, or `undefined` when none waits. */
  shift(): Uint8Array | undefined {
    if (this.head >= this.frames.length) return undefined;
    const frame = this.frames[this.head++]!;
    this.held -= FRAME_HEADER_SIZE + frame.length;
    if (this.head >= this.frames.length) this.clear();
    return frame;
  }

  /**
   * Holds a frame that cannot be handled yet, within the caps. Before authentication a peer
   * gets room for about one handshake command while its decision is pending (a client never
   * sends more: it waits for the answer). After, the channel is paused whenever the reader
   * is full, so frames pile up only on a channel that ignores `pause()`: `maxBufferedBytes`.
   *
   * @param pauseIgnored - the frame came in a chunk that arrived while the channel was paused
   * @returns the error to fail the stream with when a cap is passed
   */
  hold(frame: Uint8Array, authenticated: boolean, pauseIgnored: boolean, limits: StreamLimits): ChannelError | undefined {
    this.push(frame);
    if (!authenticated) {
      if (this.held <= limits.maxHandshakeSize + FRAME_HEADER_SIZE) return undefined;
      return new ChannelError('ERR_PROTOCOL', 'the peer sent more than a handshake command while its decision was pending');
    }
    if (!pauseIgnored || this.held <= limits.maxBufferedBytes) return undefined;
    return new ChannelError('ERR_LIMIT_REACHED', `more than maxBufferedBytes ${limits.maxBufferedBytes} held for a reader that does not keep up`);
  }

  /** Forgets every frame. */
  clear(): void {
    this.frames = NO_FRAMES;
    this.head = 0;
    this.held = 0;
  }
}

/**
 * The parts of one multipart message as they arrive, capped in bytes: the frames of a message
 * together may not exceed `maxFrameSize`, so a peer cannot grow one message without bound by
 * never sending its last part.
 */
export class PartAssembler {
  private parts: Uint8Array[] = NO_FRAMES;
  private frameBytes = 0;

  /** True while a message is incomplete (its first parts arrived, not its last). */
  get pending(): boolean {
    return this.parts.length > 0;
  }

  /**
   * Adds a part that came in a frame of `frameLength` bytes.
   *
   * @returns the message's parts once `more` is false, else `undefined`
   * @throws {@link ChannelError} `ERR_FRAME_TOO_LARGE` once the message exceeds `max` bytes
   */
  add(part: Uint8Array, more: boolean, frameLength: number, max: number): Uint8Array[] | undefined {
    if (this.parts === NO_FRAMES) this.parts = [];
    this.parts.push(part);
    this.frameBytes += frameLength;
    if (this.frameBytes > max) {
      this.clear();
      throw new ChannelError('ERR_FRAME_TOO_LARGE', `multipart message exceeds maxFrameSize ${max}`);
    }
    if (more) return undefined;
    const parts = this.parts;
    this.clear();
    return parts;
  }

  clear(): void {
    this.parts = NO_FRAMES;
    this.frameBytes = 0;
  }
}

const IN_PLACE: DecodeOptions = { inPlace: true };

/**
 * Turns the frames of an authenticated peer into messages: decodes each (in place where nobody
 * else holds its bytes and the mechanism can), assembles multipart messages within
 * `maxFrameSize`, and answers PINGs (RFC 37, `src/codec/heartbeat.ts`).
 */
export class MessageReader {
  private readonly session: Mechanism;
  private readonly tuned: TunedCodec | undefined;
  private readonly maxFrameSize: number;
  private readonly ownsChunks: boolean;
  /** Made for the first multipart message: most streams never need one. */
  private assembler: PartAssembler | undefined;
  /** The PONG the last frame asks for, if it was a PING; taken by {@link takeReply}. */
  private reply: Uint8Array | undefined;

  /**
   * @param ownsChunks - the channel's chunks are fresh buffers nobody else holds (a
   *   `net.Socket`'s), so frames that are views of them may be decrypted in place too
   */
  constructor(session: Mechanism, maxFrameSize: number, ownsChunks: boolean) {
    this.session = session;
    this.tuned = tunedCodec(session);
    this.maxFrameSize = maxFrameSize;
    this.ownsChunks = ownsChunks;
  }

  /** True while a multipart message is incomplete. */
  get pending(): boolean {
    return this.assembler?.pending === true;
  }

  /**
   * Reads one frame. A part decrypted in place is a view into the frame: the application then
   * owns that memory.
   *
   * @returns the message it completes, or `undefined` (a part of a longer message, or a command)
   * @throws the mechanism's `MechanismError`, or a `ChannelError` (`ERR_FRAME_TOO_LARGE` for a
   *   multipart message over `maxFrameSize`, `ERR_PROTOCOL` for a malformed PING)
   */
  read(frame: Uint8Array): StreamMessage | undefined {
    const tuned = this.tuned;
    const part = tuned === undefined
      ? this.session.decode(frame)
      : tuned.decode(frame, this.ownsChunks || Deframer.isAssembled(frame) ? IN_PLACE : undefined);
    if (part.command) {
      this.reply = answerPing(part.data);
      return undefined;
    }
    // One part, one message: the frame already passed the deframer's maxFrameSize check.
    if (this.assembler?.pending !== true && !part.more) return messageBuffer(part.data);
    const parts = (this.assembler ??= new PartAssembler()).add(part.data, part.more, frame.length, this.maxFrameSize);
    return parts === undefined ? undefined : incomingMessage(parts);
  }

  /** The PONG to send for the frame just read, once. */
  takeReply(): Uint8Array | undefined {
    const reply = this.reply;
    this.reply = undefined;
    return reply;
  }

  clear(): void {
    this.assembler?.clear();
  }
}
