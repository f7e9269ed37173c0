/**
 * A fleet server: the CHP server of RFC 12 on zeromq sockets, SNAPSHOT (ROUTER) on port P,
 * PUBLISHER (PUB) on P + 1, COLLECTOR (SUB) on P + 2, each a native libzmq CURVE server whose ZAP
 * requests our authorizer answers. Rights come from the map itself (`/keys/<group>/<key>`
 * entries, see `src/fleet/key-entry.ts`) plus the `admins` it is started with:
 * - SNAPSHOT and PUBLISHER admit keys holding `read`;
 * - COLLECTOR admits keys holding `update`, so a KVSET can only come from one of them.
 * libzmq does not tell which key sent a given message, so rights are checked when a key
 * connects (each socket has its own ZAP domain), not per message.
 *
 * With `pair`, the server is one of a Binary Star pair (see `./pair.ts`): only the active one
 * serves snapshots and applies KVSETs; the passive one follows it and holds KVSETs pending.
 *
 * @module
 */
import '../require-zeromq';
import { EventEmitter } from 'node:events';
import * as zmq from 'zeromq';
import { allow, deny, type Authorizer } from '../../../auth';
import { checkDuration } from '../../../channel/limits';
import { keyToZ85, toPublicKey, type KeyLike } from '../../../keys';
import type { AuthRequest } from '../../../mechanism';
import { listedKey, type KeyLookup } from '../../../fleet/authorizer';
import { encodeChp, HUGZ, parseChp, type ChpCommand, type Kvpub } from '../../../fleet/codec';
import { ChpError } from '../../../fleet/errors';
import type { BinaryStarStep } from '../../../fleet/binary-star';
import type { Kvset } from '../../../fleet/codec';
import { ChannelError } from '../../../errors';
import { equalBytes } from '../../../bytes';
import { isValidGroup, parseKeyMetadata, parseKeyPath, type FleetRight } from '../../../fleet/key-entry';
import { KeyMap, type MapEntry } from '../../../fleet/key-map';
import type { ChpProperties } from '../../../fleet/properties';
import { Journal, type JournalLoad } from '../../../fleet/journal';
import { nativeCurveServer } from '../native-curve';
import { PendingUpdates } from '../../../fleet/pending';
import { SerialQueue } from '../serial-queue';
import { ZapHandler } from '../zap';
import { startReader } from '../link';
import { checkBasePort, fleetLimits, socketLimits, type FleetLimits, type FleetLimitsInit } from './sockets';
import { checkPair, PairMember, STATE_DOMAIN, type FleetPairOptions, type PairHost, type PairSockets } from './pair';

/** How long a snapshot waits for a peer whose queue stays full before giving it up. */
const SNAPSHOT_STALL_MS = 1000;

/** ZAP domains of the three sockets: how the authorizer knows which socket asks. */
export const FLEET_DOMAINS = { snapshot: 'chp.snapshot', publisher: 'chp.publisher', collector: 'chp.collector', state: STATE_DOMAIN } as const;
type Place = keyof typeof FLEET_DOMAINS;
const RIGHT_OF: Record<Exclude<Place, 'state'>, FleetRight> = { snapshot: 'read', publisher: 'read', collector: 'update' };

/** The socket whose ZAP domain is `domain`, if any. */
function placeOf(domain: string | undefined): Place | undefined {
  return (Object.keys(FLEET_DOMAINS) as Place[]).find((place) => FLEET_DOMAINS[place] === domain);
}

