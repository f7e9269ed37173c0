/**
 * The server: a Router socket that keeps one mechanism per client session, with limits, an
 * async authorizer that never blocks other peers, per-message peer identity and route
 * independence.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import * as zmq from 'zeromq';
import { decide, type Authorizer } from '../../auth';
import { ChannelError, StateError } from '../../errors';
import type { AuthDecision, PeerIdentity, ServerSessions, Step } from '../../mechanism';
import { checkCount, checkDuration } from './deadline';
import { encodeEnvelope, KIND_HANDSHAKE, sessionKey, sessionTopic, type Envelope } from './envelope';
import { Inbox, SerialQueue } from './inbox';
import { startReader, writeLink, type Link } from './link';
import { serverSessions, type MechanismChoice } from '../mechanism-choice';
import { decodeNext, encodeClose, encodeMessage, encodePong, parseFrames, type NextMessage } from './message-codec';
import { packEnvelopes } from './packed';
import { Outbox } from './outbox';
import { toParts, type MessageLike } from './parts';
import type { IncomingMessage, SecureServerOptions, ServerEvents, SessionCloseReason } from './server-types';
import { TopicPublisher } from './publisher';
import { sameRoute, ServerSession, splitRoute } from './session';

const DEFAULTS = {
  maxSessions: 10_000,
  maxHandshakes: 1_000,
  handshakeTimeout: 30_000,
  sessionTimeout: 300_000,
  receiveHighWaterMark: 1_000,
  sendHighWaterMark: 1_000,
} as const;

const denyAll: Authorizer = () => ({ status: 400, statusText: 'No authorizer' });

/**
 * A secure server over a zeromq Router.
 *
 * ```typescript
 * const server = new SecureServer({
 *   mechanism: CURVE, // or 'CURVE' with registry: defaultRegistry
 *   mechanismOptions: {secretKey},
 *   authorizer: (request) => allowed.has(request.publicKeyZ85),
 * })
 * await server.bind('tcp://127.0.0.1:5555')
 * for await (const message of server) await message.reply(message.parts)
 * ```
 */
export class SecureServer implements AsyncIterable<IncomingMessage> {
  /** Events (see {@link ServerEvents}). */
  readonly events = new EventEmitter<ServerEvents>();
  private readonly makeMechanism: ServerSessions;
  private readonly authorizer: Authorizer;
  private readonly socket: zmq.Router;
  private readonly link: Link;
  private readonly limits: Required<Omit<SecureServerOptions, keyof MechanismChoice | 'authorizer' | 'socket'>>;
  private readonly sessions = new Map<string, ServerSession>();
  private readonly inbox: Inbox<IncomingMessage>;
  /** Orders the PUB socket's sends (publish, and PONG and CLOSE of sessions that publish). */
  private readonly sendQueue = new SerialQueue();
  /** The Router's outgoing queue: handshake commands alone, each session's messages in batches. */
  private readonly outbox: Outbox;
  private publisher: TopicPublisher | undefined;
  /** Keys of the sessions still handshaking, oldest first. */
  private readonly pending = new Set<string>();
  private closed = false;
  private reading = false;

  /**
   * @throws {@link TypeError} when an option has the wrong type
   * @throws {@link RangeError} when a limit or timeout is not positive
   */
  constructor(options: SecureServerOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
    if (options.authorizer !== undefined && typeof options.authorizer !== 'function') {
      throw new TypeError('"authorizer" expected a function');
    }
    if (options.socket !== undefined && !(options.socket instanceof zmq.Router)) {
      throw new TypeError('"socket" expected a zeromq Router');
    }
    this.limits = {
      maxSessions: checkCount(options.maxSessions ?? DEFAULTS.maxSessions, 'maxSessions'),
      maxHandshakes: checkCount(options.maxHandshakes ?? DEFAULTS.maxHandshakes, 'maxHandshakes'),
      handshakeTimeout: checkDuration(options.handshakeTimeout ?? DEFAULTS.handshakeTimeout, 'handshakeTimeout'),
      sessionTimeout: checkDuration(options.sessionTimeout ?? DEFAULTS.sessionTimeout, 'sessionTimeout'),
      receiveHighWaterMark: checkCount(options.receiveHighWaterMark ?? DEFAULTS.receiveHighWaterMark, 'receiveHighWaterMark'),
      sendHighWaterMark: checkCount(options.sendHighWaterMark ?? DEFAULTS.sendHighWaterMark, 'sendHighWaterMark'),
    };
    this.makeMechanism = serverSessions(options);
    this.authorizer = options.authorizer ?? denyAll;
    this.inbox = new Inbox(this.limits.receiveHighWaterMark);
    this.socket = options.socket ?? new zmq.Router();
    this.link = writeLink(this.socket);
    this.outbox = new Outbox({
      highWaterMark: this.limits.sendHighWaterMark,
      send: (frames) => this.link.send(frames),
      canBatch: () => true,
      pack: packEnvelopes,
      // The batch is lost (the client sees a gap in the nonces, which RFC 26 allows).
      onError: (error) => {
        if (!this.closed) this.onFault(error);
      },
    });
    // A Router given already bound is read at once; otherwise reading starts after bind().
    if (this.socket.lastEndpoint !== null) this.startReading();
  }

