/**
 * The limits every adapter takes, under the same names, with one check and one default each.
 * No I/O: adapters call {@link channelLimits} once, when a server or client is made, so a bad
 * option fails at creation rather than on the first connection.
 *
 * | option             | meaning                                                   | default     |
 * | ------------------ | --------------------------------------------------------- | ----------- |
 * | `handshakeTimeout` | ms from the first byte until the peer is authenticated     | 30 000      |
 * | `idleTimeout`      | ms a ready session may stay silent (0 = never)            | 0           |
 * | `keepAlive`        | ms without traffic before a PING is sent (0 = never)      | 0           |
 * | `maxFrameSize`     | largest frame, and multipart message, after authentication | 16 MiB      |
 * | `maxHandshakes`    | concurrent unauthenticated peers per server               | 1 000       |
 * | `maxSessions`      | concurrent peers per server, handshaking or ready         | 10 000      |
 * | `maxBufferedBytes` | received bytes held for a slow reader before reading pauses | 16 MiB    |
 *
 * Durations are capped at 2^31 - 1 ms: Node fires a longer `setTimeout` after 1 ms.
 *
 * @module
 */

/** The largest delay Node's timers keep (about 24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 0x7fffffff;

/** libzmq's default `ZMQ_HANDSHAKE_IVL`. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 30_000;

/** Default largest frame after authentication (16 MiB): a default, not a protocol limit. */
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

/** The defaults of {@link ChannelLimits}. */
export const LIMIT_DEFAULTS: ChannelLimits = Object.freeze({
  handshakeTimeout: DEFAULT_HANDSHAKE_TIMEOUT,
  idleTimeout: 0,
  keepAlive: 0,
  maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
  maxHandshakes: 1_000,
  maxSessions: 10_000,
  maxBufferedBytes: 16 * 1024 * 1024,
});

/** The limits as a caller gives them: every one optional. */
export interface ChannelLimitsInit {
  /** Milliseconds from the start until the peer is authenticated (1 to 2^31 - 1). */
  readonly handshakeTimeout?: number;
  /** Milliseconds a ready session may receive nothing before it is closed; 0 = never. */
  readonly idleTimeout?: number;
  /** Milliseconds without sending before a PING (RFC 37) goes out; 0 = never. */
  readonly keepAlive?: number;
  /** Largest frame, and largest multipart message, in bytes, once authenticated. */
  readonly maxFrameSize?: number;
  /** Concurrent unauthenticated peers a server keeps; the oldest undecided one makes room. */
  readonly maxHandshakes?: number;
  /** Concurrent peers a server keeps, handshaking or ready. */
  readonly maxSessions?: number;
  /** Received bytes held for a reader that does not keep up, before reading pauses. */
  readonly maxBufferedBytes?: number;
}

/** Every limit, checked and defaulted. */
export interface ChannelLimits {
  readonly handshakeTimeout: number;
  readonly idleTimeout: number;
  readonly keepAlive: number;
  readonly maxFrameSize: number;
  readonly maxHandshakes: number;
  readonly maxSessions: number;
  readonly maxBufferedBytes: number;
}

/**
 * Checks and defaults every limit of `options`.
 *
 * @param argument - how the caller names `options` in error messages
 * @param defaults - an adapter's own defaults where they differ (rare: say why at the call)
 * @throws {@link RangeError} naming the first option out of range
 */
export function channelLimits(
  options: ChannelLimitsInit,
  argument = 'options',
  defaults: Partial<ChannelLimits> = {},
): ChannelLimits {
  const d = { ...LIMIT_DEFAULTS, ...defaults };
  const name = (option: string) => `${argument}.${option}`;
  return {
    handshakeTimeout: checkDuration(options.handshakeTimeout, name('handshakeTimeout'), d.handshakeTimeout, { zero: false }),
    idleTimeout: checkDuration(options.idleTimeout, name('idleTimeout'), d.idleTimeout),
    keepAlive: checkDuration(options.keepAlive, name('keepAlive'), d.keepAlive),
    maxFrameSize: checkSize(options.maxFrameSize, name('maxFrameSize'), d.maxFrameSize),
    maxHandshakes: checkCount(options.maxHandshakes, name('maxHandshakes'), d.maxHandshakes),
    maxSessions: checkCount(options.maxSessions, name('maxSessions'), d.maxSessions),
    maxBufferedBytes: checkSize(options.maxBufferedBytes, name('maxBufferedBytes'), d.maxBufferedBytes),
  };
}

/** Options of {@link checkDuration}. */
export interface DurationRule {
  /** Whether 0 is allowed, meaning "never" (default true). */
  readonly zero?: boolean;
}

/**
 * Checks a duration in milliseconds: a finite number from 0 (when `rule.zero` allows it,
 * meaning "never") or 1, up to {@link MAX_TIMER_MS}.
 *
 * @param fallback - returned for `undefined`
 * @throws {@link RangeError} naming `name` otherwise
 */
export function checkDuration(value: unknown, name: string, fallback: number, rule: DurationRule = {}): number {
  if (value === undefined) return fallback;
  const min = rule.zero === false ? 1 : 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
    throw new RangeError(`"${name}" expected milliseconds from ${min} to ${MAX_TIMER_MS}, got ${String(value)}`);
  }
  return value;
}

/**
 * Checks a count: a positive safe integer.
 *
 * @param fallback - returned for `undefined`
 * @throws {@link RangeError} naming `name` otherwise
 */
export function checkCount(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`"${name}" expected a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Checks a size in bytes: an integer from 1 to `max` (default 2^32 - 1, the largest length a
 * 4-byte prefix carries; a ZMTP frame may be longer, but nothing here buffers one that large).
 *
 * @param fallback - returned for `undefined`
 * @throws {@link RangeError} naming `name` otherwise
 */
export function checkSize(value: unknown, name: string, fallback: number, max = 0xffffffff): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new RangeError(`"${name}" expected an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}
