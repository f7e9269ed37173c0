/**
 * ZAP (RFC 27) frames: the request libzmq sends to `inproc://zeromq.zap.01` and the reply it
 * expects, as seen by a Router handler (routing id and empty delimiter first).
 *
 * ```
 * request = routing-id "" "1.0" request-id domain address identity mechanism *credentials
 * reply   = routing-id "" "1.0" request-id status-code status-text user-id metadata
 * ```
 *
 * RFC 27 gives each mechanism its own credential frames (none for NULL, user name and password
 * for PLAIN, the client's key for CURVE), so this wire codec names them; the adapter that
 * answers libzmq's requests (`src/adapters/zeromq/zap.ts`) does not.
 *
 * @module
 */
import { Metadata, encodeMetadata } from './metadata';
import type { AuthDecision, AuthRequest } from '../mechanism';
import { z85Encode } from '../z85';

/** A parsed ZAP request. */
export interface ZapRequest {
  /** The frames to reply to: routing id and empty delimiter. */
  readonly route: Buffer[];
  /** The request id, echoed in the reply. */
  readonly requestId: Buffer;
  /** The ZAP domain (ZMQ_ZAP_DOMAIN of the server socket; may be empty). */
  readonly domain: string;
  /** What the authorizer sees. */
  readonly auth: AuthRequest;
}

/** What {@link parseZapRequest} makes of frames that are not a valid request. */
export interface ZapInvalid {
  readonly route: Buffer[] | undefined;
  readonly requestId: Buffer | undefined;
}

const KEY_BYTES = 32;

/**
 * Parses a ZAP request. Takes any frames; returns the request, or what is needed to answer an
 * invalid one with status 500 (nothing when not even the route is there). Never throws.
 */
export function parseZapRequest(frames: readonly Buffer[]): ZapRequest | ZapInvalid {
  const [routingId, delimiter, version, requestId, domain, address, , mechanism, ...credentials] = frames;
  const route = routingId !== undefined && delimiter?.length === 0 ? [routingId, delimiter] : undefined;
  const invalid = { route, requestId };
  if (route === undefined || requestId === undefined || version?.toString() !== '1.0' || mechanism === undefined) return invalid;
  const auth = authRequest(mechanism.toString(), credentials, address?.toString() ?? '', domain?.toString() ?? '');
  return auth === undefined ? invalid : { route, requestId, domain: domain?.toString() ?? '', auth };
}

function authRequest(mechanism: string, credentials: Buffer[], address: string, domain: string): AuthRequest | undefined {
  const base = {
    mechanism,
    metadata: Metadata.EMPTY,
    ...(address === '' ? {} : { address }),
    ...(domain === '' ? {} : { domain }),
  };
  const [first, second] = credentials;
  switch (mechanism) {
    case 'NULL':
      return credentials.length === 0 ? base : undefined;
    case 'PLAIN':
      return credentials.length === 2 ? { ...base, username: first!.toString(), password: second!.toString() } : undefined;
    case 'CURVE':
      if (credentials.length !== 1 || first!.length !== KEY_BYTES) return undefined;
      return { ...base, publicKey: new Uint8Array(first!), publicKeyZ85: z85Encode(first!) };
    default:
      return undefined;
  }
}

/** True when `parsed` is a valid request. */
export function isZapRequest(parsed: ZapRequest | ZapInvalid): parsed is ZapRequest {
  return (parsed as ZapRequest).auth !== undefined;
}

/**
 * The reply frames for a decision. On 200 the user id defaults to the CURVE key in Z85 or the
 * PLAIN user name, as CZMQ's zauth does; on refusals it is empty, as RFC 27 requires.
 */
export function encodeZapReply(route: readonly Buffer[], requestId: Buffer, decision: AuthDecision, request?: AuthRequest): Buffer[] {
  const allowed = decision.status === 200;
  const userId = allowed ? (decision.userId ?? request?.publicKeyZ85 ?? request?.username ?? '') : '';
  return [
    ...route,
    Buffer.from('1.0'),
    requestId,
    Buffer.from(String(decision.status)),
    Buffer.from(printable(decision.statusText ?? (allowed ? 'OK' : 'No access'))),
    Buffer.from(userId.slice(0, 255)),
    Buffer.from(allowed ? encodeMetadata(decision.metadata) : new Uint8Array(0)),
  ];
}

/** ZAP strings are at most 255 printable ASCII characters. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 255);
}
