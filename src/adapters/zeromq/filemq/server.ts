/**
 * The FileMQ server over a zeromq Router: one {@link ServerSession} per routing id, many
 * clients at once. The session decides; this file only moves frames, asks the authorizer,
 * builds manifests and reads file pieces.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import * as zmq from 'zeromq';
import { decide, type Authorizer } from '../../../auth';
import type { FileMqError } from '../../../filemq/errors';
import { TreeSource } from '../../../filemq/fs-source';
import { planTransfers } from '../../../filemq/manifest';
import { normaliseSubscription } from '../../../filemq/paths';
import { ServerSession, type ServerActions } from '../../../filemq/server-session';
import type { PeerIdentity } from '../../../mechanism';
import { loopLink, type Link } from '../link';
import { serverFactories, type FileMqMechanisms, type NamedServerSessions } from './factories';

/**
 * Options of {@link FileMqServer}: the accepted mechanism (`mechanism`, with `registry` for a
 * name, and `mechanismOptions`), or several in order of preference (`mechanisms`).
 */
export type FileMqServerOptions = FileMqServerSettings & FileMqMechanisms;

/** Options of {@link FileMqServer} besides its mechanisms. */
export interface FileMqServerSettings {
  /** The directory to serve. */
  readonly root: string;
  /** Decides who may enter; without one every decision is 400 (fail closed). */
  readonly authorizer?: Authorizer;
  /** Most file bytes per CHEEZBURGER (default 512 KiB). */
  readonly chunkSize?: number;
  /** A peering silent for this many ms is dropped (default 60,000). */
  readonly sessionTimeout?: number;
  /** Most peerings at once (default 1,000); an OHAI beyond it is ignored. */
  readonly maxSessions?: number;
  /**
   * Largest frame accepted, in bytes (default 64 MiB): ZeroMQ drops the connection of a peer
   * that sends more, before any of it is buffered. The largest legitimate frame is an ICANHAZ
   * listing the client's files (about 80 bytes a file).
   */
  readonly maxFrameSize?: number;
}

/** Events of a {@link FileMqServer}. */
export interface FileMqServerEvents {
  /** A client was granted access. */
  'session:ready': [route: string, peer: PeerIdentity];
  /** A chunk was sent: `length` file bytes of `path` at `offset`, with `credit` left. */
  chunk: [route: string, path: string, offset: number, length: number, credit: number];
  /** A peering ended: closed by the client, refused, faulty or expired. */
  'session:close': [route: string, error: FileMqError | Error | undefined];
  /** A socket fault under the server. */
  fault: [error: unknown];
}

const denyAll: Authorizer = () => ({ status: 400, statusText: 'No authorizer' });

interface Peering {
  readonly route: Buffer;
  readonly key: string;
  readonly session: ServerSession;
  lastSeen: number;
  pumping: boolean;
}

/**
 * Serves a directory to FileMQ clients.
 *
 * ```typescript
 * const server = new FileMqServer({
 *   root: '/srv/files',
 *   mechanism: CURVE,
 *   mechanismOptions: { secretKey },
 *   authorizer: (request) => allowed.has(request.publicKeyZ85),
 * })
 * const endpoint = await server.bind('tcp://127.0.0.1:*')
 * ```
 */
export class FileMqServer {
  /** Events (see {@link FileMqServerEvents}). */
  readonly events = new EventEmitter<FileMqServerEvents>();
  private readonly source: TreeSource;
  private readonly factories: NamedServerSessions[];
  private readonly authorizer: Authorizer;
  private readonly socket: zmq.Router;
  private readonly link: Link;
  private readonly peerings = new Map<string, Peering>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly sessionTimeout: number;
  private readonly maxSessions: number;
  private closed = false;

