/**
 * The client: a Dealer (or Request) socket that runs a mechanism's handshake over ZeroMQ and
 * then sends and receives plaintext message parts, with the API of a zeromq.js v6 socket.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import * as zmq from 'zeromq';
import { ChannelError, MechanismError, StateError } from '../../errors';
import type { Mechanism, PeerIdentity, Step } from '../../mechanism';
import { drawRandom, secureRandom } from '../../random';
import { encodeEnvelope, isFor, KIND_HANDSHAKE, SESSION_ID_BYTES, sessionTopic } from './envelope';
import { checkCount, checkDuration, Deadline } from './deadline';
import { Inbox } from './inbox';
import { loopLink, requestLink, startReader, type Link } from './link';
import { clientSessions } from '../mechanism-choice';
import { Heartbeat } from './heartbeat';
import { decodeNext, encodeClose, encodeMessage, encodePing, parseFrames } from './message-codec';
import { packEnvelopes } from './packed';
import { Outbox } from './outbox';
import type { ClientEvents, ClientStatus, ConnectOptions, SecureClientOptions } from './client-types';
import { toParts, type MessageLike } from './parts';

const DEFAULT_HANDSHAKE_TIMEOUT = 30_000;
const DEFAULT_RECEIVE_HWM = 1_000;
const DEFAULT_SEND_HWM = 1_000;

/**
 * A secure client over a zeromq Dealer (or Request).
 *
 * ```typescript
 * const client = new SecureClient({mechanism: CURVE, mechanismOptions: {secretKey, serverKey}})
 * await client.connect('tcp://127.0.0.1:5555')
 * await client.send(['Hello'])
 * const [reply] = await client.receive()
 * client.close()
 * ```
 *
 * The session is keyed by a random session id, not by the connection: {@link reconnect} swaps
 * the socket and the session goes on without a new handshake.
 */
export class SecureClient implements AsyncIterable<Buffer[]> {
  /** Events (see {@link ClientEvents}). */
  readonly events = new EventEmitter<ClientEvents>();
  /** The session id (16 random bytes), carried in every frame. */
  readonly sessionId: Buffer;
  private readonly makeMechanism: () => Mechanism;
  private readonly handshakeTimeout: number;
  private readonly receiveTimeout: number | undefined;
  private readonly inbox: Inbox<Buffer[]>;
  private readonly outbox: Outbox;
  private state: ClientStatus = 'idle';
  private socket: zmq.Dealer | zmq.Request;
  private link: Link | undefined;
  private readonly subscribers: zmq.Subscriber[] = [];
  private mechanism: Mechanism | undefined;
  private handshake: Deadline<void> | undefined;
  private endpoint: string | undefined;
  private failure: Error | undefined;
  private readonly linger: { linger?: number };
  private readonly heartbeat: Heartbeat | undefined;

  /**
   * @throws {@link TypeError} when `mechanism` or `socket` is of the wrong type
   * @throws {@link RangeError} when a timeout or limit is not positive, or `heartbeatTimeout`
   *   is given without `heartbeatInterval`
   */
  constructor(options: SecureClientOptions) {
    this.makeMechanism = clientSessions(options);
    this.handshakeTimeout = checkDuration(options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT, 'handshakeTimeout');
    this.receiveTimeout = options.receiveTimeout === undefined ? undefined : checkDuration(options.receiveTimeout, 'receiveTimeout');
    this.inbox = new Inbox(checkCount(options.receiveHighWaterMark ?? DEFAULT_RECEIVE_HWM, 'receiveHighWaterMark'));
    this.linger = options.linger === undefined ? {} : { linger: checkLinger(options.linger) };
    this.sessionId = Buffer.from(drawRandom(options.random ?? secureRandom, SESSION_ID_BYTES));
    this.heartbeat = makeHeartbeat(options, () => this.sendPing(), () => this.expire());
    this.outbox = new Outbox({
      highWaterMark: checkCount(options.sendHighWaterMark ?? DEFAULT_SEND_HWM, 'sendHighWaterMark'),
      send: (frames) => this.link!.send(frames),
      // A Request socket takes one request per reply: no batches there.
      canBatch: () => !(this.socket instanceof zmq.Request),
      onError: (error) => this.fail(error, 'session:error'),
      pack: packEnvelopes,
    });
    // Last, so that nothing above can throw and leave a socket open.
    this.socket = checkSocket(options.socket) ?? new zmq.Dealer(this.linger);
  }

  /** Current status. */
  get status(): ClientStatus {
    return this.state;
  }

  /** The authenticated server, once the handshake completed. */
  get peer(): PeerIdentity | undefined {
    return this.mechanism?.peer;
  }

