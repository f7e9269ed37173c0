/**
 * The FileMQ server over a zeromq Router: one {@link ServerSession} per routing id, many
 * clients at once. The session (and its handshake driver) decides; this file moves frames,
 * keeps the peerings within their limits and deadlines, builds manifests and reads file pieces.
 *
 * Nothing unbounded before authentication: ZeroMQ drops a connection whose frame announces more
 * than `maxFrameSize` before buffering it; a peering not yet granted refuses frames over its
 * mechanism's largest handshake command, takes nothing while the authorizer decides, holds one
 * of `maxHandshakes` slots (the oldest evicted to make room) and ends at `handshakeTimeout`.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import * as zmq from 'zeromq';
import type { Authorizer } from '../../../auth';
import { channelLimits, checkDuration, checkSize, type ChannelLimits, type ChannelLimitsInit } from '../../../channel/limits';
import { ChannelError } from '../../../errors';
import { DecisionGate, peerKeyZ85, revocation, type SessionRevoker } from '../../../channel/revocation';
import type { KeyLike } from '../../../keys';
import type { FileMqError } from '../../../filemq/errors';
import { TreeSource } from '../../../filemq/fs-source';
import { planTransfers } from '../../../filemq/manifest';
import { normaliseSubscription } from '../../../filemq/paths';
import { DEFAULT_CHUNK_SIZE, ServerSession, type ServerActions } from '../../../filemq/server-session';
import type { PeerIdentity } from '../../../mechanism';
import type { PeerOrigin } from '../../mechanism-choice';
import { loopLink, type Link } from '../link';
import { serverFactories, type FileMqMechanisms, type NamedServerSessions } from './factories';

/**
 * Options of {@link FileMqServer}: the accepted mechanism (`mechanism`, with `registry` for a
 * name, and `mechanismOptions`), or several in order of preference (`mechanisms`).
 */
export type FileMqServerOptions = FileMqServerSettings & FileMqMechanisms;

/** Options of {@link FileMqServer} besides its mechanisms. */
export interface FileMqServerSettings
  extends Pick<ChannelLimitsInit, 'handshakeTimeout' | 'idleTimeout' | 'maxHandshakes' | 'maxSessions' | 'maxFrameSize'> {
  /** The directory to serve. */
  readonly root: string;
  /** Decides who may enter (required; `allowAny()` lets everyone in). */
  readonly authorizer: Authorizer;
  /** Most file bytes per CHEEZBURGER (default 512 KiB). */
  readonly chunkSize?: number;
  /** @deprecated use `idleTimeout` */
  readonly sessionTimeout?: number;
}

/** Events of a {@link FileMqServer}. */
export interface FileMqServerEvents {
  /** A client was granted access. */
  handshake: [peer: PeerIdentity, origin: PeerOrigin];
  /** A peering ended before access: refused, failed, too large a frame, evicted or expired. */
  handshakeError: [error: Error, origin: PeerOrigin];
  /** @deprecated use `'handshake'` */
  'session:ready': [route: string, peer: PeerIdentity];
  /** A chunk was sent: `length` file bytes of `path` at `offset`, with `credit` left. */
  chunk: [route: string, path: string, offset: number, length: number, credit: number];
  /** A peering ended: closed by the client, refused, faulty or expired. */
  'session:close': [route: string, error: FileMqError | Error | undefined];
  /** A socket fault under the server, or an unexpected error in one peering (which is dropped). */
  fault: [error: unknown];
  /** The server closed. */
  close: [];
}

interface Peering {
  readonly route: Buffer;
  readonly key: string;
  readonly origin: PeerOrigin;
  readonly session: ServerSession;
  /** The handshake deadline, cleared once access is granted. */
  deadline: NodeJS.Timeout | undefined;
  lastSeen: number;
  pumping: boolean;
}

/**
 * Serves a directory to FileMQ clients.
 *
 * ```typescript
 * const server = new FileMqServer({
 *   root: '/srv/files',
 *   mechanism: definition,
 *   mechanismOptions: { secretKey },
 *   authorizer: allowKeys(clientKeys),
 * })
 * const endpoint = await server.bind('tcp://127.0.0.1:*')
 * ```
 */
