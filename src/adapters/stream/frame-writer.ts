/**
 * The stream's sending side: frames blobs onto the byte channel, batching the small frames of
 * one tick into one chunk, and sealing messages straight into that chunk where the mechanism
 * can. None of this changes the bytes on the wire.
 *
 * @module
 */
import type { Duplex } from 'node:stream';
import type { Mechanism } from '../../mechanism';
import { encodedInto, ownsHeadroom, tunedCodec, type TunedCodec, type TunedPartFlags } from '../../tuned-codec';
import { FRAME_HEADER_SIZE, frameHeader, writeLength } from './framing';
import { encodeMessage, messageTooLarge } from './message';

/**
 * Blobs up to this size are copied (or sealed), with their headers, into one chunk per tick;
 * bigger ones go as a chunk of their own, uncopied.
 */
const COPY_LIMIT = 16 * 1024;

/**
 * The queued frames of a tick are written at once when they reach this size (64 KiB measured
 * 2-28% faster than 16 KiB at 1 KiB messages, fewer waits for the channel to drain).
 */
const FLUSH_BYTES = 64 * 1024;

/**
 * Room left in a batch for what a mechanism adds to a part (CURVE: 33 bytes) before a part is
 * sealed into it: a part that might not fit is flushed ahead of, not split.
 */
const OVERHEAD_ROOM = 256;

/**
 * The batch buffer every writer of the process appends to, like Node's `Buffer` pool: one
 * writer at a time holds an open batch at its end, handed to its channel as one chunk when
 * the tick ends, when it fills, or when another writer needs the pool. The pool only moves
 * forward and a full one is replaced, never reused, so bytes handed to a channel are never
 * written again. It holds what goes on the wire: sealed messages and handshake commands (and
 * a NULL mechanism's plaintext, as Node's pool holds whatever a socket writes).
 */
const POOL_BYTES = FLUSH_BYTES + COPY_LIMIT + OVERHEAD_ROOM;
let pool = Buffer.allocUnsafeSlow(POOL_BYTES);
/** Where the open batch starts, and where its next frame goes. */
let poolStart = 0;
let poolEnd = 0;
/** The writer whose batch is open at the end of the pool. */
let poolOwner: FrameWriter | undefined;

/** Large parts are sealed with room for the frame header in front (`TunedPartFlags.headroom`). */
const LAST_LARGE: TunedPartFlags = { more: false, headroom: FRAME_HEADER_SIZE };

/**
 * Buffers for large frames, reused once a socket has written them: a fresh 64 KiB buffer per
 * message costs its zero-filling, page faults on memory the kernel then reads cold, and
 * garbage collection. Only frames up to {@link REUSED_FRAME_MAX} are kept, at most
 * {@link REUSED_FRAMES} of them for the whole process, and only sealed frames (ciphertext).
 */
const REUSED_FRAME_MAX = 256 * 1024 + 64;
const REUSED_FRAMES = 8;
const spareFrames: Uint8Array[] = [];

/** A spare buffer of at least `bytes` (and at most twice), or a new one. */
function takeFrame(bytes: number): Uint8Array {
  for (let i = spareFrames.length - 1; i >= 0; i--) {
    const spare = spareFrames[i]!;
    if (spare.length >= bytes && spare.length <= 2 * bytes) {
      spareFrames[i] = spareFrames[spareFrames.length - 1]!;
      spareFrames.pop();
      return spare;
    }
  }
  return Buffer.allocUnsafeSlow(bytes);
}

function giveBack(frame: Uint8Array): void {
  if (spareFrames.length < REUSED_FRAMES) spareFrames.push(frame);
}

/**
 * Writes framed blobs to one raw Duplex.
 *
 * Small frames collect in the pool and leave at the end of the tick (or once {@link FLUSH_BYTES}
 * are batched) as one chunk: one `write()` to the channel for all the messages an application
 * writes in one go, where a write per frame cost more than the copy. A mechanism with the tuned
 * codec seals a message straight into the batch; other blobs are copied in. A large part is
 * sealed with room for its header in front and goes as one chunk of its own. The channel stays
 * corked until the end of the tick, so everything written in a tick leaves in one `writev`.
 */
