/**
 * A fleet server's side of a Binary Star pair (the Guide's chapter 4 over CHP, as its Clone
 * model 6 does): state heartbeats on a PUB/SUB pair of their own (native CURVE, only the peer's
 * key admitted), the {@link BinaryStar} rules, and while passive a replica that follows the
 * active peer (the server mirrors it into its map and journal) and matches the KVSETs held
 * pending against the UUIDs the peer publishes.
 *
 * @module
 */
import '../require-zeromq';
import * as zmq from 'zeromq';
import { BinaryStar, encodeHeartbeat, parseHeartbeat, type BinaryStarRole, type BinaryStarState, type BinaryStarStep } from '../../../fleet/binary-star';
import type { Kvpub, Kvset } from '../../../fleet/codec';
import { ChpError } from '../../../fleet/errors';
import type { MapEntry } from '../../../fleet/key-map';
import { PendingUpdates, type HoldVerdict } from '../../../fleet/pending';
import { keyToZ85, toPublicKey, type KeyLike } from '../../../keys';
import { startReader } from '../link';
import { nativeCurveClient } from '../native-curve';
import { SerialQueue } from '../serial-queue';
import { FleetReplica } from './replica';
import { checkBasePort, socketLimits, type FleetLimits } from './sockets';

/** The `pair` option of a fleet server. */
export interface FleetPairOptions {
  /** Which server of the pair this is. */
  readonly role: BinaryStarRole;
  /** Port this server publishes its state on (a PUB bound on the server's `host`). */
  readonly statePort: number;
  /** The other server. */
  readonly peer: {
    /** Its host (default 127.0.0.1). */
    readonly host?: string;
    /** Its base port P: this server follows it there while passive. */
    readonly port: number;
    /** Its state port (its own `pair.statePort`). */
    readonly statePort: number;
    /** Its CURVE public key (required unless `curve` is false); admitted on every socket with every right. */
    readonly publicKey?: KeyLike;
  };
}

/** What the pair needs from its server. */
export interface PairHost {
  readonly secure: boolean;
  readonly secretKey: KeyLike | undefined;
  readonly context: zmq.Context;
  readonly curveServer: object;
  readonly host: string;
  readonly limits: FleetLimits;
  readonly heartbeat: number;
  readonly now: () => number;
  /** The server's map sequence now. */
  sequence(): number;
  /** The pending KVSETs to apply: this server is now active. */
  becameActive(pending: Kvset[]): void;
  /** The follower took a snapshot of the active peer's map. */
  followed(entries: MapEntry[], sequence: number): void;
  /** The follower applied an update the active peer published. */
  followedUpdate(update: Kvpub): void;
  /** A state change. */
  changed(step: BinaryStarStep): void;
  fault(error: unknown): void;
}

/** The state sockets, bound before the server starts serving. */
export interface PairSockets {
  readonly statePub: zmq.Publisher;
  readonly stateSub: zmq.Subscriber;
}

/** ZAP domain of the state PUB: only the peer's key gets in. */
export const STATE_DOMAIN = 'chp.state';

/**
 * Checks the `pair` option.
 *
 * @throws {@link TypeError}/{@link RangeError} naming a bad option
 */
export function checkPair(pair: FleetPairOptions, secure: boolean): { options: FleetPairOptions; peerKey: string | undefined } {
  if (typeof pair !== 'object' || pair === null) throw new TypeError('"options.pair" expected an object');
  if (pair.role !== 'primary' && pair.role !== 'backup') throw new TypeError('"options.pair.role" expected "primary" or "backup"');
  checkPort(pair.statePort, 'options.pair.statePort');
  if (typeof pair.peer !== 'object' || pair.peer === null) throw new TypeError('"options.pair.peer" expected an object');
  checkBasePort(pair.peer.port, 'options.pair.peer.port');
  checkPort(pair.peer.statePort, 'options.pair.peer.statePort');
  if (pair.peer.host !== undefined && typeof pair.peer.host !== 'string') throw new TypeError('"options.pair.peer.host" expected a string');
  if (secure && pair.peer.publicKey === undefined) throw new TypeError('"options.pair.peer.publicKey" is required unless "options.curve" is false');
  const peerKey = secure ? keyToZ85(toPublicKey(pair.peer.publicKey as KeyLike, 'options.pair.peer.publicKey')) : undefined;
  return { options: pair, peerKey };
}

function checkPort(port: unknown, name: string): void {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`"${name}" expected an integer from 1 to 65535`);
}

/** One server's side of the pair. */
export class PairMember {
  readonly pending: PendingUpdates;
  private readonly star: BinaryStar;
  private follower: FleetReplica | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly sends = new SerialQueue();
  private readonly statePub: zmq.Publisher;
  private readonly stateSub: zmq.Subscriber;

