/**
 * ZMTP socket types and the connection metadata libzmq needs to accept a pairing (RFC 23 and
 * RFC 37 "Connection Metadata"): `Socket-Type` always, `Identity` for REQ, DEALER and ROUTER.
 * libzmq matches both names byte for byte, so they are spelt exactly so.
 *
 * @module
 */
import { Metadata, type MetadataInit } from '../../codec/metadata';

/** The socket types of ZMTP 3.1 (libzmq validates pairs among them). */
export type ZmtpSocketType =
  | 'REQ'
  | 'REP'
  | 'DEALER'
  | 'ROUTER'
  | 'PUB'
  | 'XPUB'
  | 'SUB'
  | 'XSUB'
  | 'PUSH'
  | 'PULL'
  | 'PAIR';

/** Which peer types each type accepts (RFC 23 and libzmq `mechanism_t::check_socket_type`). */
const PEERS: Readonly<Record<ZmtpSocketType, readonly string[]>> = {
  REQ: ['REP', 'ROUTER'],
  REP: ['REQ', 'DEALER'],
  DEALER: ['REP', 'DEALER', 'ROUTER'],
  ROUTER: ['REQ', 'DEALER', 'ROUTER'],
  PUB: ['SUB', 'XSUB'],
  XPUB: ['SUB', 'XSUB'],
  SUB: ['PUB', 'XPUB'],
  XSUB: ['PUB', 'XPUB'],
  PUSH: ['PULL'],
  PULL: ['PUSH'],
  PAIR: ['PAIR'],
};

const WITH_IDENTITY = new Set<string>(['REQ', 'DEALER', 'ROUTER']);

/**
 * Checks a `socketType` option.
 *
 * @throws {@link RangeError} unless one of {@link ZmtpSocketType}
 */
export function checkSocketType(value: unknown): ZmtpSocketType {
  if (typeof value !== 'string' || !Object.prototype.hasOwnProperty.call(PEERS, value)) {
    throw new RangeError(`"socketType" expected one of ${Object.keys(PEERS).join(', ')}, got ${String(value)}`);
  }
  return value as ZmtpSocketType;
}

/** True when a `type` socket may talk to a peer announcing `peerType`. */
export function socketTypesMatch(type: ZmtpSocketType, peerType: string): boolean {
  return PEERS[type].includes(peerType);
}

/**
 * The metadata this side sends: `Socket-Type`, then `Identity` (REQ, DEALER, ROUTER), then the
 * caller's own properties, as libzmq orders them. The caller may not set the first two itself:
 * they are what the peer validates the pairing on.
 *
 * @throws {@link RangeError} when `extra` holds `Socket-Type` or `Identity`, or an identity is
 *   longer than 255 bytes or starts with a zero byte (RFC 23 reserves those)
 * @throws {@link TypeError} when `identity` is neither a string nor bytes
 */
export function connectionMetadata(
  type: ZmtpSocketType,
  identity: string | Uint8Array = new Uint8Array(0),
  extra?: MetadataInit,
): Metadata {
  const own = Metadata.from(extra);
  if (own.has('Socket-Type') || own.has('Identity')) {
    throw new RangeError('"metadata" may not set Socket-Type or Identity; use "socketType" and "identity"');
  }
  const props: Array<readonly [string, string | Uint8Array]> = [['Socket-Type', type]];
  if (WITH_IDENTITY.has(type)) {
    const id = Metadata.from({ Identity: identity }).get('Identity')!;
    if (id.length > 255 || id[0] === 0) {
      throw new RangeError('"identity" expected 0-255 bytes not starting with a zero byte');
    }
    props.push(['Identity', id]);
  }
  return Metadata.from([...props, ...own]);
}