export class FrameWriter {
  private readonly raw: Duplex;
  /** The channel is corked and {@link endTick} scheduled. */
  private inTick = false;
  /** Flags for sealing a part into the pool, reused: `into` and `headroom` change per part. */
  private readonly intoFlags: { more: boolean; into: Uint8Array; headroom: number } = { more: false, into: pool, headroom: 0 };

  /** Large frames go in reused buffers (see {@link takeFrame}). */
  private readonly reuseLarge: boolean;
  /** Flags for sealing a large part into a reused buffer. */
  private readonly largeFlags: { more: boolean; into: Uint8Array; headroom: number } = { more: false, into: pool, headroom: FRAME_HEADER_SIZE };

  /**
   * @param reuseLarge - the channel is done with a chunk once its write callback runs, and
   *   hands no chunk to anyone else (a `net.Socket` writes to the kernel): buffers of large
   *   frames may then be reused after that
   */
  constructor(raw: Duplex, reuseLarge = false) {
    this.raw = raw;
    this.reuseLarge = reuseLarge;
  }

  /** True when the channel can take more: open, and not waiting to drain. */
  get ready(): boolean {
    const raw = this.raw;
    return !raw.destroyed && !raw.writableEnded && !raw.writableNeedDrain;
  }

  /** Bytes batched for this writer and not yet handed to the channel. */
  private get batched(): number {
    return poolOwner === this ? poolEnd - poolStart : 0;
  }

  /**
   * Writes one framed blob; false when the channel asks to wait for `'drain'`. Batched bytes
   * count as written: the answer is the channel's own when a flush happens, else whether it
   * already waits to drain.
   */
  write(blob: Uint8Array): boolean {
    this.beginTick();
    if (blob.length > COPY_LIMIT) {
      this.flush();
      this.raw.write(frameHeader(blob.length));
      return this.raw.write(blob);
    }
    const at = this.reserve(blob.length);
    writeLength(pool, blob.length, at);
    pool.set(blob, at + FRAME_HEADER_SIZE);
    poolEnd = at + FRAME_HEADER_SIZE + blob.length;
    return this.afterAppend();
  }

  /**
   * Encodes and writes one message (see {@link encodeMessage}); false when the channel asks to
   * wait for `'drain'`. A one-part message is sealed into the batch when small, or with room
   * for its header when large; a multipart one is encoded, then framed.
   *
   * @throws as {@link encodeMessage}, before anything is written
   */
  writeMessage(session: Mechanism, message: Uint8Array | readonly Uint8Array[], maxFrameSize: number): boolean {
    const tuned = Array.isArray(message) ? undefined : tunedCodec(session);
    if (tuned === undefined) {
      const encoded = encodeMessage(session, message, maxFrameSize);
      if (!Array.isArray(encoded)) return this.write(encoded as Uint8Array);
      let ok = true;
      for (const blob of encoded) ok = this.write(blob);
      return ok;
    }
    const part = message as Uint8Array;
    if (part.length > COPY_LIMIT) {
      if (!this.reuseLarge || part.length > REUSED_FRAME_MAX) return this.writeLarge(tuned.encode(part, LAST_LARGE), maxFrameSize);
      return this.writeReused(tuned, part, maxFrameSize);
    }
    this.beginTick();
    const at = this.reserve(part.length + OVERHEAD_ROOM);
    const flags = this.intoFlags;
    flags.into = pool;
    flags.headroom = at + FRAME_HEADER_SIZE;
    const blob = tuned.encode(part, flags);
    if (blob.length > maxFrameSize) throw messageTooLarge(blob.length, maxFrameSize);
    if (!encodedInto(blob, pool, at + FRAME_HEADER_SIZE)) return this.write(blob);
    writeLength(pool, blob.length, at);
    poolEnd = at + FRAME_HEADER_SIZE + blob.length;
    return this.afterAppend();
  }

