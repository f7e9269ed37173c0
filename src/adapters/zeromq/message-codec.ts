/**
 * Application messages to and from envelopes: each part of a multipart message is its own
 * MESSAGE blob, with MORE set on every part but the last, all in one ZeroMQ message.
 *
 * @module
 */
import { equalBytes } from '../../bytes';
import { encodeCommand, isCommand } from '../../codec/command';
import type { Mechanism } from '../../mechanism';
import { encodeEnvelope, KIND_MESSAGE, parseEnvelope, type Envelope } from './envelope';
import { asBuffer } from './parts';

/** Encodes the parts of one message into frames (the nonces are taken now, in order). */
export function encodeMessage(mechanism: Mechanism, sessionId: Uint8Array, parts: readonly Uint8Array[]): Buffer[] {
  return parts.map((part, index) =>
    encodeEnvelope(KIND_MESSAGE, sessionId, mechanism.encode(part, { more: index < parts.length - 1 })),
  );
}

/**
 * The body of the CLOSE command: a session's last MESSAGE, one part with the COMMAND flag.
 * Either side sends it when it ends the session; it is encrypted and authenticated like any
 * MESSAGE, so nobody else can end a session. PING and PONG (below) travel the same way.
 */
export const CLOSE_COMMAND: Uint8Array = encodeCommand('CLOSE');

/** Encodes the CLOSE command into its one frame. */
export function encodeClose(mechanism: Mechanism, sessionId: Uint8Array): Buffer[] {
  return encodeCommandPart(mechanism, sessionId, CLOSE_COMMAND);
}

/** The most context bytes a PING may carry (ZMTP 3.1, RFC 37). */
const MAX_PING_CONTEXT = 16;
/** The PING TTL field: 2 octets; this adapter sends 0 (no TTL) and ignores the peer's. */
const PING_TTL_BYTES = 2;

/**
 * Encodes a heartbeat PING into its one frame, in ZMTP 3.1's shape (`\x04PING`, a 2-octet TTL
 * of 0, then `context`), as a COMMAND part: encrypted and authenticated like any MESSAGE, so
 * nobody else can forge a heartbeat, and never delivered to the application.
 *
 * @throws {@link RangeError} when `context` is longer than 16 bytes
 */
export function encodePing(mechanism: Mechanism, sessionId: Uint8Array, context: Uint8Array = new Uint8Array(0)): Buffer[] {
  if (context.length > MAX_PING_CONTEXT) throw new RangeError(`"context" expected at most ${MAX_PING_CONTEXT} bytes`);
  return encodeCommandPart(mechanism, sessionId, encodeCommand('PING', new Uint8Array(PING_TTL_BYTES), context));
}

/** Encodes the PONG answering a PING: `\x04PONG` and the PING's context, echoed. */
export function encodePong(mechanism: Mechanism, sessionId: Uint8Array, context: Uint8Array): Buffer[] {
  return encodeCommandPart(mechanism, sessionId, encodeCommand('PONG', context));
}

function encodeCommandPart(mechanism: Mechanism, sessionId: Uint8Array, command: Uint8Array): Buffer[] {
  return [encodeEnvelope(KIND_MESSAGE, sessionId, mechanism.encode(command, { command: true }))];
}

/** What one ZeroMQ message of MESSAGE frames decodes to. */
export type DecodedMessage =
  | { readonly kind: 'data'; readonly parts: Buffer[] }
  | { readonly kind: 'close' }
  | { readonly kind: 'ping'; readonly context: Buffer }
  | { readonly kind: 'pong' };

/**
 * Decodes the MESSAGE blobs of one ZeroMQ message. Returns `undefined` when the parts decode but
 * form neither a message (MORE missing or misplaced, a command part among data) nor one of the
 * commands CLOSE, PING (2 to 18 body bytes) or PONG (at most 16).
 *
 * @throws {@link MechanismError} when a blob is rejected; with `onError: 'keep'` the session is
 *   left as it was before that blob
 */
export function decodeMessage(
  mechanism: Mechanism,
  blobs: readonly Uint8Array[],
  onError: 'fail' | 'keep',
): DecodedMessage | undefined {
  const parts = blobs.map((blob) => mechanism.decode(blob, { onError }));
  const [first] = parts;
  if (parts.length === 1 && first!.command && !first!.more) return decodeCommandPart(first!.data);
  const wellFormed = parts.every((part, index) => !part.command && part.more === index < parts.length - 1);
  return wellFormed ? { kind: 'data', parts: parts.map((part) => asBuffer(part.data)) } : undefined;
}

function decodeCommandPart(data: Uint8Array): DecodedMessage | undefined {
  if (equalBytes(data, CLOSE_COMMAND)) return { kind: 'close' };
  const body = data.subarray(5); // both names are 4 letters: length byte + name
  if (isCommand(data, 'PING') && body.length >= PING_TTL_BYTES && body.length <= PING_TTL_BYTES + MAX_PING_CONTEXT) {
    return { kind: 'ping', context: Buffer.from(body.subarray(PING_TTL_BYTES)) };
  }
  if (isCommand(data, 'PONG') && body.length <= MAX_PING_CONTEXT) return { kind: 'pong' };
  return undefined;
}

/**
 * Parses every frame of a ZeroMQ message. All must be envelopes of the same kind and session;
 * otherwise `undefined` (the message is dropped).
 */
export function parseFrames(frames: readonly Uint8Array[]): Envelope[] | undefined {
  const envelopes: Envelope[] = [];
  for (const frame of frames) {
    const envelope = parseEnvelope(frame);
    const first = envelopes[0];
    if (envelope === undefined) return undefined;
    if (first !== undefined && (envelope.kind !== first.kind || !Buffer.from(envelope.sessionId).equals(first.sessionId))) {
      return undefined;
    }
    envelopes.push(envelope);
  }
  return envelopes.length === 0 ? undefined : envelopes;
}
