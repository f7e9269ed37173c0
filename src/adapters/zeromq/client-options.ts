/**
 * The client's options, checked once at construction: misuse fails before any socket exists.
 *
 * @module
 */
import * as zmq from 'zeromq';
import { channelLimits, checkCount, checkDuration, type ChannelLimits } from '../../channel/limits';
import type { WireTraits } from '../../mechanism';
import { resolveMechanism } from '../mechanism-choice';
import type { ZeroMqClientOptions } from './client-types';
import type { HeartbeatSettings } from './heartbeat';
import { checkCeiling, maxInboundFrame } from './socket-limits';

const DEFAULT_HIGH_WATER_MARK = 1_000;

/** The client's options, checked and defaulted. */
export interface ClientConfig {
  readonly limits: ChannelLimits;
  readonly wire: WireTraits;
  /** Per-`receive()` deadline in ms, or none. */
  readonly receiveTimeout: number | undefined;
  /** PING timers, or none when `keepAlive` is 0. */
  readonly heartbeat: HeartbeatSettings | undefined;
  readonly receiveHighWaterMark: number;
  readonly sendHighWaterMark: number;
  /** Options of every socket the client creates: linger, and the receive ceiling. */
  readonly socketOptions: { readonly linger?: number; readonly maxMessageSize: number };
  /** The caller's socket, checked. */
  readonly socket: zmq.Dealer | zmq.Request | undefined;
}

/**
 * Checks `options` (all but the mechanism's own options, which its `client()` checks).
 *
 * @throws {@link TypeError} when an option has the wrong type, or `options.socket` has no
 *   `maxMessageSize` ceiling
 * @throws {@link RangeError} naming a limit or timeout out of range, or `heartbeatTimeout`
 *   without `keepAlive`
 */
export function clientConfig(options: ZeroMqClientOptions): ClientConfig {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
  // `heartbeatInterval` (deprecated) is only the default of `keepAlive`, under its own name.
  const keepAlive = checkDuration(options.heartbeatInterval, 'options.heartbeatInterval', 0);
  const limits = channelLimits(options, 'options', { keepAlive });
  const wire = resolveMechanism(options).wire;
  const maxMessageSize = maxInboundFrame(limits.maxFrameSize, wire);
  const socket = checkSocket(options.socket, maxMessageSize);
  const linger = options.linger === undefined ? {} : { linger: checkLinger(options.linger) };
  return {
    limits,
    wire,
    receiveTimeout: options.receiveTimeout === undefined ? undefined : checkDuration(options.receiveTimeout, 'options.receiveTimeout', 0, { zero: false }),
    heartbeat: heartbeatSettings(limits.keepAlive, options.heartbeatTimeout),
    receiveHighWaterMark: checkCount(options.receiveHighWaterMark, 'options.receiveHighWaterMark', DEFAULT_HIGH_WATER_MARK),
    sendHighWaterMark: checkCount(options.sendHighWaterMark, 'options.sendHighWaterMark', DEFAULT_HIGH_WATER_MARK),
    socketOptions: { ...linger, maxMessageSize },
    socket,
  };
}

/**
 * A socket the caller passed (to the constructor or `reconnect()`), checked.
 *
 * @throws {@link TypeError} naming `name` when it is no Dealer or Request, or has no ceiling
 */
export function checkSocket(socket: unknown, maxMessageSize: number, name = 'options.socket'): zmq.Dealer | zmq.Request | undefined {
  if (socket === undefined) return undefined;
  if (!(socket instanceof zmq.Dealer || socket instanceof zmq.Request)) throw new TypeError(`"${name}" expected a zeromq Dealer or Request`);
  checkCeiling(socket, name, maxMessageSize);
  return socket;
}

function checkLinger(linger: number): number {
  if (!Number.isSafeInteger(linger) || linger < -1) throw new RangeError(`"options.linger" expected -1 or more milliseconds, got ${String(linger)}`);
  return linger;
}

/** PING after `keepAlive` ms of silence; fail when nothing answers within `heartbeatTimeout`. */
function heartbeatSettings(keepAlive: number, heartbeatTimeout: number | undefined): HeartbeatSettings | undefined {
  if (keepAlive === 0) {
    if (heartbeatTimeout !== undefined) throw new RangeError('"options.heartbeatTimeout" needs "options.keepAlive"');
    return undefined;
  }
  return { interval: keepAlive, timeout: checkDuration(heartbeatTimeout, 'options.heartbeatTimeout', keepAlive, { zero: false }) };
}

