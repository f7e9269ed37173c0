/**
 * The options of a secure stream that do not depend on the mechanism, and how they become
 * limits. Every number is checked by `src/channel/limits.ts`, as in every adapter; this file only
 * maps the stream's one old name (`timeout`) onto the shared one (`idleTimeout`).
 *
 * @module
 */
import { Duplex, type DuplexOptions } from 'node:stream';
import type { Authorizer } from '../../auth';
import { channelLimits, checkDuration, LIMIT_DEFAULTS, type ChannelLimits } from '../../channel/limits';
import { DEFAULT_WIRE_TRAITS, type Mechanism, type WireTraits } from '../../mechanism';

/** Options of a {@link SecureStream} that do not depend on the mechanism. */
export interface SecureStreamBaseOptions {
  /** Server sessions: who may enter. Required for every server (see `docs/stream.md`). */
  readonly authorizer?: Authorizer;
  /** The peer's transport address, passed to the authorizer; set it only when verified. */
  readonly address?: string;
  /** Milliseconds for the whole handshake (like `ZMQ_HANDSHAKE_IVL`; default 30 000, never 0). */
  readonly handshakeTimeout?: number;
  /** Idle timeout in milliseconds, as {@link SecureStream.setTimeout} (default 0 = none). */
  readonly idleTimeout?: number;
  /** @deprecated use `idleTimeout` */
  readonly timeout?: number;
  /** Keepalive period in milliseconds, as {@link SecureStream.setKeepAlive} (default 0 = none). */
  readonly keepAlive?: number;
  /** Largest frame, and largest multipart message, in bytes, once authenticated (default 16 MiB). */
  readonly maxFrameSize?: number;
  /**
   * Received bytes held for a reader that does not keep up (frames already read from the
   * channel, beyond the messages in the readable buffer) before the stream fails: the stream
   * pauses the channel long before, so only a channel that ignores `pause()` reaches it.
   * Default 16 MiB.
   */
  readonly maxBufferedBytes?: number;
  /**
   * How the mechanism looks on the wire: the stream holds the peer to `maxHandshakeSize` until
   * it is authenticated. `createServer` and `connect` pass the definition's; a stream made
   * from a bare session takes {@link DEFAULT_WIRE_TRAITS}.
   */
  readonly wire?: Pick<WireTraits, 'maxHandshakeSize'>;
  /** Destroys the stream with `ERR_ABORTED` when aborted. */
  readonly signal?: AbortSignal;
  /** Keep the writable side open after the peer ended (default false, like `node:tls`). */
  readonly allowHalfOpen?: boolean;
  /** Messages buffered on the readable side before the channel is paused (default 16). */
  readonly readableHighWaterMark?: number;
  /** Messages buffered on the writable side before `write()` returns false (default 16). */
  readonly writableHighWaterMark?: number;
}

/** Options of a {@link SecureStream}. */
export interface SecureStreamOptions extends SecureStreamBaseOptions {
  /** A fresh session (not started): `registry.client(...)` or a server factory's product. */
  readonly session: Mechanism;
}

/**
 * Checks a stream's arguments that are not numbers (those are {@link streamLimits}').
 *
 * @throws {@link TypeError} naming the argument
 */
export function checkStreamArguments(raw: unknown, options: SecureStreamOptions): void {
  if (!(raw instanceof Duplex)) throw new TypeError('"raw" expected a Duplex stream');
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
  const session = options.session;
  if (typeof session?.start !== 'function' || typeof session.encode !== 'function') {
    throw new TypeError('"options.session" expected a Mechanism');
  }
  if (session.role === 'server' && typeof (options.authorizer as unknown) !== 'function') {
    throw new TypeError('"options.authorizer" is required for a server: pass a function deciding who may enter (allowAny() lets everyone in)');
  }
}

/** The options of the `Duplex` under a stream: message mode, and the caller's high-water marks. */
export function duplexOptions(options: SecureStreamBaseOptions): DuplexOptions {
  return {
    objectMode: true,
    allowHalfOpen: options.allowHalfOpen ?? false,
    ...(options.readableHighWaterMark === undefined ? {} : { readableHighWaterMark: options.readableHighWaterMark }),
    ...(options.writableHighWaterMark === undefined ? {} : { writableHighWaterMark: options.writableHighWaterMark }),
  };
}

/** The limits of one stream, checked, and the largest handshake command of its mechanism. */
export interface StreamLimits extends ChannelLimits {
  readonly maxHandshakeSize: number;
}

/**
 * Where a server hands its streams the limits it checked once: every stream of the server then
 * shares one object (a stream's own copy cost about 400 bytes of heap per connection).
 */
export const CHECKED_LIMITS = Symbol('curvezmq.checkedLimits');

/**
 * Checks and defaults the stream's numeric options (`timeout` is read as `idleTimeout` when
 * that is not given). Limits a server already checked are taken as they are.
 *
 * @throws {@link RangeError} naming the option that is out of range
 */
export function streamLimits(options: SecureStreamBaseOptions, argument = 'options'): StreamLimits {
  const checked = (options as { [CHECKED_LIMITS]?: StreamLimits })[CHECKED_LIMITS];
  if (checked !== undefined) return checked;
  const idleTimeout = options.idleTimeout ?? checkDuration(options.timeout, `${argument}.timeout`, LIMIT_DEFAULTS.idleTimeout);
  const limits = channelLimits({ ...options, idleTimeout }, argument);
  // One literal shape for every stream (a spread copy made each its own hidden class).
  return {
    handshakeTimeout: limits.handshakeTimeout,
    idleTimeout: limits.idleTimeout,
    keepAlive: limits.keepAlive,
    maxFrameSize: limits.maxFrameSize,
    maxHandshakes: limits.maxHandshakes,
    maxSessions: limits.maxSessions,
    maxBufferedBytes: limits.maxBufferedBytes,
    maxHandshakeSize: options.wire?.maxHandshakeSize ?? DEFAULT_WIRE_TRAITS.maxHandshakeSize,
  };
}

/** The names of the stream options a server or client passes on to each stream. */
const CHANNEL_KEYS = [
  'handshakeTimeout',
  'idleTimeout',
  'timeout',
  'keepAlive',
  'maxFrameSize',
  'maxBufferedBytes',
  'signal',
  'allowHalfOpen',
  'readableHighWaterMark',
  'writableHighWaterMark',
] as const satisfies readonly (keyof SecureStreamBaseOptions)[];

/** Stream options a server or client passes to each stream. */
export type SecureChannelOptions = Omit<SecureStreamBaseOptions, 'address' | 'authorizer' | 'wire'>;

/** The stream options among `options`, and nothing else (a plain loop: it runs per connect). */
export function channelOptions(options: SecureChannelOptions): SecureChannelOptions {
  const picked: Record<string, unknown> = {};
  for (const key of CHANNEL_KEYS) {
    const value = options[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked as SecureChannelOptions;
}
