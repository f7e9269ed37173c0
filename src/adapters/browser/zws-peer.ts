/**
 * The socket types the ZWS client plays and the connection metadata libzmq needs to accept the
 * pairing (RFC 23 "Connection Metadata"): `Socket-Type`, then `Identity`, then the caller's own
 * properties, spelt exactly so (libzmq matches both names byte for byte).
 *
 * The ZMTP adapter's `socket-type.ts` holds the full table for TCP; this is the browser's part of
 * it, because nothing under `src/adapters/zmtp` may enter the browser graph.
 *
 * @module
 */
import { Metadata, type MetadataInit } from '../../codec/metadata';

/** The socket types this client plays. */
export type ZwsSocketType = 'DEALER' | 'REQ';

/** Which peer types each accepts (RFC 23 and libzmq `mechanism_t::check_socket_type`). */
const PEERS: Readonly<Record<ZwsSocketType, readonly string[]>> = {
  DEALER: ['REP', 'DEALER', 'ROUTER'],
  REQ: ['REP', 'ROUTER'],
};

/**
 * Checks a `socketType` option (default `'DEALER'`).
 *
 * @throws {@link RangeError} naming `options.socketType`
 */
export function checkZwsSocketType(value: unknown): ZwsSocketType {
  if (value === undefined) return 'DEALER';
  if (value !== 'DEALER' && value !== 'REQ') {
    throw new RangeError(`"options.socketType" expected 'DEALER' or 'REQ', got ${String(value)}`);
  }
  return value;
}

/** True when a `type` socket may talk to a peer announcing `peerType`. */
export function zwsPeerMatches(type: ZwsSocketType, peerType: string): boolean {
  return PEERS[type].includes(peerType);
}

/**
 * The metadata this side sends.
 *
 * @throws {@link RangeError} when `extra` holds `Socket-Type` or `Identity`, or the identity is
 *   longer than 255 bytes or starts with a zero byte (RFC 23 reserves those)
 * @throws {@link TypeError} when `identity` is neither a string nor bytes
 */
export function zwsMetadata(type: ZwsSocketType, identity: string | Uint8Array = new Uint8Array(0), extra?: MetadataInit): Metadata {
  const own = Metadata.from(extra);
  if (own.has('Socket-Type') || own.has('Identity')) {
    throw new RangeError('"options.metadata" may not set Socket-Type or Identity; use "options.socketType" and "options.identity"');
  }
  const id = Metadata.from({ Identity: identity }).get('Identity')!;
  if (id.length > 255 || id[0] === 0) throw new RangeError('"options.identity" expected 0-255 bytes not starting with a zero byte');
  return Metadata.from([['Socket-Type', type], ['Identity', id], ...own]);
}
