/**
 * One ZMTP 3.1 connection over a `net.Socket`, secured by any registered `Mechanism`: greeting,
 * handshake in command frames, then message parts.
 *
 * How message parts travel depends on whether the mechanism has a security layer:
 * - with one (CURVE), each part is the mechanism's MESSAGE command, carried in a ZMTP *message*
 *   frame whose outer flags are only 0x00 or 0x02 (LONG); MORE and COMMAND live in the
 *   encrypted inner flags. libzmq sends exactly this and drops a MESSAGE in a command frame
 *   (`shared/reference/curvezmq-wire.md` §2);
 * - without one (NULL, PLAIN), the part blob (flags byte, then data; see `docs/mechanism.md`)
 *   maps onto a plain frame: bit 0 to the frame's MORE, bit 1 to a command frame.
 *
 * Frames are handled strictly in arrival order; while the server's decision is pending, later
 * frames wait.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { resolveStep, type Authorizer } from '../../auth';
import { encodeCommand, parseCommand, peerErrorFrom } from '../../codec/command';
import { ChannelError } from '../../errors';
import type { DecodedPart, Mechanism, PeerIdentity, Step } from '../../mechanism';
import { FrameDecoder, encodeFrameHeader, type ZmtpFrame } from './frames';
import { GREETING_SIZE, checkGreetingPrefix, encodeGreeting, parseGreeting, type Greeting } from './greeting';
import { socketTypesMatch, type ZmtpSocketType } from './socket-type';

/** Part-blob flag bits of mechanisms without a security layer (`docs/mechanism.md`). */
const PART_MORE = 0x01;
const PART_COMMAND = 0x02;

/** Messages queued for `receive()` before the socket is paused (backpressure). */
const HIGH_WATER = 1024;

/** What a {@link ZmtpConnection} needs besides its socket and mechanism. */
export interface ZmtpConnectionConfig {
  /** This side's socket type; the peer's `Socket-Type` must pair with it. */
  readonly socketType: ZmtpSocketType;
  /** True when the mechanism's parts are MESSAGE commands (CURVE); false for NULL and PLAIN. */
  readonly securityLayer: boolean;
  /** Server: decides who may enter. */
  readonly authorizer?: Authorizer;
  /** Milliseconds from the start until the handshake must be done. */
  readonly handshakeTimeout: number;
  /** Largest frame body accepted. */
  readonly maxFrameSize: number;
}

