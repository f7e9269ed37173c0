/**
 * One ZMTP 3.1 connection over a `net.Socket`, secured by any mechanism: greeting, handshake in
 * command frames (run by the shared {@link HandshakeDriver}), then message parts framed as the
 * mechanism's wire traits say (`./parts.ts`).
 *
 * Memory stays bounded whatever the peer sends (docs/architecture.md, "Nothing unbounded before
 * authentication"): the greeting has a fixed 64-byte buffer; until the peer is authenticated the
 * decoder refuses, from the header alone, a message frame and any frame over the mechanism's
 * largest handshake command; while the authorizer decides, and while the inbox is full, the
 * socket is paused and the rest of the chunk in hand (one socket read) is all that is held.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { HandshakeDriver, type HandshakeOutcome } from '../../channel/handshake';
import { Inbox } from '../../channel/inbox';
import { parseCommand, peerErrorFrom } from '../../codec/command';
import { answerPing, encodePing } from '../../codec/heartbeat';
import { ChannelError } from '../../errors';
import type { Mechanism, PeerIdentity } from '../../mechanism';
import { tunedCodec, type TunedCodec } from '../../tuned-codec';
import { CLOSE_GRACE_MS, INBOX_ITEMS, type ZmtpCommand, type ZmtpConnectionConfig } from './config';
import { FrameDecoder, encodeFrameHeader, type ZmtpFrame } from './frames';
import { GreetingReader, encodeGreeting, type Greeting } from './greeting';
import { Liveness } from './liveness';
import { ReadGate, type StopReason } from './read-gate';
import { frameOfPart, MessageAssembler, messageSize, partOfFrame } from './parts';
import { socketTypesMatch } from './socket-type';

/**
 * One secured ZMTP connection to one peer. Obtain it from `connectZmtp` or a `ZmtpServer`,
 * which hand it over once the handshake has completed.
 *
 * Events: `'command'` ({@link ZmtpCommand}) for every ZMTP command after the handshake (a PING
 * is answered with PONG before the event); `'close'` (the error that ended it, or `undefined`
 * after a local {@link close}).
 */
export class ZmtpConnection extends EventEmitter {
  /** The TCP socket (for addresses and socket options; do not read or write it). */
  readonly socket: Socket;
  /** Resolves with the authenticated peer; rejects with the handshake's coded error. */
  readonly handshake: Promise<PeerIdentity>;
  private readonly config: ZmtpConnectionConfig;
  private readonly driver: HandshakeDriver;
  private readonly mechanism: Mechanism;
  /** The mechanism's speed paths, if it offers them (decrypting in place). */
  private readonly tuned: TunedCodec | undefined;
  private readonly greetingReader = new GreetingReader();
  private readonly decoder: FrameDecoder;
  private readonly inbox: Inbox<Uint8Array[]>;
  private readonly liveness: Liveness;
  private readonly handshakeTimer: NodeJS.Timeout;
  private settle!: { resolve(peer: PeerIdentity): void; reject(error: Error): void };
  private readonly gate: ReadGate;
  private readonly assembler: MessageAssembler;
  private failure: Error | undefined;
  private closedLocally = false;
  private identity: PeerIdentity | undefined;
  private closing: Promise<void> | undefined;
  private draining: Promise<void> | undefined;
  /** True while {@link corkForTick} holds the socket's writes. */
  private corked = false;

