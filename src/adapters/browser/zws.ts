/**
 * A ZWS 2.0 client (RFC 45) on the standard `WebSocket` API: a DEALER (or REQ) that talks to a
 * libzmq socket bound on `ws://`, secured by the mechanism named in the WebSocket subprotocol
 * (`ZWS2.0/CURVE`, `ZWS2.0/PLAIN`, `ZWS2.0/NULL`), so libzmq's own CURVE and its ZAP handler
 * sit on the other side with no gateway. Frames: `./zws-frames.ts`.
 *
 * A platform limit, measured rather than assumed: the standard `WebSocket` constructor (Chromium,
 * Firefox, and `ws` in Node) accepts only RFC 7230 tokens as subprotocols, and `/` is not a token
 * character, so it throws a `SyntaxError` for `ZWS2.0/CURVE`; libzmq accepts no other spelling.
 * Where that happens {@link connectZws} throws `ERR_PROTOCOL` saying so (docs/browser.md, "ZWS 2.0").
 *
 * I/O glue only, as the stream channel (`./secure-websocket.ts`): the handshake runs on the
 * shared driver, limits come from `src/channel/limits.ts`, parts map onto frames by the
 * mechanism's wire traits (`./zws-frames.ts`), and no mechanism is named.
 *
 * @module
 */
import { HeldFrames } from './held-frames';
import { MessageAssembler, messageSize } from '../../channel/assembler';
import { ChannelListeners, type ChannelEvents, type Listener } from './listeners';
import { HandshakeDriver, type HandshakeOutcome } from '../../channel/handshake';
import { Inbox } from '../../channel/inbox';
import { checkDuration, checkSize, LIMIT_DEFAULTS } from '../../channel/limits';
import { parseCommand, peerErrorFrom } from '../../codec/command';
import { answerPing } from '../../codec/heartbeat';
import type { MetadataInit } from '../../codec/metadata';
import { ChannelError, StateError } from '../../errors';
import type { AnyDefinition, Mechanism, PeerIdentity, WireTraits } from '../../mechanism';
import { resolveMechanism, type ClientChoice } from '../mechanism-choice';
import { PartQueue, type OutgoingPart } from './parts';
import { CLOSE_GRACE_MS } from './secure-websocket';
import { openSocket, SOCKET_CLOSED, SOCKET_OPEN, type WebSocketConstructor, type WebSocketLike } from './socket';
import {
  decodeZwsMessage,
  encodeZwsMessage,
  isSubprotocolToken,
  partOfZwsFrame,
  zwsMessageOfPart,
  zwsSubprotocol,
  type ZwsLimits,
} from './zws-frames';
import { checkZwsSocketType, zwsMetadata, zwsPeerMatches, type ZwsSocketType } from './zws-peer';

export type { ZwsSocketType };

/** What {@link connectZws} takes besides its mechanism. */
export interface ZwsBaseOptions {
  /** The libzmq endpoint, `ws://host:port/path` (or `wss://` behind a TLS terminator). */
  readonly url: string | { readonly href: string };
  /** The constructor to open `url` with (default: the global `WebSocket`). */
  readonly WebSocket?: WebSocketConstructor;
  /** This side's socket type, sent as `Socket-Type` (default `'DEALER'`). */
  readonly socketType?: ZwsSocketType;
  /** The `Identity` sent in the handshake (default empty: the Router makes one up). */
  readonly identity?: string | Uint8Array;
  /** Application metadata (`X-*` properties; libzmq requires that prefix). */
  readonly metadata?: MetadataInit;
  /** Milliseconds from the start until the server is authenticated (default 30 s, never 0). */
  readonly handshakeTimeout?: number;
  /** Largest frame, and largest multipart message, in bytes, once authenticated (16 MiB). */
  readonly maxFrameSize?: number;
  /**
   * Bytes held, each way, for a party that is not ready (16 MiB): messages sent before the
   * handshake completed (a `RangeError` beyond), and messages received that wait for
   * {@link ZwsSocket.receive} (the channel ends with `ERR_LIMIT_REACHED` beyond).
   */
  readonly maxBufferedBytes?: number;
}