  /**
   * Connects to `endpoint` and runs the handshake.
   *
   * @throws {@link StateError} unless the client is new
   * @throws {@link TypeError} / {@link RangeError} from the mechanism for bad options, and
   *   zeromq's error for a malformed endpoint; the client then stays idle
   * @throws {@link MechanismError} when the server refused (`ERR_PEER_ERROR` with `status` 400
   *   or 500) or the handshake broke (`ERR_DECRYPT` for a wrong server key, ...)
   * @throws {@link ChannelError} `ERR_HANDSHAKE_TIMEOUT`, `ERR_ABORTED` or `ERR_CHANNEL_CLOSED`
   */
  async connect(endpoint: string, options: ConnectOptions = {}): Promise<void> {
    if (typeof endpoint !== 'string') throw new TypeError('"endpoint" expected a string');
    if (this.state !== 'idle') throw new StateError(`connect() not allowed when ${this.state}`);
    // Misuse (bad mechanism options, a malformed endpoint) throws before anything started, and
    // the client stays idle.
    const mechanism = this.makeMechanism();
    try {
      // Connect before the reader starts: zeromq.js can miss the first inproc message otherwise.
      this.socket.connect(endpoint);
    } catch (error) {
      mechanism.destroy();
      throw error;
    }
    this.state = 'handshaking';
    this.endpoint = endpoint;
    this.mechanism = mechanism;
    this.handshake = new Deadline<void>(this.handshakeTimeout, options.signal);
    this.handshake.promise.catch((error: Error) => this.fail(error, 'handshake:error'));
    this.link = this.attach(this.socket);
    this.advance(() => mechanism.start());
    return this.handshake.promise;
  }

  /**
   * Replaces the socket by a new one connected to `endpoint` (default: the last one) and goes
   * on with the same session, without a new handshake. The server moves the session to the new
   * route when the first MESSAGE from it authenticates; replies it sent to the old route
   * before that are lost with the old socket.
   *
   * @param socket - the new socket (default: a new Dealer); the client owns it
   * @throws {@link StateError} unless the client is ready
   */
  reconnect(endpoint: string | undefined = this.endpoint, socket?: zmq.Dealer | zmq.Request): void {
    if (this.state !== 'ready') throw new StateError(`reconnect() not allowed when ${this.state}`);
    if (typeof endpoint !== 'string') throw new TypeError('"endpoint" expected a string');
    const next = checkSocket(socket) ?? new zmq.Dealer(this.linger);
    const old = this.link;
    this.socket = next;
    next.connect(endpoint);
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
    const subscriber = new zmq.Subscriber(this.linger);
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
   * it until it expires; it is sent only if ZeroMQ can queue it at once, then the socket closes
   * with its linger.
   */
  close(): void {
    if (this.state === 'closed') return;
    const previous = this.state;
    this.state = 'closed';
    const closed = new ChannelError('ERR_CHANNEL_CLOSED', 'the client is closed');
    this.handshake?.reject(closed);
    this.inbox.end(closed, true);
    this.heartbeat?.stop();
    const goodbye = previous === 'ready' ? this.goodbye() : undefined;
    this.mechanism?.destroy();
    if (previous !== 'failed') this.closeLinks(closed, goodbye);
    this.events.emit('close');
  }

  private attach(socket: zmq.Dealer | zmq.Request): Link {
    const onMessage = (frames: Buffer[]): Promise<void> => this.onMessage(frames, 'fail');
    return socket instanceof zmq.Request
      ? requestLink(socket, onMessage, this.onFault)
      : loopLink(socket, onMessage, this.onFault);
  }

  private readonly onFault = (error: unknown): void => {
    this.fail(error instanceof Error ? error : new Error(String(error)), 'session:error');
  };

  private async onMessage(frames: Buffer[], onError: 'fail' | 'keep'): Promise<void> {
    const envelopes = parseFrames(frames);
    const first = envelopes?.[0];
    if (envelopes === undefined || first === undefined || !isFor(first, this.sessionId)) {
      this.events.emit('message:drop', 'not an envelope of this session');
      return;
    }
    if (first.kind === KIND_HANDSHAKE) {
      if (this.state !== 'handshaking' || envelopes.length !== 1) this.events.emit('message:drop', 'unexpected handshake command');
      else this.advance(() => this.mechanism!.receive(first.blob), first.blob);
      return;
    }
    if (this.state !== 'ready') {
      this.events.emit('message:drop', `MESSAGE while ${this.state}`);
      return;
    }
    this.deliver(envelopes.map((envelope) => envelope.blob), onError);
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
      if (this.state !== 'ready') return void this.events.emit('message:drop', `MESSAGE while ${this.state}`);
      let message;
      try {
        ({ message, next: index } = decodeNext(this.mechanism!, blobs, index, onError, true));
      } catch (error) {
        if (onError === 'keep') this.events.emit('message:drop', (error as Error).message);
        else this.fail(error as Error, 'session:error');
        return;
      }
      // It authenticated, so the server is alive, whatever it is (PONG included).
      this.heartbeat?.alive();
      if (message === undefined) this.events.emit('message:drop', 'malformed multipart message');
      else if (message.kind === 'data') this.inbox.push(message.parts);
      else if (message.kind === 'close') this.fail(new ChannelError('ERR_CHANNEL_CLOSED', 'the server closed the session'), 'session:close');
    }
  }

