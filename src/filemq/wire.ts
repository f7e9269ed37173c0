/**
 * Field readers and writers of the file-transfer protocol: big-endian integers, strings with a
 * 1- or 2-byte length, byte fields with a 4-byte length. The reader takes any bytes and throws
 * only {@link FileMqError} `ERR_FILEMQ_MALFORMED`; it checks every length against what is left
 * before it allocates, so a hostile length costs nothing.
 *
 * @module
 */
import { fromUtf8Strict } from '../bytes';
import { FileMqError } from './errors';

const encoder = new TextEncoder();

/** Reads the fields of one command body, front to back. */
export class WireReader {
  private offset = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly command: string,
  ) {}

  /** Bytes not read yet. */
  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** One octet. */
  u8(): number {
    return this.take(1)[0]!;
  }

  /** A 16-bit big-endian number. */
  u16(): number {
    const b = this.take(2);
    return (b[0]! << 8) | b[1]!;
  }

  /** A 32-bit big-endian number. */
  u32(): number {
    const b = this.take(4);
    return ((b[0]! << 24) >>> 0) + ((b[1]! << 16) | (b[2]! << 8) | b[3]!);
  }

  /** A 64-bit big-endian number; values above 2^53 - 1 are malformed (no file is that big). */
  u64(): number {
    const high = this.u32();
    const low = this.u32();
    if (high > 0x1fffff) throw this.malformed('a 64-bit field exceeds 2^53 - 1');
    return high * 0x1_0000_0000 + low;
  }

  /** A string with a 1-byte length (mechanism names, reasons). */
  shortString(): string {
    return this.text(this.u8());
  }

  /** A string with a 2-byte length (paths). */
  string(): string {
    return this.text(this.u16());
  }

  /** A byte field with a 4-byte length; a view into the frame, not a copy. */
  longBytes(): Uint8Array {
    return this.take(this.u32());
  }

  /** Exactly `length` bytes; a view into the frame. */
  take(length: number): Uint8Array {
    if (length > this.remaining) throw this.malformed('truncated');
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** Throws unless every byte was read: trailing bytes are malformed, not ignored. */
  end(): void {
    if (this.remaining !== 0) throw this.malformed('trailing bytes');
  }

  /** A malformed-command error naming this command. */
  malformed(detail: string): FileMqError {
    return new FileMqError('ERR_FILEMQ_MALFORMED', `malformed ${this.command}: ${detail}`);
  }

  private text(length: number): string {
    try {
      return fromUtf8Strict(this.take(length));
    } catch (error) {
      if (error instanceof FileMqError) throw error;
      throw this.malformed('invalid UTF-8');
    }
  }
}

/** Appends fields to a growing list of pieces, joined once at the end. */
export class WireWriter {
  private readonly pieces: Uint8Array[] = [];
  private size = 0;

  /** One octet. */
  u8(value: number): this {
    return this.push(Uint8Array.of(value));
  }

  /** A 16-bit big-endian number. */
  u16(value: number): this {
    return this.push(Uint8Array.of(value >>> 8, value & 0xff));
  }

  /** A 32-bit big-endian number. */
  u32(value: number): this {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, value);
    return this.push(out);
  }

  /** A 64-bit big-endian number (a safe integer). */
  u64(value: number): this {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt(value));
    return this.push(out);
  }

  /** A string with a 1-byte length. */
  shortString(value: string, name: string): this {
    const bytes = encoder.encode(value);
    if (bytes.length > 0xff) throw new RangeError(`"${name}" expected at most 255 bytes of UTF-8`);
    return this.u8(bytes.length).push(bytes);
  }

  /** A string with a 2-byte length. */
  string(value: string, name: string): this {
    const bytes = encoder.encode(value);
    if (bytes.length > 0xffff) throw new RangeError(`"${name}" expected at most 65535 bytes of UTF-8`);
    return this.u16(bytes.length).push(bytes);
  }

  /** A byte field with a 4-byte length. */
  longBytes(value: Uint8Array): this {
    return this.u32(value.length).push(value);
  }

  /** Raw bytes. */
  push(bytes: Uint8Array): this {
    this.pieces.push(bytes);
    this.size += bytes.length;
    return this;
  }

  /** The fields written so far, in one array. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const piece of this.pieces) {
      out.set(piece, offset);
      offset += piece.length;
    }
    return out;
  }
}
