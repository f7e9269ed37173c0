/**
 * A fleet replica: a CHP client (RFC 12, the Guide's Clone model) that follows a fleet server
 * over native libzmq CURVE: it waits until its subscription is live, takes a snapshot of its
 * subtree (ICANHAZ ... KTHXBAI), then applies published updates newer than what it has. When
 * neither HUGZ nor an update arrives for `heartbeatTimeout`, it takes a new snapshot, from the
 * other server when it follows a Binary Star pair (`servers`): its snapshot request is the
 * client's vote that lets a passive server take over. It is a {@link KeyLookup}, so
 * `fleetAuthorizer(replica, { group })` admits the keys the fleet lists.
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
import { endpointOf, fleetEndpoints, type FleetClientAddressing, type FleetEndpoint } from './endpoints';
import { fleetLimits, socketLimits, type FleetLimits, type FleetLimitsInit } from './sockets';

export { clientCurve } from './endpoints';

/** Options of {@link FleetReplica.start}. */
export interface FleetReplicaOptions extends FleetLimitsInit, FleetClientAddressing {
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
  /** Following a pair: the server went quiet, the replica turns to the other (`index` in `servers`). */
  failover: [index: number];
  /** A snapshot request (ICANHAZ) is about to be sent. */
  requesting: [];
  /** Every KVPUB received, applied or not (a passive server matches pending updates by UUID). */
  published: [update: Kvpub];
}

/** A replica following one fleet server. */
export class FleetReplica implements KeyLookup {
  readonly events = new EventEmitter<FleetReplicaEvents>();
  /** Settles when the first snapshot is applied; rejects (`ERR_CHANNEL_CLOSED`) on close before. */
  readonly ready: Promise<void>;
  private readonly state: ReplicaState;
  private subscriber: zmq.Subscriber;
  /** Which of `endpoints` is followed. */
  private current = 0;
  private dealer: zmq.Dealer | undefined;
  private closed = false;
  private settle!: { resolve: () => void; reject: (error: Error) => void };

  private constructor(
    private readonly endpoints: readonly FleetEndpoint[],
    private readonly limits: FleetLimits,
    private readonly timeout: number,
    private readonly now: () => number,
    subtree: string,
  ) {
    this.state = new ReplicaState(subtree, { maxEntries: limits.maxEntries });
    this.ready = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.ready.catch(() => undefined);
    this.subscriber = this.subscribe();
    void this.run();
  }

  /**
   * Starts following. Use {@link ready} to wait for the first snapshot.
   *
   * @throws {@link TypeError}/{@link RangeError} naming a bad option
   */
  static start(options: FleetReplicaOptions): FleetReplica {
    if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
    if (options.group !== undefined && options.subtree !== undefined) throw new TypeError('"options.group" and "options.subtree" exclude each other');
    const subtree = options.group !== undefined ? groupSubtree(options.group) : (options.subtree ?? '');
    if (!isValidSubtree(subtree)) throw new RangeError('"options.subtree" expected "" or a printable path starting with "/"');
    const endpoints = fleetEndpoints(options);
    const timeout = checkDuration(options.heartbeatTimeout, 'options.heartbeatTimeout', 3000, { zero: false });
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('"options.now" expected a function');
    return new FleetReplica(endpoints, fleetLimits(options), timeout, options.now ?? Date.now, subtree);
  }

  /** The entry at `key`, as of the last applied update. */
  get(key: string): MapEntry | undefined {
    return this.state.map.get(key);
  }

  /** The highest sequence applied. */
  get sequence(): number {
    return this.state.map.sequence;
  }

  /** The entries held, oldest change first. */
  entries(): IterableIterator<MapEntry> {
    return this.state.map.under('');
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
      if (!(await this.receiveUpdate()) || !(await this.takeSnapshot())) {
        this.failover();
        continue;
      }
      this.settle.resolve(); // the first snapshot; later calls do nothing
      await this.follow();
      if (!this.closed) {
        this.events.emit('resync');
        this.failover();
      }
    }
  }

  /** A subscriber on the server followed: its subtree, and HUGZ (which the subtree prefix may not match). */
  private subscribe(): zmq.Subscriber {
    const subscriber = new zmq.Subscriber({ ...this.socketOptions(), ...socketLimits(this.limits, 'receive') });
    subscriber.subscribe(this.state.subtree);
    if (this.state.subtree !== '') subscriber.subscribe(HUGZ);
    subscriber.connect(this.endpoint(1));
    return subscriber;
  }

  /** Following a pair: turns to the other server (the Guide's Clone client does the same). */
  private failover(): void {
    if (this.closed || this.endpoints.length < 2) return;
    this.current = 1 - this.current;
    this.subscriber.close();
    this.subscriber = this.subscribe();
    this.events.emit('failover', this.current);
  }

  /** One snapshot round trip on a fresh DEALER (so late replies to an old request cannot mix in). */
  private async takeSnapshot(): Promise<boolean> {
    this.dealer?.close();
    const dealer = new zmq.Dealer({ ...this.socketOptions(), ...socketLimits(this.limits), sendTimeout: this.timeout });
    this.dealer = dealer;
    dealer.connect(this.endpoint(0));
    this.state.beginSnapshot();
    try {
      this.events.emit('requesting');
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
    const command = parseChp(frames, 'publish', this.limits);
    if (!(command instanceof ChpError) && command.command === 'KVPUB') this.events.emit('published', command);
    if (!apply) return true;
    const verdict = this.state.onPublish(command, this.now());
    if (verdict instanceof ChpError) this.events.emit('dropped', verdict);
    else if (verdict === 'applied') this.events.emit('update', command as Kvpub);
    return true;
  }

  private socketOptions() {
    return {
      ...this.endpoints[this.current]!.curve,
      receiveTimeout: this.timeout,
    };
  }

  private endpoint(offset: number): string {
    return endpointOf(this.endpoints[this.current]!, offset);
  }
}