  /**
   * Binds the Router and starts reading it (after the first bind: zeromq.js can miss the first
   * inproc message of a reader started earlier). Resolves with the bound endpoint (a
   * `tcp://host:*` port resolved). May be called again for more endpoints.
   */
  async bind(endpoint: string): Promise<string> {
    if (typeof endpoint !== 'string') throw new TypeError('"endpoint" expected a string');
    await this.socket.bind(endpoint);
    this.startReading();
    return this.socket.lastEndpoint ?? endpoint;
  }

  private startReading(): void {
    if (this.reading) return;
    this.reading = true;
    startReader(this.socket, (frames) => this.onMessage(frames), this.onFault);
  }

  /**
   * Binds a PUB socket (an XPublisher) for {@link publish}; resolves with the bound endpoint.
   *
   * @throws {@link StateError} when one is already bound
   */
  async bindPublisher(endpoint: string): Promise<string> {
    if (typeof endpoint !== 'string') throw new TypeError('"endpoint" expected a string');
    if (this.publisher !== undefined) throw new StateError('bindPublisher() was already called');
    this.publisher = new TopicPublisher(this.limits.maxSessions, this.onFault);
    return this.publisher.bind(endpoint);
  }

  /** Number of sessions (handshaking and ready). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** The authenticated client of a session, or `undefined` for an unknown or handshaking one. */
  peerOf(sessionId: string): PeerIdentity | undefined {
    const session = this.sessions.get(sessionId);
    return session?.state === 'ready' ? session.mechanism.peer : undefined;
  }

  /**
   * Sends a message to a session over the Router, to its current route. It is encrypted at once
   * and queued; the promise resolves then, or, when `sendHighWaterMark` messages wait, once
   * the queue has room again. A session's messages queued together leave as one ZeroMQ message
   * (a batch). A Router send that fails loses that batch and is reported as `fault`.
   *
   * @throws {@link ChannelError} `ERR_CHANNEL_CLOSED` when the session is unknown or gone, or the
   *   server closed while this send waited for room
   * @throws {@link StateError} when the session already publishes (one send channel per session)
   */
  async send(sessionId: string, message: MessageLike): Promise<void> {
    const parts = toParts(message);
    const session = this.readySession(sessionId, 'route');
    session.touch();
    this.outbox.push(encodeMessage(session.mechanism, session.id, parts), false, session.key, session.route);
    if (this.outbox.full) await this.outbox.drained();
  }

  /**
   * Publishes a message for one session on the PUB socket. It waits until the session's
   * subscriber has subscribed (PUB drops messages sent before). A session sends over one
   * socket only, the one its first `send()` or `publish()` chose, because its client checks one
   * strictly increasing nonce sequence and two sockets keep no order between them.
   *
   * @throws {@link StateError} without {@link bindPublisher}, or when the session uses `send()`
   * @throws {@link ChannelError} `ERR_CHANNEL_CLOSED` when the session is unknown or closes
   */
  async publish(sessionId: string, message: MessageLike): Promise<void> {
    const parts = toParts(message);
    const publisher = this.publisher;
    if (publisher === undefined) throw new StateError('publish() needs bindPublisher() first');
    const session = this.readySession(sessionId, 'pub');
    await publisher.whenSubscribed(sessionTopic(session.id));
    return this.sendQueue.run(async () => {
      if (session.closed) throw gone(sessionId);
      session.touch();
      await publisher.send(encodeMessage(session.mechanism, session.id, parts));
    });
  }

