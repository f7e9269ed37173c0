/**
 * The ZMTP 3.x greeting (RFC 23 and RFC 37): the 64 bytes each peer sends first.
 *
 * ```
 * greeting  = signature version mechanism as-server filler
 * signature = %xFF 8OCTET %x7F      ; the 8 padding bytes are ignored on receipt
 * version   = %x03 OCTET            ; major 3, minor 0 (3.0) or 1 (3.1)
 * mechanism = 20OCTET               ; upper-case name, NUL-padded
 * as-server = %x00 / %x01
 * filler    = 31%x00
 * ```
 *
 * Pure: no sockets. See RFC 23, "Greeting", and docs/zmtp.md for what libzmq sends.
 *
 * @module
 */
import { ChannelError } from '../../errors';

/** Bytes of a greeting. */
export const GREETING_SIZE = 64;

/** Bytes of a greeting's mechanism field. */
const MECHANISM_FIELD = 20;
const MECHANISM_OFFSET = 12;
const AS_SERVER_OFFSET = 32;
const NAME_PATTERN = /^[A-Z0-9_-]{1,20}$/;

/** A peer's greeting, parsed. */
export interface Greeting {
  /** ZMTP major version (3 or more: older peers are refused while parsing). */
  readonly major: number;
  /** ZMTP minor version: 0 for 3.0, 1 for 3.1. */
  readonly minor: number;
  /** The security mechanism the peer speaks, in upper case as on the wire. */
  readonly mechanism: string;
  /** The as-server bit. libzmq always sends 0, so do not trust it for roles. */
  readonly asServer: boolean;
}

/** What {@link encodeGreeting} takes. */
export interface GreetingInit {
  /** The mechanism name, 1-20 of `A-Z 0-9 _ -`. */
  readonly mechanism: string;
  /** The as-server bit. */
  readonly asServer: boolean;
  /** The minor version to announce (default 1, ZMTP 3.1: the peer may send PING). */
  readonly minor?: number;
}

/**
 * The 64-byte greeting. The signature padding is zeros (RFC 23: "not significant").
 *
 * @throws {@link RangeError} for a mechanism name that does not fit the field, or a minor
 *   version outside 0-255
 */
export function encodeGreeting(init: GreetingInit): Uint8Array {
  if (typeof init?.mechanism !== 'string' || !NAME_PATTERN.test(init.mechanism)) {
    throw new RangeError(`"mechanism" expected 1-20 of A-Z 0-9 _ -, got ${String(init?.mechanism)}`);
  }
  const minor = init.minor ?? 1;
  if (!Number.isInteger(minor) || minor < 0 || minor > 255) {
    throw new RangeError(`"minor" expected an integer from 0 to 255, got ${String(minor)}`);
  }
  const out = new Uint8Array(GREETING_SIZE);
  out[0] = 0xff;
  out[9] = 0x7f;
  out[10] = 3;
  out[11] = minor;
  for (let i = 0; i < init.mechanism.length; i++) out[MECHANISM_OFFSET + i] = init.mechanism.charCodeAt(i);
  out[AS_SERVER_OFFSET] = init.asServer ? 1 : 0;
  return out;
}

/**
 * Checks the first bytes of a greeting as they arrive, so that a ZMTP 1.0 or 2.0 peer (which
 * waits for our reply before it sends 64 bytes) is refused at once instead of timing out. A
 * mechanism with a security layer must not fall back to those versions (libzmq #1190, #1273: downgrades).
 *
 * @param partial - the first bytes received, any length
 * @throws {@link ChannelError} `ERR_PROTOCOL` when the bytes cannot begin a ZMTP 3.x greeting
 */
export function checkGreetingPrefix(partial: Uint8Array): void {
  if (partial.length > 0 && partial[0] !== 0xff) throw protocol('the peer does not speak ZMTP 3 (bad signature)');
  if (partial.length > 9 && (partial[9]! & 0x01) === 0) throw protocol('the peer speaks ZMTP 1.0');
  if (partial.length > 10 && partial[10]! < 3) throw protocol(`the peer speaks ZMTP ${partial[10]}.x; 3.x is required`);
}

/**
 * Parses a complete greeting. A higher major version is accepted (RFC 23: a peer must accept
 * higher versions); the as-server bit and the filler are reported or ignored, as libzmq does.
 *
 * @throws {@link TypeError} unless `bytes` is exactly 64 bytes (caller misuse)
 * @throws {@link ChannelError} `ERR_PROTOCOL` for a bad signature, an old version, or a
 *   mechanism field that is not a NUL-padded name
 */
export function parseGreeting(bytes: Uint8Array): Greeting {
  if (!(bytes instanceof Uint8Array) || bytes.length !== GREETING_SIZE) {
    throw new TypeError(`"bytes" expected a ${GREETING_SIZE}-byte Uint8Array`);
  }
  checkGreetingPrefix(bytes);
  const field = bytes.subarray(MECHANISM_OFFSET, MECHANISM_OFFSET + MECHANISM_FIELD);
  const end = field.indexOf(0) === -1 ? MECHANISM_FIELD : field.indexOf(0);
  const mechanism = String.fromCharCode(...field.subarray(0, end));
  if (!NAME_PATTERN.test(mechanism) || field.subarray(end).some((byte) => byte !== 0)) {
    throw protocol('the greeting names no valid mechanism');
  }
  return { major: bytes[10]!, minor: bytes[11]!, mechanism, asServer: bytes[AS_SERVER_OFFSET] === 1 };
}

function protocol(message: string): ChannelError {
  return new ChannelError('ERR_PROTOCOL', message);
}

/**
 * Collects a peer's greeting as it arrives, in one fixed 64-byte buffer (never more: the bytes
 * after it are handed back to the caller), checking each prefix so that a peer that does not
 * speak ZMTP 3 is refused at its first telling byte.
 */
export class GreetingReader {
  private readonly bytes = new Uint8Array(GREETING_SIZE);
  private filled = 0;
  private parsed: Greeting | undefined;

  /** The greeting, once complete. */
  get greeting(): Greeting | undefined {
    return this.parsed;
  }

  /**
   * Takes what `chunk` adds to the greeting.
   *
   * @returns the bytes of `chunk` after the greeting (empty until it is complete)
   * @throws {@link ChannelError} `ERR_PROTOCOL` as {@link checkGreetingPrefix} and {@link parseGreeting}
   */
  push(chunk: Uint8Array): Uint8Array {
    if (this.parsed !== undefined) return chunk;
    const take = Math.min(chunk.length, GREETING_SIZE - this.filled);
    this.bytes.set(chunk.subarray(0, take), this.filled);
    this.filled += take;
    checkGreetingPrefix(this.bytes.subarray(0, this.filled));
    if (this.filled < GREETING_SIZE) return chunk.subarray(chunk.length);
    this.parsed = parseGreeting(this.bytes);
    return chunk.subarray(take);
  }
}
