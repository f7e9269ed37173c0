/**
 * The numeric options of a secure stream, checked once, so that a server refuses bad options at
 * creation rather than on its first connection.
 *
 * @module
 */
import { checkMaxFrameSize } from './framing';
import { checkDuration } from './timer';

/** libzmq's default `ZMQ_HANDSHAKE_IVL`: 30 s. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 30_000;

/** The numeric options a secure stream takes, before checking. */
export interface ChannelSettingsInit {
  readonly handshakeTimeout?: number;
  readonly timeout?: number;
  readonly keepAlive?: number;
  readonly maxFrameSize?: number;
}

/** The same options, checked and defaulted. */
export interface ChannelSettings {
  readonly handshakeMs: number;
  readonly idleMs: number;
  readonly keepAliveMs: number;
  readonly maxFrameSize: number;
}

/**
 * Checks and defaults the numeric options.
 *
 * @throws {@link RangeError} naming the option that is out of range
 */
export function channelSettings(options: ChannelSettingsInit): ChannelSettings {
  return {
    handshakeMs: checkDuration(options.handshakeTimeout, 'options.handshakeTimeout', DEFAULT_HANDSHAKE_TIMEOUT),
    idleMs: checkDuration(options.timeout, 'options.timeout', 0),
    keepAliveMs: checkDuration(options.keepAlive, 'options.keepAlive', 0),
    maxFrameSize: checkMaxFrameSize(options.maxFrameSize, 'options.maxFrameSize'),
  };
}