  /** Drops a session now (its client must handshake again). */
  closeSession(sessionId: string): void {
    this.drop(sessionId, 'closed');
  }

  /** The next message from any session. Rejects with `ERR_CHANNEL_CLOSED` once closed. */
  receive(): Promise<IncomingMessage> {
    return this.inbox.pull();
  }

  /** Iterates over received messages until the server closes. */
  [Symbol.asyncIterator](): AsyncIterator<IncomingMessage> {
    return this.inbox[Symbol.asyncIterator]();
  }

  /**
   * Drops every session (telling each ready client with CLOSE), wipes the endpoint's shared
   * secrets (CURVE's cookie keys) and closes the sockets once those last sends are queued.
   * Pending and later receives reject.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // A Router with `mandatory` set could block a send; at close nothing may wait.
    this.socket.sendTimeout = 0;
    for (const key of [...this.sessions.keys()]) this.drop(key, 'closed');
    this.makeMechanism.close?.(); // wipes the endpoint's secrets (CURVE's cookie keys)
    const closed = new ChannelError('ERR_CHANNEL_CLOSED', 'the server is closed');
    this.inbox.end(closed, true);
    // What is queued (replies, the CLOSEs above) goes out first, each send failing at once if
    // ZeroMQ cannot take it (sendTimeout 0); then the sockets close.
    const flushed = this.outbox.idle();
    void this.sendQueue.run(async () => {
      await flushed;
      this.outbox.end(closed);
      this.publisher?.close();
      this.link.close();
    });
    this.events.emit('close');
  }

  private readonly onFault = (error: unknown): void => {
    this.events.emit('fault', error);
  };

  private async onMessage(frames: Buffer[]): Promise<void> {
    if (this.closed) return;
    const split = splitRoute(frames);
    const envelopes = split && parseFrames(split.body);
    const first = envelopes?.[0];
    if (split === undefined || envelopes === undefined || first === undefined) {
      this.events.emit('message:drop', 'not an envelope');
      return;
    }
    if (first.kind === KIND_HANDSHAKE) this.onHandshake(first, envelopes.length, split.route);
    else this.onBatch(envelopes, split.route);
    await this.inbox.drained();
  }

  private onHandshake(envelope: Envelope, count: number, route: Buffer[]): void {
    const key = sessionKey(envelope.sessionId);
    const session = this.sessions.get(key);
    if (count !== 1) return void this.events.emit('message:drop', 'several handshake commands in one message');
    if (session === undefined) return this.open(key, envelope, route);
    // A handshake belongs to the route that started it; anything else is dropped untouched.
    if (session.state !== 'handshaking' || session.busy || !sameRoute(session.route, route)) {
      return void this.events.emit('message:drop', 'handshake command out of turn');
    }
    this.runStep(session, () => session.mechanism.receive(envelope.blob), envelope.blob);
  }

  private open(key: string, envelope: Envelope, route: Buffer[]): void {
    if (this.closed) return; // a HELLO read before the sockets closed: the factory is closed
    if (this.sessions.size >= this.limits.maxSessions) return void this.events.emit('limit', 'maxSessions');
    if (this.pending.size >= this.limits.maxHandshakes && !this.evictStalledHandshake()) {
      return void this.events.emit('limit', 'maxHandshakes');
    }
    const session = new ServerSession(Buffer.from(envelope.sessionId), key, this.makeMechanism(), route);
    this.sessions.set(key, session);
    this.pending.add(key);
    session.arm(this.limits.handshakeTimeout, () => {
      this.events.emit('handshake:error', key, new ChannelError('ERR_HANDSHAKE_TIMEOUT', 'the handshake did not complete in time'));
      this.drop(key, 'expired');
    });
    this.runStep(session, () => {
      const start = session.mechanism.start();
      for (const blob of start.send) this.sendHandshake(session, blob);
      return start.status === 'handshaking' ? session.mechanism.receive(envelope.blob) : start;
    }, envelope.blob);
  }

  /**
   * Makes room for a new handshake by dropping the oldest one that is not waiting for a
   * decision, as a SYN cache does: a flood of HELLOs then only shortens how long a half-open
   * handshake may stall, instead of locking every good client out until the flood stops.
   *
   * @returns false when every pending handshake is waiting for the authorizer
   */
  private evictStalledHandshake(): boolean {
    for (const key of this.pending) {
      const session = this.sessions.get(key);
      if (session === undefined || session.busy) continue;
      const error = new ChannelError('ERR_LIMIT_REACHED', 'evicted to make room for a newer handshake');
      this.events.emit('limit', 'maxHandshakes');
      this.events.emit('handshake:error', key, error);
      this.drop(key, 'failed', error);
      return true;
    }
    return false;
  }

