/**
 * What the fleet server and replica share about zeromq sockets: option checks and the socket
 * options every fleet socket carries (a message size cap and short queues, so a
 * peer can make us hold at most `receiveHighWaterMark` capped messages).
 *
 * @module
 */
import { checkCount, checkDuration, checkSize } from '../../../channel/limits';
import { DEFAULT_MAX_VALUE_SIZE, MAX_KEY_SIZE, SEQUENCE_SIZE, UUID_SIZE } from '../../../fleet/codec';
import { MAX_PROPERTIES_SIZE } from '../../../fleet/properties';

/** The limits both ends take. */
export interface FleetLimitsInit {
  /** Largest value of an entry (default 64 KiB); libzmq drops a peer sending a larger frame. */
  readonly maxValueSize?: number;
  /** Most entries held (default 100,000). */
  readonly maxEntries?: number;
  /** Milliseconds a CURVE handshake may take (default 30,000). */
  readonly handshakeTimeout?: number;
  /** Messages queued per peer, each way (default 100). */
  readonly queueLength?: number;
}

/** Checked limits. */
export interface FleetLimits {
  readonly maxValueSize: number;
  readonly maxEntries: number;
  readonly handshakeTimeout: number;
  readonly queueLength: number;
  /** ZMQ_MAXMSGSIZE: the largest frame of any CHP command under these limits. */
  readonly maxMessageSize: number;
}

/**
 * Checks the limits.
 *
 * @throws {@link RangeError} naming the option
 */
export function fleetLimits(options: FleetLimitsInit, argument = 'options'): FleetLimits {
  const maxValueSize = checkSize(options.maxValueSize, `${argument}.maxValueSize`, DEFAULT_MAX_VALUE_SIZE);
  return {
    maxValueSize,
    maxEntries: checkCount(options.maxEntries, `${argument}.maxEntries`, 100_000),
    handshakeTimeout: checkDuration(options.handshakeTimeout, `${argument}.handshakeTimeout`, 30_000, { zero: false }),
    queueLength: checkCount(options.queueLength, `${argument}.queueLength`, 100),
    // libzmq applies ZMQ_MAXMSGSIZE per frame; the largest CHP frame is the value or properties.
    maxMessageSize: Math.max(maxValueSize, MAX_PROPERTIES_SIZE, MAX_KEY_SIZE, SEQUENCE_SIZE, UUID_SIZE),
  };
}

/**
 * zeromq.js options every fleet socket carries; `ways` says which queues the socket has
 * (zeromq.js refuses an option a socket type lacks, such as a receive queue on a PUB).
 */
export function socketLimits(limits: FleetLimits, ways: 'send' | 'receive' | 'both' = 'both'): {
  maxMessageSize: number;
  receiveHighWaterMark?: number;
  sendHighWaterMark?: number;
  handshakeInterval: number;
  linger: number;
} {
  return {
    maxMessageSize: limits.maxMessageSize,
    ...(ways === 'send' ? {} : { receiveHighWaterMark: limits.queueLength }),
    ...(ways === 'receive' ? {} : { sendHighWaterMark: limits.queueLength }),
    handshakeInterval: limits.handshakeTimeout,
    // Close must not wait for a peer that stopped reading.
    linger: 0,
  };
}

/** Checks a TCP port P such that P + 2 is a port too. */
export function checkBasePort(port: unknown, name: string): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65533) {
    throw new RangeError(`"${name}" expected an integer from 1 to 65533 (the fleet uses P, P+1 and P+2)`);
  }
  return port;
}
