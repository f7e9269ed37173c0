/**
 * Z85 (ZeroMQ RFC 32): binary ↔ text in 5 characters per 4 bytes, the encoding of ZeroMQ keys
 * (a 32-byte key is 40 characters). Strict like libzmq's `zmq_z85_decode`: the input length must
 * be a multiple of 5 (4 when encoding), every character must be in the alphabet, and a group
 * must not exceed 2^32 - 1 (`%nSc1` is rejected). The empty string encodes and decodes to empty
 * bytes, as in the RFC's reference code.
 *
 * @module
 */
import { assertBytes } from './bytes';

/** The 85-character alphabet, value 0 first (RFC 32). */
export const Z85_ALPHABET =
  '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < Z85_ALPHABET.length; i++) DECODE[Z85_ALPHABET.charCodeAt(i)] = i;

/**
 * Encodes bytes as Z85.
 *
 * @throws {@link TypeError} when `bytes` is not a byte array
 * @throws {@link RangeError} when the length is not a multiple of 4
 */
export function z85Encode(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes');
  if (bytes.length % 4 !== 0) {
    throw new RangeError(`"bytes" length must be a multiple of 4, got ${bytes.length}`);
  }
  // Character codes first, then one flat string: concatenation would build a rope of 2 × 8
  // pieces for a key, and a session keeps its peer's key text for its whole life.
  const codes = new Array<number>((bytes.length / 4) * 5);
  for (let i = 0, at = 0; i < bytes.length; i += 4, at += 5) {
    let value = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    for (let j = 4; j >= 0; j--) {
      codes[at + j] = Z85_ALPHABET.charCodeAt(value % 85);
      value = Math.floor(value / 85);
    }
  }
  let out = '';
  // In slices, so that a long input never passes more arguments than a call can take.
  for (let at = 0; at < codes.length; at += 8192) out += String.fromCharCode(...codes.slice(at, at + 8192));
  return out;
}

/**
 * Decodes Z85 text.
 *
 * @throws {@link TypeError} when `text` is not a string
 * @throws {@link RangeError} on a length that is not a multiple of 5, a character outside the
 *   alphabet, or a group above 2^32 - 1
 */
export function z85Decode(text: string): Uint8Array {
  if (typeof text !== 'string') throw new TypeError('"text" expected a string');
  if (text.length % 5 !== 0) {
    throw new RangeError(`"text" length must be a multiple of 5, got ${text.length}`);
  }
  const out = new Uint8Array((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const code = text.charCodeAt(i + j);
      const digit = code < 128 ? DECODE[code]! : -1;
      if (digit < 0) throw new RangeError(`"text" has a character outside the Z85 alphabet at ${i + j}`);
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) throw new RangeError(`"text" group at ${i} exceeds 2^32 - 1`);
    out[o] = value >>> 24;
    out[o + 1] = (value >>> 16) & 0xff;
    out[o + 2] = (value >>> 8) & 0xff;
    out[o + 3] = value & 0xff;
  }
  return out;
}
