/**
 * A fleet replica: a CHP client (RFC 12, the Guide's Clone model) that follows a fleet server
 * over native libzmq CURVE: it waits until its subscription is live, takes a snapshot of its
 * subtree (ICANHAZ ... KTHXBAI), then applies published updates newer than what it has. When
 * neither HUGZ nor an update arrives for `heartbeatTimeout`, it takes a new snapshot. It is a
 * {@link KeyLookup}, so `fleetAuthorizer(replica, { group })` admits the keys the fleet lists.
 *
 * @module
 */
import '../require-zeromq';
import { EventEmitter } from 'node:events';
import * as zmq from 'zeromq';
import { checkDuration } from '../../../channel/limits';
import { ChannelError } from '../../../errors';
import type { KeyLookup } from '../../../fleet/authorizer';
import { encodeChp, HUGZ, isValidSubtree, parseChp, type Kvpub } from '../../../fleet/codec';
import { ChpError } from '../../../fleet/errors';
import { groupSubtree } from '../../../fleet/key-entry';
import type { MapEntry } from '../../../fleet/key-map';
import { ReplicaState } from '../../../fleet/replica-state';
import type { KeyLike } from '../../../keys';
import { nativeCurveClient } from '../native-curve';
import { checkBasePort, fleetLimits, socketLimits, type FleetLimits, type FleetLimitsInit } from './sockets';

/** Options of {@link FleetReplica.start}. */
export interface FleetReplicaOptions extends FleetLimitsInit {
  /** The server's host (default 127.0.0.1). */
  readonly host?: string;
  /** The server's base port P. */
  readonly port: number;
  /** The server's CURVE public key (required unless `curve` is false). */
  readonly serverKey?: KeyLike;
  /** This replica's CURVE secret key; its public key must hold `read` (required unless `curve` is false). */
  readonly secretKey?: KeyLike;
  /** false: plain RFC 12 to a server started with `curve: false`. Default true. */
  readonly curve?: boolean;
  /** Follow only this group's keys (`/keys/<group>/`); exclusive with `subtree`. */
  readonly group?: string;
  /** The subtree followed ('' = everything, the default). */
  readonly subtree?: string;
  /** Milliseconds without HUGZ or update (or snapshot reply) before a new snapshot (default 3,000). */
  readonly heartbeatTimeout?: number;
  /** Unix milliseconds (injected for tests; default `Date.now`). */
  readonly now?: () => number;
}

/** Events of a {@link FleetReplica}. */
export interface FleetReplicaEvents {
  /** A snapshot was applied; `sequence` is the server's sequence it reflects. */
  snapshot: [sequence: number];
  /** A published update was applied. */
  update: [update: Kvpub];
  /** A malformed or out-of-place command was dropped. */
  dropped: [error: ChpError];
  /** The server went quiet; a new snapshot is being taken. */
  resync: [];
}

/** A replica following one fleet server. */
export class FleetReplica implements KeyLookup {
  readonly events = new EventEmitter<FleetReplicaEvents>();
  /** Settles when the first snapshot is applied; rejects (`ERR_CHANNEL_CLOSED`) on close before. */
  readonly ready: Promise<void>;
  private readonly state: ReplicaState;
  private readonly subscriber: zmq.Subscriber;
  private dealer: zmq.Dealer | undefined;
  private closed = false;
  private settle!: { resolve: () => void; reject: (error: Error) => void };

  private constructor(
    private readonly options: FleetReplicaOptions,
    private readonly limits: FleetLimits,
    private readonly timeout: number,
    private readonly now: () => number,
    subtree: string,
    /** The sockets' CURVE options, derived once from the keys (none when `curve` is false). */
    private readonly curve: object,
  ) {
    this.state = new ReplicaState(subtree, { maxEntries: limits.maxEntries });
    this.ready = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.ready.catch(() => undefined);
    this.subscriber = new zmq.Subscriber({ ...this.socketOptions(), ...socketLimits(limits, 'receive') });
    // RFC 12: subscribe to the subtree, and to HUGZ (which the subtree prefix may not match).
    this.subscriber.subscribe(subtree);
    if (subtree !== '') this.subscriber.subscribe(HUGZ);
    this.subscriber.connect(this.endpoint(1));
    void this.run();
  }

