/**
 * The server's socket side: a Router that keeps one mechanism per client session (the table
 * in `./session-table.ts`), runs each handshake through the shared handshake driver, and
 * delivers authenticated messages with per-message peer identity and route independence.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import * as zmq from 'zeromq';
import { Inbox } from '../../channel/inbox';
import type { ChannelLimits } from '../../channel/limits';
import { ChannelError, StateError } from '../../errors';
import { DecisionGate, revocation, type SessionRevoker } from '../../channel/revocation';
import type { KeyLike } from '../../keys';
import type { AnyDefinition, PeerIdentity, ServerSessions, WireTraits } from '../../mechanism';
import { serverSessions } from '../mechanism-choice';
import { encodeEnvelope, KIND_HANDSHAKE, sessionKey, sessionTopic, type Envelope } from './envelope';
import { startReader, writeLink, type Link } from './link';
import { decodeNext, encodeMessage, encodePong, parseFrames, tryEncodeClose, type NextMessage } from './message-codec';
import { packEnvelopes } from './packed';
import { Outbox } from './outbox';
import { partsBytes, toParts, type MessageLike } from './parts';
import { TopicPublisher } from './publisher';
import { SerialQueue } from './serial-queue';
import type { ServerEvents, SessionCloseReason, ZeroMqMessage, ZeroMqServerOptions } from './server-types';
import { sameRoute, splitRoute, type RouteCheck, type ServerSession } from './session';
import { ServerHandshakes } from './server-handshakes';
import type { SessionTable } from './session-table';
import { serverConfig } from './server-options';

/**
 * A secure server over a zeromq Router.
 *
 * ```typescript
 * const server = new ZeroMqServer({
 *   mechanism: definition, // or its name with registry: defaultRegistry
 *   mechanismOptions: {secretKey},
 *   authorizer: (request) => allowed.has(request.publicKeyZ85),
 * })
 * await server.bind('tcp://127.0.0.1:5555')
 * for await (const message of server) await message.reply(message.parts)
 * ```
 */
export class ZeroMqServer<D extends AnyDefinition = AnyDefinition> extends EventEmitter<ServerEvents> implements AsyncIterable<ZeroMqMessage>, SessionRevoker {
  private readonly makeMechanism: ServerSessions;
  /** The caller's authorizer, through a gate that {@link endSessions} can close on a key. */
  private readonly gate: DecisionGate;
  private readonly socket: zmq.Router;
  private readonly link: Link;
  private readonly limits: ChannelLimits;
  private readonly publishTimeout: number;
  /** How parts travel (wire trait): sealed ones from another route are decoded whole or not at all. */
  private readonly parts: WireTraits['parts'];
  private readonly handshakes: ServerHandshakes;
  private readonly table: SessionTable;
  private readonly inbox: Inbox<ZeroMqMessage>;
  /** Orders the PUB socket's sends (publish, and PONG and CLOSE of sessions that publish). */
  private readonly sendQueue = new SerialQueue();
  /** The Router's outgoing queue: handshake commands alone, each session's messages in batches. */
  private readonly outbox: Outbox;
  private publisher: TopicPublisher | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private reading = false;