  /** Runs one handshake step and sends what it produced, one command per ZeroMQ message. */
  private advance(run: () => Step, received?: Uint8Array): void {
    let step: Step;
    try {
      step = run();
    } catch (error) {
      this.handshake?.reject(error as Error);
      return;
    }
    if (received !== undefined && step.status !== 'failed') this.events.emit('handshake:receive', received);
    for (const blob of step.send) void this.link!.send([encodeEnvelope(KIND_HANDSHAKE, this.sessionId, blob)]).catch(this.onFault);
    if (step.status === 'failed') this.handshake?.reject(step.error ?? new MechanismError('ERR_UNEXPECTED_COMMAND', 'handshake failed'));
    else if (step.status === 'ready') this.becomeReady();
  }

  private becomeReady(): void {
    this.state = 'ready';
    this.heartbeat?.start();
    this.handshake?.resolve();
    this.events.emit('handshake', this.mechanism!.peer!);
  }

  /**
   * A failure stops the client for good: a hard ERROR from the server, a wrong server key or a
   * broken session is not retried with the same credentials (RFC 23, libzmq #2227).
   */
  private fail(error: Error, event: 'handshake:error' | 'session:error' | 'session:close'): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.state = 'failed';
    this.failure = error;
    this.outbox.end(error);
    this.handshake?.reject(error);
    this.inbox.end(error, false);
    this.heartbeat?.stop();
    this.mechanism?.destroy();
    this.socket.linger = 0;
    this.closeLinks(error);
    this.events.emit(event, error);
  }

  /**
   * Closes the sockets. A goodbye (CLOSE) goes out behind what is still queued, all in one
   * ZeroMQ message (on a Request socket the CLOSE alone), straight to the socket and never
   * waiting: a send still in progress, a full ZeroMQ queue or a REQ waiting for its reply makes
   * it fail at once (EBUSY, EAGAIN, EFSM), the queued messages are discarded, and we close anyway.
   * Later sends reject with `ended`, the error the caller already made (an error's stack trace
   * is a noticeable part of a short connection's cost).
   */
  private closeLinks(ended: Error, goodbye?: Buffer[]): void {
    for (const subscriber of this.subscribers.splice(0)) subscriber.close();
    const { link, socket, outbox } = this;
    const queued = outbox.busy || socket instanceof zmq.Request ? [] : outbox.takeAll();
    outbox.end(ended);
    if (link === undefined) return socket.close();
    const frames = goodbye === undefined ? queued : [...queued, ...goodbye];
    if (frames.length === 0) return link.close();
    socket.sendTimeout = 0;
    socket
      .send(frames)
      .catch(() => undefined)
      .finally(() => link.close());
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
    this.fail(new ChannelError('ERR_IDLE_TIMEOUT', `no answer to PING in ${ms} ms: the server is gone or unreachable`), 'session:error');
  }

  /** The CLOSE command, or nothing when the mechanism cannot encode any more. */
  private goodbye(): Buffer[] | undefined {
    try {
      return encodeClose(this.mechanism!, this.sessionId);
    } catch {
      return undefined;
    }
  }

  private expectReady(call: string): void {
    if (this.state === 'failed' && this.failure !== undefined) throw this.failure;
    if (this.state !== 'ready') throw new StateError(`${call}() not allowed when ${this.state}`);
  }
}

function checkLinger(linger: number): number {
  if (!Number.isSafeInteger(linger) || linger < -1) throw new RangeError(`"linger" expected -1 or more milliseconds, got ${String(linger)}`);
  return linger;
}

/**
 * The heartbeat of `options`, or none when `heartbeatInterval` is not set.
 *
 * @throws {@link RangeError} for a bad duration, or `heartbeatTimeout` without `heartbeatInterval`
 */
function makeHeartbeat(options: SecureClientOptions, ping: () => void, expire: () => void): Heartbeat | undefined {
  const { heartbeatInterval, heartbeatTimeout } = options;
  if (heartbeatInterval === undefined) {
    if (heartbeatTimeout !== undefined) throw new RangeError('"heartbeatTimeout" needs "heartbeatInterval"');
    return undefined;
  }
  const interval = checkDuration(heartbeatInterval, 'heartbeatInterval');
  const timeout = heartbeatTimeout === undefined ? interval : checkDuration(heartbeatTimeout, 'heartbeatTimeout');
  return new Heartbeat({ interval, timeout }, ping, expire);
}

function checkSocket(socket: unknown): zmq.Dealer | zmq.Request | undefined {
  if (socket === undefined) return undefined;
  if (socket instanceof zmq.Dealer || socket instanceof zmq.Request) return socket;
  throw new TypeError('"socket" expected a zeromq Dealer or Request');
}

