/**
 * The client: a Dealer (or Request) socket that runs a mechanism's handshake over ZeroMQ, through
 * the shared handshake driver, and then sends and receives plaintext message parts, with the
 * API of a zeromq.js v6 socket.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import * as zmq from 'zeromq';
import { HandshakeDriver, type HandshakeOutcome } from '../../channel/handshake';
import { Inbox } from '../../channel/inbox';
import type { ChannelLimits } from '../../channel/limits';
import { ChannelError, StateError } from '../../errors';
import type { AnyDefinition, Mechanism, PeerIdentity, WireTraits } from '../../mechanism';
import { drawRandom, secureRandom } from '../../random';
import { clientSessions } from '../mechanism-choice';
import { checkSocket, clientConfig } from './client-options';
import type { ClientEvents, ClientStatus, ConnectOptions, ZeroMqClientOptions } from './client-types';
import { encodeEnvelope, isFor, KIND_HANDSHAKE, SESSION_ID_BYTES, sessionTopic } from './envelope';
import { Heartbeat } from './heartbeat';
import { connectImmediate, loopLink, requestLink, sendOnCurrent, startReader, type Link } from './link';
import { armHandshake } from './handshake-deadline';
import { decodeNext, encodeMessage, encodePing, parseFrames, tryEncodeClose } from './message-codec';
import { packEnvelopes } from './packed';
import { Outbox } from './outbox';
import { partsBytes, toParts, type MessageLike } from './parts';

/**
 * A secure client over a zeromq Dealer (or Request).
 *
 * ```typescript
 * const client = new ZeroMqClient({mechanism: definition, mechanismOptions: {secretKey, serverKey}})
 * const server = await client.connect('tcp://127.0.0.1:5555') // the server's PeerIdentity
 * await client.send(['Hello'])
 * const [reply] = await client.receive()
 * await client.close()
 * ```
 *
 * The session is keyed by a random session id, not by the connection: {@link reconnect} swaps
 * the socket and the session goes on without a new handshake.
 */
export class ZeroMqClient<D extends AnyDefinition = AnyDefinition> extends EventEmitter<ClientEvents> implements AsyncIterable<Buffer[]> {
  /** The session id (16 random bytes), carried in every frame. */
  readonly sessionId: Buffer;
  /**
   * Settles with the handshake: the server, or why it failed (also when the client closes first); never unhandled.
   */
  readonly handshake: Promise<PeerIdentity>;
  private readonly makeMechanism: () => Mechanism;
  private readonly limits: ChannelLimits;
  private readonly wire: WireTraits;
  private readonly receiveTimeout: number | undefined;
  private readonly socketOptions: { readonly linger?: number; readonly maxMessageSize: number };
  private readonly inbox: Inbox<Buffer[]>;
  private readonly outbox: Outbox;
  private state: ClientStatus = 'idle';
  private socket: zmq.Dealer | zmq.Request;
  private link: Link | undefined;
  private readonly subscribers: zmq.Subscriber[] = [];
  private driver: HandshakeDriver | undefined;
  private settleHandshake!: { resolve(peer: PeerIdentity): void; reject(error: Error): void };
  /** Clears the handshake's deadline and abort listener. */
  private stopHandshake: () => void = () => undefined;
  private endpoint: string | undefined;
  private failure: Error | undefined;
  private linksClosed: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly heartbeat: Heartbeat | undefined;

  /**
   * @throws {@link TypeError} when `mechanism` or `socket` is of the wrong type, or `socket` has no `maxMessageSize` ceiling
   * @throws {@link RangeError} naming a timeout or limit out of range, or `heartbeatTimeout` given without `keepAlive`
   */
  constructor(typed: ZeroMqClientOptions<D>) {
    super();
    const options = typed as ZeroMqClientOptions; // typed at the call; checked at run time below
    const config = clientConfig(options);
    this.makeMechanism = clientSessions(options);
    this.limits = config.limits;
    this.wire = config.wire;
    this.receiveTimeout = config.receiveTimeout;
    this.socketOptions = config.socketOptions;
    this.inbox = new Inbox<Buffer[]>({ maxItems: config.receiveHighWaterMark, maxBytes: config.limits.maxBufferedBytes, sizeOf: partsBytes });
    this.sessionId = Buffer.from(drawRandom(options.random ?? secureRandom, SESSION_ID_BYTES));
    this.heartbeat = config.heartbeat && new Heartbeat(config.heartbeat, () => this.sendPing(), () => this.expire());
    this.handshake = new Promise<PeerIdentity>((resolve, reject) => (this.settleHandshake = { resolve, reject }));
    this.handshake.catch(() => undefined);
    this.outbox = new Outbox({
      highWaterMark: config.sendHighWaterMark,
      // A batch the old socket never took goes over the one reconnect() put in its place.
      send: (frames) => sendOnCurrent(() => this.link!, frames, () => this.state === 'ready'),
      // A Request socket takes one request per reply: no batches there.
      canBatch: () => !(this.socket instanceof zmq.Request),
      onError: (error) => this.fail(error),
      pack: packEnvelopes,
    });
    // Last, so that nothing above can throw and leave a socket open.
    this.socket = config.socket ?? new zmq.Dealer(this.socketOptions);
  }

