/**
 * What `send()` takes and what `receive()` gives, as zeromq.js does: liberal in (strings,
 * buffers, any view, one part or an array of parts), exact out (an array of `Buffer`s).
 *
 * @module
 */
import { isBytes } from '../../bytes';

/** One message part as `send()` accepts it. Strings are sent as UTF-8. */
export type PartLike = string | Uint8Array | ArrayBufferView | ArrayBuffer;

/** A message as `send()` accepts it: one part or several. */
export type MessageLike = PartLike | readonly PartLike[];

/**
 * Normalises a message to its parts.
 *
 * @throws {@link TypeError} when a part is of another type (the error names `message[i]`)
 * @throws {@link RangeError} when the message has no part
 */
export function toParts(message: MessageLike): Uint8Array[] {
  const list = Array.isArray(message) ? (message as readonly PartLike[]) : [message as PartLike];
  if (list.length === 0) throw new RangeError('"message" expected at least one part');
  return list.map((part, index) => toPart(part, Array.isArray(message) ? `message[${index}]` : 'message'));
}

function toPart(part: unknown, name: string): Uint8Array {
  if (typeof part === 'string') return Buffer.from(part, 'utf8');
  if (isBytes(part)) return part;
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
  if (part instanceof ArrayBuffer) return new Uint8Array(part);
  throw new TypeError(`"${name}" expected a string, a Uint8Array, an ArrayBufferView or an ArrayBuffer`);
}

/** A core byte array as the `Buffer` Node users of zeromq.js expect (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Bytes of a message's parts: what it holds in an inbox, and what `maxFrameSize` caps. */
export function partsBytes(parts: readonly Uint8Array[]): number {
  let bytes = 0;
  for (const part of parts) bytes += part.length;
  return bytes;
}