  /** @throws {@link TypeError} / {@link RangeError} for a missing root or bad mechanism */
  constructor(private readonly options: FileMqServerOptions) {
    if (typeof options?.root !== 'string' || options.root === '') throw new TypeError('"root" expected a directory path');
    this.source = new TreeSource(options.root);
    this.factories = serverFactories(options);
    this.authorizer = options.authorizer ?? denyAll;
    this.sessionTimeout = options.sessionTimeout ?? 60_000;
    this.maxSessions = options.maxSessions ?? 1_000;
    this.socket = new zmq.Router({ mandatory: true, linger: 0, maxMessageSize: options.maxFrameSize ?? 64 * 1024 * 1024 });
    this.link = loopLink(this.socket, (frames) => this.onMessage(frames), (error) => this.events.emit('fault', error));
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, this.sessionTimeout / 4));
    this.sweeper.unref();
  }

  /** Binds to `endpoint`; returns the endpoint actually bound (for `tcp://...:*`). */
  async bind(endpoint: string): Promise<string> {
    await this.socket.bind(endpoint);
    return this.socket.lastEndpoint ?? endpoint;
  }

  /** Peerings in progress. */
  get sessions(): number {
    return this.peerings.size;
  }

  /**
   * Stops serving, closes the socket and wipes the endpoint's shared secrets (CURVE's cookie
   * keys, through each mechanism's `ServerSessions.close()`). Calling it again does nothing.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const factory of this.factories) factory.create.close?.();
    clearInterval(this.sweeper);
    this.peerings.clear();
    this.link.close();
  }

  private onMessage(frames: Buffer[]): Promise<void> | undefined {
    const [route, frame, ...extra] = frames;
    // A frame read as close() began: the session factories are closed and would throw.
    if (this.closed) return undefined;
    if (route === undefined || frame === undefined || extra.length > 0) return undefined;
    const key = route.toString('hex');
    let peering = this.peerings.get(key);
    if (peering === undefined) {
      // Only an OHAI opens a peering; anything else from an unknown route is dropped unseen.
      const isOhai = frame.length > 2 && frame[0] === 0xaa && frame[1] === 0xa3 && frame[2] === 1;
      if (!isOhai || this.peerings.size >= this.maxSessions) return undefined;
      const session = new ServerSession({ mechanisms: this.factories, chunkSize: this.options.chunkSize });
      peering = { route: Buffer.from(route), key, session, lastSeen: Date.now(), pumping: false };
      this.peerings.set(key, peering);
    }
    peering.lastSeen = Date.now();
    return this.apply(peering, peering.session.receive(frame));
  }

  private async apply(peering: Peering, actions: ServerActions): Promise<void> {
    // Queued at once: the frames were sealed in order, and nothing may slip in between.
    const sent = await Promise.all(actions.send.map((frame) => this.send(peering, frame)));
    if (sent.includes(false)) return;
    if (actions.close === true) return this.drop(peering, actions.error);
    if (actions.granted === true) this.events.emit('session:ready', peering.key, peering.session.peer!);
    if (actions.auth !== undefined) {
      const request = actions.auth;
      void decide(this.authorizer, request).then(async (decision) => {
        if (this.alive(peering)) await this.apply(peering, peering.session.authorize(decision));
      });
    } else if (actions.subscribe !== undefined) {
      void this.plan(peering, actions.subscribe.path, actions.subscribe.cache);
    } else {
      void this.pump(peering);
    }
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
        this.events.emit('chunk', peering.key, read.path, read.offset, read.length, peering.session.credit);
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

  private alive(peering: Peering): boolean {
    return this.peerings.get(peering.key) === peering;
  }

  private drop(peering: Peering, error: Error | undefined): void {
    if (!this.alive(peering)) return;
    this.peerings.delete(peering.key);
    this.events.emit('session:close', peering.key, error);
  }

  private sweep(): void {
    const limit = Date.now() - this.sessionTimeout;
    for (const peering of this.peerings.values()) {
      if (peering.lastSeen < limit) this.drop(peering, new Error('the peering expired'));
    }
  }
}