/** Options of {@link connectZws}: a mechanism choice and the channel's options. */
export type ZwsOptions<D extends AnyDefinition = AnyDefinition> = ClientChoice<D> & ZwsBaseOptions;

type Events = ChannelEvents;

/** Received messages waiting for `receive()` (bytes are capped by `maxBufferedBytes`). */
const INBOX_ITEMS = Number.MAX_SAFE_INTEGER;

/** How the channel is set up: checked and resolved once by {@link connectZws}. */
interface ZwsSetup {
  readonly session: Mechanism;
  readonly wire: WireTraits;
  readonly socket: WebSocketLike;
  readonly socketType: ZwsSocketType;
  readonly subprotocol: string;
  readonly handshakeTimeout: number;
  readonly maxFrameSize: number;
  readonly maxBufferedBytes: number;
}

/**
 * One client connection to a libzmq `ws://` socket. `handshake` settles once: with the server's
 * identity, or with the coded error that ended it. Each message goes to the `'message'`
 * listeners when there are any, and otherwise waits for {@link receive}.
 */
export class ZwsSocket {
  /** The authenticated server, or the error (`ChannelError`/`MechanismError`) that failed the handshake. */
  readonly handshake: Promise<PeerIdentity>;
  /** The subprotocol offered, e.g. `ZWS2.0/CURVE`. */
  readonly subprotocol: string;
  private readonly socket: WebSocketLike;
  private readonly driver: HandshakeDriver;
  private readonly wire: WireTraits;
  private readonly socketType: ZwsSocketType;
  private readonly limits: { -readonly [K in keyof ZwsLimits]: ZwsLimits[K] };
  private readonly maxBufferedBytes: number;
  private readonly early: PartQueue;
  private readonly assembler: MessageAssembler;
  private readonly inbox: Inbox<Uint8Array[]>;
  private readonly listeners = new ChannelListeners();
  private settle!: { resolve(peer: PeerIdentity): void; reject(error: Error): void };
  private deadline: ReturnType<typeof setTimeout> | undefined;
  /** REQ: a request is out and its reply has not come. */
  private awaitingReply = false;
  private ended = false;
  /** Messages that arrive while a mechanism step is pending. */
  private readonly held: HeldFrames;
  private readonly closed: Promise<void>;
  private markClosed!: () => void;

