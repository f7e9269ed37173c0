/**
 * `SecureStream`: a Node core `Duplex` in message mode that runs a mechanism over any byte
 * Duplex (a `net.Socket`, a Unix socket, stdio, `stream.duplexPair()`, a WebSocket stream).
 * This file is the Duplex glue; the handshake runs in the shared driver (`./stream-handshake`
 * follows it), limits come from `src/channel/limits.ts`, PING/PONG from `src/codec/heartbeat.ts`.
 * Every failure destroys the stream with a coded `MechanismError` or `ChannelError`.
 *
 * @module
 */
import { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { isBytes } from '../../bytes';
import { checkDuration, DEFAULT_HANDSHAKE_TIMEOUT } from '../../channel/limits';
import { encodePing } from '../../codec/heartbeat';
import { ChannelError, type ChannelErrorCode } from '../../errors';
import type { Mechanism, PeerIdentity } from '../../mechanism';
import { FrameInbox, MessageReader } from './frame-inbox';
import { FrameWriter } from './frame-writer';
import { Deframer, type FrameSink } from './framing';
import { messageParts, notAMessage } from './message';
import { checkStreamArguments, duplexOptions, streamLimits, type SecureStreamBaseOptions, type SecureStreamOptions, type StreamLimits } from './options';
import { attachRaw, detachRaw, isOwned, releaseRaw, type RawOwner } from './raw-side';
import { destroyedError, StreamHandshake, type HandshakeHost } from './stream-handshake';
import { StreamTimers, type TimerOwner } from './timers';

export { DEFAULT_HANDSHAKE_TIMEOUT };

/** Bytes a channel may hold unsent before a write waits for its 'drain' (see send()). */
const RAW_SLACK = 128 * 1024;
export type { SecureStreamBaseOptions, SecureStreamOptions };

/**
 * A secure message stream over a byte Duplex.
 *
 * Events, besides those of `Duplex`: `'secure'` (peer) when the handshake completes,
 * `'secureConnect'` (peer) too on a client (as `tls.TLSSocket`), `'timeout'` just before an
 * idle timeout destroys the stream.
 */
export class SecureStream extends Duplex implements FrameSink, TimerOwner, RawOwner, HandshakeHost {
  /**
   * The byte channel underneath. Do not read or write it yourself: the stream decrypts in place
   * into the chunks a `net.Socket` gives it, so another `'data'` listener would see them change.
   */
  readonly rawStream: Duplex;
  private readonly session: Mechanism;
  private readonly shake: StreamHandshake;
  /** Reads the peer's frames into messages, once it is authenticated. */
  private reader: MessageReader | undefined;
  private readonly limits: StreamLimits;
  private readonly deframer: Deframer;
  private readonly writer: FrameWriter;
  private readonly timers: StreamTimers;
  /** Frames held back; made when first needed (most streams never hold one). */
  private inbox: FrameInbox | undefined;
  private readonly signal: AbortSignal | undefined;
  private abortListener: (() => void) | undefined;
  /** The application's buffer is full: frames wait in the inbox until it reads again. */
  private holding = false;
  /** The chunk being read arrived while the channel was paused (it does not honour pause). */
  private pauseIgnored = false;
  private heldUntilSecure: ((error?: Error) => void) | undefined;
  private drainCallback: (() => void) | undefined;
  private rawEnded = false;
  private readEnded = false; // endRead() ran
  private peerIdentity: PeerIdentity | undefined;
  private lingerRaw = false;

  /**
   * Wraps `raw` and starts the handshake at once (a client's first blob is written now).
   *
   * @throws {@link TypeError} when `raw` is not a Duplex, `options.session` not a mechanism,
   *   or a server session has no `options.authorizer`
   * @throws {@link RangeError} for a bad timeout, keepalive or size option
   */
  constructor(raw: Duplex, options: SecureStreamOptions) {
    checkStreamArguments(raw, options);
    const limits = streamLimits(options);
    if (isOwned(raw)) throw new TypeError('"raw" already carries a SecureStream');
    super(duplexOptions(options));
    this.rawStream = raw;
    this.session = options.session;
    this.limits = limits;
    // Until the peer is authenticated, no frame may exceed the mechanism's largest command.
    this.deframer = new Deframer({ maxFrameSize: limits.maxHandshakeSize });
    const { authorizer, address, session } = options;
    this.shake = new StreamHandshake(session, { authorizer, address, timeout: limits.handshakeTimeout, maxBlobSize: limits.maxHandshakeSize }, this);
    const first = this.shake.begin(); // throws for a used session, before anything is wired
    // A net.Socket hands what it writes to the kernel only: large frames' buffers may be reused.
    this.writer = new FrameWriter(raw, raw instanceof Socket);
    this.timers = new StreamTimers(this, limits.handshakeTimeout, limits.idleTimeout, limits.keepAlive);
    attachRaw(raw, this);
    this.signal = options.signal;
    if (this.signal !== undefined) this.signal.addEventListener('abort', (this.abortListener = () => this.onAbort()));
    this.shake.proceed(first);
    if (this.signal?.aborted) this.onAbort();
  }

  /**
   * Resolves with the peer's identity when the handshake completes; rejects with its failure.
   * Made when first asked for (a server's streams seldom are), always the same promise, and
   * it never causes an unhandled rejection. Once it was asked for, a handshake failure is
   * reported by its rejection: `'error'` is emitted too only when someone listens for it, so
   * `try { await stream.handshake } catch {}` is enough to handle a refusal.
   */
  get handshake(): Promise<PeerIdentity> {
    return this.shake.promised();
  }

  /** @internal True while the authorizer is deciding on this peer (a server's eviction order). */
  get deciding(): boolean {
    return this.shake.deciding;
  }

  /** The mechanism's name (`session.name`). */
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

  /** The peer's long-term public key, once known (for mechanisms that have one). */
  get remotePublicKey(): Buffer | undefined {
    return this.peer?.publicKey === undefined ? undefined : Buffer.from(this.peer.publicKey);
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
    if (!this.destroyed) this.timers.setIdle(checked);
    return this;
  }

  /**
   * Sends a keepalive (an RFC 37 PING command, never seen by either application) whenever
   * nothing was written for `ms` milliseconds; 0 disables. The peer answers each PING with a
   * PONG, so one side's keepalive feeds both sides' idle timeouts.
   *
   * @throws {@link RangeError} for a negative or non-finite `ms`
   */
  setKeepAlive(ms: number): this {
    this.timers.keepAliveMs = checkDuration(ms, 'ms', 0);
    if (this.peerIdentity !== undefined && !this.destroyed) this.timers.startKeepAlive();
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
    const ready = this.peerIdentity !== undefined;
    if (ready && isBytes(chunk)) return this.send(chunk, callback);
    const parts = messageParts(chunk);
    if (parts === undefined) callback(notAMessage());
    else if (!ready) this.heldUntilSecure = (error) => (error ? callback(error) : this.send(parts, callback));
    else this.send(parts, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    const end = () => {
      this.writer.flush();
      this.rawStream.end(() => callback());
    };
    if (this.peerIdentity !== undefined) end();
    else this.heldUntilSecure = (error) => (error ? callback(error) : end());
  }

  override _read(): void {
    this.holding = false;
    this.drainInbox();
    if (!this.shake.deciding && !this.holding) this.rawStream.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.timers.clear();
    if (this.abortListener !== undefined) this.signal?.removeEventListener('abort', this.abortListener);
    detachRaw(this.rawStream, this);
    const held = this.heldUntilSecure;
    this.heldUntilSecure = undefined;
    this.drainCallback = undefined;
    // From here on a decision that lands is ignored; a pending `handshake` rejects.
    this.shake.close(error);
    this.inbox?.clear();
    this.reader?.clear();
    this.session.destroy();
    const linger = this.lingerRaw && !this.rawStream.closed && !this.rawStream.destroyed && !this.rawStream.writableEnded;
    if (linger) this.writer.flush(); // the ERROR reply of a refusal, to reach the peer
    this.writer.discard();
    releaseRaw(this.rawStream, linger);
    // Whoever asked for `handshake` learns of a failed handshake from it; a second report as
    // an 'error' nobody listens for would crash the process (issue 16).
    const reported = this.peerIdentity === undefined && this.shake.watched && this.listenerCount('error') === 0;
    callback(reported ? null : error);
    // A queued write learns why it was never sent; told after 'close', so that a quiet
    // destroy() stays quiet.
    if (held !== undefined) process.nextTick(held, error ?? destroyedError());
  }

  // --- the raw side (its listeners are in ./raw-side) -----------------------------------------

  /** @internal The raw listeners' targets. */
  onRawData(chunk: Uint8Array): void {
    this.timers.received();
    // A chunk while paused: the channel does not honour pause() (see hold()).
    this.pauseIgnored = this.shake.deciding || this.holding;
    try {
      this.deframer.pushTo(chunk, this);
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  onRawEnd(): void {
    this.rawEnded = true;
    // Messages still in the inbox are read first (see drainInbox).
    if (this.peerIdentity !== undefined && this.inbox?.empty === false) return;
    this.endRead();
  }

  onRawError(error: Error): void {
    this.destroy(new ChannelError('ERR_CHANNEL_CLOSED', `the channel failed: ${error.message}`, { cause: error }));
  }

  onRawClose(): void {
    if (!(this.rawEnded && this.rawStream.writableFinished)) this.fail('ERR_CHANNEL_CLOSED', 'the channel closed');
  }

  onRawDrain(): void {
    const callback = this.drainCallback;
    this.drainCallback = undefined;
    callback?.();
  }

  // --- frames in ------------------------------------------------------------------------------

  /** @internal The deframer's sink: one whole frame from the peer. */
  onFrame(frame: Uint8Array): void {
    if (this.destroyed) return;
    if (this.shake.deciding || this.holding || this.inbox?.empty === false) this.hold(frame);
    else this.handleFrame(frame);
  }

  /** Keeps a frame that cannot be handled yet, within the inbox's caps. */
  private hold(frame: Uint8Array): void {
    const refusal = (this.inbox ??= new FrameInbox()).hold(frame, this.peerIdentity !== undefined, this.pauseIgnored, this.limits);
    if (refusal !== undefined && !this.destroyed) this.destroy(refusal);
  }

  private handleFrame(frame: Uint8Array): void {
    if (this.peerIdentity === undefined) return this.shake.receive(frame);
    let message;
    try {
      message = this.reader!.read(frame);
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    if (message === undefined) {
      // A PING's PONG is skipped while the channel waits to drain: a peer that PINGs without
      // reading cannot queue PONGs here.
      const reply = this.reader!.takeReply();
      if (reply !== undefined && this.writer.ready) this.sendCommand(reply);
    } else if (!this.push(message)) {
      this.holding = true;
      this.rawStream.pause();
    }
  }

  /** Handles held frames in order; stops while a decision is pending or the reader is full. */
  private drainInbox(): void {
    const inbox = this.inbox;
    while (inbox !== undefined && !inbox.empty && !this.shake.deciding && !this.holding && !this.destroyed) {
      this.handleFrame(inbox.shift()!);
    }
    if (inbox?.empty !== false && this.rawEnded && !this.readEnded && !this.destroyed && this.peerIdentity !== undefined) this.endRead();
  }

  /** The channel ended and every frame before its end was read. */
  private endRead(): void {
    this.readEnded = true;
    if (this.peerIdentity === undefined) {
      this.fail('ERR_CHANNEL_CLOSED', 'the peer closed the channel during the handshake');
    } else if (this.deframer.pending > 0 || this.reader?.pending === true) {
      this.fail('ERR_CHANNEL_CLOSED', 'the peer closed the channel inside a message');
    } else {
      this.push(null);
    }
  }

  private onAbort(): void {
    this.destroy(new ChannelError('ERR_ABORTED', 'the stream was aborted', { cause: this.signal?.reason }));
  }

  private fail(code: ChannelErrorCode, message: string): void {
    if (!this.destroyed) this.destroy(new ChannelError(code, message));
  }

  // --- timers ---------------------------------------------------------------------------------

  /** @internal The timers' targets. */
  onHandshakeTimeout(): void {
    this.shake.expire();
  }

  onIdleTimeout(): void {
    this.emit('timeout');
    this.fail('ERR_IDLE_TIMEOUT', 'the peer sent nothing for too long');
  }

  onKeepAlive(): void {
    if (this.writer.ready && !this.destroyed) this.sendCommand(encodePing());
    if (!this.destroyed) this.timers.startKeepAlive();
  }

  // --- the handshake (followed in ./stream-handshake) -----------------------------------------

  /** @internal The handshake's requests (see HandshakeHost). */
  sendFrame(blob: Uint8Array): void {
    this.writer.write(blob);
  }

  // Nothing more is read until the authorizer answers (see hold() for what comes anyway).
  awaitDecision(): void {
    this.rawStream.pause();
  }

  decided(): void {
    if (this.destroyed) return;
    this.drainInbox();
    if (!this.destroyed && !this.shake.deciding && !this.holding && this.readableLength < this.readableHighWaterMark) this.rawStream.resume();
  }

  failed(error: Error, linger: boolean): void {
    if (linger) this.lingerRaw = true;
    this.destroy(error);
  }

  secured(peer: PeerIdentity): void {
    // A net.Socket's chunks are fresh buffers read from the kernel for their one reader.
    this.reader = new MessageReader(this.session, this.limits.maxFrameSize, this.rawStream instanceof Socket);
    this.deframer.maxFrameSize = this.limits.maxFrameSize;
    this.timers.secured();
    this.peerIdentity = peer;
    const held = this.heldUntilSecure;
    this.heldUntilSecure = undefined;
    held?.();
    // A listener (or the queued write) may have destroyed the stream: no event after that.
    if (!this.destroyed) this.emit('secure', peer);
    if (!this.destroyed && this.role === 'client') this.emit('secureConnect', peer);
  }

  // --- messages out ---------------------------------------------------------------------------

  /** Sends one message: one part, or the parts of a multipart message. */
  private send(message: Uint8Array | readonly Uint8Array[], callback: (error?: Error | null) => void): void {
    let ok: boolean;
    try {
      ok = this.writer.writeMessage(this.session, message, this.limits.maxFrameSize);
    } catch (error) {
      callback(error as Error);
      return;
    }
    this.timers.sent();
    // The channel's own high-water mark (16 KiB for a socket) is under one large message: waiting
    // for 'drain' after each would leave this side idle while the peer opens, and the peer idle
    // while this side seals. Up to RAW_SLACK bytes may wait in the channel before we wait too.
    if (ok || this.rawStream.writableLength < RAW_SLACK) callback();
    else this.drainCallback = callback;
  }

  private sendCommand(command: Uint8Array): void {
    try {
      this.writer.write(this.session.encode(command, { command: true }));
    } catch (error) {
      this.destroy(error as Error);
    }
  }
}
