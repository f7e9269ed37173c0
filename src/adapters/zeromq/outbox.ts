/**
 * The adapter's own outgoing queue. `send()` encodes a message (its nonces are taken then, in
 * queue order) and leaves its frames here; it resolves at once unless `highWaterMark` messages
 * wait, as zeromq.js's `send()` resolves once libzmq queued the message. A writer drains the
 * queue: everything queued for the same peer (session and route) leaves as ONE ZeroMQ message
 * whose frames are the envelopes of consecutive messages (a batch; see `docs/zeromq.md`), so a
 * burst of small messages costs one zeromq.js send instead of one each.
 *
 * @module
 */

/** One queued message: its frames, for whom, and whether it may share a ZeroMQ message. */
interface Entry {
  /** The peer: the session key on a server, `''` on a client. */
  readonly peer: string;
  /** The Router route to prepend (the same array for every entry of one route), or none. */
  readonly route: readonly Buffer[];
  readonly frames: readonly Buffer[];
  /** Bytes of `frames`. */
  readonly bytes: number;
  /** A handshake command: always its own ZeroMQ message. */
  readonly alone: boolean;
}

/** Largest batch the writer builds, in frames and in bytes (a single message may exceed it). */
export const MAX_BATCH_FRAMES = 1024;
/** See {@link MAX_BATCH_FRAMES}. */
export const MAX_BATCH_BYTES = 256 * 1024;
/**
 * Bytes queued before `send()` waits, whatever the message count: large messages are held
 * in ZeroMQ's queue (its own high-water mark) rather than ours, as encrypted copies.
 */
export const MAX_QUEUED_BYTES = 1 << 20;

/** Options of {@link Outbox}. */
export interface OutboxOptions {
  /** Messages queued before `send()` waits for the writer (backpressure). */
  readonly highWaterMark: number;
  /** Sends one ZeroMQ message. */
  readonly send: (frames: Buffer[]) => Promise<void>;
  /** False when the socket takes one message per ZeroMQ message (a Request socket). */
  readonly canBatch: () => boolean;
  /** A ZeroMQ send failed; `count` queued messages went with it. */
  readonly onError: (error: Error, count: number) => void;
  /**
   * Rewrites a batch's envelopes before it leaves (the adapters pack small ones into one
   * frame: `packEnvelopes`); default: as they are.
   */
  readonly pack?: (envelopes: Buffer[]) => Buffer[];
}

/** A bounded FIFO of encoded messages and the writer that drains it in batches. */
export class Outbox {
  private queue: Entry[] = [];
  private queuedBytes = 0;
  private writing = false;
  private scheduled = false;
  private endError: Error | undefined;
  private drainWaiters: Array<{ resolve(): void; reject(error: Error): void }> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: OutboxOptions) {}

  /** True when `send()` should wait for {@link drained}. */
  get full(): boolean {
    return this.queue.length >= this.options.highWaterMark || this.queuedBytes >= MAX_QUEUED_BYTES;
  }

  /** True while a ZeroMQ send is in progress. */
  get busy(): boolean {
    return this.writing;
  }

  /** Messages waiting. */
  get size(): number {
    return this.queue.length;
  }

  /**
   * Queues the frames of one message (or one command). A handshake command (`alone`) never
   * shares a ZeroMQ message and leaves at once when nothing else waits; messages leave when
   * the current burst of JavaScript work ends (`process.nextTick`), together.
   */
  push(frames: readonly Buffer[], alone = false, peer = '', route: readonly Buffer[] = NO_ROUTE): void {
    if (this.endError !== undefined) return;
    let bytes = 0;
    for (const frame of frames) bytes += frame.length;
    this.queue.push({ peer, route, frames, bytes, alone });
    this.queuedBytes += bytes;
    if (this.writing) return;
    if (alone) {
      void this.write();
    } else if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.kick);
    }
  }

  /** Resolves when fewer than `highWaterMark` messages wait; rejects once {@link end}ed. */
  drained(): Promise<void> {
    if (this.endError !== undefined) return Promise.reject(this.endError);
    if (!this.full) return Promise.resolve();
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** Resolves when nothing waits and no send is in progress. */
  idle(): Promise<void> {
    if (!this.writing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Removes and returns every queued message's frames, in order (routes not included). */
  takeAll(): Buffer[] {
    const frames = this.queue.flatMap((entry) => entry.frames);
    this.queue = [];
    this.queuedBytes = 0;
    this.releaseDrainWaiters();
    return frames;
  }

  /**
   * Discards what waits and refuses more: {@link drained} rejects with `error` from now on. A
   * send already in progress finishes on its own.
   */
  end(error: Error): void {
    if (this.endError !== undefined) return;
    this.endError = error;
    this.queue = [];
    this.queuedBytes = 0;
    for (const waiter of this.drainWaiters.splice(0)) waiter.reject(error);
    if (!this.writing) this.releaseIdleWaiters();
  }

  private readonly kick = (): void => {
    this.scheduled = false;
    if (!this.writing) void this.write();
  };

  private async write(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const { frames, count } = this.takeBatch();
      this.releaseDrainWaiters();
      try {
        await this.options.send(frames);
      } catch (error) {
        this.options.onError(error instanceof Error ? error : new Error(String(error)), count);
      }
    }
    this.writing = false;
    this.releaseIdleWaiters();
  }

  /**
   * The head message, and every later batchable one for the same peer and route, up to the
   * batch limits. Other peers' messages are skipped over (their order among themselves is
   * kept); the scan stops at a message of the same peer that cannot join, so each peer's
   * messages leave in the order their nonces were taken.
   */
  private takeBatch(): { frames: Buffer[]; count: number } {
    const head = this.queue[0]!;
    if (head.alone || !this.options.canBatch()) {
      this.queue.shift();
      this.queuedBytes -= head.bytes;
      return { frames: [...head.route, ...head.frames], count: 1 };
    }
    const envelopes = [...head.frames];
    let bytes = head.bytes;
    let count = 1;
    let open = true;
    const left: Entry[] = [];
    for (let i = 1; i < this.queue.length; i++) {
      const entry = this.queue[i]!;
      if (open && entry.peer === head.peer) {
        const fits = envelopes.length + entry.frames.length <= MAX_BATCH_FRAMES && bytes + entry.bytes <= MAX_BATCH_BYTES;
        if (!entry.alone && entry.route === head.route && fits) {
          for (const frame of entry.frames) envelopes.push(frame);
          bytes += entry.bytes;
          count++;
          continue;
        }
        open = false;
      }
      left.push(entry);
    }
    this.queue = left;
    this.queuedBytes -= bytes;
    const pack = this.options.pack;
    return { frames: [...head.route, ...(count > 1 && pack !== undefined ? pack(envelopes) : envelopes)], count };
  }

  private releaseDrainWaiters(): void {
    if (this.full) return;
    for (const waiter of this.drainWaiters.splice(0)) waiter.resolve();
  }

  private releaseIdleWaiters(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

const NO_ROUTE: readonly Buffer[] = [];
