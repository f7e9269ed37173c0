/**
 * The largest frame each socket of the adapter may receive (`ZMQ_MAXMSGSIZE`), so that libzmq
 * refuses an oversize frame from its header and disconnects the peer, before a byte of it is
 * buffered: one Router serves peers before and after authentication, so its ceiling is the
 * largest envelope an authenticated peer may legitimately send. A pre-authentication peer is
 * then held to that same ceiling by libzmq, and to `wire.maxHandshakeSize` by the adapter.
 *
 * `ZMQ_MAXMSGSIZE` is per frame in ZMTP 3 (libzmq's v2 decoder): a multipart message of many
 * frames is assembled by libzmq before it reaches us, which no socket option bounds (see
 * "Limits" in `docs/zeromq.md`).
 *
 * @module
 */
import type { WireTraits } from '../../mechanism';
import { HEADER_BYTES } from './envelope';
import { MAX_BATCH_BYTES, MAX_BATCH_FRAMES } from './outbox';

/**
 * Bytes a frame may carry beyond its plaintext: the envelope header and the mechanism's own
 * per-part overhead (a sealed MESSAGE command adds some 33 bytes). 4 KiB leaves room for any
 * mechanism's without being a memory lever.
 */
export const PART_OVERHEAD = 4096;

/** The largest packed frame (`./packed.ts`) a batch can produce: its blobs plus one length each. */
const MAX_PACKED_FRAME = HEADER_BYTES + MAX_BATCH_BYTES + 4 * MAX_BATCH_FRAMES;

/** What an XPUB receives: subscriptions of `%x01 %x02 session-id` (and others' short topics). */
export const MAX_SUBSCRIPTION_FRAME = 4096;

/**
 * The ceiling for a socket that carries envelopes: an encoded part of `maxFrameSize` bytes, a
 * handshake command, or a packed frame, whichever is largest.
 */
export function maxInboundFrame(maxFrameSize: number, wire: WireTraits): number {
  return Math.max(maxFrameSize + PART_OVERHEAD, wire.maxHandshakeSize + HEADER_BYTES, MAX_PACKED_FRAME);
}

/** A zeromq socket as far as its receive ceiling goes. */
interface Ceiling {
  maxMessageSize: number;
}

/**
 * Checks the ceiling of a socket the caller passed in. It is not set for them: options set
 * after `bind()`/`connect()` apply only to later connections in libzmq, so a silent fix could
 * leave connections made already without a ceiling. A socket without one (the zeromq default,
 * -1) would let any peer make libzmq buffer a frame of any size before it authenticates.
 *
 * @throws {@link TypeError} naming `name` when the socket has no ceiling or a higher one
 */
export function checkCeiling(socket: Ceiling, name: string, max: number): void {
  const size = socket.maxMessageSize;
  if (size < 0 || size > max) {
    const got = size < 0 ? 'no maxMessageSize (unlimited)' : `maxMessageSize ${size}`;
    throw new TypeError(
      `"${name}" has ${got}: create it with maxMessageSize from 1 to ${max} (maxFrameSize plus envelope overhead), so no peer can make libzmq buffer a larger frame before it is authenticated`,
    );
  }
}