export class FileMqServer extends EventEmitter<FileMqServerEvents> implements SessionRevoker {
  private readonly source: TreeSource;
  private readonly factories: NamedServerSessions[];
  /** The caller's authorizer, through a gate that {@link endSessions} can close on a key. */
  private readonly gate: DecisionGate;
  private readonly authorizer: Authorizer;
  private readonly limits: ChannelLimits;
  private readonly socket: zmq.Router;
  private readonly link: Link;
  /** Every peering by routing id. */
  private readonly peerings = new Map<string, Peering>();
  /** The peerings not yet granted, oldest first (a Set keeps insertion order): eviction's queue. */
  private readonly pending = new Set<Peering>();
  private readonly chunkSize: number;
  private readonly sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  /**
   * @throws {@link TypeError} for a missing root or authorizer, or a bad mechanism
   * @throws {@link RangeError} naming a limit out of range
   */
  constructor(options: FileMqServerOptions) {
    super();
    if (typeof options?.root !== 'string' || options.root === '') throw new TypeError('"root" expected a directory path');
    if (typeof options.authorizer !== 'function') {
      throw new TypeError('"options.authorizer" is required: pass a function deciding who may enter (allowAny() lets everyone in)');
    }
    // A Router never learns that a client went away, so a granted peering must expire on its
    // own: 60 s of silence, twice the client's HUGZ interval, unless the caller says otherwise.
    checkDuration(options.sessionTimeout, 'options.sessionTimeout', 0); // deprecated: checked under its own name
    const idleTimeout = options.idleTimeout ?? options.sessionTimeout;
    this.limits = channelLimits({ ...options, idleTimeout }, 'options', { idleTimeout: 60_000 });
    this.source = new TreeSource(options.root);
    this.factories = serverFactories(options);
    this.gate = new DecisionGate(options.authorizer);
    this.authorizer = this.gate.authorizer;
    this.chunkSize = checkSize(options.chunkSize, 'options.chunkSize', DEFAULT_CHUNK_SIZE);
    // maxFrameSize bounds the largest legitimate frame (an ICANHAZ listing the client's files,
    // about 80 bytes a file): ZeroMQ drops a connection announcing more, before buffering it.
    this.socket = new zmq.Router({ mandatory: true, linger: 0, maxMessageSize: this.limits.maxFrameSize, receiveHighWaterMark: 8 });
    this.link = loopLink(this.socket, (frames) => this.onMessage(frames), (error) => this.emit('fault', error));
    if (this.limits.idleTimeout > 0) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(50, this.limits.idleTimeout / 4));
      this.sweeper.unref();
    }
  }

  /** @deprecated the server is the event emitter: use `server.on(...)` */
  get events(): this {
    return this;
  }

  /** Binds to `endpoint`; returns the endpoint actually bound (for `tcp://...:*`). */
  async bind(endpoint: string): Promise<string> {
    await this.socket.bind(endpoint);
    return this.socket.lastEndpoint ?? endpoint;
  }

  /** Peerings in progress, handshaking or granted. */
  get sessions(): number {
    return this.peerings.size;
  }

  /**
   * Stops serving, closes the socket and wipes the endpoint's shared secrets (through each
   * mechanism's `ServerSessions.close()`, such as cookie keys); decisions still pending are
   * ignored. Resolves at once (the socket lingers 0 ms); calling it again does nothing.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const peering of this.peerings.values()) {
      clearTimeout(peering.deadline);
      peering.session.close();
    }
    this.peerings.clear();
    this.pending.clear();
    for (const factory of this.factories) factory.create.close?.();
    clearInterval(this.sweeper);
    this.link.close();
    this.emit('close');
  }

  /**
   * Ends every granted peering of `publicKey`: the client gets RTFM carrying `reason` (sealed;
   * it fails with `ERR_FILEMQ_RTFM`), and `'session:close'` reports `ERR_REVOKED`. A handshake
   * of the key waiting for the authorizer is refused (`'handshakeError'`, SRSLY to the client).
   * Resolves with how many ended.
   *
   * @throws {@link TypeError}/{@link RangeError} naming `publicKey` or `reason`
   */
  endSessions(publicKey: KeyLike, reason?: string): Promise<number> {
    const revoked = revocation(publicKey, reason);
    let ended = this.gate.cancel(revoked.publicKeyZ85, revoked.reason);
    for (const peering of [...this.peerings.values()]) {
      if (this.pending.has(peering) || peerKeyZ85(peering.session.peer) !== revoked.publicKeyZ85) continue;
      // Forgotten first, told after, as apply() does with any ending.
      const { send } = peering.session.abort(`revoked: ${revoked.reason}`);
      this.drop(peering, revoked.error());
      for (const frame of send) void this.send(peering, frame);
      ended += 1;
    }
    return Promise.resolve(ended);
  }

  private onMessage(frames: Buffer[]): Promise<void> | undefined {
    const [route, frame, ...extra] = frames;
    // A frame read as close() began: the session factories are closed and would throw.
    if (this.closed) return undefined;
    if (route === undefined || frame === undefined || extra.length > 0) return undefined;
    const key = route.toString('hex');
    const peering = this.peerings.get(key) ?? this.open(key, route, frame);
    if (peering === undefined) return undefined;
    let actions: ServerActions;
    try {
      actions = peering.session.receive(frame);
    } catch (error) {
      // A bug, not the peer's doing (the session codes what the peer does): the peering goes.
      this.fault(peering, error);
      return undefined;
    }
    // Only a frame the session took is a sign of life: junk must not keep a slot alive.
    if (actions.dropped !== true) peering.lastSeen = Date.now();
    return this.guard(peering, this.apply(peering, actions));
  }

  /** Opens a peering for an OHAI, making room within the limits; anything else is dropped unseen. */
  private open(key: string, route: Buffer, frame: Buffer): Peering | undefined {
    const isOhai = frame.length > 2 && frame[0] === 0xaa && frame[1] === 0xa3 && frame[2] === 1;
    if (!isOhai) return undefined;
    const origin: PeerOrigin = { sessionId: key };
    if (this.pending.size >= this.limits.maxHandshakes || this.peerings.size >= this.limits.maxSessions) {
      if (!this.evict()) {
        this.emit('handshakeError', new ChannelError('ERR_LIMIT_REACHED', `all ${this.limits.maxSessions} sessions are granted`), origin);
        return undefined;
      }
    }
    const peering: Peering = {
      route: Buffer.from(route),
      key,
      origin,
      session: new ServerSession({
        mechanisms: this.factories,
        authorizer: this.authorizer,
        chunkSize: this.chunkSize,
        handshakeTimeout: this.limits.handshakeTimeout,
        onDecision: (actions) => {
          if (this.alive(peering)) void this.guard(peering, this.apply(peering, actions));
        },
      }),
      deadline: undefined,
      lastSeen: Date.now(),
      pumping: false,
    };
    peering.deadline = setTimeout(() => {
      if (this.alive(peering)) void this.guard(peering, this.apply(peering, peering.session.expire()));
    }, this.limits.handshakeTimeout);
    peering.deadline.unref();
    this.peerings.set(key, peering);
    this.pending.add(peering);
    return peering;
  }

  /**
   * Makes room for a new handshake, as a SYN cache does: the oldest peering not yet granted
   * goes, preferably one not waiting for the authorizer. A flood of OHAIs then only shortens
   * how long a half-open peering may stall, instead of locking every good client out.
   *
   * @returns false when every peering was granted access (none may be evicted)
   */
  private evict(): boolean {
    let victim: Peering | undefined;
    for (const peering of this.pending) {
      victim ??= peering;
      if (!peering.session.deciding) {
        victim = peering;
        break;
      }
    }
    if (victim === undefined) return false;
    this.drop(victim, new ChannelError('ERR_LIMIT_REACHED', 'evicted to make room for a newer handshake'));
    return true;
  }

  private async apply(peering: Peering, actions: ServerActions): Promise<void> {
    if (actions.close === true) {
      // Forgotten first, told after: the peer may be gone, and a mandatory Router left with no
      // peer at all holds a send until one connects, which must not hold the peering's end.
      this.drop(peering, actions.error);
      for (const frame of actions.send) void this.send(peering, frame);
      return;
    }
    // Queued at once: the frames were sealed in order, and nothing may slip in between.
    const sent = await Promise.all(actions.send.map((frame) => this.send(peering, frame)));
    if (sent.includes(false)) return;
    if (actions.granted === true) {
      clearTimeout(peering.deadline);
      peering.deadline = undefined;
      this.pending.delete(peering);
      const peer = peering.session.peer!;
      this.emit('handshake', peer, peering.origin);
      this.emit('session:ready', peering.key, peer);
    }
    if (actions.subscribe !== undefined) void this.guard(peering, this.plan(peering, actions.subscribe.path, actions.subscribe.cache));
    else if (peering.session.authenticated) void this.guard(peering, this.pump(peering));
  }

  private async plan(peering: Peering, path: string, cache: Parameters<typeof planTransfers>[2]): Promise<void> {
    const subscription = normaliseSubscription(path);
    try {
      const manifest = await this.source.manifest(subscription);
      const transfers = planTransfers(manifest, subscription, cache);
      if (this.alive(peering)) await this.apply(peering, peering.session.offer(transfers, manifest.length));
    } catch (error) {
      if (this.alive(peering)) await this.apply(peering, peering.session.abort(`cannot list ${path}: ${(error as Error).message}`));
    }
  }

  /** Sends chunks while credit lasts; one pump per peering at a time. */
  private async pump(peering: Peering): Promise<void> {
    if (peering.pumping) return;
    peering.pumping = true;
    try {
      for (let read = peering.session.nextRead(); read !== undefined && this.alive(peering); read = peering.session.nextRead()) {
        let frame: Uint8Array;
        try {
          frame = peering.session.chunk(await this.source.read(read));
        } catch (error) {
          await this.apply(peering, peering.session.abort((error as Error).message));
          return;
        }
        this.emit('chunk', peering.key, read.path, read.offset, read.length, peering.session.credit);
        if (!(await this.send(peering, frame))) return;
      }
    } finally {
      peering.pumping = false;
    }
  }

  private async send(peering: Peering, frame: Uint8Array): Promise<boolean> {
    try {
      await this.link.send([peering.route, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)]);
      return true;
    } catch (error) {
      // EHOSTUNREACH: the client went away; its peering goes with it.
      this.drop(peering, error as Error);
      return false;
    }
  }

  /**
   * Finding 7: every promise the server starts ends here, so that nothing it does (a late
   * decision meeting a closed session, a listener that throws) can become an unhandled
   * rejection and end the process: the failure drops that peering and is reported as `'fault'`.
   */
  private guard(peering: Peering, work: Promise<void>): Promise<void> {
    return work.catch((error: unknown) => this.fault(peering, error));
  }

  private fault(peering: Peering, error: unknown): void {
    try {
      this.drop(peering, error instanceof Error ? error : new Error(String(error)));
      this.emit('fault', error);
    } catch {
      // A listener that throws while a fault is reported has nowhere left to report to.
    }
  }

  private alive(peering: Peering): boolean {
    return !this.closed && this.peerings.get(peering.key) === peering;
  }

  /** Forgets a peering; one that never got access reports why with `'handshakeError'`. */
  private drop(peering: Peering, error: Error | undefined): void {
    if (!this.alive(peering)) return;
    const granted = !this.pending.has(peering);
    this.peerings.delete(peering.key);
    this.pending.delete(peering);
    clearTimeout(peering.deadline);
    peering.session.close();
    if (!granted) this.emit('handshakeError', error ?? new ChannelError('ERR_CHANNEL_CLOSED', 'the peering ended before access'), peering.origin);
    this.emit('session:close', peering.key, error);
  }

  /** Forgets granted peerings silent for `idleTimeout` (handshakes have their own deadline). */
  private sweep(): void {
    const limit = Date.now() - this.limits.idleTimeout;
    for (const peering of this.peerings.values()) {
      if (peering.deadline === undefined && peering.lastSeen < limit) {
        this.drop(peering, new ChannelError('ERR_IDLE_TIMEOUT', `the peering was silent for ${this.limits.idleTimeout} ms`));
      }
    }
  }
}
