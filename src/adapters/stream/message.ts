/**
 * What the application writes and reads on a {@link SecureStream}: one message per `write()`
 * and per `'data'`. A message is one part (a `Uint8Array`, `Buffer` or string) or an array of
 * parts (multipart, like a ZeroMQ message). The peer reads what was written: a `Buffer` for one
 * part, an array of `Buffer`s for an array of two or more.
 *
 * @module
 */
import { isBytes } from '../../bytes';
import { ChannelError } from '../../errors';
import type { Mechanism, PartFlags } from '../../mechanism';

/** One part as the application may write it: bytes, or a string sent as UTF-8. */
export type MessagePart = Uint8Array | string;

/** A message as the application may write it: one part, or an array of parts (multipart). */
export type OutgoingMessage = MessagePart | readonly MessagePart[];

/** A message as the application reads it: a `Buffer`, or an array of two or more for multipart. */
export type StreamMessage = Buffer | Buffer[];

/** @deprecated use {@link StreamMessage} */
export type IncomingMessage = StreamMessage;

/**
 * A message's parts as bytes, or `undefined` when `message` is not a valid message (not bytes,
 * not a string, or an empty array or one holding something else).
 */
export function messageParts(message: unknown): Uint8Array[] | undefined {
  if (typeof message === 'string' || isBytes(message)) return [toBytes(message)];
  if (!Array.isArray(message) || message.length === 0) return undefined;
  const parts: Uint8Array[] = [];
  for (const part of message) {
    if (typeof part !== 'string' && !isBytes(part)) return undefined;
    parts.push(toBytes(part));
  }
  return parts;
}

/** The `TypeError` for a `chunk` that is not a message. */
export function notAMessage(): TypeError {
  return new TypeError('"chunk" expected a Uint8Array, a string, or a non-empty array of them');
}

/** The message the application reads for one part: the part itself, as a `Buffer` view. */
export function messageBuffer(part: Uint8Array): Buffer {
  return Buffer.isBuffer(part) ? part : Buffer.from(part.buffer, part.byteOffset, part.byteLength);
}

/** The message the application reads for `parts` (views, no copy). */
export function incomingMessage(parts: readonly Uint8Array[]): StreamMessage {
  const buffers = parts.map(messageBuffer);
  return buffers.length === 1 ? buffers[0]! : buffers;
}

function toBytes(part: MessagePart): Uint8Array {
  return typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
}

const LAST_PART: PartFlags = { more: false };
const MORE_PARTS: PartFlags = { more: true };

/**
 * Encodes one message for the wire: a part given alone (the common case) makes no array. The
 * blobs of a message together may not exceed `maxFrameSize`, as the peer checks them.
 *
 * @returns the blob of a one-part message, or the blobs of a multipart one
 * @throws the mechanism's error, or {@link ChannelError} `ERR_FRAME_TOO_LARGE`
 */
export function encodeMessage(session: Mechanism, message: Uint8Array | readonly Uint8Array[], maxFrameSize: number): Uint8Array | Uint8Array[] {
  let encoded: Uint8Array | Uint8Array[];
  let total = 0;
  if (isBytes(message)) {
    encoded = session.encode(message, LAST_PART);
    total = encoded.length;
  } else {
    const last = message.length - 1;
    encoded = message.map((part, i) => session.encode(part, i < last ? MORE_PARTS : LAST_PART));
    for (const blob of encoded) total += blob.length;
  }
  if (total > maxFrameSize) throw messageTooLarge(total, maxFrameSize);
  return encoded;
}

/** The error for an encoded message of `bytes` over `maxFrameSize`: the peer would refuse it. */
export function messageTooLarge(bytes: number, maxFrameSize: number): ChannelError {
  return new ChannelError('ERR_FRAME_TOO_LARGE', `message of ${bytes} bytes exceeds maxFrameSize ${maxFrameSize}`);
}