  /**
   * Starts following. Use {@link ready} to wait for the first snapshot.
   *
   * @throws {@link TypeError}/{@link RangeError} naming a bad option
   */
  static start(options: FleetReplicaOptions): FleetReplica {
    if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
    checkBasePort(options.port, 'options.port');
    if (options.host !== undefined && typeof options.host !== 'string') throw new TypeError('"options.host" expected a string');
    if (options.group !== undefined && options.subtree !== undefined) throw new TypeError('"options.group" and "options.subtree" exclude each other');
    const subtree = options.group !== undefined ? groupSubtree(options.group) : (options.subtree ?? '');
    if (!isValidSubtree(subtree)) throw new RangeError('"options.subtree" expected "" or a printable path starting with "/"');
    if (options.curve !== undefined && typeof options.curve !== 'boolean') throw new TypeError('"options.curve" expected a boolean');
    const curve = clientCurve(options);
    const timeout = checkDuration(options.heartbeatTimeout, 'options.heartbeatTimeout', 3000, { zero: false });
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('"options.now" expected a function');
    return new FleetReplica(options, fleetLimits(options), timeout, options.now ?? Date.now, subtree, curve);
  }

  /** The entry at `key`, as of the last applied update. */
  get(key: string): MapEntry | undefined {
    return this.state.map.get(key);
  }

  /** The highest sequence applied. */
  get sequence(): number {
    return this.state.map.sequence;
  }

  /** Number of entries held. */
  get size(): number {
    return this.state.map.size;
  }

  /** Stops following and closes the sockets. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.settle.reject(new ChannelError('ERR_CHANNEL_CLOSED', 'replica closed before its first snapshot'));
      this.subscriber.close();
      this.dealer?.close();
    }
    return Promise.resolve();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      // Any message on the subscriber proves the subscription is live, so no update published
      // after the snapshot is taken can be missed. It is dropped: the snapshot covers it.
      if (!(await this.receiveUpdate())) continue;
      if (!(await this.takeSnapshot())) continue;
      this.settle.resolve(); // the first snapshot; later calls do nothing
      await this.follow();
      if (!this.closed) this.events.emit('resync');
    }
  }

  /** One snapshot round trip on a fresh DEALER (so late replies to an old request cannot mix in). */
  private async takeSnapshot(): Promise<boolean> {
    this.dealer?.close();
    const dealer = new zmq.Dealer({ ...this.socketOptions(), ...socketLimits(this.limits), sendTimeout: this.timeout });
    this.dealer = dealer;
    dealer.connect(this.endpoint(0));
    this.state.beginSnapshot();
    try {
      await dealer.send(encodeChp({ command: 'ICANHAZ', subtree: this.state.subtree }));
      for (;;) {
        const verdict = this.state.onSnapshot(parseChp(await dealer.receive(), 'snapshot', this.limits), this.now());
        if (verdict === 'done') break;
        if (verdict instanceof ChpError) {
          this.events.emit('dropped', verdict);
          return false;
        }
      }
    } catch {
      return false; // timed out or closed: the loop decides what next
    } finally {
      dealer.close();
      if (this.dealer === dealer) this.dealer = undefined;
    }
    this.events.emit('snapshot', this.state.map.sequence);
    return true;
  }

  /** Applies updates until the server is quiet for `heartbeatTimeout`. */
  private async follow(): Promise<void> {
    while (!this.closed && (await this.receiveUpdate(true))) {
      // receiveUpdate applied it
    }
  }

  /** Receives one message from the PUBLISHER; false on timeout or close. */
  private async receiveUpdate(apply = false): Promise<boolean> {
    let frames: Buffer[];
    try {
      frames = await this.subscriber.receive();
    } catch {
      return false;
    }
    if (!apply) return true;
    const command = parseChp(frames, 'publish', this.limits);
    const verdict = this.state.onPublish(command, this.now());
    if (verdict instanceof ChpError) this.events.emit('dropped', verdict);
    else if (verdict === 'applied') this.events.emit('update', command as Kvpub);
    return true;
  }

  private socketOptions() {
    return {
      ...this.curve,
      receiveTimeout: this.timeout,
    };
  }

  private endpoint(offset: number): string {
    return `tcp://${this.options.host ?? '127.0.0.1'}:${this.options.port + offset}`;
  }
}

/**
 * The client's curve options, or none when `curve` is false.
 *
 * @throws {@link TypeError}/{@link RangeError} for missing or malformed keys
 */
export function clientCurve(options: { readonly curve?: boolean; readonly secretKey?: KeyLike; readonly serverKey?: KeyLike }): object {
  if (options.curve === false) return {};
  if (options.secretKey === undefined || options.serverKey === undefined) {
    throw new TypeError('"options.secretKey" and "options.serverKey" are required unless "options.curve" is false');
  }
  return nativeCurveClient({ secretKey: options.secretKey, serverKey: options.serverKey });
}