  /**
   * Starts the connection at once by sending the whole 64-byte greeting: libzmq sends its own
   * in steps, each after reading part of ours, so a peer that waited for libzmq's 64 bytes first
   * would deadlock. The mechanism starts once the peer's greeting names the same mechanism.
   *
   * @param mechanism - a fresh session whose role decides the side
   */
  constructor(socket: Socket, mechanism: Mechanism, config: ZmtpConnectionConfig) {
    super();
    this.socket = socket;
    this.config = config;
    this.mechanism = mechanism;
    this.tuned = tunedCodec(mechanism);
    const { wire, limits } = config;
    const address = socket.remoteAddress;
    this.driver = new HandshakeDriver(mechanism, {
      timeout: limits.handshakeTimeout,
      maxBlobSize: wire.maxHandshakeSize,
      ...(config.authorizer === undefined ? {} : { authorizer: config.authorizer }),
      ...(address === undefined ? {} : { address }),
      onDecision: (outcome) => this.guard(() => this.onDecision(outcome)),
    });
    // Until the peer is authenticated: commands only, none larger than the mechanism's largest.
    this.decoder = new FrameDecoder({ maxFrameSize: wire.maxHandshakeSize, maxCommandSize: wire.maxHandshakeSize, messages: false });
    this.assembler = new MessageAssembler(limits.maxFrameSize);
    this.inbox = new Inbox<Uint8Array[]>({ maxItems: INBOX_ITEMS, maxBytes: limits.maxBufferedBytes, sizeOf: messageSize });
    this.liveness = new Liveness(limits.keepAlive, limits.idleTimeout, {
      ping: () => this.heartbeat(encodePing()),
      idle: () => this.fail(new ChannelError('ERR_IDLE_TIMEOUT', `the peer sent nothing for ${limits.idleTimeout} ms`)),
    });
    this.gate = new ReadGate(socket, (paused) => this.liveness.suspend(paused));
    this.handshake = new Promise<PeerIdentity>((resolve, reject) => (this.settle = { resolve, reject }));
    // Nobody may be listening yet; the error is also reported through `close` and `receive`.
    this.handshake.catch(() => undefined);
    this.handshakeTimer = setTimeout(() => this.guard(() => this.follow(this.driver.expire())), limits.handshakeTimeout);
    this.handshakeTimer.unref();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(new ChannelError('ERR_CHANNEL_CLOSED', 'the connection failed', { cause: error })));
    socket.on('close', () => this.fail(new ChannelError('ERR_CHANNEL_CLOSED', 'the peer closed the connection'), true));
    // RFC 23: a mechanism without roles sends as-server 0; libzmq ignores the bit anyway.
    socket.write(encodeGreeting({ mechanism: config.mechanismName, asServer: wire.roles && mechanism.role === 'server' }));
  }

  /** @deprecated use {@link handshake}, which resolves with the peer */
  get ready(): Promise<void> {
    return this.handshake as Promise<unknown> as Promise<void>;
  }

  /** The peer's greeting, once received. */
  get peerGreeting(): Greeting | undefined {
    return this.greetingReader.greeting;
  }

  /** Who the peer is, once the handshake has completed. */
  get peer(): PeerIdentity | undefined {
    return this.identity;
  }

  /** The error that ended the connection, if it has ended. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** True until the handshake completed or the connection ended. */
  get handshaking(): boolean {
    return this.failure === undefined && this.driver.pending;
  }

  /**
   * Sends one message (one or more parts). Resolves when the socket has taken the bytes, so a
   * fast sender waits for a slow peer.
   *
   * @throws {@link TypeError} for no parts or a part that is not bytes
   * @returns rejects with the connection's error when it has ended (or ends while waiting)
   */
  async send(parts: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const list = parts instanceof Uint8Array ? [parts] : parts;
    if (!Array.isArray(list) || list.length === 0 || !list.every((part) => part instanceof Uint8Array)) {
      throw new TypeError('"parts" expected a Uint8Array or a non-empty array of them');
    }
    if (this.failure !== undefined) throw this.failure;
    if (this.driver.state !== 'ready') throw new ChannelError('ERR_CHANNEL_CLOSED', 'the handshake has not completed');
    let flushed = true;
    this.corkForTick();
    try {
      list.forEach((part, index) => {
        flushed = this.writePart(part, index < list.length - 1, false) && flushed;
      });
    } catch (error) {
      // Only ERR_NONCE_EXHAUSTED can escape encode(); the session is over.
      this.fail(error as Error);
      throw error;
    }
    if (!flushed) {
      // The socket holds its high-water mark: write it out now, then wait for the peer.
      this.uncork();
      await this.drained();
    }
  }

  /**
   * Corks the socket until the end of this tick, so that the messages a sender writes in one
   * tick (a loop of `await send()` runs in microtasks) leave in one `writev`, not one system
   * call each: at 64 B a call per message was most of a sender's time.
   */
  private corkForTick(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(this.uncork);
  }

  private readonly uncork = (): void => {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  };

  /**
   * The next message, in order. Messages that arrived before the connection ended are still
   * delivered; after them, rejects with the error that ended it.
   */
  receive(): Promise<Uint8Array[]> {
    return this.inbox.pull();
  }

  /**
   * Yields each message until the connection ends: quietly after {@link close} or a clean
   * hang-up by the peer, with the error otherwise.
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array[]> {
    return this.inbox[Symbol.asyncIterator]();
  }

  /**
   * Closes the connection: flushes what was sent, then ends the socket. Resolves when the socket
   * is closed, at the latest {@link CLOSE_GRACE_MS} later (then it is destroyed: the peer may
   * have stopped reading). Idempotent.
   */
  close(): Promise<void> {
    if (this.failure === undefined) {
      this.closedLocally = true;
      this.end(new ChannelError('ERR_CHANNEL_CLOSED', 'the connection was closed locally'), undefined, true);
    }
    this.closing ??= this.socket.closed ? Promise.resolve() : new Promise((resolve) => this.socket.once('close', () => resolve()));
    return this.closing;
  }

  /** Ends the connection at once, without flushing, reporting `error` (a server evicting it). */
  destroy(error: Error = new ChannelError('ERR_CHANNEL_CLOSED', 'the connection was destroyed')): void {
    this.fail(error);
  }

  private onData(chunk: Buffer): void {
    if (this.failure !== undefined) return;
    this.liveness.received();
    if (this.gate.stopped) return this.gate.hold(chunk);
    this.guard(() => this.consume(chunk));
  }

  /** Decodes `bytes` frame by frame until they run out or reading has to stop. */
  private consume(bytes: Uint8Array): void {
    let rest = bytes;
    if (this.greetingReader.greeting === undefined) {
      rest = this.greetingReader.push(rest);
      if (this.greetingReader.greeting === undefined) return;
      this.onGreeting(this.greetingReader.greeting);
    }
    if (this.failure !== undefined || rest.length === 0) return;
    const used = this.gate.stopped ? 0 : this.decoder.feed(rest, (frame) => this.onFrame(frame));
    if (used < rest.length && this.failure === undefined) this.gate.hold(rest.subarray(used));
  }

  private onGreeting(greeting: Greeting): void {
    if (greeting.mechanism !== this.config.mechanismName) {
      throw new ChannelError('ERR_MECHANISM_MISMATCH', `the peer speaks ${greeting.mechanism}, this side ${this.config.mechanismName}`);
    }
    this.follow(this.driver.start());
  }

  /** One frame; returns whether to go on decoding. */
  private onFrame(frame: ZmtpFrame): boolean {
    if (this.driver.pending) this.follow(this.driver.receive(frame.body));
    else this.onMessageFrame(frame);
    return this.failure === undefined && !this.gate.stopped;
  }

  /** Writes what a handshake step produced, then follows where it leads. */
  private follow(outcome: HandshakeOutcome): void {
    if (outcome.state === 'failed') {
      // With an ERROR to deliver, flush it before the FIN; with nothing to say, drop at once.
      if (outcome.send.length === 0) this.fail(outcome.error!);
      else this.end(outcome.error!, outcome.send, false);
      return;
    }
    for (const blob of outcome.send) this.writeFrame(blob, false, true);
    if (outcome.state === 'deciding') this.gate.stop('deciding');
    else if (outcome.state === 'ready') this.onReady(outcome.peer!);
  }

  private onDecision(outcome: HandshakeOutcome): void {
    if (this.failure !== undefined) return;
    this.follow(outcome);
    this.restart('deciding');
  }

  private onReady(peer: PeerIdentity): void {
    const peerType = peer.metadata.getString('Socket-Type');
    // libzmq refuses an incompatible pair; a peer that names no type (libcurve) is let through.
    if (peerType !== undefined && !socketTypesMatch(this.config.socketType, peerType)) {
      throw new ChannelError('ERR_SOCKET_TYPE_MISMATCH', `a ${this.config.socketType} cannot talk to a ${peerType}`);
    }
    clearTimeout(this.handshakeTimer);
    // Authenticated: messages may come now, up to the caller's frame size.
    this.decoder.setLimits({ maxFrameSize: this.config.limits.maxFrameSize });
    // Kept here because the mechanism is destroyed when the connection ends.
    this.identity = peer;
    this.liveness.start();
    this.settle.resolve(peer);
  }

  private onMessageFrame(frame: ZmtpFrame): void {
    const blob = partOfFrame(frame, this.config.wire.parts);
    // The blob is ours alone (the decoder copied it), so a tuned codec may decrypt in place.
    const part = this.tuned ? this.tuned.decode(blob, { inPlace: true }) : this.mechanism.decode(blob);
    if (part.command) return this.onCommand(part.data);
    const message = this.assembler.add(part.data, part.more);
    if (message === undefined) return;
    this.inbox.push(message);
    if (this.inbox.full) {
      this.gate.stop('full');
      void this.inbox.drained().then(() => this.guard(() => this.restart('full')));
    }
  }

  /**
   * ZMTP 3.1 commands after the handshake: PING gets a PONG (RFC 37, `src/codec/heartbeat.ts`),
   * ERROR ends the connection; the rest (PONG, SUBSCRIBE, CANCEL...) mean nothing to a one-peer
   * link and are only reported.
   */
  private onCommand(data: Uint8Array): void {
    const { name, body } = parseCommand(data);
    if (name === 'ERROR') throw peerErrorFrom(body);
    const pong = answerPing(data);
    if (pong !== undefined) this.heartbeat(pong);
    this.emit('command', { name, body: body.slice() } satisfies ZmtpCommand);
  }

  /**
   * Sends a PING or PONG unless the socket is asking for drain: then the peer has bytes coming
   * anyway (libzmq counts any traffic as a heartbeat), and queuing a reply per PING would let a
   * peer that pings without reading grow our send buffer without bound.
   */
  private heartbeat(command: Uint8Array): void {
    if (this.failure !== undefined || this.socket.writableNeedDrain) return;
    this.writePart(command, false, true);
  }

  /** Resumes reading stopped for `reason` (a connection that ended reads on only to discard). */
  private restart(reason: StopReason): void {
    if (this.failure === undefined) this.gate.restart(reason, (bytes) => this.consume(bytes));
  }

  /** Encodes one part with the mechanism and writes it. Returns `socket.write`'s verdict. */
  private writePart(data: Uint8Array, more: boolean, command: boolean): boolean {
    const frame = frameOfPart(this.mechanism.encode(data, { more, command }), this.config.wire.parts);
    return this.writeFrame(frame.body, frame.more, frame.command);
  }

  private writeFrame(body: Uint8Array, more: boolean, command: boolean): boolean {
    this.liveness.sent();
    this.socket.write(encodeFrameHeader(body.length, { more, command }));
    return this.socket.write(body);
  }

  /**
   * Resolves on the socket's `'drain'`; rejects with the error if the connection ends first.
   * One promise serves every waiting `send()`, so a thousand of them add two listeners, not 2,000.
   */
  private drained(): Promise<void> {
    this.draining ??= new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.off('close', done);
        this.draining = undefined;
        if (this.failure === undefined) resolve();
        else reject(this.failure);
      };
      this.socket.on('drain', done);
      this.on('close', done);
    });
    return this.draining;
  }

  /** Runs `work`, turning what it throws (a peer fault) into the end of the connection. */
  private guard(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Ends the connection at once because of `error`; `clean` for the peer's orderly hang-up. */
  private fail(error: Error, clean = false): void {
    if (this.failure !== undefined) return;
    this.end(error, undefined, clean);
    this.socket.destroy();
  }

  /**
   * Marks the connection over, writes `last` (a failed step's ERROR command) and ends the socket
   * once the bytes are flushed, so that the peer reads the ERROR before the FIN; destroys it
   * after {@link CLOSE_GRACE_MS} if the peer does not read them.
   *
   * @param quiet - whether the message iterator ends without throwing (a close or clean hang-up)
   */
  private end(error: Error, last: readonly Uint8Array[] | undefined, quiet: boolean): void {
    this.failure = error;
    clearTimeout(this.handshakeTimer);
    this.liveness.stop();
    this.gate.clear();
    this.assembler.clear();
    if (this.driver.pending) this.driver.fail(error);
    else if (this.driver.state === 'ready') this.mechanism.destroy();
    for (const blob of last ?? []) this.writeFrame(blob, false, true);
    this.socket.end();
    // Read on, discarding (see onData), so the peer's FIN is seen and the socket closes soon.
    this.socket.resume();
    const grace = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    grace.unref();
    this.socket.once('close', () => clearTimeout(grace));
    this.settle.reject(error);
    this.inbox.end(error, quiet);
    this.emit('close', this.closedLocally ? undefined : error);
  }
}