  /**
   * Runs a handshake step detached from the reader. Whatever escapes it (a throwing event
   * listener) goes to the `fault` event, not to an unhandled rejection, and fails the session
   * rather than leaving it half-done until its timeout.
   */
  private runStep(session: ServerSession, run: () => Step, received: Uint8Array): void {
    this.step(session, run, received).catch((error: unknown) => {
      this.onFault(error);
      this.drop(session.key, 'failed', error instanceof Error ? error : new Error(String(error)));
    });
  }

  /** Runs one handshake step, resolving any decision asynchronously, then sends its output. */
  private async step(session: ServerSession, run: () => Step, received: Uint8Array): Promise<void> {
    session.busy = true;
    let step: Step;
    try {
      step = run();
      while (step.auth !== undefined) {
        const decision: AuthDecision = await decide(this.authorizer, step.auth);
        if (session.closed) return;
        step = session.mechanism.authorize(decision);
      }
    } catch (error) {
      return this.failHandshake(session, error as Error);
    } finally {
      session.busy = false;
    }
    if (step.status !== 'failed') this.events.emit('handshake:receive', session.key, received);
    for (const blob of step.send) this.sendHandshake(session, blob);
    if (step.status === 'failed') this.failHandshake(session, step.error ?? new Error('handshake failed'));
    else if (step.status === 'ready') this.ready(session);
  }

  private sendHandshake(session: ServerSession, blob: Uint8Array): void {
    this.outbox.push([encodeEnvelope(KIND_HANDSHAKE, session.id, blob)], true, session.key, session.route);
  }

  private failHandshake(session: ServerSession, error: Error): void {
    this.events.emit('handshake:error', session.key, error);
    this.drop(session.key, 'failed', error);
  }

  private ready(session: ServerSession): void {
    session.state = 'ready';
    this.pending.delete(session.key);
    session.arm(this.limits.sessionTimeout, () => this.drop(session.key, 'expired'));
    this.events.emit('handshake', session.key, session.mechanism.peer!);
  }

  /**
   * A MESSAGE from the session's route is decoded strictly (a bad one kills the session, as
   * libzmq closes the connection). One from another route is decoded with `onError: 'keep'`:
   * forged, replayed or corrupt, it is dropped and the session is untouched; authentic and
   * fresh, it moves the session to that route.
   */
  private onBatch(envelopes: Envelope[], route: Buffer[]): void {
    const key = sessionKey(envelopes[0]!.sessionId);
    const blobs = envelopes.map((envelope) => envelope.blob);
    const source: RouteCheck = { known: undefined, same: false };
    for (let index = 0; index < blobs.length; ) {
      const next = this.onData(key, blobs, index, route, source);
      if (next === undefined) return;
      index = next;
    }
  }

  /**
   * Handles the application message of a batch that starts at `blobs[index]`, exactly as if it
   * had come alone; returns where the next one starts, or `undefined` when the rest of the batch
   * is dropped (no ready session any more, or a part was rejected).
   */
  private onData(key: string, blobs: Uint8Array[], index: number, route: Buffer[], source: RouteCheck): number | undefined {
    const session = this.sessions.get(key);
    if (session?.state !== 'ready') return void this.events.emit('message:drop', 'MESSAGE for no ready session');
    // Compared once per batch, and again only when the session's route changed (a move).
    if (source.known !== session.route) {
      source.known = session.route;
      source.same = sameRoute(session.route, route);
    }
    const sameSource = source.same;
    let result: NextMessage;
    try {
      result = decodeNext(session.mechanism, blobs, index, sameSource ? 'fail' : 'keep', true);
    } catch (error) {
      if (sameSource) this.drop(key, 'failed', error as Error);
      else this.events.emit('message:drop', 'MESSAGE from another route did not authenticate');
      return undefined;
    }
    const { message, next } = result;
    if (message === undefined) {
      this.events.emit('message:drop', 'malformed multipart message');
      return next;
    }
    if (message.kind === 'close') {
      this.drop(key, 'left');
      return next;
    }
    this.follow(session, route, sameSource);
    if (message.kind === 'data') this.deliver(session, message.parts);
    else if (message.kind === 'ping') this.pong(session, message.context);
    return next;
  }