/** Options of {@link FleetServer.start}. */
export interface FleetServerOptions extends FleetLimitsInit {
  /** Base port P: SNAPSHOT on P, PUBLISHER on P + 1, COLLECTOR on P + 2. */
  readonly port: number;
  /** Interface to bind (default 127.0.0.1). */
  readonly host?: string;
  /** The server's CURVE secret key; clients connect with its public key. Required unless `curve` is false. */
  readonly secretKey?: KeyLike;
  /** The group whose entries give rights on this server. Required unless `curve` is false. */
  readonly group?: string;
  /**
   * false: plain RFC 12, no encryption, no rights (anyone reaching the ports may read and
   * update), for checking against other CHP implementations on a trusted network. Default true.
   */
  readonly curve?: boolean;
  /** Keys holding every right whatever the map says: how the first entries get in. */
  readonly admins?: readonly KeyLike[];
  /** Milliseconds between HUGZ (default 1,000, as in the Guide). */
  readonly heartbeat?: number;
  /** Unix milliseconds (injected for tests; default `Date.now`). */
  readonly now?: () => number;
  /** A journal file: the map is loaded from it at start, and each update fsynced to it before it is published. */
  readonly journal?: string;
  /** One server of a Binary Star pair: its role, its state port, and the peer (see docs/fleet.md). */
  readonly pair?: FleetPairOptions;
}

/** What the server counted. */
export interface FleetServerStats {
  /** Handshakes refused, by socket. */
  readonly refused: Record<Place, number>;
  /** Malformed or refused commands, by code. */
  readonly dropped: Record<string, number>;
  /** Updates published. */
  published: number;
  /** Snapshots served. */
  snapshots: number;
  /** Snapshots abandoned because the peer did not read them within a second. */
  undelivered: number;
  /** Pair: snapshot requests not served (this server is not active). */
  notServed: number;
  /** Pair: KVSETs held pending while not active. */
  held: number;
  /** KVSETs dropped because their UUID was already published (a client sent it again after a failover). */
  duplicates: number;
}

/** Events of a {@link FleetServer}. */
export interface FleetServerEvents {
  /** An update was applied and published. */
  update: [update: Kvpub];
  /** A command was dropped (`where` is the socket it came to). */
  dropped: [error: ChpError, where: Place];
  /** A key was refused at a socket. */
  refused: [request: AuthRequest, where: Place];
  /** A socket fault (our side). */
  fault: [error: unknown];
  /** Pair: the Binary Star state changed (a `conflict` is two actives or two passives seen). */
  state: [step: BinaryStarStep];
  /** Pair, passive: the active server's map was taken (and the journal replaced with it). */
  followed: [sequence: number];
}

/** The running server. Also a {@link KeyLookup}, so a service on the same node can admit keys. */
export class FleetServer implements KeyLookup {
  readonly events = new EventEmitter<FleetServerEvents>();
  readonly stats: FleetServerStats = { refused: { snapshot: 0, publisher: 0, collector: 0, state: 0 }, dropped: {}, published: 0, snapshots: 0, undelivered: 0, notServed: 0, held: 0, duplicates: 0 };
  private readonly map: KeyMap;
  private readonly publishQueue = new SerialQueue();
  private readonly snapshotQueue = new SerialQueue();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private journal: Journal | undefined;
  private pair: PairMember | undefined;
  /** Published UUIDs, to drop a KVSET sent again (the pair's record when paired). */
  private readonly recent: PendingUpdates;
  /** The torn or corrupt journal tail cut at start, if any. */
  readonly journalCut: JournalLoad['cut'];

  private constructor(
    private readonly sockets: { snapshot: zmq.Router; publisher: zmq.Publisher; collector: zmq.Subscriber },
    private readonly zap: ZapHandler | undefined,
    private readonly limits: FleetLimits,
    private readonly now: () => number,
    heartbeat: number,
    loaded: JournalLoad | undefined,
    private readonly journalPath: string | undefined,
  ) {
    this.map = new KeyMap({ maxEntries: limits.maxEntries });
    this.recent = new PendingUpdates({ maxPending: 1 });
    this.journal = loaded?.journal;
    this.journalCut = loaded?.cut;
    if (loaded !== undefined) this.map.restore(loaded.entries, loaded.sequence);
    const fault = (error: unknown) => this.events.emit('fault', error);
    startReader(sockets.snapshot, (frames) => this.onSnapshotRequest(frames), fault);
    startReader(sockets.collector, (frames) => this.onKvset(frames), fault);
    this.timer = setInterval(() => this.tick(), heartbeat);
    this.timer.unref();
  }

