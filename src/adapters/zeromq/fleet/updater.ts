/**
 * A fleet updater: sends KVSET to a fleet server's COLLECTOR (port P + 2) over native libzmq
 * CURVE. Its key must hold `update` on the server, or the handshake is refused and nothing it
 * sends arrives. It uses an XPUB socket (PUB on the wire) so that it can see the COLLECTOR's
 * subscription: a PUB drops what it sends before the subscription arrives, so {@link ready}
 * waits for it.
 *
 * @module
 */
import '../require-zeromq';
import * as zmq from 'zeromq';
import { ChannelError } from '../../../errors';
import { encodeChp, UUID_SIZE } from '../../../fleet/codec';
import type { ChpProperties } from '../../../fleet/properties';
import type { KeyLike } from '../../../keys';
import { secureRandom } from '../../../random';
import { clientCurve } from './replica';
import { SerialQueue } from '../serial-queue';
import { checkBasePort, fleetLimits, socketLimits } from './sockets';

/** Options of {@link FleetUpdater.connect}. */
export interface FleetUpdaterOptions {
  readonly host?: string;
  /** The server's base port P (the COLLECTOR is P + 2). */
  readonly port: number;
  /** The server's CURVE public key (required unless `curve` is false). */
  readonly serverKey?: KeyLike;
  /** This updater's CURVE secret key (required unless `curve` is false). */
  readonly secretKey?: KeyLike;
  /** false: plain RFC 12 to a server started with `curve: false`. Default true. */
  readonly curve?: boolean;
  /** Largest value sent (default 64 KiB, as the server's default). */
  readonly maxValueSize?: number;
}

/** Sends updates to one fleet server. */
export class FleetUpdater {
  /** Settles when the server's COLLECTOR subscribed (the handshake passed); rejects on close before. */
  readonly ready: Promise<void>;
  private readonly queue = new SerialQueue();

  private constructor(private readonly socket: zmq.XPublisher) {
    this.ready = socket.receive().then(
      () => undefined,
      () => {
        throw new ChannelError('ERR_CHANNEL_CLOSED', 'updater closed before the server accepted it');
      },
    );
    this.ready.catch(() => undefined);
  }

  /**
   * Connects to the COLLECTOR.
   *
   * @throws {@link TypeError}/{@link RangeError} naming a bad option
   */
  static connect(options: FleetUpdaterOptions): FleetUpdater {
    if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
    const port = checkBasePort(options.port, 'options.port');
    const limits = fleetLimits({ maxValueSize: options.maxValueSize });
    const socket = new zmq.XPublisher({ ...clientCurve(options), ...socketLimits(limits) });
    socket.connect(`tcp://${options.host ?? '127.0.0.1'}:${port + 2}`);
    return new FleetUpdater(socket);
  }

  /**
   * Sends a KVSET with a fresh UUID (an empty value deletes). The server assigns the sequence
   * and publishes the update; nothing comes back on this socket, so follow a replica to see it.
   *
   * @throws {@link RangeError} for a key or properties CHP cannot carry
   */
  async set(key: string, value: Uint8Array, properties: ChpProperties = {}): Promise<void> {
    const frames = encodeChp({ command: 'KVSET', key, sequence: 0, uuid: secureRandom(UUID_SIZE), properties, value });
    await this.ready;
    await this.queue.run(() => this.socket.send(frames));
  }

  /** Closes the socket (unsent updates are dropped). */
  close(): Promise<void> {
    this.socket.close();
    return Promise.resolve();
  }
}
