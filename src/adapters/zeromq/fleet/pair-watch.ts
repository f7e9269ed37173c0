/**
 * What an updater of a Binary Star pair watches: the PUBLISHER of one server, for HUGZ (it is
 * alive) and KVPUBs (whose UUIDs acknowledge updates). When nothing arrives for the heartbeat
 * timeout it turns to the other server, waits until that subscription is live, and votes: a
 * snapshot request (ICANHAZ) of {@link VOTE_SUBTREE}, which holds no entries, so the answer is a
 * bare KTHXBAI. A passive server answers only once it has taken over; no answer in time, and the
 * watch turns again.
 *
 * @module
 */
import '../require-zeromq';
import * as zmq from 'zeromq';
import { encodeChp, parseChp } from '../../../fleet/codec';
import { ChpError } from '../../../fleet/errors';
import { endpointOf, type FleetEndpoint } from './endpoints';
import { socketLimits, type FleetLimits } from './sockets';

/** The subtree an updater asks for when it votes: a name no map entry is expected to use. */
export const VOTE_SUBTREE = '/.fleet-vote/';

/** What the watch reports. */
export interface PairWatchEvents {
  /** A KVPUB with a UUID was published by the server watched. */
  published(uuid: Uint8Array, sequence: number): void;
  /** The server at `index` answered a vote after the other went quiet. */
  failedOver(index: number): void;
}

/** Watches one server of a pair at a time. */
export class PairWatch {
  /** Settles once the watch follows a server (its subscription is live); never rejects. */
  readonly live: Promise<void>;
  private goLive!: () => void;
  private current = 0;
  private closed = false;
  private subscriber: zmq.Subscriber | undefined;

  constructor(
    private readonly endpoints: readonly FleetEndpoint[],
    private readonly limits: FleetLimits,
    private readonly timeout: number,
    private readonly report: PairWatchEvents,
  ) {
    this.live = new Promise((resolve) => (this.goLive = resolve));
    void this.run();
  }

  close(): void {
    this.closed = true;
    this.subscriber?.close();
    this.goLive();
  }

  private async run(): Promise<void> {
    let voted = true; // the first server is taken as it is; a vote follows each turn
    while (!this.closed) {
      const subscriber = new zmq.Subscriber({ ...this.endpoints[this.current]!.curve, ...socketLimits(this.limits, 'receive'), receiveTimeout: this.timeout });
      this.subscriber = subscriber;
      subscriber.subscribe();
      subscriber.connect(endpointOf(this.endpoints[this.current]!, 1));
      // The first message proves the subscription live: nothing published after the vote is missed.
      if (this.onMessage(await receive(subscriber)) && (voted || (await this.vote()))) {
        if (!voted) this.report.failedOver(this.current);
        this.goLive();
        while (!this.closed && this.onMessage(await receive(subscriber))) {
          // onMessage reported it
        }
      }
      subscriber.close();
      if (this.closed) return;
      this.current = (this.current + 1) % this.endpoints.length;
      voted = false;
    }
  }

  /** Reports a KVPUB; false when nothing came (timeout or close). */
  private onMessage(frames: Buffer[] | undefined): boolean {
    if (frames === undefined) return false;
    const command = parseChp(frames, 'publish', this.limits);
    if (!(command instanceof ChpError) && command.command === 'KVPUB' && command.uuid.length > 0) this.report.published(command.uuid, command.sequence);
    return true;
  }

  /** One snapshot request to the server watched; true when it answered (it is active). */
  private async vote(): Promise<boolean> {
    const dealer = new zmq.Dealer({ ...this.endpoints[this.current]!.curve, ...socketLimits(this.limits), receiveTimeout: this.timeout, sendTimeout: this.timeout });
    try {
      dealer.connect(endpointOf(this.endpoints[this.current]!, 0));
      await dealer.send(encodeChp({ command: 'ICANHAZ', subtree: VOTE_SUBTREE }));
      for (;;) {
        const reply = parseChp(await dealer.receive(), 'snapshot', this.limits);
        if (reply instanceof ChpError) return false;
        if (reply.command === 'KTHXBAI') return true;
      }
    } catch {
      return false;
    } finally {
      dealer.close();
    }
  }
}

async function receive(socket: zmq.Subscriber): Promise<Buffer[] | undefined> {
  try {
    return await socket.receive();
  } catch {
    return undefined;
  }
}