  /**
   * Binds the three sockets and starts serving.
   *
   * @throws {@link TypeError}/{@link RangeError} naming a bad option; the bind error of a port in use
   */
  static async start(options: FleetServerOptions): Promise<FleetServer> {
    if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
    const port = checkBasePort(options.port, 'options.port');
    const host = options.host ?? '127.0.0.1';
    if (typeof host !== 'string') throw new TypeError('"options.host" expected a string');
    if (options.curve !== undefined && typeof options.curve !== 'boolean') throw new TypeError('"options.curve" expected a boolean');
    const secure = options.curve !== false;
    const group = options.group ?? '';
    if (secure && !isValidGroup(group)) throw new RangeError('"options.group" expected 1 to 64 characters of A-Z a-z 0-9 _ . -');
    const admins = new Set((options.admins ?? []).map((key, i) => keyToZ85(toPublicKey(key, `admins[${i}]`))));
    const pair = options.pair === undefined ? undefined : checkPair(options.pair, secure);
    const heartbeat = checkDuration(options.heartbeat, 'options.heartbeat', 1000, { zero: false });
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('"options.now" expected a function');
    const now = options.now ?? Date.now;
    const limits = fleetLimits(options);
    if (secure && options.secretKey === undefined) throw new TypeError('"options.secretKey" is required unless "options.curve" is false');
    const curve = secure ? nativeCurveServer(options.secretKey as KeyLike) : {};
    // An own context, so our ZAP handler serves these sockets only, whatever else runs here.
    const context = new zmq.Context();
    let server: FleetServer | undefined;
    const authorizer: Authorizer = (request) => server?.decide(request, admins, group, pair?.peerKey) ?? deny('Starting');
    const zap = secure ? await ZapHandler.start({ authorizer, context }) : undefined;
    const domain = (place: Place) => (secure ? { zapDomain: FLEET_DOMAINS[place] } : {});
    let loaded: JournalLoad | undefined;
    try {
      // Loaded before binding: no peer may see the map before it is whole.
      loaded = options.journal === undefined ? undefined : Journal.open(options.journal);
    } catch (error) {
      zap?.close();
      throw error;
    }
    const common = { context, ...curve };
    const sockets = {
      // mandatory: a send to a peer whose queue is full fails (EAGAIN) rather than silently
      // losing entries in the middle of the snapshot; sendSnapshotPart retries it. Not
      // sendTimeout: a ROUTER reports itself writable while ANY peer's queue has room, so
      // zeromq.js's wait for "writable" never waits for the full one.
      snapshot: new zmq.Router({ ...common, ...socketLimits(limits), ...domain('snapshot'), mandatory: true, sendTimeout: 0 }),
      publisher: new zmq.Publisher({ ...common, ...socketLimits(limits, 'send'), ...domain('publisher') }),
      collector: new zmq.Subscriber({ ...common, ...socketLimits(limits, 'receive'), ...domain('collector') }),
    };
    try {
      sockets.collector.subscribe();
      await sockets.snapshot.bind(`tcp://${host}:${port}`);
      await sockets.publisher.bind(`tcp://${host}:${port + 1}`);
      await sockets.collector.bind(`tcp://${host}:${port + 2}`);
    } catch (error) {
      for (const socket of Object.values(sockets)) socket.close();
      zap?.close();
      loaded?.journal.close();
      throw error;
    }
    const parts = { secure, secretKey: options.secretKey, context, curveServer: curve, host, heartbeat, limits };
    let pairSockets: PairSockets | undefined;
    try {
      pairSockets = pair === undefined ? undefined : await PairMember.bind(pair.options, parts);
    } catch (error) {
      for (const socket of Object.values(sockets)) socket.close();
      zap?.close();
      loaded?.journal.close();
      throw error;
    }
    server = new FleetServer(sockets, zap, limits, now, heartbeat, loaded, options.journal);
    // Before any message is read: a pair's server never serves as if it were alone.
    if (pair !== undefined && pairSockets !== undefined) server.pair = new PairMember(pair.options, server.pairHost(parts), pairSockets);
    zap?.events.on('decision', (request, decision, domain) => server?.onDecision(request, decision.status, domain));
    return server;
  }

