/**
 * The envelope: how one mechanism blob travels in one ZeroMQ frame.
 *
 * ```
 * frame      = kind session-id blob
 * kind       = %x01 (HANDSHAKE: a handshake command) / %x02 (MESSAGE: an encoded message part)
 * session-id = 16 OCTET       ; chosen at random by the client, the same in every frame
 * blob       = 1*OCTET        ; what the mechanism produced, unchanged
 * ```
 *
 * A ZeroMQ message is either one HANDSHAKE frame alone, or a batch of MESSAGE frames of one
 * session: one or more application messages back to back, each ending at the part whose
 * (encrypted, RFC 26) MORE flag is clear; a CLOSE, PING or PONG part is an application message
 * of its own. The receiver handles each application message as if it had come alone. A
 * ZeroMQ message whose frames are not all envelopes of the same kind and session is dropped
 * whole. Runs of small MESSAGE envelopes may travel as one packed frame (`%x03`, see
 * `./packed.ts`). See "Batches" in `docs/zeromq.md`.
 *
 * The session id keys the session on the server, so a session survives a change of route (a
 * new Dealer, a reconnect). It is random, so it reveals no key and cannot be guessed; knowing it
 * gives nobody the power to disturb the session, because the server moves a session only for a
 * MESSAGE that authenticates (see `docs/zeromq.md`). On a PUB socket the first 17 bytes
 * (`%x02 session-id`) are the topic a subscriber filters on.
 *
 * @module
 */
import { equalBytes, toHex } from '../../bytes';

/** A frame that carries a handshake command. */
export const KIND_HANDSHAKE = 0x01;
/** A frame that carries one encoded message part. */
export const KIND_MESSAGE = 0x02;
/** Length of a session id. */
export const SESSION_ID_BYTES = 16;
/** Length of the envelope header (kind and session id). */
export const HEADER_BYTES = 1 + SESSION_ID_BYTES;

/** The kinds of frame. */
export type EnvelopeKind = typeof KIND_HANDSHAKE | typeof KIND_MESSAGE;

/** A parsed frame. `blob` is a view into the frame. */
export interface Envelope {
  readonly kind: EnvelopeKind;
  readonly sessionId: Uint8Array;
  readonly blob: Uint8Array;
}

/** Builds a frame: kind, session id, blob. */
export function encodeEnvelope(kind: EnvelopeKind, sessionId: Uint8Array, blob: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + blob.length);
  frame[0] = kind;
  frame.set(sessionId, 1);
  frame.set(blob, HEADER_BYTES);
  return frame;
}

/**
 * Parses a frame from the network. Takes any bytes; anything that is not an envelope (too short,
 * unknown kind, empty blob) gives `undefined`, never a throw.
 */
export function parseEnvelope(frame: Uint8Array): Envelope | undefined {
  const kind = frame[0];
  if (frame.length <= HEADER_BYTES || (kind !== KIND_HANDSHAKE && kind !== KIND_MESSAGE)) return undefined;
  return {
    kind,
    sessionId: frame.subarray(1, HEADER_BYTES),
    blob: frame.subarray(HEADER_BYTES),
  };
}

/** The PUB-SUB topic of a session: `%x02 session-id`. */
export function sessionTopic(sessionId: Uint8Array): Buffer {
  const topic = Buffer.allocUnsafe(HEADER_BYTES);
  topic[0] = KIND_MESSAGE;
  topic.set(sessionId, 1);
  return topic;
}

/** The map key of a session id (lower-case hex). */
export function sessionKey(sessionId: Uint8Array): string {
  return toHex(sessionId);
}

/** True when a parsed envelope belongs to `sessionId` (constant time in the id). */
export function isFor(envelope: Envelope, sessionId: Uint8Array): boolean {
  return equalBytes(envelope.sessionId, sessionId);
}
