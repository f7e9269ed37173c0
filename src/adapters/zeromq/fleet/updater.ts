/**
 * A fleet updater: sends KVSET to a fleet server's COLLECTOR (port P + 2) over native libzmq
 * CURVE. Its key must hold `update` on the server, or the handshake is refused and nothing it
 * sends arrives. It uses an XPUB socket (PUB on the wire) so that it can see the COLLECTOR's
 * subscription: a PUB drops what it sends before the subscription arrives, so {@link ready}
 * waits for it.
 *
 * With a Binary Star pair (`servers`), each KVSET goes to both servers (the passive one holds it
 * pending) and stays unacknowledged until the updater sees it published, which it watches on
 * the PUBLISHER of one server (so its key must also hold `read`). When that server's HUGZ stop,
 * the updater turns to the other, asks it to serve (a snapshot request of an empty subtree: the
 * client's vote) and sends again what is unacknowledged; it also sends again, every
 * `heartbeatTimeout`, what has waited that long (a PUB drops what a peer's full queue cannot
 * take). Servers drop a UUID they already published, so nothing is applied twice.
 *
 * @module
 */
import '../require-zeromq';
import { EventEmitter } from 'node:events';
import * as zmq from 'zeromq';
import { fromHex, toHex } from '../../../bytes';
import { checkCount, checkDuration } from '../../../channel/limits';
import { ChannelError } from '../../../errors';
import { encodeChp, UUID_SIZE } from '../../../fleet/codec';
import type { ChpProperties } from '../../../fleet/properties';
import { secureRandom } from '../../../random';
import { SerialQueue } from '../serial-queue';
import { endpointOf, fleetEndpoints, type FleetClientAddressing } from './endpoints';
import { PairWatch } from './pair-watch';
import { fleetLimits, socketLimits } from './sockets';

/** Options of {@link FleetUpdater.connect}. */
export interface FleetUpdaterOptions extends FleetClientAddressing {
  /** Largest value sent (default 64 KiB, as the server's default). */
  readonly maxValueSize?: number;
  /** With `servers`: milliseconds without HUGZ before turning to the other server (default 3,000). */
  readonly heartbeatTimeout?: number;
  /** With `servers`: most updates unacknowledged at once; `set` waits for room (default 1,000). */
  readonly maxUnacknowledged?: number;
  /**
   * With `servers`: times an update is sent again on the `heartbeatTimeout` timer before the
   * updater gives up on it (`'unconfirmed'`): the server refused it (a malformed key entry, a full
   * map), or another update replaced it before it was seen (default 5; a failover starts over).
   */
  readonly maxResends?: number;
}

/** Events of a {@link FleetUpdater} (with `servers`). */
export interface FleetUpdaterEvents {
  /** An update sent was seen published, with the sequence the server gave it. */
  acknowledged: [uuid: Uint8Array, sequence: number];
  /** The server watched went quiet; `index` (in `servers`) was asked to serve and the unacknowledged sent again. */
  failover: [index: number, resent: number];
  /** An update never seen published after `maxResends` tries: no longer waited for. */
  unconfirmed: [uuid: Uint8Array];
}

