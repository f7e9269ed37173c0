/**
 * Byte helpers shared by the core, the mechanisms and the adapters.
 *
 * The core speaks `Uint8Array`. A Node `Buffer` is accepted wherever bytes are taken (it is a
 * `Uint8Array`), and views from another realm (jest, vm) are recognised by shape, not by
 * `instanceof`, which fails across realms (tweetnacl-js#148).
 *
 * @module
 */

/**
 * True when `value` is a byte array: a `Uint8Array`, a Node `Buffer`, or a `Uint8Array` made in
 * another realm.
 */
export function isBytes(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) &&
      value.constructor?.name === 'Uint8Array' &&
      (value as Uint8Array).BYTES_PER_ELEMENT === 1)
  );
}

/**
 * Asserts that an argument is a byte array, optionally of an exact length.
 *
 * @param value - the argument to check
 * @param name - the argument's name, quoted in the error message
 * @param length - the exact length required, if any
 * @returns `value`, typed as `Uint8Array`
 * @throws {@link TypeError} when `value` is not a byte array
 * @throws {@link RangeError} when `length` is given and differs
 */
export function assertBytes(value: unknown, name: string, length?: number): Uint8Array {
  if (!isBytes(value)) {
    throw new TypeError(`"${name}" expected Uint8Array, got ${describe(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new RangeError(
      `"${name}" expected Uint8Array of length ${length}, got length=${value.length}`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/** Concatenates byte arrays into one new array with its own buffer. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A copy of `bytes` in a fresh, unshared buffer (never a pooled Node slab). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/**
 * Compares two byte arrays in time that depends only on their lengths, never on their contents.
 * Use it for every comparison of secret or authenticated values.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** True when every byte is zero, in time that depends only on the length. */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!;
  return acc === 0;
}

/**
 * Zero-fills each array given. JavaScript cannot promise that no copy survives elsewhere (the
 * garbage collector may have moved it), so this is "as far as JavaScript allows".
 */
export function wipe(...arrays: ReadonlyArray<Uint8Array | undefined>): void {
  for (const array of arrays) array?.fill(0);
}

/** Encodes text as UTF-8. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Decodes UTF-8 bytes to text (invalid sequences become U+FFFD). */
export function fromUtf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/**
 * Throws on the first invalid byte instead of replacing it, and keeps a leading byte-order mark
 * as a character: either way, two different byte strings would otherwise decode to the same
 * text (review finding 8: `s3cr\xE9t` and `s3cr\xFFt` both became `s3cr\uFFFDt`).
 */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes UTF-8 bytes to text, exactly: for a wire field or a credential, where lenient decoding
 * would let distinct bytes compare equal.
 *
 * @throws a `TypeError` ("The encoded data was not valid for encoding utf-8") on invalid UTF-8
 */
export function fromUtf8Strict(bytes: Uint8Array): string {
  return STRICT_UTF8.decode(bytes);
}

/** Encodes bytes as lower-case hexadecimal. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += bytes[i]!.toString(16).padStart(2, '0');
  return out;
}

/**
 * Decodes hexadecimal text.
 *
 * @throws {@link RangeError} on an odd length or a non-hex character
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new RangeError('"hex" expected an even number of hexadecimal digits');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** A `DataView` over exactly the bytes of `bytes`, whatever its `byteOffset`. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Largest value an 8-byte unsigned counter can hold: 2^64 - 1. */
export const U64_MAX = (1n << 64n) - 1n;

/** Writes `value` as an 8-byte big-endian unsigned integer at `offset`. */
export function writeU64BE(target: Uint8Array, offset: number, value: bigint): void {
  viewOf(target).setBigUint64(offset, value, false);
}

/** Reads an 8-byte big-endian unsigned integer at `offset`. */
export function readU64BE(source: Uint8Array, offset: number): bigint {
  return viewOf(source).getBigUint64(offset, false);
}

/** Reads a 4-byte big-endian unsigned integer at `offset`. */
export function readU32BE(source: Uint8Array, offset: number): number {
  return viewOf(source).getUint32(offset, false);
}

/** Writes a 4-byte big-endian unsigned integer at `offset`. */
export function writeU32BE(target: Uint8Array, offset: number, value: number): void {
  viewOf(target).setUint32(offset, value, false);
}
