/**
 * How a FileMQ session knows a mechanism: by its name on the wire, a factory of sessions, and
 * its largest handshake command, which bounds what a peer may send before access.
 *
 * @module
 */
import { DEFAULT_WIRE_TRAITS, type Mechanism } from '../mechanism';

/** A mechanism a peer offers or accepts: its registry name and a per-peering factory. */
export interface NamedFactory {
  readonly name: string;
  readonly create: () => Mechanism;
  /**
   * The mechanism's largest handshake command (its definition's `wire.maxHandshakeSize`;
   * default that of `DEFAULT_WIRE_TRAITS`): bigger blobs, and bigger frames before access, are
   * refused.
   */
  readonly maxHandshakeSize?: number;
}

/**
 * What FileMQ wraps around handshake blobs (an OHAI offering a few names, or ORLY/YARLY/OHAI-OK's
 * mechanism name and blob lengths): room for it on top of the mechanism's largest command.
 */
export const HANDSHAKE_ENVELOPE = 1024;

/** The largest frame a peer may send before access: the largest handshake command of any. */
export function handshakeFrameLimit(mechanisms: readonly NamedFactory[]): number {
  const largest = Math.max(...mechanisms.map((m) => m.maxHandshakeSize ?? DEFAULT_WIRE_TRAITS.maxHandshakeSize));
  return largest + HANDSHAKE_ENVELOPE;
}