  /** @deprecated the client is itself the event emitter: use `client.on(...)` */
  get events(): this {
    return this;
  }

  /** Current status. */
  get status(): ClientStatus {
    return this.state;
  }

  /** The authenticated server, once the handshake completed. */
  get peer(): PeerIdentity | undefined {
    return this.state === 'ready' ? this.driver?.peer : undefined;
  }

  private get mechanism(): Mechanism | undefined {
    return this.driver?.mechanism;
  }

  /**
   * Connects to `endpoint` and runs the handshake; resolves with the authenticated server
   * (the same as {@link handshake}).
   *
   * @throws {@link StateError} unless the client is new
   * @throws {@link TypeError} / {@link RangeError} from the mechanism for bad options, and
   *   zeromq's error for a malformed endpoint; the client then stays idle
   * @throws {@link MechanismError} when the server refused (`ERR_PEER_ERROR` with `status` 400
   *   or 500) or the handshake broke (`ERR_DECRYPT` for a wrong server key, ...)
   * @throws {@link ChannelError} `ERR_HANDSHAKE_TIMEOUT`, `ERR_ABORTED`, `ERR_CHANNEL_CLOSED`,
   *   or `ERR_FRAME_TOO_LARGE` for a handshake command over the mechanism's largest
   */
  async connect(endpoint: string, options: ConnectOptions = {}): Promise<PeerIdentity> {
    if (typeof endpoint !== 'string') throw new TypeError('"endpoint" expected a string');
    if (this.state !== 'idle') throw new StateError(`connect() not allowed when ${this.state}`);
    // Misuse (bad mechanism options, a malformed endpoint) throws before anything started, and
    // the client stays idle.
    const mechanism = this.makeMechanism();
    try {
      // Connect before the reader starts: zeromq.js can miss the first inproc message otherwise.
      connectImmediate(this.socket, endpoint);
    } catch (error) {
      mechanism.destroy();
      throw error;
    }
    this.state = 'handshaking';
    this.endpoint = endpoint;
    const timeout = this.limits.handshakeTimeout;
    const driver = new HandshakeDriver(mechanism, { timeout, maxBlobSize: this.wire.maxHandshakeSize });
    this.driver = driver;
    this.link = this.attach(this.socket);
    this.stopHandshake = armHandshake(driver, timeout, options.signal, (outcome) => this.follow(outcome));
    this.follow(driver.start());
    return this.handshake;
  }

  /**
   * Replaces the socket by a new one connected to `endpoint` (default: the last one) and goes
   * on with the same session, without a new handshake. The server moves the session to the new
   * route when the first MESSAGE from it authenticates; its replies to the old route before
   * that are lost. What the old socket had not taken (see `connectImmediate`) goes out over
   * the new one, in order.
   *
   * @param socket - the new socket (default: a new Dealer); the client owns it
   * @throws {@link StateError} unless the client is ready
   */
  reconnect(endpoint: string | undefined = this.endpoint, socket?: zmq.Dealer | zmq.Request): void {
    if (this.state !== 'ready') throw new StateError(`reconnect() not allowed when ${this.state}`);
    if (typeof endpoint !== 'string') throw new TypeError('"endpoint" expected a string');
    const next = checkSocket(socket, this.socketOptions.maxMessageSize, 'socket') ?? new zmq.Dealer(this.socketOptions);
    const old = this.link;
    this.socket = next;
    connectImmediate(next, endpoint);
    this.link = this.attach(next);
    this.endpoint = endpoint;
    old?.close();
  }

  /**
   * Receives this session's messages published by the server on a PUB socket at `endpoint`
   * as well. They come out of {@link receive} like the others. Nobody without the session's
   * keys can read them; see the server's `publish()` for the ordering rule.
   *
   * @throws {@link StateError} unless the client is ready
   */
  subscribe(endpoint: string): void {
    if (this.state !== 'ready') throw new StateError(`subscribe() not allowed when ${this.state}`);
    if (typeof endpoint !== 'string') throw new TypeError('"endpoint" expected a string');
    const subscriber = new zmq.Subscriber(this.socketOptions);
    subscriber.subscribe(sessionTopic(this.sessionId));
    subscriber.connect(endpoint);
    startReader(subscriber, (frames) => this.onMessage(frames, 'keep'), this.onFault);
    this.subscribers.push(subscriber);
  }

