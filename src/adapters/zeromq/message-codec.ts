/**
 * Application messages to and from envelopes: each part of a multipart message is its own
 * MESSAGE blob, with MORE set on every part but the last, all in one ZeroMQ message.
 *
 * @module
 */
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
 * Decodes the MESSAGE blobs of one ZeroMQ message. Returns `undefined` when the parts decode but
 * do not form one message (MORE missing or misplaced, or a ZMTP command part, which this
 * adapter does not carry).
 *
 * @throws {@link MechanismError} when a blob is rejected; with `onError: 'keep'` the session is
 *   left as it was before that blob
 */
export function decodeMessage(
  mechanism: Mechanism,
  blobs: readonly Uint8Array[],
  onError: 'fail' | 'keep',
): Buffer[] | undefined {
  const parts: Buffer[] = [];
  let wellFormed = true;
  blobs.forEach((blob, index) => {
    const part = mechanism.decode(blob, { onError });
    if (part.command || part.more !== index < blobs.length - 1) wellFormed = false;
    parts.push(asBuffer(part.data));
  });
  return wellFormed ? parts : undefined;
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
