/**
 * Keepalive commands of the stream adapter, sent as COMMAND-flagged message parts (the
 * `command` flag of {@link Mechanism.encode}) so that they never reach the application. They
 * follow ZMTP 3.1's heartbeat commands (RFC 37):
 *
 * ```
 * ping = %d4 "PING" ping-ttl ping-context    ; ttl: 2 octets, 0 = none; context: 0..16 octets
 * pong = %d4 "PONG" ping-context
 * ```
 *
 * A side answers every PING with a PONG whether or not it enabled keepalive itself, so one
 * side's keepalive keeps both sides' idle timers fed.
 *
 * @module
 */
import { encodeCommand, parseCommand } from '../../codec/command';

/** The PING this adapter sends: no TTL, no context. */
export function encodePing(): Uint8Array {
  return encodeCommand('PING', new Uint8Array(2));
}

/**
 * The PONG answering a command part, or `undefined` when the part is not a PING. Any other
 * command part, well-formed or not, is ignored (it is authenticated by the mechanism, and
 * ignoring unknown commands keeps room for later ones).
 */
export function answerCommand(part: Uint8Array): Uint8Array | undefined {
  let command;
  try {
    command = parseCommand(part);
  } catch {
    return undefined;
  }
  if (command.name !== 'PING' || command.body.length < 2 || command.body.length > 18) return undefined;
  return encodeCommand('PONG', command.body.subarray(2));
}
