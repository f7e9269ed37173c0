/**
 * ZMTP 3.1 heartbeat commands (RFC 37), the one codec and the one policy every adapter uses:
 *
 * ```
 * ping = command-size %d4 "PING" ping-ttl ping-context
 * ping-ttl = 2OCTET              ; tenths of a second, network order; 0 = none
 * ping-context = 0*16OCTET
 * pong = command-size %d4 "PONG" ping-context
 * ```
 *
 * Policy, the same in every adapter. These commands arrive through the mechanism, so they are
 * authenticated: a malformed one is a fault of the peer's implementation, not noise.
 * - a PING without its 2-byte TTL ends the session (`ERR_PROTOCOL`);
 * - a PING context over 16 bytes is cut to 16 in the PONG, as libzmq does;
 * - a PONG's context is not checked (nothing here sends one that needs matching);
 * - any other command is left to the caller (adapters ignore unknown ones, keeping room for
 *   later commands).
 *
 * @module
 */
import { ChannelError } from '../errors';
import { encodeCommand, isCommand } from './command';

/** Longest PING context RFC 37 allows; a longer one is cut to this in the PONG. */
export const MAX_PING_CONTEXT = 16;

const TTL_BYTES = 2;
const PING_HEADER = 1 + 4; // name-size, "PING"
const PONG_HEADER = 1 + 4;
const NO_CONTEXT = new Uint8Array(0);

/** A received heartbeat command. */
export type Heartbeat =
  | { readonly name: 'PING'; readonly ttl: number; readonly context: Uint8Array }
  | { readonly name: 'PONG'; readonly context: Uint8Array };

/**
 * Encodes a PING.
 *
 * @param ttl - tenths of a second the peer should wait for traffic before it gives up (0 = none)
 * @param context - echoed in the PONG (at most 16 bytes)
 * @throws {@link RangeError} for a TTL outside 0..65535 or a context over 16 bytes
 */
export function encodePing(ttl = 0, context: Uint8Array = NO_CONTEXT): Uint8Array {
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 0xffff) throw new RangeError(`"ttl" expected an integer from 0 to 65535, got ${String(ttl)}`);
  if (context.length > MAX_PING_CONTEXT) throw new RangeError(`"context" expected at most ${MAX_PING_CONTEXT} bytes`);
  return encodeCommand('PING', Uint8Array.of(ttl >>> 8, ttl & 0xff), context);
}

/**
 * Encodes a PONG echoing `context`.
 *
 * @throws {@link RangeError} for a context over 16 bytes
 */
export function encodePong(context: Uint8Array = NO_CONTEXT): Uint8Array {
  if (context.length > MAX_PING_CONTEXT) throw new RangeError(`"context" expected at most ${MAX_PING_CONTEXT} bytes`);
  return encodeCommand('PONG', context);
}

/**
 * Reads a command part as a heartbeat: `undefined` when it is some other command.
 *
 * @throws {@link ChannelError} `ERR_PROTOCOL` for a PING without its TTL
 */
export function parseHeartbeat(command: Uint8Array): Heartbeat | undefined {
  if (isCommand(command, 'PING')) {
    if (command.length < PING_HEADER + TTL_BYTES) throw new ChannelError('ERR_PROTOCOL', 'a PING without its TTL');
    const ttl = (command[PING_HEADER]! << 8) | command[PING_HEADER + 1]!;
    const start = PING_HEADER + TTL_BYTES;
    return { name: 'PING', ttl, context: command.subarray(start, Math.min(command.length, start + MAX_PING_CONTEXT)) };
  }
  if (isCommand(command, 'PONG')) return { name: 'PONG', context: command.subarray(PONG_HEADER) };
  return undefined;
}

/**
 * The PONG that answers `command`, or `undefined` when it is not a PING.
 *
 * @throws {@link ChannelError} `ERR_PROTOCOL` for a malformed PING (see the policy above)
 */
export function answerPing(command: Uint8Array): Uint8Array | undefined {
  const heartbeat = parseHeartbeat(command);
  return heartbeat?.name === 'PING' ? encodePong(heartbeat.context) : undefined;
}