  /** The entry at `key` (a {@link KeyLookup}, for {@link fleetAuthorizer} on this node). */
  get(key: string): MapEntry | undefined {
    return this.map.get(key);
  }

  /** The highest sequence published. */
  get sequence(): number {
    return this.map.sequence;
  }

  /** Pair: the Binary Star state ('active' for a server without a pair). */
  get state(): 'primary' | 'backup' | 'active' | 'passive' {
    return this.pair?.state ?? 'active';
  }

  /** The entries held, oldest change first. */
  entries(): IterableIterator<MapEntry> {
    return this.map.under('');
  }

  /**
   * Applies an update on this node (the administrator's path, not the network's) and publishes
   * it. An empty value deletes.
   *
   * @returns the published update
   * @throws {@link RangeError} for a key, value or metadata the map refuses; a
   *   {@link ChannelError} `ERR_CHANNEL_CLOSED` on a pair's server that is not active
   */
  async set(key: string, value: Uint8Array, properties: ChpProperties = {}): Promise<Kvpub> {
    if (this.pair !== undefined && !this.pair.active) throw new ChannelError('ERR_CHANNEL_CLOSED', `this fleet server is ${this.pair.state}: set on the active one`);
    // Encoding first checks key and properties the way a peer's KVSET is checked on parse.
    const frames = encodeChp({ command: 'KVSET', key, sequence: 0, uuid: new Uint8Array(0), properties, value });
    const parsed = parseChp(frames, 'collect', { maxValueSize: this.limits.maxValueSize });
    if (parsed instanceof ChpError) throw new RangeError(`"value" refused: ${parsed.message}`);
    const refused = this.check(parsed);
    if (refused !== undefined) throw new RangeError(`"value" refused: ${refused.message}`);
    const update = this.map.set({ key, uuid: new Uint8Array(0), properties, value }, this.now());
    if (update === undefined) throw new RangeError('"value" refused: the map is full or ttl is malformed');
    await this.publish(update);
    return update;
  }

  /** Stops serving: closes the sockets and the ZAP handler. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.pair?.close();
    await this.publishQueue.run(async () => undefined);
    for (const socket of Object.values(this.sockets)) socket.close();
    this.zap?.close();
    this.journal?.close();
  }

  private decide(request: AuthRequest, admins: ReadonlySet<string>, group: string, peerKey: string | undefined) {
    const place = placeOf(request.domain);
    const key = request.publicKeyZ85;
    if (place === undefined || key === undefined) return deny('Unknown socket');
    // The pair's peer follows this server while passive, and alone hears its state.
    if (peerKey !== undefined && key === peerKey) return allow('peer');
    if (place === 'state') return deny('Not the peer');
    if (admins.has(key)) return allow('admin');
    const metadata = listedKey(this.map, group, key, this.now());
    if (metadata === undefined) return deny('Key not listed');
    return metadata.rights.includes(RIGHT_OF[place]) ? allow(metadata.name) : deny('Right not held');
  }

  private onDecision(request: AuthRequest, status: number, domain: string): void {
    if (status === 200) return;
    const place = placeOf(domain);
    if (place === undefined) return;
    this.stats.refused[place] += 1;
    this.events.emit('refused', request, place);
  }

  private drop(error: ChpError, where: Place): void {
    this.stats.dropped[error.code] = (this.stats.dropped[error.code] ?? 0) + 1;
    this.events.emit('dropped', error, where);
  }

  /**
   * ICANHAZ: the entries under the subtree, then KTHXBAI with the sequence they reflect. The
   * read loop awaits each snapshot, so one is sent at a time and further requests wait in
   * libzmq's per-peer queue (`queueLength`, beyond which libzmq drops them): a flood of ICANHAZ
   * costs no memory here. A peer that stops reading holds the loop for at most 1 s without
   * progress per request (sendSnapshotPart).
   */
  private onSnapshotRequest(frames: Buffer[]): Promise<void> | void {
    const [identity, ...rest] = frames;
    if (identity === undefined) return;
    const request = parseChp(rest, 'snapshot-request');
    if (request instanceof ChpError || request.command !== 'ICANHAZ') {
      this.drop(request instanceof ChpError ? request : new ChpError('ERR_CHP_FRAMES', 'expected ICANHAZ'), 'snapshot');
      return;
    }
    // The Guide's vote: a passive server ignores it (the client turns to the other) unless its
    // peer is gone, and then takes over before answering.
    if (this.pair !== undefined && !this.pair.clientRequest()) {
      this.stats.notServed += 1;
      return;
    }
    // The entries and sequence are taken now, synchronously, so the snapshot is consistent
    // whatever is published while it is being sent.
    const entries = [...this.map.under(request.subtree)];
    const sequence = this.map.sequence;
    return this.snapshotQueue.run(async () => {
      try {
        for (const e of entries) {
          await this.sendSnapshotPart([identity, ...encodeChp({ command: 'KVSYNC', key: e.key, sequence: e.sequence, properties: e.properties, value: e.value })]);
        }
        await this.sendSnapshotPart([identity, ...encodeChp({ command: 'KTHXBAI', sequence, subtree: request.subtree })]);
        this.stats.snapshots += 1;
      } catch {
        // A peer that stopped reading (or left) loses its snapshot; it will ask again.
        if (!this.sockets.snapshot.closed) this.stats.undelivered += 1;
      }
    });
  }

