/** Reads the known-answer files in `test/vectors/` (see its README for sources and licenses). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Parses one vector file. */
export function loadVectors<T>(file: string): T {
  return JSON.parse(readFileSync(join(__dirname, '..', 'vectors', file), 'utf8')) as T;
}

/** Hex to bytes. */
export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** Base64 to bytes. */
export function b64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** Bytes to hex, for readable failures. */
export function toHexString(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
