/**
 * The server's options, checked once at construction: misuse fails before any socket exists.
 *
 * @module
 */
import * as zmq from 'zeromq';
import { channelLimits, checkCount, checkDuration, type ChannelLimits } from '../../channel/limits';
import type { WireTraits } from '../../mechanism';
import { resolveMechanism } from '../mechanism-choice';
import type { ZeroMqServerOptions } from './server-types';
import { checkCeiling, maxInboundFrame } from './socket-limits';

/** ZeroMQ hides disconnections: without an idle limit a vanished client's session stays forever. */
const DEFAULT_IDLE_TIMEOUT = 300_000;
const DEFAULT_HIGH_WATER_MARK = 1_000;
/** A client subscribes right after its handshake: as long as a handshake may take. */
const DEFAULT_PUBLISH_TIMEOUT = 30_000;

/** The server's options, checked and defaulted. */
export interface ServerConfig {
  readonly limits: ChannelLimits;
  readonly wire: WireTraits;
  /** `ZMQ_MAXMSGSIZE` of the Router: the largest envelope an authenticated peer may send. */
  readonly maxMessageSize: number;
  readonly receiveHighWaterMark: number;
  readonly sendHighWaterMark: number;
  /** How long `publish()` waits for its session's subscriber. */
  readonly publishTimeout: number;
}

/**
 * Checks `options` (all but the mechanism's own options, which its `server()` checks).
 *
 * @throws {@link TypeError} when `options.authorizer` is missing, an option has the wrong type,
 *   or `options.socket` has no `maxMessageSize` ceiling
 * @throws {@link RangeError} naming a limit or timeout out of range
 */
export function serverConfig(options: ZeroMqServerOptions): ServerConfig {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
  if (typeof options.authorizer !== 'function') {
    throw new TypeError('"options.authorizer" is required: pass a function deciding who may enter (allowAny() lets everyone in)');
  }
  if (options.socket !== undefined && !(options.socket instanceof zmq.Router)) {
    throw new TypeError('"options.socket" expected a zeromq Router');
  }
  // `sessionTimeout` (deprecated) is only the default of `idleTimeout`, under its own name.
  const idleTimeout = checkDuration(options.sessionTimeout, 'options.sessionTimeout', DEFAULT_IDLE_TIMEOUT);
  const limits = channelLimits(options, 'options', { idleTimeout });
  const wire = resolveMechanism(options).wire;
  const maxMessageSize = maxInboundFrame(limits.maxFrameSize, wire);
  if (options.socket !== undefined) checkCeiling(options.socket, 'options.socket', maxMessageSize);
  return {
    limits,
    wire,
    maxMessageSize,
    receiveHighWaterMark: checkCount(options.receiveHighWaterMark, 'options.receiveHighWaterMark', DEFAULT_HIGH_WATER_MARK),
    sendHighWaterMark: checkCount(options.sendHighWaterMark, 'options.sendHighWaterMark', DEFAULT_HIGH_WATER_MARK),
    // Never 0: a publish() with no deadline is what anyone could block (issue 15, finding 2).
    publishTimeout: checkDuration(options.publishTimeout, 'options.publishTimeout', DEFAULT_PUBLISH_TIMEOUT, { zero: false }),
  };
}
