/**
 * A secure channel over the standard `WebSocket` API, for web pages: the stream adapter's wire
 * (4-byte framing, see `./frames.ts`) in binary messages, so a Node server running
 * `SecureStream` over `ws`'s `createWebSocketStream` is its peer.
 *
 * I/O glue only: the handshake runs on the shared driver (`src/channel/handshake.ts`), limits
 * are checked by `src/channel/limits.ts`, PINGs are answered by `src/codec/heartbeat.ts`, and
 * the mechanism is read through its wire traits, never named.
 *
 * @module
 */
import { HeldFrames } from './held-frames';
import { ChannelListeners, type ChannelEvents, type Listener } from './listeners';
import { HandshakeDriver, type HandshakeOutcome } from '../../channel/handshake';
import { checkDuration, checkSize, LIMIT_DEFAULTS } from '../../channel/limits';
import { answerPing } from '../../codec/heartbeat';
import { ChannelError, StateError } from '../../errors';
import type { AnyDefinition, Mechanism, PeerIdentity } from '../../mechanism';
import { resolveMechanism, type ClientChoice } from '../mechanism-choice';
import { encodeFrames, FrameReader } from './frames';
import { PartQueue, type OutgoingPart } from './parts';
import { openSocket, SOCKET_CLOSED, SOCKET_OPEN, type WebSocketLike, type WebSocketSource } from './socket';

/** How long {@link SecureWebSocket.close} waits for the WebSocket closing handshake. */
export const CLOSE_GRACE_MS = 1_000;

/** What {@link connectWebSocket} takes besides its mechanism. */
export interface SecureWebSocketBaseOptions extends WebSocketSource {
  /** Milliseconds from the start until the server is authenticated (default 30 s, never 0). */
  readonly handshakeTimeout?: number;
  /** Largest frame, and largest multipart message, in bytes, once authenticated (16 MiB). */
  readonly maxFrameSize?: number;
  /** Bytes of messages sent before the handshake completed, held until it does (16 MiB). */
  readonly maxBufferedBytes?: number;
}

/** Options of {@link connectWebSocket}: a mechanism choice and the channel's options. */
export type SecureWebSocketOptions<D extends AnyDefinition = AnyDefinition> = ClientChoice<D> & SecureWebSocketBaseOptions;

type Events = ChannelEvents;

/**
 * One client connection. `handshake` settles once: with the server's identity, or with the
 * coded error that ended it. Messages are arrays of parts, as in the ZMTP adapter.
 */
export class SecureWebSocket {
  /** The authenticated server, or the error (`ChannelError`/`MechanismError`) that failed the handshake. */
  readonly handshake: Promise<PeerIdentity>;
  private readonly socket: WebSocketLike;
  private readonly driver: HandshakeDriver;
  private readonly reader: FrameReader;
  private readonly maxFrameSize: number;
  private readonly early: PartQueue;
  private readonly listeners = new ChannelListeners();
  private settle!: { resolve(peer: PeerIdentity): void; reject(error: Error): void };
  private deadline: ReturnType<typeof setTimeout> | undefined;
  private assembly: Uint8Array[] = [];
  private assembled = 0;
  private ended = false;
  /** Frames that arrived while a mechanism step was pending (a page cannot stop reading). */
  private readonly held: HeldFrames;
  private readonly closed: Promise<void>;
  private markClosed!: () => void;

  /** @throws as {@link connectWebSocket} */
  constructor(session: Mechanism, maxHandshakeSize: number, options: SecureWebSocketBaseOptions) {
    const timeout = checkDuration(options.handshakeTimeout, 'options.handshakeTimeout', LIMIT_DEFAULTS.handshakeTimeout, { zero: false });
    this.maxFrameSize = checkSize(options.maxFrameSize, 'options.maxFrameSize', LIMIT_DEFAULTS.maxFrameSize);
    this.early = new PartQueue(checkSize(options.maxBufferedBytes, 'options.maxBufferedBytes', LIMIT_DEFAULTS.maxBufferedBytes));
    this.handshake = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.handshake.catch(() => undefined); // a caller who never awaits it still gets 'error'
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    this.held = new HeldFrames(maxHandshakeSize);
    // onDecision: a mechanism step that completes later (a CURVE client on WebCrypto X25519).
    this.driver = new HandshakeDriver(session, { timeout, maxBlobSize: maxHandshakeSize, onDecision: (outcome) => this.decided(outcome) });
    // Until the server is authenticated it is held to the mechanism's largest command.
    this.reader = new FrameReader(maxHandshakeSize);
    this.socket = openSocket(options);
    this.socket.binaryType = 'arraybuffer';
    this.socket.addEventListener('message', this.onMessage);
    this.socket.addEventListener('close', this.onClose);
    this.socket.addEventListener('error', this.onError);
    this.deadline = setTimeout(() => this.follow(this.driver.expire()), timeout);
    if (this.socket.readyState === SOCKET_OPEN) this.onOpen();
    else this.socket.addEventListener('open', this.onOpen);
  }

