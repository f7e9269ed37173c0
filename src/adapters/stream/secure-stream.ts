/**
 * `SecureStream`: a Node core `Duplex` in message mode that runs a {@link Mechanism} over any
 * byte Duplex (a `net.Socket`, a Unix socket, a child's stdio, `stream.duplexPair()`, a
 * WebSocket stream). Blobs travel in the 4-byte length framing of `./framing`.
 *
 * The stream owns everything the mechanism must not: framing, the handshake and idle timers,
 * keepalive, backpressure in both directions and teardown. Every failure destroys the stream with
 * a coded error: a {@link MechanismError} from the mechanism or a {@link ChannelError} from the
 * channel.
 *
 * @module
 */
import { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { decide, type Authorizer } from '../../auth';
import { isBytes } from '../../bytes';
import { ChannelError, type ChannelErrorCode } from '../../errors';
import type { Mechanism, PartFlags, PeerIdentity, Step } from '../../mechanism';
import type { DecodeOptions, TunedCodec } from '../../tuned-codec';
import { concatFrames, Deframer, FRAME_HEADER_SIZE, frameHeader } from './framing';
import { answerCommand, encodePing } from './keepalive';
import { incomingMessage, messageBuffer, messageParts, notAMessage, type IncomingMessage } from './message';
import { channelSettings } from './settings';
import { checkDuration, restartTimer } from './timer';

export { DEFAULT_HANDSHAKE_TIMEOUT } from './settings';

/**
 * Blobs up to this size are copied, with their headers, into one chunk per tick; bigger ones go
 * as header + blob, uncopied.
 */
const COPY_LIMIT = 16 * 1024;

/**
 * The queued frames of a tick are written at once when they reach this size (64 KiB measured
 * 2-28% faster than 16 KiB at 1 KiB messages, fewer waits for the channel to drain).
 */
const FLUSH_BYTES = 64 * 1024;

const LAST_PART: PartFlags = { more: false };
const MORE_PARTS: PartFlags = { more: true };
const IN_PLACE: DecodeOptions = { inPlace: true };

/**
 * The empty inbox, shared by every stream: an inbox is replaced, never appended to, while
 * empty (see `onData`), so this array is never written.
 */
const NO_FRAMES: Uint8Array[] = [];

/**
 * Where a raw stream points back to its {@link SecureStream}: the listeners on the raw stream
 * are shared functions that find their stream here, instead of closures made per stream.
 */
const OWNER = Symbol('curvezmq.SecureStream');

/** A raw stream carrying a {@link SecureStream}. */
type OwnedRaw = Duplex & { [OWNER]?: SecureStream | undefined };

const ignore = (): void => undefined;

/** Options of a {@link SecureStream} that do not depend on the mechanism. */
export interface SecureStreamBaseOptions {
  /** Server sessions: who may enter. Required for every server (see `docs/stream.md`). */
  readonly authorizer?: Authorizer;
  /** The peer's transport address, passed to the authorizer; set it only when verified. */
  readonly address?: string;
  /** Milliseconds for the whole handshake (like `ZMQ_HANDSHAKE_IVL`; default 30 000, 0 = none). */
  readonly handshakeTimeout?: number;
  /** Idle timeout in milliseconds, as {@link SecureStream.setTimeout} (default 0 = none). */
  readonly timeout?: number;
  /** Keepalive period in milliseconds, as {@link SecureStream.setKeepAlive} (default 0 = none). */
  readonly keepAlive?: number;
  /** Largest frame, and largest multipart message, in bytes (default 16 MiB). Both sides must agree. */
  readonly maxFrameSize?: number;
  /** Destroys the stream with `ERR_ABORTED` when aborted. */
  readonly signal?: AbortSignal;
  /** Keep the writable side open after the peer ended (default false, like `node:tls`). */
  readonly allowHalfOpen?: boolean;
  /** Messages buffered on the readable side before the channel is paused (default 16). */
  readonly readableHighWaterMark?: number;
  /** Messages buffered on the writable side before `write()` returns false (default 16). */
  readonly writableHighWaterMark?: number;
}

/** Options of a {@link SecureStream}. */
export interface SecureStreamOptions extends SecureStreamBaseOptions {
  /** A fresh session (not started): `registry.client(...)` or a server factory's product. */
  readonly session: Mechanism;
}

/**
 * A secure message stream over a byte Duplex.
 *
 * Events, besides those of `Duplex`: `'secure'` (peer) when the handshake completes,
 * `'secureConnect'` (peer) too on a client (as `tls.TLSSocket`), `'timeout'` just before an
 * idle timeout destroys the stream.
 */
export class SecureStream extends Duplex {
  /**
   * The byte channel underneath. Do not read or write it yourself: the stream decrypts in place
   * into the chunks a `net.Socket` gives it, so another `'data'` listener would see them change.
   */
  readonly rawStream: Duplex;
  private readonly session: Mechanism;
  private readonly authorizer: Authorizer | undefined;
  private readonly address: string | undefined;
  private readonly deframer: Deframer;
  private readonly signal: AbortSignal | undefined;
  private abortListener: (() => void) | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private keepAliveMs: number;
  /** The `handshake` promise, made when first asked for, and how to settle it while pending. */
  private handshakePromise: Promise<PeerIdentity> | undefined;
  private settle: { resolve: (peer: PeerIdentity) => void; reject: (error: Error) => void } | undefined;
  /** Set when the stream was destroyed before the handshake completed: the error, or null. */
  private handshakeFailure: Error | null | undefined;
  private inbox: Uint8Array[] = NO_FRAMES;
  private inboxHead = 0;
  private deciding = false;
  /** The application's buffer is full: frames wait in the inbox until it reads again. */
  private holding = false;
  /** The parts of a multipart message so far (NO_FRAMES until its first part). */
  private parts: Uint8Array[] = NO_FRAMES;
  private partsBytes = 0;
  private heldUntilSecure: ((error?: Error) => void) | undefined;
  private drainCallback: (() => void) | undefined;
  private rawEnded = false;
  /** {@link endRead} ran. */
  private readEnded = false;
  private peerIdentity: PeerIdentity | undefined;
  private lingerRaw = false;
  /** Small frames written in this tick, not yet handed to the channel, and their bytes. */
  private queue: Uint8Array[] | undefined;
  private queueBytes = 0;
  /** The channel is corked and {@link endTick} scheduled. */
  private inTick = false;
  /**
   * The channel's `'data'` chunks are fresh buffers nobody else holds (a `net.Socket`'s, read
   * from the kernel), so frames in them may be decrypted in place.
   */
  private readonly ownsChunks: boolean;

  /**
   * Wraps `raw` and starts the handshake at once (a client's first blob is written now).
   *
   * @throws {@link TypeError} when `raw` is not a Duplex, `options.session` not a fresh
   *   mechanism, or a server session has no `options.authorizer`
   * @throws {@link RangeError} for a bad timeout, keepalive or `maxFrameSize`
   */
  constructor(raw: Duplex, options: SecureStreamOptions) {
    const opts = checkOptions(raw, options);
    if ((raw as OwnedRaw)[OWNER] !== undefined) throw new TypeError('"raw" already carries a SecureStream');
    super({
      objectMode: true,
      allowHalfOpen: opts.allowHalfOpen ?? false,
      ...(opts.readableHighWaterMark === undefined ? {} : { readableHighWaterMark: opts.readableHighWaterMark }),
      ...(opts.writableHighWaterMark === undefined ? {} : { writableHighWaterMark: opts.writableHighWaterMark }),
    });
    this.rawStream = raw;
    this.ownsChunks = raw instanceof Socket;
    this.session = opts.session;
    this.authorizer = opts.authorizer;
    this.address = opts.address;
    const settings = channelSettings(opts);
    this.deframer = new Deframer({ maxFrameSize: settings.maxFrameSize });
    this.keepAliveMs = settings.keepAliveMs;
    const first = this.session.start();
    this.attachRaw();
    this.handshakeTimer = restartTimer(undefined, settings.handshakeMs, SecureStream.onHandshakeTimeout, this);
    this.idleTimer = restartTimer(undefined, settings.idleMs, SecureStream.onIdleTimeout, this);
    this.signal = opts.signal;
    if (this.signal !== undefined) {
      this.abortListener = () => this.onAbort();
      this.signal.addEventListener('abort', this.abortListener);
    }
    this.applyStep(first);
    if (this.signal?.aborted) this.onAbort();
  }

  /**
   * Resolves with the peer's identity when the handshake completes; rejects with its failure.
   * Made when first asked for (a server's streams seldom are), always the same promise, and
   * it never causes an unhandled rejection: a failure is reported as `'error'` too.
   */
  get handshake(): Promise<PeerIdentity> {
    if (this.handshakePromise === undefined) {
      if (this.peerIdentity !== undefined) {
        this.handshakePromise = Promise.resolve(this.peerIdentity);
      } else if (this.handshakeFailure !== undefined) {
        this.handshakePromise = Promise.reject(this.handshakeFailure ?? destroyedError());
      } else {
        this.handshakePromise = new Promise<PeerIdentity>((resolve, reject) => {
          this.settle = { resolve, reject };
        });
      }
      this.handshakePromise.catch(ignore);
    }
    return this.handshakePromise;
  }

  /** The mechanism's name (`'CURVE'`, `'PLAIN'`, `'NULL'`...). */
  get mechanism(): string {
    return this.session.name;
  }

  /** `'client'` or `'server'`. */
  get role(): 'client' | 'server' {
    return this.session.role;
  }

  /** True once the handshake has completed (and until the stream is destroyed). */
  get secure(): boolean {
    return this.peerIdentity !== undefined && !this.destroyed;
  }

  /** The authenticated peer, once the handshake has completed; `undefined` before. */
  get peer(): PeerIdentity | undefined {
    return this.peerIdentity;
  }

  /** CURVE: the peer's long-term public key, once known. */
  get remotePublicKey(): Buffer | undefined {
    const key = this.peer?.publicKey;
    return key === undefined ? undefined : Buffer.from(key);
  }

  /**
   * Destroys the stream with `ERR_IDLE_TIMEOUT` (after emitting `'timeout'`) when the peer
   * sends nothing for `ms` milliseconds; 0 disables. Unlike `net.Socket`, the timeout closes the
   * stream itself, as secret-stream's does. Any frame from the peer, keepalive included, counts.
   *
   * @param callback - added as a one-time `'timeout'` listener
   * @throws {@link RangeError} for a negative or non-finite `ms`
   */
  setTimeout(ms: number, callback?: () => void): this {
    const checked = checkDuration(ms, 'ms', 0);
    if (callback !== undefined) this.once('timeout', callback);
    if (!this.destroyed) this.idleTimer = restartTimer(this.idleTimer, checked, SecureStream.onIdleTimeout, this);
    return this;
  }

  /**
   * Sends a keepalive (a PING command, never seen by either application) whenever nothing was
   * written for `ms` milliseconds; 0 disables. The peer answers each PING with a PONG, so one
   * side's keepalive feeds both sides' idle timeouts.
   *
   * @throws {@link RangeError} for a negative or non-finite `ms`
   */
  setKeepAlive(ms: number): this {
    this.keepAliveMs = checkDuration(ms, 'ms', 0);
    if (this.session.status === 'ready' && !this.destroyed) this.startKeepAlive();
    return this;
  }

  /**
   * Writes one message: a `Uint8Array`, `Buffer` or string, or an array of them for a multipart
   * message. Messages written before the handshake completes are queued.
   *
   * @throws {@link TypeError} when `chunk` is not a message
   */
  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (!isBytes(chunk) && typeof chunk !== 'string' && messageParts(chunk) === undefined) throw notAMessage();
    return super.write(chunk, encoding as BufferEncoding, callback as (error?: Error | null) => void);
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (isBytes(chunk) && this.session.status === 'ready') {
      this.sendPart(chunk, callback);
      return;
    }
    const parts = messageParts(chunk);
    if (parts === undefined) {
      callback(notAMessage());
    } else if (this.session.status !== 'ready') {
      this.heldUntilSecure = (error) => (error ? callback(error) : this.sendMessage(parts, callback));
    } else {
      this.sendMessage(parts, callback);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    const end = () => {
      this.flushQueue();
      this.rawStream.end(() => callback());
    };
    if (this.session.status === 'ready') end();
    else this.heldUntilSecure = (error) => (error ? callback(error) : end());
  }

  override _read(): void {
    this.holding = false;
    if (this.inboxHead < this.inbox.length) this.drainInbox();
    if (!this.deciding && !this.holding) this.rawStream.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.keepAliveTimer);
    this.handshakeTimer = this.idleTimer = this.keepAliveTimer = undefined;
    if (this.abortListener !== undefined) this.signal?.removeEventListener('abort', this.abortListener);
    this.detachRaw();
    const { settle, heldUntilSecure: held } = this;
    this.settle = undefined;
    if (this.peerIdentity === undefined) this.handshakeFailure = error;
    this.heldUntilSecure = undefined;
    this.drainCallback = undefined;
    // The reason is built only for someone waiting to learn it: a normal close makes no error
    // (building one took 3.5% of a client's CPU in the connection benchmark).
    const failure = settle !== undefined || held !== undefined ? error ?? destroyedError() : undefined;
    if (failure !== undefined) settle?.reject(failure);
    this.session.destroy();
    this.closeRaw();
    callback(error);
    // A queued write learns why it was never sent; told after 'close', so that a quiet
    // destroy() stays quiet.
    if (held !== undefined && failure !== undefined) process.nextTick(held, failure);
  }

  // --- the raw side ---------------------------------------------------------------------------

  private attachRaw(): void {
    const raw = this.rawStream as OwnedRaw;
    raw[OWNER] = this;
    raw.on('data', SecureStream.onRawData);
    raw.on('end', SecureStream.onRawEnd);
    raw.on('error', SecureStream.onRawError);
    raw.on('close', SecureStream.onRawClose);
    raw.on('drain', SecureStream.onRawDrain);
  }

  private detachRaw(): void {
    const raw = this.rawStream as OwnedRaw;
    raw.off('data', SecureStream.onRawData);
    raw.off('end', SecureStream.onRawEnd);
    raw.off('error', SecureStream.onRawError);
    raw.off('close', SecureStream.onRawClose);
    raw.off('drain', SecureStream.onRawDrain);
    if (raw[OWNER] === this) raw[OWNER] = undefined;
  }

  // The raw stream's listeners: shared by every stream, called with the raw stream as `this`.
  private static onRawData(this: OwnedRaw, chunk: Uint8Array): void {
    this[OWNER]?.onData(chunk);
  }

  private static onRawEnd(this: OwnedRaw): void {
    this[OWNER]?.onEnd();
  }

  private static onRawError(this: OwnedRaw, error: Error): void {
    this[OWNER]?.destroy(new ChannelError('ERR_CHANNEL_CLOSED', `the channel failed: ${error.message}`, { cause: error }));
  }

  private static onRawClose(this: OwnedRaw): void {
    const stream = this[OWNER];
    if (stream === undefined || (stream.rawEnded && this.writableFinished)) return;
    stream.fail('ERR_CHANNEL_CLOSED', 'the channel closed');
  }

  private static onRawDrain(this: OwnedRaw): void {
    const stream = this[OWNER];
    if (stream === undefined) return;
    const callback = stream.drainCallback;
    stream.drainCallback = undefined;
    callback?.();
  }

  // Timer callbacks: shared, given their stream as argument (no closure per stream).
  private static onHandshakeTimeout(stream: SecureStream): void {
    stream.handshakeTimer = undefined;
    stream.fail('ERR_HANDSHAKE_TIMEOUT', 'the handshake timed out');
  }

  private static onIdleTimeout(stream: SecureStream): void {
    stream.idleTimer = undefined;
    stream.onIdle();
  }

  private static onKeepAlive(stream: SecureStream): void {
    stream.keepAliveTimer = undefined;
    stream.sendPing();
  }

  private startKeepAlive(): void {
    this.keepAliveTimer = restartTimer(this.keepAliveTimer, this.keepAliveMs, SecureStream.onKeepAlive, this);
  }

  /**
   * Tears the channel down; after a refusal, lets the ERROR reply reach the peer first. Some
   * Duplexes emit 'error' when destroyed (`Duplex.from` emits an AbortError): once we let go,
   * such errors are of no interest but must not crash the process, so a no-op listener stays
   * until the channel has closed.
   */
  private closeRaw(): void {
    const raw = this.rawStream;
    const linger = this.lingerRaw && !raw.closed && !raw.destroyed && !raw.writableEnded;
    if (linger) this.flushQueue();
    this.queue = undefined;
    this.queueBytes = 0;
    if (raw.closed) return;
    const ignore = () => undefined;
    raw.on('error', ignore);
    raw.once('close', () => raw.off('error', ignore));
    if (linger) raw.end(() => raw.destroy());
    else raw.destroy();
  }

  private onData(chunk: Uint8Array): void {
    this.idleTimer?.refresh();
    let frames: Uint8Array[];
    try {
      frames = this.deframer.push(chunk);
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    if (this.inboxHead >= this.inbox.length) {
      this.inbox = frames;
      this.inboxHead = 0;
    } else {
      for (const frame of frames) this.inbox.push(frame);
    }
    this.drainInbox();
  }

  private onEnd(): void {
    this.rawEnded = true;
    // Messages still in the inbox are read first (see drainInbox).
    if (this.session.status === 'ready' && this.inboxHead < this.inbox.length) return;
    this.endRead();
  }

  /** The channel ended and every frame before its end was read. */
  private endRead(): void {
    this.readEnded = true;
    if (this.session.status !== 'ready') {
      this.fail('ERR_CHANNEL_CLOSED', 'the peer closed the channel during the handshake');
    } else if (this.deframer.pending > 0 || this.parts.length > 0) {
      this.fail('ERR_CHANNEL_CLOSED', 'the peer closed the channel inside a message');
    } else {
      this.push(null);
    }
  }

  private onAbort(): void {
    this.destroy(new ChannelError('ERR_ABORTED', 'the stream was aborted', { cause: this.signal?.reason }));
  }

  private onIdle(): void {
    this.emit('timeout');
    this.fail('ERR_IDLE_TIMEOUT', 'the peer sent nothing for too long');
  }

  private fail(code: ChannelErrorCode, message: string): void {
    if (!this.destroyed) this.destroy(new ChannelError(code, message));
  }

  /**
   * Writes one framed blob; false when the channel asks to wait for `'drain'`.
   *
   * Small frames are queued and leave at the end of the tick (or once {@link FLUSH_BYTES} are
   * queued) copied into one chunk: one `write()` to the channel for all the messages an
   * application writes in one go, where a write per frame cost more than the copy. Large
   * frames go as header + blob, uncopied. The channel stays corked until the end of the tick,
   * so everything written in a tick leaves in one `writev`. Queued bytes count as written: the
   * answer is the channel's own when a flush happens, else whether it already waits to drain.
   */
  private writeFrame(blob: Uint8Array): boolean {
    const raw = this.rawStream;
    if (!this.inTick) {
      this.inTick = true;
      raw.cork();
      process.nextTick(SecureStream.endTick, this);
    }
    if (blob.length > COPY_LIMIT) {
      this.flushQueue();
      raw.write(frameHeader(blob.length));
      return raw.write(blob);
    }
    (this.queue ??= []).push(blob);
    this.queueBytes += FRAME_HEADER_SIZE + blob.length;
    if (this.queueBytes >= FLUSH_BYTES) return this.flushQueue();
    return !raw.writableNeedDrain;
  }

  /** Hands the queued frames to the channel as one chunk; returns the channel's answer. */
  private flushQueue(): boolean {
    const raw = this.rawStream;
    if (this.queueBytes === 0) return !raw.writableNeedDrain;
    const queue = this.queue!;
    const chunk = concatFrames(queue, this.queueBytes);
    queue.length = 0;
    this.queueBytes = 0;
    return raw.write(chunk);
  }

  /**
   * The end of a tick in which `stream` wrote: the queued frames leave, and the channel is
   * uncorked. Static, so that scheduling it makes no closure.
   */
  private static endTick(stream: SecureStream): void {
    stream.inTick = false;
    const raw = stream.rawStream;
    if (stream.queueBytes > 0 && !raw.destroyed && !raw.writableEnded) stream.flushQueue();
    raw.uncork();
  }

  private canWrite(): boolean {
    return !this.destroyed && !this.rawStream.destroyed && !this.rawStream.writableEnded;
  }

  // --- frames in ------------------------------------------------------------------------------

  /**
   * Handles queued frames in order; stops while a decision is pending, and while the
   * application's buffer is full (one chunk may hold many messages: they wait here, already
   * received, and the channel is paused). Re-entrant.
   */
  private drainInbox(): void {
    while (this.inboxHead < this.inbox.length && !this.deciding && !this.holding && !this.destroyed) {
      const frame = this.inbox[this.inboxHead++]!;
      if (this.session.status === 'ready') this.onMessageFrame(frame);
      else this.advance(() => this.session.receive(frame));
    }
    if (this.inboxHead >= this.inbox.length) {
      this.inbox = NO_FRAMES;
      this.inboxHead = 0;
      if (this.rawEnded && !this.readEnded && !this.destroyed && this.session.status === 'ready') this.endRead();
    }
  }

  /**
   * Decodes one frame into a message part. A frame nobody else holds (assembled by the
   * deframer, or a view of a chunk the channel gave us alone) is decrypted in place, and the
   * part is a view into it; the application then owns that memory.
   */
  private onMessageFrame(frame: Uint8Array): void {
    let part;
    try {
      part = (this.session as TunedCodec).decode(frame, this.ownsChunks || Deframer.isAssembled(frame) ? IN_PLACE : undefined);
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    if (part.command) {
      this.answer(part.data);
      return;
    }
    let message: IncomingMessage;
    if (this.parts.length === 0 && !part.more) {
      // One part, one message: the frame already passed the deframer's maxFrameSize check.
      message = messageBuffer(part.data);
    } else {
      if (this.parts === NO_FRAMES) this.parts = [];
      this.parts.push(part.data);
      this.partsBytes += frame.length;
      if (this.partsBytes > this.deframer.maxFrameSize) {
        this.fail('ERR_FRAME_TOO_LARGE', `multipart message exceeds maxFrameSize ${this.deframer.maxFrameSize}`);
        return;
      }
      if (part.more) return;
      message = incomingMessage(this.parts);
      this.parts = NO_FRAMES;
      this.partsBytes = 0;
    }
    if (!this.push(message)) {
      this.holding = true;
      this.rawStream.pause();
    }
  }

  /** Answers a PING with a PONG; other commands are ignored. */
  private answer(command: Uint8Array): void {
    const reply = answerCommand(command);
    if (reply !== undefined && this.canWrite() && !this.rawStream.writableNeedDrain) {
      this.sendCommand(reply);
    }
  }

  // --- the handshake --------------------------------------------------------------------------

  /** Takes one handshake step; a mechanism that throws (a bug in it) destroys the stream. */
  private advance(takeStep: () => Step): void {
    let step: Step;
    try {
      step = takeStep();
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    this.applyStep(step);
  }

  /** Sends a step's blobs, then follows its outcome: a decision, failure or completion. */
  private applyStep(step: Step): void {
    if (step.status === 'failed' && step.send.length > 0) this.lingerRaw = true;
    for (const blob of step.send) this.writeFrame(blob);
    if (step.auth !== undefined) this.askAuthorizer(step);
    else if (step.status === 'failed') this.destroy(step.error);
    else if (step.status === 'ready') this.becomeSecure();
  }

  /** Runs the (possibly async) authorizer with the channel paused, then resumes the handshake. */
  private askAuthorizer(step: Step): void {
    this.deciding = true;
    this.rawStream.pause();
    const request = this.address === undefined ? step.auth! : { ...step.auth!, address: this.address };
    void decide(this.authorizer!, request).then((decision) => {
      if (this.destroyed) return;
      this.deciding = false;
      this.advance(() => this.session.authorize(decision));
      this.drainInbox();
      if (!this.destroyed && !this.holding && this.readableLength < this.readableHighWaterMark) this.rawStream.resume();
    });
  }

  private becomeSecure(): void {
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.startKeepAlive();
    const peer = this.session.peer!;
    this.peerIdentity = peer;
    this.settle?.resolve(peer);
    this.settle = undefined;
    const held = this.heldUntilSecure;
    this.heldUntilSecure = undefined;
    held?.();
    // A listener (or the queued write) may have destroyed the stream: no event after that.
    if (!this.destroyed) this.emit('secure', peer);
    if (!this.destroyed && this.role === 'client') this.emit('secureConnect', peer);
  }

  // --- messages out ---------------------------------------------------------------------------

  /** Sends a one-part message: {@link sendMessage} without its arrays. */
  private sendPart(part: Uint8Array, callback: (error?: Error | null) => void): void {
    let blob: Uint8Array;
    try {
      blob = this.session.encode(part, LAST_PART);
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (blob.length > this.deframer.maxFrameSize) {
      callback(new ChannelError('ERR_FRAME_TOO_LARGE', `message of ${blob.length} bytes exceeds maxFrameSize ${this.deframer.maxFrameSize}`));
      return;
    }
    const ok = this.writeFrame(blob);
    this.keepAliveTimer?.refresh();
    if (ok) callback();
    else this.drainCallback = callback;
  }

  private sendMessage(parts: readonly Uint8Array[], callback: (error?: Error | null) => void): void {
    let blobs: Uint8Array[];
    try {
      blobs = parts.map((part, i) => this.session.encode(part, i < parts.length - 1 ? MORE_PARTS : LAST_PART));
    } catch (error) {
      callback(error as Error);
      return;
    }
    const total = blobs.reduce((sum, blob) => sum + blob.length, 0);
    if (total > this.deframer.maxFrameSize) {
      callback(new ChannelError('ERR_FRAME_TOO_LARGE', `message of ${total} bytes exceeds maxFrameSize ${this.deframer.maxFrameSize}`));
      return;
    }
    let ok = true;
    for (const blob of blobs) ok = this.writeFrame(blob);
    this.keepAliveTimer?.refresh();
    if (ok) callback();
    else this.drainCallback = callback;
  }

  private sendCommand(command: Uint8Array): void {
    try {
      this.writeFrame(this.session.encode(command, { command: true }));
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  private sendPing(): void {
    if (this.canWrite() && !this.rawStream.writableNeedDrain) this.sendCommand(encodePing());
    if (!this.destroyed) this.startKeepAlive();
  }
}

function checkOptions(raw: Duplex, options: SecureStreamOptions): SecureStreamOptions {
  if (!(raw instanceof Duplex)) throw new TypeError('"raw" expected a Duplex stream');
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
  const session = options.session;
  if (typeof session?.start !== 'function' || typeof session.encode !== 'function') {
    throw new TypeError('"options.session" expected a Mechanism');
  }
  if (session.role === 'server' && typeof options.authorizer !== 'function') {
    throw new TypeError('"options.authorizer" is required for a server: pass a function deciding who may enter');
  }
  return options;
}

/** Why a stream destroyed without an error failed its handshake or its held write. */
function destroyedError(): ChannelError {
  return new ChannelError('ERR_CHANNEL_CLOSED', 'the stream was destroyed');
}