/** Sends updates to one fleet server, or to a Binary Star pair. */
export class FleetUpdater {
  readonly events = new EventEmitter<FleetUpdaterEvents>();
  /**
   * Settles when a server's COLLECTOR subscribed (the handshake passed) and, with a pair, the
   * updater watches a server's PUBLISHER; rejects on close before.
   */
  readonly ready: Promise<void>;
  private readonly queue = new SerialQueue();
  /** With `servers`: each update not yet seen published, by UUID (hex), oldest first. */
  private readonly unacknowledged = new Map<string, { frames: Uint8Array[]; sentAt: number; resends: number }>();
  private waiters: (() => void)[] = [];
  private readonly watch: PairWatch | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    /** One XPUB per server (each server has its own CURVE key, which libzmq takes per socket). */
    private readonly sockets: zmq.XPublisher[],
    watch: ((updater: FleetUpdater) => PairWatch) | undefined,
    private readonly maxUnacknowledged: number,
    timeout: number,
    private readonly maxResends: number,
  ) {
    this.watch = watch?.(this);
    const subscribed = Promise.any(sockets.map((socket) => socket.receive())).then(
      () => undefined,
      () => {
        throw new ChannelError('ERR_CHANNEL_CLOSED', 'updater closed before the server accepted it');
      },
    );
    // With a pair, also the watch: an update published before it listens would never be seen.
    this.ready =
      this.watch === undefined
        ? subscribed
        : Promise.all([subscribed, this.watch.live]).then(() => {
            if (this.closed) throw new ChannelError('ERR_CHANNEL_CLOSED', 'updater closed before the server accepted it');
          });
    this.ready.catch(() => undefined);
    if (this.watch !== undefined) {
      this.timer = setInterval(() => this.resend(Date.now() - timeout), timeout);
      this.timer.unref();
    }
  }

  /**
   * Connects to the COLLECTOR (of both servers of a pair).
   *
   * @throws {@link TypeError}/{@link RangeError} naming a bad option
   */
  static connect(options: FleetUpdaterOptions): FleetUpdater {
    if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
    const endpoints = fleetEndpoints(options);
    const limits = fleetLimits({ maxValueSize: options.maxValueSize });
    const timeout = checkDuration(options.heartbeatTimeout, 'options.heartbeatTimeout', 3000, { zero: false });
    const maxUnacknowledged = checkCount(options.maxUnacknowledged, 'options.maxUnacknowledged', 1000);
    const maxResends = checkCount(options.maxResends, 'options.maxResends', 5);
    // One XPUB to every server: a PUB fans each KVSET out to all its peers. With a pair, sends
    // wait for room (noDrop) instead of being dropped, since each one is tracked.
    const sockets = endpoints.map((endpoint) => {
      const socket = new zmq.XPublisher({ ...endpoint.curve, ...socketLimits(limits) });
      socket.connect(endpointOf(endpoint, 2));
      return socket;
    });
    const watch = options.servers !== undefined ? (updater: FleetUpdater) => new PairWatch(endpoints, limits, timeout, updater.watchEvents()) : undefined;
    return new FleetUpdater(sockets, watch, maxUnacknowledged, timeout, maxResends);
  }

  /** Updates sent and not yet seen published (always 0 without `servers`). */
  get pending(): number {
    return this.unacknowledged.size;
  }

  /**
   * Sends a KVSET with a fresh UUID (an empty value deletes). The server assigns the sequence
   * and publishes the update; nothing comes back on this socket, so follow a replica to see it
   * (or, with `servers`, wait for {@link acknowledged}).
   *
   * @returns the update's UUID
   * @throws {@link RangeError} for a key or properties CHP cannot carry
   */
  async set(key: string, value: Uint8Array, properties: ChpProperties = {}): Promise<Uint8Array> {
    const uuid = secureRandom(UUID_SIZE);
    const frames = encodeChp({ command: 'KVSET', key, sequence: 0, uuid, properties, value });
    await this.ready;
    if (this.watch !== undefined) {
      while (this.unacknowledged.size >= this.maxUnacknowledged) await this.change();
      this.unacknowledged.set(toHex(uuid), { frames, sentAt: Date.now(), resends: 0 });
    }
    await this.send(frames);
    return uuid;
  }

  /** Settles when every update sent so far was seen published (at once without `servers`). */
  async acknowledged(): Promise<void> {
    while (this.unacknowledged.size > 0) await this.change();
  }

  /** Closes the sockets (unsent updates are dropped). */
  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.watch?.close();
    for (const socket of this.sockets) socket.close();
    for (const wake of this.waiters.splice(0)) wake();
    return Promise.resolve();
  }

  /** To every server (a PUB never waits: a full queue drops, and the resend covers it). */
  private send(frames: Uint8Array[]): Promise<void> {
    return this.queue.run(async () => {
      for (const socket of this.sockets) await socket.send(frames);
    });
  }

  /** Sends again what was sent before `before` (ms) and not seen published; `failover` starts the count over. */
  private resend(before: number, failover = false): void {
    const due: [string, { frames: Uint8Array[]; resends: number }][] = [];
    for (const [id, entry] of this.unacknowledged) {
      if (entry.sentAt > before) break; // oldest first: the rest is younger
      due.push([id, entry]);
    }
    let gaveUp = false;
    for (const [id, { frames, resends }] of due) {
      // To the end: the map stays ordered by send time.
      this.unacknowledged.delete(id);
      if (!failover && resends >= this.maxResends) {
        gaveUp = true;
        this.events.emit('unconfirmed', fromHex(id));
        continue;
      }
      this.unacknowledged.set(id, { frames, sentAt: Date.now(), resends: failover ? 0 : resends + 1 });
      this.send(frames).catch(() => undefined);
    }
    if (gaveUp) for (const wake of this.waiters.splice(0)) wake();
  }

  private change(): Promise<void> {
    if (this.closed) return Promise.reject(new ChannelError('ERR_CHANNEL_CLOSED', 'updater closed'));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** What the pair watch tells this updater. */
  private watchEvents(): ConstructorParameters<typeof PairWatch>[3] {
    return {
      published: (uuid, sequence) => {
        if (!this.unacknowledged.delete(toHex(uuid))) return;
        this.events.emit('acknowledged', uuid, sequence);
        for (const wake of this.waiters.splice(0)) wake();
      },
      failedOver: (index) => {
        this.events.emit('failover', index, this.unacknowledged.size);
        this.resend(Number.POSITIVE_INFINITY, true);
      },
    };
  }
}