  /** Listens for `'message'` (the parts of one message), `'error'` (the coded error that ended the channel) or `'close'`. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    this.listeners.add(event, listener);
    return this;
  }

  /** Removes a listener added with {@link on}. */
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    this.listeners.remove(event, listener);
    return this;
  }

  /**
   * Sends one message: a part, or an array of parts (strings go as UTF-8). Before the
   * handshake completes the message waits, within `maxBufferedBytes`.
   *
   * @throws {@link TypeError} when `message` is not bytes, a string or an array of them
   * @throws {@link RangeError} when waiting messages would exceed `options.maxBufferedBytes`
   * @throws {@link StateError} once the channel is closed
   */
  send(message: OutgoingPart | readonly OutgoingPart[]): void {
    if (this.ended) throw new StateError('the channel is closed');
    const parts = this.early.check(message);
    if (this.driver.state === 'ready') this.write(parts);
    else this.early.hold(parts);
  }

  /**
   * Closes the channel; resolves once the WebSocket closed, or after {@link CLOSE_GRACE_MS}
   * when the peer does not answer the close. A pending handshake rejects with `ERR_CHANNEL_CLOSED`.
   */
  close(): Promise<void> {
    this.end(new ChannelError('ERR_CHANNEL_CLOSED', 'the channel was closed'), false);
    const grace = setTimeout(() => this.markClosed(), CLOSE_GRACE_MS);
    return this.closed.finally(() => clearTimeout(grace));
  }

  private readonly onOpen = (): void => {
    if (!this.ended) this.follow(this.driver.start());
  };

  private readonly onMessage = (event: { data?: unknown }): void => {
    if (this.ended) return;
    const { data } = event;
    if (!(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) {
      this.end(new ChannelError('ERR_PROTOCOL', 'a text message where binary frames were expected'), true);
      return;
    }
    const chunk = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    try {
      this.reader.push(chunk, (frame) => this.onFrame(frame));
    } catch (error) {
      this.end(error instanceof Error ? error : new Error(String(error)), true);
    }
  };

  private readonly onClose = (): void => {
    this.end(new ChannelError('ERR_CHANNEL_CLOSED', this.driver.pending ? 'the server closed the channel during the handshake' : 'the server closed the channel'), false);
    this.socket.removeEventListener('close', this.onClose);
    this.markClosed();
    this.emit('close');
  };

  private readonly onError = (): void => {
    this.end(new ChannelError('ERR_CHANNEL_CLOSED', 'the WebSocket failed'), true);
  };

  /** One whole frame; false stops the reading (the channel ended). */
  private onFrame(frame: Uint8Array): boolean {
    if (this.driver.state === 'deciding') {
      this.held.hold(frame);
      return true;
    }
    if (this.driver.pending) {
      this.follow(this.driver.receive(frame));
      return !this.ended;
    }
    const part = this.driver.mechanism.decode(frame);
    if (part.command) {
      const pong = answerPing(part.data);
      if (pong !== undefined) this.socket.send(encodeFrames([this.driver.mechanism.encode(pong, { command: true })]));
      return true;
    }
    this.assembled += part.data.length;
    if (this.assembled > this.maxFrameSize) {
      throw new ChannelError('ERR_FRAME_TOO_LARGE', `a multipart message exceeds options.maxFrameSize, ${this.maxFrameSize}`);
    }
    this.assembly.push(part.data);
    if (part.more) return true;
    const parts = this.assembly;
    this.assembly = [];
    this.assembled = 0;
    this.emit('message', parts);
    return !this.ended;
  }

  /** A pending step completed: follow it, then the frames held meanwhile, in order. */
  private decided(outcome: HandshakeOutcome): void {
    if (this.ended) return;
    this.follow(outcome);
    try {
      for (const frame of this.held.take()) if (this.ended || !this.onFrame(frame)) break;
    } catch (error) {
      this.end(error instanceof Error ? error : new Error(String(error)), true);
    }
  }

  private follow(outcome: HandshakeOutcome): void {
    if (outcome.send.length > 0 && this.socket.readyState === SOCKET_OPEN) this.socket.send(encodeFrames(outcome.send));
    if (outcome.state === 'failed') {
      this.end(outcome.error!, true);
    } else if (outcome.state === 'ready') {
      clearTimeout(this.deadline);
      this.reader.limit = this.maxFrameSize;
      this.settle.resolve(outcome.peer!);
      const waiting = this.early.drain();
      for (const parts of waiting) this.write(parts);
    }
  }

  private write(parts: readonly Uint8Array[]): void {
    const mechanism = this.driver.mechanism;
    this.socket.send(encodeFrames(parts.map((part, i) => mechanism.encode(part, { more: i < parts.length - 1 }))));
  }

  /** Ends the channel once: the handshake rejects, `'error'` is emitted when `report`, the socket closes. */
  private end(error: Error, report: boolean): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.deadline);
    const wasPending = this.driver.pending;
    this.driver.close();
    if (!wasPending && this.driver.state === 'ready') this.driver.mechanism.destroy();
    this.early.drain();
    this.settle.reject(error);
    if (report) this.emit('error', error);
    this.socket.removeEventListener('message', this.onMessage);
    this.socket.removeEventListener('open', this.onOpen);
    this.socket.close(1000);
    if (this.socket.readyState === SOCKET_CLOSED) this.markClosed();
  }

  private emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    this.listeners.emit(event, ...args);
  }
}

/**
 * Connects to a Node server running the stream adapter behind a WebSocket server: `url` (or an
 * open `socket`, or a `WebSocket` constructor for platforms without a global one).
 *
 * @throws {@link TypeError} naming the option: a bad mechanism choice, no `url` nor `socket`
 * @throws {@link RangeError} for a limit out of range
 */
export function connectWebSocket<D extends AnyDefinition = AnyDefinition>(typed: SecureWebSocketOptions<D>): SecureWebSocket {
  const options = typed as SecureWebSocketOptions;
  const { definition, options: mechanismOptions, wire } = resolveMechanism(options);
  const session = definition.client(mechanismOptions);
  try {
    return new SecureWebSocket(session, wire.maxHandshakeSize, options);
  } catch (error) {
    session.destroy(); // a bad option must not leave the session's secrets behind
    throw error;
  }
}
