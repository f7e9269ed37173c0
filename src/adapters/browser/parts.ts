/**
 * The messages a page sends: checked as they are given, and those sent before the handshake
 * completed held within a byte limit (a page that sends in a loop while the server is slow to
 * answer must not grow without bound).
 *
 * @module
 */
import { isBytes, utf8 } from '../../bytes';

/** One part as a page gives it: bytes, or a string sent as UTF-8. */
export type OutgoingPart = Uint8Array | string;

/** Checks and holds outgoing messages. */
export class PartQueue {
  private readonly limit: number;
  private held: Uint8Array[][] = [];
  private bytes = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /**
   * The parts of `message` as bytes.
   *
   * @throws {@link TypeError} when `message` is not bytes, a string or a non-empty array of them
   */
  check(message: OutgoingPart | readonly OutgoingPart[]): Uint8Array[] {
    const parts = Array.isArray(message) ? (message as readonly OutgoingPart[]) : [message as OutgoingPart];
    if (parts.length === 0) throw new TypeError('"message" expected at least one part');
    return parts.map((part, i) => {
      if (typeof part === 'string') return utf8(part);
      if (isBytes(part)) return part;
      throw new TypeError(`"message${Array.isArray(message) ? `[${i}]` : ''}" expected a Uint8Array or a string`);
    });
  }

  /**
   * Holds `parts` (copied: the caller may reuse its arrays) until {@link drain}.
   *
   * @throws {@link RangeError} when the held bytes would exceed the limit
   */
  hold(parts: readonly Uint8Array[]): void {
    let size = 0;
    for (const part of parts) size += part.length;
    if (this.bytes + size > this.limit) {
      throw new RangeError(`"message" would hold ${this.bytes + size} bytes before the handshake, over options.maxBufferedBytes (${this.limit})`);
    }
    this.bytes += size;
    this.held.push(parts.map((part) => part.slice()));
  }

  /** The held messages, in order; the queue is empty afterwards. */
  drain(): Uint8Array[][] {
    const held = this.held;
    this.held = [];
    this.bytes = 0;
    return held;
  }
}