  /** Use {@link connectZws}, which checks the options and opens the socket. */
  constructor(setup: ZwsSetup) {
    const { handshakeTimeout: timeout, maxFrameSize } = setup;
    this.maxBufferedBytes = setup.maxBufferedBytes;
    this.subprotocol = setup.subprotocol;
    this.socket = setup.socket;
    this.wire = setup.wire;
    this.socketType = setup.socketType;
    // Until the server is authenticated: commands only, none over the mechanism's largest.
    this.limits = { maxFrameSize, maxCommandSize: setup.wire.maxHandshakeSize, messages: false };
    this.early = new PartQueue(this.maxBufferedBytes);
    this.assembler = new MessageAssembler(maxFrameSize, 'options.maxFrameSize');
    this.inbox = new Inbox<Uint8Array[]>({ maxItems: INBOX_ITEMS, maxBytes: this.maxBufferedBytes, sizeOf: messageSize });
    this.handshake = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.handshake.catch(() => undefined); // a caller who never awaits it still gets 'error'
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    this.held = new HeldFrames(setup.wire.maxHandshakeSize);
    // onDecision: a mechanism step that completes later (a CURVE client on WebCrypto X25519).
    this.driver = new HandshakeDriver(setup.session, { timeout, maxBlobSize: setup.wire.maxHandshakeSize, onDecision: (outcome) => this.decided(outcome) });
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
   * handshake completes the message waits, within `maxBufferedBytes`. A REQ adds the empty
   * delimiter itself and sends one request per reply.
   *
   * @throws {@link TypeError} when `message` is not bytes, a string or an array of them
   * @throws {@link RangeError} when waiting messages would exceed `options.maxBufferedBytes`
   * @throws {@link StateError} once the channel is closed, or for a REQ whose reply has not come
   */
  send(message: OutgoingPart | readonly OutgoingPart[]): void {
    if (this.ended) throw new StateError('the channel is closed');
    let parts = this.early.check(message);
    if (this.socketType === 'REQ') {
      if (this.awaitingReply) throw new StateError('a REQ sends its next request after the reply to the last one');
      parts = [new Uint8Array(0), ...parts];
      this.awaitingReply = true;
    }
    if (this.driver.state === 'ready') this.write(parts);
    else this.early.hold(parts);
  }

  /**
   * The next message that found no `'message'` listener, in order. Messages that arrived
   * before the channel ended are still delivered; after them, rejects with the error that
   * ended it.
   */
  receive(): Promise<Uint8Array[]> {
    return this.inbox.pull();
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
    if (this.ended) return;
    // A server that picked another subprotocol speaks another mechanism (a WebSocket that
    // reports none, as some do, is taken at its word: libzmq always answers with one).
    const chosen = (this.socket as { protocol?: unknown }).protocol;
    if (typeof chosen === 'string' && chosen !== '' && chosen !== this.subprotocol) {
      this.end(new ChannelError('ERR_MECHANISM_MISMATCH', `the server chose ${chosen}, this side offered ${this.subprotocol}`), true);
      return;
    }
    this.follow(this.driver.start());
  };

  private readonly onMessage = (event: { data?: unknown }): void => {
    if (this.ended) return;
    const { data } = event;
    try {
      if (!(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) {
        throw new ChannelError('ERR_PROTOCOL', 'a text message where binary frames were expected');
      }
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      this.onFrame(bytes);
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

  /** One WebSocket message: a handshake command, or one frame of a message. */
  private onFrame(bytes: Uint8Array): void {
    if (this.driver.state === 'deciding') {
      this.held.hold(bytes);
      return;
    }
    const frame = decodeZwsMessage(bytes, this.limits);
    if (this.driver.pending) {
      this.follow(this.driver.receive(frame.body));
      return;
    }
    const part = this.driver.mechanism.decode(partOfZwsFrame(frame, bytes, this.wire.parts));
    if (part.command) return this.onCommand(part.data);
    const message = this.assembler.add(part.data, part.more);
    if (message !== undefined) this.deliver(message);
  }

  /**
   * Commands after the handshake: ERROR ends the channel, a PING gets its PONG. libzmq's own
   * WebSocket heartbeat is an empty command, and other commands mean nothing to one DEALER:
   * both are ignored.
   */
  private onCommand(data: Uint8Array): void {
    if (data.length === 0) return;
    const { name, body } = parseCommand(data);
    if (name === 'ERROR') throw peerErrorFrom(body);
    const pong = answerPing(data);
    if (pong !== undefined) this.sendPart(pong, false, true);
  }

  private deliver(received: Uint8Array[]): void {
    let message = received;
    if (this.socketType === 'REQ') {
      // libzmq's REQ drops a reply without the delimiter, or one it did not ask for.
      if (!this.awaitingReply || message.length < 2 || message[0]!.length !== 0) return;
      this.awaitingReply = false;
      message = message.slice(1);
    }
    if (this.listeners.count('message') > 0) {
      this.emit('message', message);
      return;
    }
    if (this.inbox.bytes + messageSize(message) > this.maxBufferedBytes) {
      throw new ChannelError('ERR_LIMIT_REACHED', `received messages waiting for receive() exceed options.maxBufferedBytes, ${this.maxBufferedBytes}`);
    }
    this.inbox.push(message);
  }

  /** A pending step completed: follow it, then the messages held meanwhile, in order. */
  private decided(outcome: HandshakeOutcome): void {
    if (this.ended) return;
    this.follow(outcome);
    try {
      for (const bytes of this.held.take()) if (!this.ended) this.onFrame(bytes);
    } catch (error) {
      this.end(error instanceof Error ? error : new Error(String(error)), true);
    }
  }

  private follow(outcome: HandshakeOutcome): void {
    if (this.socket.readyState === SOCKET_OPEN) {
      for (const blob of outcome.send) this.socket.send(encodeZwsMessage(blob, false, true));
    }
    if (outcome.state === 'failed') {
      this.end(outcome.error!, true);
    } else if (outcome.state === 'ready') {
      const peerType = outcome.peer!.metadata.getString('Socket-Type');
      // libzmq refuses an incompatible pair; so does this side, before anything is sent.
      if (peerType !== undefined && !zwsPeerMatches(this.socketType, peerType)) {
        this.end(new ChannelError('ERR_SOCKET_TYPE_MISMATCH', `a ${this.socketType} cannot talk to a ${peerType}`), true);
        return;
      }
      clearTimeout(this.deadline);
      this.limits.messages = true;
      this.limits.maxCommandSize = this.limits.maxFrameSize;
      this.settle.resolve(outcome.peer!);
      for (const parts of this.early.drain()) this.write(parts);
    }
  }

  private write(parts: readonly Uint8Array[]): void {
    parts.forEach((part, i) => this.sendPart(part, i < parts.length - 1, false));
  }

  private sendPart(data: Uint8Array, more: boolean, command: boolean): void {
    this.socket.send(zwsMessageOfPart(this.driver.mechanism.encode(data, { more, command }), this.wire.parts));
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
    this.assembler.clear();
    this.settle.reject(error);
    this.inbox.end(error, !report);
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
 * Connects to a libzmq socket bound on `ws://` (a ROUTER, DEALER or REP running the same
 * mechanism; with CURVE, libzmq's own, its ZAP handler deciding who gets in).
 *
 * @throws {@link TypeError} / {@link RangeError} naming the option: a bad mechanism choice, no
 *   `url`, no WebSocket constructor, a bad socket type, identity, metadata or limit
 * @throws {@link ChannelError} `ERR_PROTOCOL` when the WebSocket refuses the subprotocol
 *   `ZWS2.0/<NAME>` (every standard one does: see the module comment)
 */
export function connectZws<D extends AnyDefinition = AnyDefinition>(typed: ZwsOptions<D>): ZwsSocket {
  const options = typed as ZwsOptions;
  const { name, definition, options: own, wire } = resolveMechanism(options);
  const socketType = checkZwsSocketType(options.socketType);
  const metadata = zwsMetadata(socketType, options.identity, options.metadata);
  // Every option is checked before anything opens, so a bad one leaves no socket behind.
  const limits = {
    handshakeTimeout: checkDuration(options.handshakeTimeout, 'options.handshakeTimeout', LIMIT_DEFAULTS.handshakeTimeout, { zero: false }),
    maxFrameSize: checkSize(options.maxFrameSize, 'options.maxFrameSize', LIMIT_DEFAULTS.maxFrameSize),
    maxBufferedBytes: checkSize(options.maxBufferedBytes, 'options.maxBufferedBytes', LIMIT_DEFAULTS.maxBufferedBytes),
  };
  const subprotocol = zwsSubprotocol(name);
  // The session first: a bad key must fail before anything opens.
  const session = definition.client({ ...own, metadata });
  let socket: WebSocketLike | undefined;
  try {
    socket = openZws(options, subprotocol);
    return new ZwsSocket({ session, wire, socket, socketType, subprotocol, ...limits });
  } catch (error) {
    session.destroy(); // must not leave the session's secrets behind
    socket?.close();
    throw error;
  }
}

/** Opens the WebSocket offering `subprotocol`, turning a refusal of the name into a coded error. */
function openZws(options: ZwsBaseOptions, subprotocol: string): WebSocketLike {
  if (typeof options.url !== 'string' && typeof options.url?.href !== 'string') {
    throw new TypeError('"options.url" expected a ws:// or wss:// URL');
  }
  try {
    return openSocket({ url: options.url, protocols: [subprotocol], ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}) });
  } catch (error) {
    if (error instanceof TypeError || isSubprotocolToken(subprotocol)) throw error;
    throw new ChannelError(
      'ERR_PROTOCOL',
      `this WebSocket refuses the subprotocol ${subprotocol} ("/" is not allowed in a subprotocol by the standard API), so it cannot reach libzmq's ws:// with a mechanism`,
      { cause: error },
    );
  }
}
