/**
 * Application messages to and from envelopes: each part of a multipart message is its own
 * MESSAGE blob, with MORE set on every part but the last, all in one ZeroMQ message.
 *
 * @module
 */
import { equalBytes } from '../../bytes';
import { encodeCommand } from '../../codec/command';
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
 * MESSAGE, so nobody else can end a session.
 */
export const CLOSE_COMMAND: Uint8Array = encodeCommand('CLOSE');

/** Encodes the CLOSE command into its one frame. */
export function encodeClose(mechanism: Mechanism, sessionId: Uint8Array): Buffer[] {
  return [encodeEnvelope(KIND_MESSAGE, sessionId, mechanism.encode(CLOSE_COMMAND, { command: true }))];
}

/** What one ZeroMQ message of MESSAGE frames decodes to. */
export type DecodedMessage = { readonly kind: 'data'; readonly parts: Buffer[] } | { readonly kind: 'close' };

/**
 * Decodes the MESSAGE blobs of one ZeroMQ message. Returns `undefined` when the parts decode but
 * form neither a message (MORE missing or misplaced, a command part among data) nor the CLOSE
 * command.
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
  if (parts.length === 1 && first!.command && !first!.more) {
    return equalBytes(first!.data, CLOSE_COMMAND) ? { kind: 'close' } : undefined;
  }
  const wellFormed = parts.every((part, index) => !part.command && part.more === index < parts.length - 1);
  return wellFormed ? { kind: 'data', parts: parts.map((part) => asBuffer(part.data)) } : undefined;
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