  /**
   * Sends one message (one part or several). It is encrypted at once and queued in the
   * client's outgoing queue; the promise resolves then, or, when `sendHighWaterMark` messages
   * wait, once the queue has room again. Messages queued together leave as one ZeroMQ message
   * (a batch). If the session fails meanwhile, what is still queued is discarded and a waiting
   * `send()` rejects with the failure.
   *
   * @throws {@link StateError} unless the client is ready (or the error that failed it)
   * @throws {@link TypeError} / {@link RangeError} for a bad message
   */
  async send(message: MessageLike): Promise<void> {
    const parts = toParts(message);
    this.expectReady('send');
    this.outbox.push(encodeMessage(this.mechanism!, this.sessionId, parts));
    if (this.outbox.full) await this.outbox.drained();
  }

  /**
   * The next message, as zeromq.js gives it: an array of `Buffer` parts.
   *
   * @throws {@link ChannelError} `ERR_CHANNEL_CLOSED` once closed, `ERR_IDLE_TIMEOUT` after
   *   `receiveTimeout`, or the error that failed the session
   */
  receive(): Promise<Buffer[]> {
    const ms = this.receiveTimeout;
    if (ms === undefined) return this.inbox.pull();
    return this.inbox.pull({ ms, error: () => new ChannelError('ERR_IDLE_TIMEOUT', `no message in ${ms} ms`) });
  }

  /** Iterates over received messages until the client closes (throws if the session fails). */
  [Symbol.asyncIterator](): AsyncIterator<Buffer[]> {
    return this.inbox[Symbol.asyncIterator]();
  }

  /**
   * Closes the sockets and wipes the session. Pending and later receives reject. A ready client
   * first sends the CLOSE command, so the server drops the session at once instead of keeping
   * it until it expires; it is sent only if ZeroMQ can queue it at once, then the socket closes.
   * Resolves once the sockets are closed: in bounded time, because that last send never waits
   * (send timeout 0), and libzmq holds what it took for the socket's linger at most.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const previous = this.state;
    this.state = 'closed';
    const closed = new ChannelError('ERR_CHANNEL_CLOSED', 'the client is closed');
    this.stopHandshake();
    this.driver?.close(); // a handshake in progress: its mechanism is wiped
    this.settleHandshake.reject(closed);
    this.inbox.end(closed, true);
    this.heartbeat?.stop();
    const goodbye = previous === 'ready' ? tryEncodeClose(this.mechanism!, this.sessionId) : undefined;
    this.mechanism?.destroy();
    this.closing = previous === 'failed' ? (this.linksClosed ?? Promise.resolve()) : this.closeLinks(closed, goodbye);
    this.emit('close');
    return this.closing;
  }

  private attach(socket: zmq.Dealer | zmq.Request): Link {
    const onMessage = (frames: Buffer[]): Promise<void> => this.onMessage(frames, 'fail');
    return socket instanceof zmq.Request
      ? requestLink(socket, onMessage, this.onFault)
      : loopLink(socket, onMessage, this.onFault);
  }

  private readonly onFault = (error: unknown): void => {
    this.fail(error instanceof Error ? error : new Error(String(error)));
  };

  private async onMessage(frames: Buffer[], onError: 'fail' | 'keep'): Promise<void> {
    const envelopes = parseFrames(frames);
    const first = envelopes?.[0];
    if (envelopes === undefined || first === undefined || !isFor(first, this.sessionId)) {
      this.emit('message:drop', 'not an envelope of this session');
      return;
    }
    if (first.kind === KIND_HANDSHAKE) {
      const driver = this.driver;
      if (this.state !== 'handshaking' || driver?.state !== 'handshaking' || envelopes.length !== 1) {
        this.emit('message:drop', 'unexpected handshake command');
      } else this.follow(driver.receive(first.blob), first.blob);
      return;
    }
    if (this.state !== 'ready') {
      this.emit('message:drop', `MESSAGE while ${this.state}`);
      return;
    }
    this.deliver(envelopes.map((envelope) => envelope.blob), onError);
    // Backpressure: the socket is not read while the inbox holds maxBufferedBytes or more.
    await this.inbox.drained();
  }

  /**
   * Delivers the application messages of one batch in order, as if each had come alone. A
   * rejected part ends the batch: with `'fail'` (the client's own socket) the session fails,
   * with `'keep'` (PUB frames) the rest is dropped and the session is as it was before that
   * part. Messages before it were authentic and are delivered.
   */
  private deliver(blobs: Uint8Array[], onError: 'fail' | 'keep'): void {
    for (let index = 0; index < blobs.length; ) {
      if (this.state !== 'ready') return void this.emit('message:drop', `MESSAGE while ${this.state}`);
      let message, unread;
      try {
        ({ message, next: index, unread } = decodeNext(this.mechanism!, blobs, index, onError, true, this.wire.parts));
      } catch (error) {
        if (onError === 'keep') this.emit('message:drop', (error as Error).message);
        else this.fail(error as Error);
        return;
      }
      // It authenticated, so the server is alive, whatever it is (PONG included).
      if (unread === undefined) this.heartbeat?.alive();
      if (message?.kind === 'data' && partsBytes(message.parts) > this.limits.maxFrameSize) {
        const error = new ChannelError('ERR_FRAME_TOO_LARGE', `a message over maxFrameSize (${this.limits.maxFrameSize} bytes)`);
        if (onError === 'keep') this.emit('message:drop', error.message);
        else this.fail(error);
        return;
      }
      if (message === undefined) this.emit('message:drop', unread ?? 'malformed multipart message');
      else if (message.kind === 'data') this.inbox.push(message.parts);
      else if (message.kind === 'close') this.fail(new ChannelError('ERR_CHANNEL_CLOSED', 'the server closed the session'), 'session:close');
    }
  }