/** A ZMTP command the peer sent after the handshake (events: `'command'`). */
export interface ZmtpCommand {
  /** The command name, e.g. `'PING'`. */
  readonly name: string;
  /** The bytes after the name. */
  readonly body: Uint8Array;
}

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
  private readonly mechanism: Mechanism;
  private readonly config: ZmtpConnectionConfig;
  private readonly decoder: FrameDecoder;
  private greetingBytes = new Uint8Array(0);
  private greeting: Greeting | undefined;
  private readonly pending: ZmtpFrame[] = [];
  private deciding = false;
  private readonly inbox: Uint8Array[][] = [];
  private partial: Uint8Array[] = [];
  private readonly waiters: Array<{ resolve(parts: Uint8Array[]): void; reject(error: Error): void }> = [];
  private failure: Error | undefined;
  private closedLocally = false;
  private identity: PeerIdentity | undefined;
  private readonly timer: NodeJS.Timeout;
  private settle!: { resolve(): void; reject(error: Error): void };
  /** Resolves once the handshake has completed; rejects with its typed error otherwise. */
  readonly ready: Promise<void>;

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
    this.mechanism = mechanism;
    this.config = config;
    this.decoder = new FrameDecoder({ maxFrameSize: config.maxFrameSize });
    this.ready = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // Nobody may be listening yet; the error is also reported through `close` and `receive`.
    this.ready.catch(() => undefined);
    this.timer = setTimeout(
      () => this.fail(new ChannelError('ERR_HANDSHAKE_TIMEOUT', 'the ZMTP handshake did not complete in time')),
      config.handshakeTimeout,
    );
    this.timer.unref();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(new ChannelError('ERR_CHANNEL_CLOSED', 'the connection failed', { cause: error })));
    socket.on('close', () => this.fail(new ChannelError('ERR_CHANNEL_CLOSED', 'the peer closed the connection')));
    socket.write(
      encodeGreeting({
        mechanism: mechanism.name,
        // RFC 23: NULL has no roles, so its as-server is 0; libzmq ignores the bit anyway.
        asServer: mechanism.role === 'server' && mechanism.name !== 'NULL',
      }),
    );
  }

  /** The peer's greeting, once received. */
  get peerGreeting(): Greeting | undefined {
    return this.greeting;
  }

  /** Who the peer is, once the handshake has completed. */
  get peer(): PeerIdentity | undefined {
    return this.identity;
  }

  /** The error that ended the connection, if it has ended. */
  get error(): Error | undefined {
    return this.failure;
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
    if (this.mechanism.status !== 'ready') throw new ChannelError('ERR_CHANNEL_CLOSED', 'the handshake has not completed');
    let flushed = true;
    this.socket.cork();
    try {
      list.forEach((part, index) => {
        flushed = this.writePart(part, index < list.length - 1, false) && flushed;
      });
    } catch (error) {
      // Only ERR_NONCE_EXHAUSTED can escape encode(); the session is over.
      this.fail(error as Error);
      throw error;
    } finally {
      this.socket.uncork();
    }
    if (!flushed) await this.drained();
  }

  /**
   * The next message, in order. Messages that arrived before the connection ended are still
   * delivered; after them, rejects with the error that ended it.
   */
  receive(): Promise<Uint8Array[]> {
    const next = this.inbox.shift();
    if (next !== undefined) {
      if (this.inbox.length < HIGH_WATER && this.socket.isPaused()) this.socket.resume();
      return Promise.resolve(next);
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Closes the connection: flushes what was sent, then ends the socket. Idempotent. */
  close(): void {
    if (this.failure !== undefined) return;
    this.closedLocally = true;
    this.end(new ChannelError('ERR_CHANNEL_CLOSED', 'the connection was closed locally'), undefined);
  }

  private onData(chunk: Buffer): void {
    if (this.failure !== undefined) return;
    try {
      let rest: Uint8Array = chunk;
      if (this.greeting === undefined) {
        const take = Math.min(rest.length, GREETING_SIZE - this.greetingBytes.length);
        this.greetingBytes = Buffer.concat([this.greetingBytes, rest.subarray(0, take)]);
        rest = rest.subarray(take);
        checkGreetingPrefix(this.greetingBytes);
        if (this.greetingBytes.length < GREETING_SIZE) return;
        this.onGreeting(parseGreeting(this.greetingBytes));
      }
      this.pending.push(...this.decoder.push(rest));
      this.pump();
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private onGreeting(greeting: Greeting): void {
    this.greeting = greeting;
    if (greeting.mechanism !== this.mechanism.name) {
      throw new ChannelError(
        'ERR_MECHANISM_MISMATCH',
        `the peer speaks ${greeting.mechanism}, this side ${this.mechanism.name}`,
      );
    }
    this.handle(this.mechanism.start());
  }

  /** Processes queued frames in order until one has to wait for a decision. */
  private pump(): void {
    while (this.failure === undefined && !this.deciding) {
      const frame = this.pending.shift();
      if (frame === undefined) return;
      if (this.mechanism.status === 'handshaking') this.onHandshakeFrame(frame);
      else this.onMessageFrame(frame);
    }
  }

  private onHandshakeFrame(frame: ZmtpFrame): void {
    if (!frame.command) throw new ChannelError('ERR_PROTOCOL', 'a message frame arrived during the handshake');
    this.handle(this.mechanism.receive(frame.body));
  }

  /** Sends a step's commands, then follows where it leads: a decision, failure or readiness. */
  private handle(step: Step): void {
    if (step.status === 'failed') {
      this.end(step.error!, step.send);
      return;
    }
    for (const blob of step.send) this.writeFrame(blob, false, true);
    if (step.auth !== undefined) this.decideThenResume(step);
    else if (step.status === 'ready') this.onReady();
  }

  private decideThenResume(step: Step): void {
    const authorizer = this.config.authorizer;
    if (authorizer === undefined) throw new TypeError('a server connection needs an authorizer');
    this.deciding = true;
    const address = this.socket.remoteAddress;
    void resolveStep(this.mechanism, step, authorizer, address === undefined ? {} : { address }).then(
      (next) => {
        this.deciding = false;
        if (this.failure !== undefined) return;
        try {
          this.handle(next);
          this.pump();
        } catch (error) {
          this.fail(error as Error);
        }
      },
      (error: Error) => this.fail(error),
    );
  }

  private onReady(): void {
    const peerType = this.mechanism.peer?.metadata.getString('Socket-Type');
    // libzmq refuses an incompatible pair; a peer that names no type (libcurve) is let through.
    if (peerType !== undefined && !socketTypesMatch(this.config.socketType, peerType)) {
      throw new ChannelError('ERR_SOCKET_TYPE_MISMATCH', `a ${this.config.socketType} cannot talk to a ${peerType}`);
    }
    clearTimeout(this.timer);
    // Kept here because destroy() at the end wipes the mechanism.
    this.identity = this.mechanism.peer;
    this.settle.resolve();
  }

  private onMessageFrame(frame: ZmtpFrame): void {
    let part: DecodedPart;
    if (this.config.securityLayer) {
      if (frame.command || frame.more) {
        throw new ChannelError('ERR_PROTOCOL', 'a secured part arrived in a command frame or with outer MORE');
      }
      part = this.mechanism.decode(frame.body);
    } else {
      const blob = new Uint8Array(1 + frame.body.length);
      blob[0] = (frame.more ? PART_MORE : 0) | (frame.command ? PART_COMMAND : 0);
      blob.set(frame.body, 1);
      part = this.mechanism.decode(blob);
    }
    if (part.command) {
      this.onCommand(part.data);
      return;
    }
    this.partial.push(part.data);
    if (part.more) return;
    const message = this.partial;
    this.partial = [];
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter.resolve(message);
    else if (this.inbox.push(message) >= HIGH_WATER) this.socket.pause();
  }

  /**
   * ZMTP 3.1 commands after the handshake: PING gets a PONG echoing its context (RFC 37), ERROR
   * ends the connection; the rest (PONG, SUBSCRIBE, CANCEL...) mean nothing to a one-peer link
   * and are only reported.
   */
  private onCommand(data: Uint8Array): void {
    const { name, body } = parseCommand(data);
    if (name === 'ERROR') throw peerErrorFrom(body);
    if (name === 'PING') {
      if (body.length < 2 || body.length > 18) throw new ChannelError('ERR_PROTOCOL', 'a malformed PING');
      this.writePart(encodeCommand('PONG', body.subarray(2)), false, true);
    }
    this.emit('command', { name, body: body.slice() } satisfies ZmtpCommand);
  }

  /** Encodes one part with the mechanism and writes it. Returns `socket.write`'s verdict. */
  private writePart(data: Uint8Array, more: boolean, command: boolean): boolean {
    const blob = this.mechanism.encode(data, { more, command });
    if (this.config.securityLayer) return this.writeFrame(blob, false, false);
    return this.writeFrame(blob.subarray(1), (blob[0]! & PART_MORE) !== 0, (blob[0]! & PART_COMMAND) !== 0);
  }

  private writeFrame(body: Uint8Array, more: boolean, command: boolean): boolean {
    this.socket.write(encodeFrameHeader(body.length, { more, command }));
    return this.socket.write(body);
  }

  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.off('close', done);
        if (this.failure === undefined) resolve();
        else reject(this.failure);
      };
      this.socket.on('drain', done);
      this.on('close', done);
    });
  }

  /** Ends the connection because of `error` (a peer fault, a timeout, a closed socket). */
  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.end(error, undefined);
    this.socket.destroy();
  }

  /**
   * Marks the connection over, writes `last` (a failed step's ERROR command) and ends the socket
   * after the bytes are flushed, so that the peer reads the ERROR before the FIN.
   */
  private end(error: Error, last: readonly Uint8Array[] | undefined): void {
    this.failure = error;
    clearTimeout(this.timer);
    for (const blob of last ?? []) this.writeFrame(blob, false, true);
    this.socket.end(() => this.socket.destroy());
    this.mechanism.destroy();
    this.settle.reject(error);
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    this.emit('close', this.closedLocally ? undefined : error);
  }
}