  /** An authentic, fresh MESSAGE (heartbeats too) is activity, and moves the session to its route. */
  private follow(session: ServerSession, route: Buffer[], sameSource: boolean): void {
    if (!sameSource) {
      session.route = route;
      this.events.emit('session:move', session.key);
    }
    session.touch();
  }

  private deliver(session: ServerSession, parts: Buffer[]): void {
    const key = session.key;
    this.inbox.push({
      parts,
      sessionId: key,
      peer: session.mechanism.peer!,
      reply: (message) => this.send(key, message),
    });
  }

  /**
   * Answers a PING on the socket the session sends over. A session that has sent nothing yet
   * answers over the Router, which fixes its channel as a `send()` would: its client checks one
   * nonce sequence, and two sockets keep no order between them.
   */
  private pong(session: ServerSession, context: Buffer): void {
    session.channel ??= 'route';
    this.sendTo(session, () => encodePong(session.mechanism, session.id, context)).catch(this.onFault);
  }

  /**
   * Sends on the session's channel: into the Router's outgoing queue (encoded now, so nonces
   * are in queue order), or encoded in the PUB send queue (nonces in wire order).
   */
  private sendTo(session: ServerSession, encode: () => Buffer[]): Promise<void> {
    const publisher = session.channel === 'pub' ? this.publisher : undefined;
    if (publisher === undefined) {
      if (!session.closed) this.outbox.push(encode(), false, session.key, session.route);
      return Promise.resolve();
    }
    return this.sendQueue.run(async () => {
      if (session.closed) return;
      await publisher.send(encode());
    });
  }

  private readySession(sessionId: string, channel: 'route' | 'pub'): ServerSession {
    const session = this.sessions.get(sessionId);
    if (session?.state !== 'ready') throw gone(sessionId);
    if (session.channel !== undefined && session.channel !== channel) {
      throw new StateError(`session ${sessionId} already sends over ${session.channel === 'pub' ? 'PUB' : 'the Router'}`);
    }
    session.channel = channel;
    return session;
  }

  /**
   * Drops a session. A ready session the server ends (expired, closed) gets the CLOSE command
   * first, on the socket it sends over, so its client stops instead of talking into the void.
   * It is encrypted like any MESSAGE, so nobody else can end a session that way.
   */
  private drop(key: string, reason: SessionCloseReason, error?: Error): void {
    const session = this.sessions.get(key);
    if (session === undefined) return;
    this.sessions.delete(key);
    this.pending.delete(key);
    if (session.state === 'ready' && (reason === 'expired' || reason === 'closed')) this.sayGoodbye(session);
    session.dispose();
    this.publisher?.cancel(sessionTopic(session.id), gone(key));
    this.events.emit('session:close', key, reason, error);
  }

  private sayGoodbye(session: ServerSession): void {
    let frames: Buffer[];
    try {
      frames = encodeClose(session.mechanism, session.id);
    } catch {
      return; // No nonce left: the client will learn from the silence.
    }
    const publisher = session.channel === 'pub' ? this.publisher : undefined;
    if (publisher === undefined) return this.outbox.push(frames, false, session.key, session.route);
    this.sendQueue.run(() => publisher.send(frames)).catch(() => undefined);
  }
}

/** Whether a batch's route is its session's: the session route it was compared with, and the answer. */
interface RouteCheck {
  known: Buffer[] | undefined;
  same: boolean;
}

function gone(sessionId: string): ChannelError {
  return new ChannelError('ERR_CHANNEL_CLOSED', `no session ${sessionId}`);
}