  /** A large blob as a chunk of its own: its header in the room in front when it has it. */
  private writeLarge(blob: Uint8Array, maxFrameSize: number): boolean {
    if (blob.length > maxFrameSize) throw messageTooLarge(blob.length, maxFrameSize);
    if (!ownsHeadroom(blob, FRAME_HEADER_SIZE)) return this.write(blob);
    this.beginTick();
    this.flush();
    const frame = new Uint8Array(blob.buffer, 0, FRAME_HEADER_SIZE + blob.length);
    writeLength(frame, blob.length, 0);
    return this.raw.write(frame);
  }

  /**
   * A large part sealed into a reused buffer, header in front, which goes back to the spares
   * once the channel has written it (or failed to).
   */
  private writeReused(tuned: TunedCodec, part: Uint8Array, maxFrameSize: number): boolean {
    const frame = takeFrame(FRAME_HEADER_SIZE + part.length + OVERHEAD_ROOM);
    const flags = this.largeFlags;
    flags.into = frame;
    const blob = tuned.encode(part, flags);
    flags.into = pool; // keeps no spare reachable from here
    if (!encodedInto(blob, frame, FRAME_HEADER_SIZE)) {
      giveBack(frame);
      return this.writeLarge(blob, maxFrameSize);
    }
    if (blob.length > maxFrameSize) {
      giveBack(frame);
      throw messageTooLarge(blob.length, maxFrameSize);
    }
    this.beginTick();
    this.flush();
    writeLength(frame, blob.length, 0);
    return this.raw.write(frame.subarray(0, FRAME_HEADER_SIZE + blob.length), () => giveBack(frame));
  }

  /** Corks the channel for the rest of the tick, once per tick. */
  private beginTick(): void {
    if (this.inTick) return;
    this.inTick = true;
    this.raw.cork();
    process.nextTick(FrameWriter.endTick, this);
  }

  /**
   * Makes this writer's batch the open one at the end of the pool, with room for a frame of
   * `bytes` bytes after its header; returns where that frame goes.
   */
  private reserve(bytes: number): number {
    if (poolOwner !== this) {
      poolOwner?.handOver();
      poolOwner = this;
      poolStart = poolEnd;
    }
    if (poolEnd + FRAME_HEADER_SIZE + bytes > POOL_BYTES) {
      this.flush();
      pool = Buffer.allocUnsafeSlow(POOL_BYTES);
      poolStart = poolEnd = 0;
      poolOwner = this;
    }
    return poolEnd;
  }

  private afterAppend(): boolean {
    if (poolEnd - poolStart >= FLUSH_BYTES) return this.flush();
    return !this.raw.writableNeedDrain;
  }

  /** Hands the batched frames to the channel as one chunk; returns the channel's answer. */
  flush(): boolean {
    const raw = this.raw;
    if (this.batched === 0) return !raw.writableNeedDrain;
    const chunk = pool.subarray(poolStart, poolEnd);
    // Aligned to 8 bytes, as Node's pool is; the next batch starts after.
    poolStart = poolEnd = Math.min(POOL_BYTES, (poolEnd + 7) & ~7);
    poolOwner = undefined;
    return raw.write(chunk);
  }

  /** Lets another writer have the pool: this writer's batch leaves now (its channel is corked). */
  private handOver(): void {
    const raw = this.raw;
    if (!raw.destroyed && !raw.writableEnded) this.flush();
    else this.discard();
  }

  /** Drops what is batched (the channel is being destroyed). */
  discard(): void {
    if (poolOwner !== this) return;
    poolEnd = poolStart;
    poolOwner = undefined;
  }

  /**
   * The end of a tick in which `writer` wrote: the batched frames leave, and the channel is
   * uncorked. Static, so that scheduling it makes no closure.
   */
  private static endTick(writer: FrameWriter): void {
    writer.inTick = false;
    const raw = writer.raw;
    if (writer.batched > 0) writer.handOver();
    raw.uncork();
  }
}