  /**
   * Sends one snapshot message, retrying while the peer's queue is full (EAGAIN) with a backoff
   * of 1 to 32 ms, for at most {@link SNAPSHOT_STALL_MS} without progress: a peer that stops
   * reading holds the snapshot loop no longer than before. Any other error (the peer left:
   * EHOSTUNREACH) ends the snapshot at once.
   */
  private async sendSnapshotPart(frames: (Buffer | Uint8Array)[]): Promise<void> {
    const deadline = Date.now() + SNAPSHOT_STALL_MS;
    for (let delay = 1; ; delay = Math.min(delay * 2, 32)) {
      try {
        await this.sockets.snapshot.send(frames);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== 'EAGAIN' || Date.now() >= deadline || this.sockets.snapshot.closed) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** KVSET from a key holding `update` (ZAP let no one else connect). */
  private async onKvset(frames: Buffer[]): Promise<void> {
    const command = parseChp(frames, 'collect', { maxValueSize: this.limits.maxValueSize });
    if (command instanceof ChpError) return this.drop(command, 'collector');
    const refused = this.check(command);
    if (refused !== undefined || command.command !== 'KVSET') return this.drop(refused ?? new ChpError('ERR_CHP_FRAMES', 'expected KVSET'), 'collector');
    if (this.pair !== undefined && !this.pair.active) {
      const verdict = this.pair.hold(command);
      if (verdict === 'held') this.stats.held += 1;
      else if (verdict === 'published' || verdict === 'duplicate') this.stats.duplicates += 1;
      else this.drop(new ChpError(verdict === 'full' ? 'ERR_CHP_SIZE' : 'ERR_CHP_UUID', verdict === 'full' ? 'too many updates pending' : 'a pair needs a UUID to hold an update'), 'collector');
      return;
    }
    await this.apply(command);
  }

  /** Applies a client's KVSET and publishes it, once per UUID. */
  private async apply(command: Kvset): Promise<void> {
    if (this.published().wasPublished(command.uuid)) {
      this.stats.duplicates += 1;
      // The client sent it again because it did not see it published (it was following the
      // other server then): publish the entry once more while it is still this update. Clients
      // that have it ignore it (not newer); the sender takes it as acknowledged.
      const entry = this.map.get(command.key);
      if (entry !== undefined && equalBytes(entry.uuid, command.uuid)) await this.send({ command: 'KVPUB', ...entry });
      return;
    }
    const update = this.map.set({ key: command.key, uuid: command.uuid, properties: command.properties, value: command.value }, this.now());
    if (update === undefined) return this.drop(new ChpError('ERR_CHP_SIZE', 'map full or ttl malformed'), 'collector');
    await this.publish(update);
  }

  /** The record of published UUIDs: the pair's (it also holds what the peer published), else our own. */
  private published(): PendingUpdates {
    return this.pair?.pending ?? this.recent;
  }

  /** What the pair member needs from this server. */
  private pairHost(parts: Pick<PairHost, 'secure' | 'secretKey' | 'context' | 'curveServer' | 'host' | 'heartbeat' | 'limits'>): PairHost {
    const fault = (error: unknown) => this.events.emit('fault', error);
    return {
      ...parts,
      now: this.now,
      sequence: () => this.map.sequence,
      fault,
      changed: (step) => this.events.emit('state', step),
      // Taking over: what clients sent that the old active server never published.
      becameActive: (pending) => {
        // One after another, yielding between them: each is fsynced, and HUGZ and snapshot
        // requests must not wait for the whole backlog.
        void (async () => {
          for (const kvset of pending) await this.apply(kvset).catch(fault);
        })();
      },
      followed: (entries, sequence) => {
        this.map.restore(entries, sequence);
        if (this.journalPath !== undefined) {
          this.journal?.close();
          this.journal = undefined;
          try {
            this.journal = Journal.replace(this.journalPath, entries, sequence);
          } catch (error) {
            fault(error); // no journal until the next snapshot: reported, not thrown into the follower
          }
        }
        this.events.emit('followed', sequence);
      },
      followedUpdate: (update) => {
        if (!this.map.apply(update, this.now())) return;
        try {
          this.journal?.append(update, this.map.get(update.key)?.expiresAt);
        } catch (error) {
          fault(error);
        }
      },
    };
  }

  /** What the map itself requires beyond CHP syntax: a key entry's value must be metadata. */
  private check(command: ChpCommand): ChpError | undefined {
    if (command.command !== 'KVSET') return new ChpError('ERR_CHP_FRAMES', 'expected KVSET');
    if (command.key.startsWith('/keys/') && command.value.length > 0) {
      if (parseKeyPath(command.key) === undefined) return new ChpError('ERR_CHP_ENTRY', 'a /keys/ entry must be /keys/<group>/<Z85 key>');
      const metadata = parseKeyMetadata(command.value);
      if (metadata instanceof ChpError) return metadata;
    }
    return undefined;
  }

  /** Journals (fsync) then publishes: a replica never sees an update a restart could lose. */
  private publish(update: Kvpub): Promise<void> {
    this.journal?.append(update, this.map.get(update.key)?.expiresAt);
    this.published().onPublished(update.uuid);
    this.events.emit('update', update);
    return this.send(update);
  }

  /** Sends a KVPUB on the PUBLISHER, in publishing order. */
  private send(update: Kvpub): Promise<void> {
    return this.publishQueue.run(async () => {
      if (this.closed) return;
      await this.sockets.publisher.send(encodeChp(update));
      this.stats.published += 1;
    });
  }

  /** Each heartbeat: publish what ttl expired, then HUGZ. */
  private tick(): void {
    const fault = (error: unknown) => this.events.emit('fault', error);
    // A failed send is reported, never left as an unhandled rejection that could end the process.
    // Only the active server expires entries; the passive one follows its deletes.
    if (this.pair === undefined || this.pair.active) for (const update of this.map.expire(this.now())) this.publish(update).catch(fault);
    this.publishQueue.run(async () => {
      if (!this.closed) await this.sockets.publisher.send(encodeChp({ command: 'HUGZ' }));
    }).catch(fault);
  }
}

/** The first frame of HUGZ, for subscribers (they subscribe to their subtree and to this). */
export const HUGZ_TOPIC = HUGZ;