  /** Starts deciding, on the sockets {@link PairMember.bind} made. */
  constructor(
    private readonly options: FleetPairOptions,
    private readonly server: PairHost,
    { statePub, stateSub }: PairSockets,
  ) {
    this.statePub = statePub;
    this.stateSub = stateSub;
    this.star = new BinaryStar(options.role, server.heartbeat, server.now());
    this.pending = new PendingUpdates();
    startReader(stateSub, (frames) => this.onHeartbeat(frames), (error) => server.fault(error));
    this.timer = setInterval(() => this.sendState(), server.heartbeat);
    this.timer.unref();
    this.sendState();
  }

  /** Binds the state PUB and connects to the peer's. */
  static async bind(options: FleetPairOptions, server: Pick<PairHost, 'secure' | 'secretKey' | 'context' | 'curveServer' | 'host' | 'limits'>): Promise<PairSockets> {
    const limits = socketLimits(server.limits);
    const own = { context: server.context, maxMessageSize: limits.maxMessageSize, handshakeInterval: limits.handshakeInterval, linger: 0 };
    const statePub = new zmq.Publisher({ ...own, ...server.curveServer, ...(server.secure ? { zapDomain: STATE_DOMAIN } : {}), sendHighWaterMark: 2 });
    const curve = server.secure ? nativeCurveClient({ secretKey: server.secretKey as KeyLike, serverKey: options.peer.publicKey as KeyLike }) : {};
    // Only the latest state matters: a short queue, and a heartbeat is never worth waiting for.
    const stateSub = new zmq.Subscriber({ ...own, ...curve, receiveHighWaterMark: 10 });
    try {
      await statePub.bind(`tcp://${server.host}:${options.statePort}`);
    } catch (error) {
      statePub.close();
      stateSub.close();
      throw error;
    }
    stateSub.subscribe();
    stateSub.connect(`tcp://${options.peer.host ?? '127.0.0.1'}:${options.peer.statePort}`);
    return { statePub, stateSub };
  }

  /** The Binary Star state now. */
  get state(): BinaryStarState {
    return this.star.state;
  }

  get active(): boolean {
    return this.star.state === 'active';
  }

  /** A client's snapshot request (its vote): whether to serve it; a passive server whose peer is gone takes over first. */
  clientRequest(): boolean {
    const { serve, step } = this.star.onClientRequest(this.server.now());
    this.afterStep(step);
    return serve;
  }

  /** A client's KVSET while not active: held until published, or dropped. */
  hold(kvset: Kvset): HoldVerdict {
    return this.pending.hold(kvset);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    void this.follower?.close();
    this.follower = undefined;
    this.statePub.close();
    this.stateSub.close();
  }

  private onHeartbeat(frames: Buffer[]): void {
    const heartbeat = parseHeartbeat(frames);
    if (heartbeat instanceof ChpError) return; // only the peer's key gets in; a bad frame is a bug there, not ours to act on
    this.afterStep(this.star.onPeer(heartbeat, this.server.sequence(), this.server.now()));
  }

  private afterStep(step: BinaryStarStep): void {
    if (step.from === step.to || this.closed) return;
    if (step.to === 'passive') this.follow();
    if (step.to === 'active') {
      void this.follower?.close();
      this.follower = undefined;
      this.server.becameActive(this.pending.take());
    }
    this.server.changed(step);
    this.sendState(); // at once: the peer decides on it
  }

  /** Follows the active peer as a replica of its whole map. */
  private follow(): void {
    const peer = this.options.peer;
    const follower = FleetReplica.start({
      host: peer.host ?? '127.0.0.1',
      port: peer.port,
      ...(this.server.secure ? { serverKey: peer.publicKey, secretKey: this.server.secretKey } : { curve: false }),
      heartbeatTimeout: 3 * this.server.heartbeat,
      maxEntries: this.server.limits.maxEntries,
      maxValueSize: this.server.limits.maxValueSize,
      queueLength: this.server.limits.queueLength,
    });
    this.follower = follower;
    follower.events.on('published', (update) => this.pending.onPublished(update.uuid));
    let requested = 0;
    follower.events.on('requesting', () => (requested = this.pending.mark()));
    follower.events.on('snapshot', (sequence) => {
      this.pending.dropUntil(requested);
      this.server.followed([...follower.entries()], sequence);
    });
    follower.events.on('update', (update) => this.server.followedUpdate(update));
  }

  private sendState(): void {
    if (this.closed) return;
    const frames = encodeHeartbeat({ state: this.star.state, sequence: this.server.sequence() });
    // A PUB never blocks (it drops at its high-water mark): a lost heartbeat is replaced by the next.
    this.sends.run(() => this.statePub.send(frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength)))).catch(() => undefined);
  }
}