  /**
   * @throws {@link TypeError} when `options.authorizer` is missing or an option has the wrong
   *   type, or `options.socket` has no `maxMessageSize` ceiling
   * @throws {@link RangeError} naming a limit or timeout out of range
   */
  constructor(typed: ZeroMqServerOptions<D>) {
    super();
    // The mechanism's type has done its work at the call; from here on the options are checked at run time.
    const options = typed as ZeroMqServerOptions;
    const { limits, wire, maxMessageSize, receiveHighWaterMark, sendHighWaterMark, publishTimeout } = serverConfig(options);
    this.limits = limits;
    this.publishTimeout = publishTimeout;
    this.parts = wire.parts;
    const makeMechanism = serverSessions(options);
    this.makeMechanism = makeMechanism;
    this.gate = new DecisionGate(options.authorizer);
    this.handshakes = new ServerHandshakes({
      events: this,
      limits: this.limits,
      wire,
      authorizer: this.gate.authorizer,
      makeMechanism: () => makeMechanism(),
      send: (session, blob) => this.outbox.push([encodeEnvelope(KIND_HANDSHAKE, session.id, blob)], true, session.key, session.route),
      drop: (key, reason, error) => this.drop(key, reason, error),
      fault: this.onFault,
      closed: () => this.closed,
    });
    this.table = this.handshakes.table;
    this.inbox = new Inbox({ maxItems: receiveHighWaterMark, maxBytes: this.limits.maxBufferedBytes, sizeOf: messageBytes });
    this.socket = options.socket ?? new zmq.Router({ maxMessageSize });
    this.link = writeLink(this.socket);
    this.outbox = new Outbox({
      highWaterMark: sendHighWaterMark,
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

  /** @deprecated the server is itself the event emitter: use `server.on(...)` */
  get events(): this {
    return this;
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
    // Only ready sessions' topics are recorded: anyone may subscribe, authenticated or not.
    this.publisher = new TopicPublisher((id) => this.table.get(sessionKey(id))?.state === 'ready', this.onFault);
    return this.publisher.bind(endpoint);
  }

  /** Number of sessions (handshaking and ready). */
  get sessionCount(): number {
    return this.table.size;
  }

  /** The authenticated client of a session, or `undefined` for an unknown or handshaking one. */
  peerOf(sessionId: string): PeerIdentity | undefined {
    const session = this.table.get(sessionId);
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
   * @throws {@link ChannelError} `ERR_CHANNEL_CLOSED` when the session is unknown or closes,
   *   `ERR_IDLE_TIMEOUT` when no subscriber of the session came within `publishTimeout`
   */
  async publish(sessionId: string, message: MessageLike): Promise<void> {
    const parts = toParts(message);
    const publisher = this.publisher;
    if (publisher === undefined) throw new StateError('publish() needs bindPublisher() first');
    const session = this.readySession(sessionId, 'pub');
    await publisher.whenSubscribed(sessionTopic(session.id), this.publishTimeout);
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

  /**
   * Ends every ready session of `publicKey`: its client gets CLOSE (ZeroMQ and CURVE have no
   * error command after the handshake, so it fails with `ERR_CHANNEL_CLOSED`), and
   * `'session:close'` reports `'closed'` with `ERR_REVOKED`. A handshake of the key waiting for
   * the authorizer is refused (`ERR_AUTH_DENIED`, ERROR to the client). Resolves with how many.
   *
   * @throws {@link TypeError}/{@link RangeError} naming `publicKey` or `reason`
   */
  endSessions(publicKey: KeyLike, reason?: string): Promise<number> {
    const revoked = revocation(publicKey, reason);
    const ready = this.table.readyOf(revoked.publicKeyZ85);
    for (const session of ready) this.drop(session.key, 'closed', revoked.error());
    return Promise.resolve(ready.length + this.gate.cancel(revoked.publicKeyZ85, revoked.reason));
  }

  /** The next message from any session. Rejects with `ERR_CHANNEL_CLOSED` once closed. */
  receive(): Promise<ZeroMqMessage> {
    return this.inbox.pull();
  }

  /** Iterates over received messages until the server closes. */
  [Symbol.asyncIterator](): AsyncIterator<ZeroMqMessage> {
    return this.inbox[Symbol.asyncIterator]();
  }

  /**
   * Drops every session (telling each ready client with CLOSE), wipes the endpoint's shared
   * secrets (such as cookie keys) and closes the sockets once those last sends are queued.
   * Pending and later receives reject. Resolves once the sockets are closed: in bounded time,
   * because every last send fails at once when ZeroMQ cannot take it (send timeout 0), and
   * libzmq then holds what it took for the socket's linger at most.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closed = true;
    // A Router with `mandatory` set could block a send; at close nothing may wait.
    this.socket.sendTimeout = 0;
    for (const key of this.table.keys()) this.drop(key, 'closed');
    this.makeMechanism.close?.(); // wipes the endpoint's secrets (such as cookie keys)
    const closed = new ChannelError('ERR_CHANNEL_CLOSED', 'the server is closed');
    this.inbox.end(closed, true);
    const flushed = this.outbox.idle();
    this.closing = this.sendQueue.run(async () => {
      await flushed;
      this.outbox.end(closed);
      this.publisher?.close();
      this.link.close();
    });
    this.emit('close');
    return this.closing;
  }

  private readonly onFault = (error: unknown): void => {
    this.emit('fault', error);
  };

  private async onMessage(frames: Buffer[]): Promise<void> {
    if (this.closed) return;
    const split = splitRoute(frames);
    const envelopes = split && parseFrames(split.body);
    const first = envelopes?.[0];
    if (split === undefined || envelopes === undefined || first === undefined) {
      this.emit('message:drop', 'not an envelope');
      return;
    }
    if (first.kind === KIND_HANDSHAKE) this.handshakes.onHandshake(first, envelopes.length, split.route);
    else this.onBatch(envelopes, split.route);
    // Backpressure: the Router is not read while the inbox holds maxBufferedBytes or more.
    await this.inbox.drained();
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
    const session = this.table.get(key);
    if (session?.state !== 'ready') return void this.emit('message:drop', 'MESSAGE for no ready session');
    // Compared once per batch, and again only when the session's route changed (a move).
    if (source.known !== session.route) {
      source.known = session.route;
      source.same = sameRoute(session.route, route);
    }
    const sameSource = source.same;
    let result: NextMessage;
    try {
      result = decodeNext(session.mechanism, blobs, index, sameSource ? 'fail' : 'keep', true, this.parts);
    } catch (error) {
      // ERR_PROTOCOL: an authentic PING without its TTL (the heartbeat policy), from any route.
      if (sameSource || (error as { code?: string }).code === 'ERR_PROTOCOL') this.drop(key, 'failed', error as Error);
      else this.emit('message:drop', 'MESSAGE from another route did not authenticate');
      return undefined;
    }
    const { message, next, unread } = result;
    if (message === undefined) {
      this.emit('message:drop', unread ?? 'malformed multipart message');
      return next;
    }
    if (message.kind === 'close') {
      this.drop(key, 'left');
      return next;
    }
    if (message.kind === 'data' && partsBytes(message.parts) > this.limits.maxFrameSize) {
      this.drop(key, 'failed', new ChannelError('ERR_FRAME_TOO_LARGE', `a message over maxFrameSize (${this.limits.maxFrameSize} bytes)`));
      return undefined;
    }
    this.move(session, route, sameSource);
    if (message.kind === 'data') this.deliver(session, message.parts);
    else if (message.kind === 'ping') this.pong(session, message.context);
    return next;
  }

  /** An authentic, fresh MESSAGE (heartbeats too) is activity, and moves the session to its route. */
  private move(session: ServerSession, route: Buffer[], sameSource: boolean): void {
    if (!sameSource) {
      session.route = route;
      this.emit('session:move', session.key);
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
  private pong(session: ServerSession, context: Uint8Array): void {
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
    const session = this.table.get(sessionId);
    if (session?.state !== 'ready') throw gone(sessionId);
    if (session.channel !== undefined && session.channel !== channel) {
      throw new StateError(`session ${sessionId} already sends over ${session.channel === 'pub' ? 'PUB' : 'the Router'}`);
    }
    session.channel = channel;
    return session;
  }

  /**
   * Drops a session. A ready session the server ends (expired, closed, or failed: an oversized
   * message, a PING without TTL) gets the CLOSE command first, on the socket it sends over, so
   * its client stops instead of talking into the void; a mechanism that can no longer encode
   * (it failed on a bad MESSAGE) sends none. CLOSE is encrypted like any MESSAGE, so nobody
   * else can end a session that way.
   */
  private drop(key: string, reason: SessionCloseReason, error?: Error): void {
    const session = this.table.get(key);
    if (session === undefined) return;
    if (session.state === 'ready' && reason !== 'left') this.sayGoodbye(session);
    this.table.remove(key);
    this.publisher?.cancel(sessionTopic(session.id), gone(key));
    this.emit('session:close', key, reason, error);
  }

  private sayGoodbye(session: ServerSession): void {
    const frames = tryEncodeClose(session.mechanism, session.id);
    if (frames === undefined) return;
    const publisher = session.channel === 'pub' ? this.publisher : undefined;
    if (publisher === undefined) return this.outbox.push(frames, false, session.key, session.route);
    this.sendQueue.run(() => publisher.send(frames)).catch(() => undefined);
  }
}

function messageBytes(message: ZeroMqMessage): number {
  return partsBytes(message.parts);
}

function gone(sessionId: string): ChannelError {
  return new ChannelError('ERR_CHANNEL_CLOSED', `no session ${sessionId}`);
}