  /** Sends what a handshake step produced, one command per ZeroMQ message, then follows its state. */
  private follow(outcome: HandshakeOutcome, received?: Uint8Array): void {
    if (this.state !== 'handshaking') return;
    if (received !== undefined && outcome.state !== 'failed') this.emit('handshake:receive', received);
    for (const blob of outcome.send) void this.link!.send([encodeEnvelope(KIND_HANDSHAKE, this.sessionId, blob)]).catch(this.onFault);
    if (outcome.state === 'failed') this.fail(outcome.error ?? new StateError('the handshake failed'));
    else if (outcome.state === 'ready') this.becomeReady(outcome.peer ?? this.mechanism!.peer!);
  }

  private becomeReady(peer: PeerIdentity): void {
    this.state = 'ready';
    this.stopHandshake();
    this.heartbeat?.start();
    this.settleHandshake.resolve(peer);
    this.emit('handshake', peer);
  }

  /**
   * A failure stops the client for good: a hard ERROR from the server, a wrong server key or a
   * broken session is not retried with the same credentials (RFC 23, libzmq #2227). During the
   * handshake it is a `handshakeError`; afterwards `event`.
   */
  private fail(error: Error, event: 'session:error' | 'session:close' = 'session:error'): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    const handshaking = this.state !== 'ready';
    this.state = 'failed';
    this.failure = error;
    this.stopHandshake();
    this.driver?.fail(error);
    this.outbox.end(error);
    this.settleHandshake.reject(error);
    this.inbox.end(error, false);
    this.heartbeat?.stop();
    this.mechanism?.destroy();
    this.socket.linger = 0;
    this.linksClosed = this.closeLinks(error);
    if (handshaking) {
      this.emit('handshakeError', error);
      this.emit('handshake:error', error);
    } else this.emit(event, error);
  }

  /**
   * Closes the sockets. A goodbye (CLOSE) goes out behind what is still queued, all in one
   * ZeroMQ message (on a Request socket the CLOSE alone), straight to the socket and never
   * waiting: a send still in progress, a full ZeroMQ queue or a REQ waiting for its reply makes
   * it fail at once (EBUSY, EAGAIN, EFSM), the queued messages are discarded, and we close anyway.
   * Later sends reject with `ended`, the error the caller already made (an error's stack trace
   * is a noticeable part of a short connection's cost).
   */
  private async closeLinks(ended: Error, goodbye?: Buffer[]): Promise<void> {
    for (const subscriber of this.subscribers.splice(0)) subscriber.close();
    const { link, socket, outbox } = this;
    const queued = outbox.busy || socket instanceof zmq.Request ? [] : outbox.takeAll();
    outbox.end(ended);
    if (link === undefined) return socket.close();
    const frames = goodbye === undefined ? queued : [...queued, ...goodbye];
    if (frames.length > 0) {
      socket.sendTimeout = 0;
      await socket.send(frames).catch(() => undefined);
    }
    link.close();
  }

  /**
   * Queues a PING behind any queued message (nonces stay in wire order). A PING that cannot go
   * out is not an error of its own: it shows as silence, and the heartbeat deadline decides.
   */
  private sendPing(): void {
    if (this.state === 'ready') this.outbox.push(encodePing(this.mechanism!, this.sessionId));
  }

  private expire(): void {
    const ms = this.heartbeat!.timeout;
    this.fail(new ChannelError('ERR_IDLE_TIMEOUT', `no answer to PING in ${ms} ms: the server is gone or unreachable`));
  }

  private expectReady(call: string): void {
    if (this.state === 'failed' && this.failure !== undefined) throw this.failure;
    if (this.state !== 'ready') throw new StateError(`${call}() not allowed when ${this.state}`);
  }
}

