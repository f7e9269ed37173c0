/**
 * CurveZMQ nonces (RFC 26 "Nonces"; libzmq `curve_mechanism_base`). Every box uses a 24-byte
 * nonce made of a fixed ASCII prefix and a variable part; only the variable part travels.
 *
 * - Short nonces: 16-byte prefix ‖ 8-byte big-endian counter (libzmq ≥ 4.0.5 byte order).
 *   Each side has one send counter, starting at 1, shared by its handshake commands and its
 *   MESSAGEs: client HELLO 1, INITIATE 2, MESSAGE 3...; server READY 1, MESSAGE 2...
 * - Long nonces: 8-byte prefix ‖ 16 random bytes (WELCOME, cookie, vouch).
 *
 * @module
 */
import { readU64BE, U64_MAX, writeU64BE } from '../../src/bytes';
import { MechanismError } from '../../src';

/** Length of a box nonce. */
export const NONCE_BYTES = 24;
/** Length of the short (counter) part of a nonce on the wire. */
export const SHORT_NONCE_BYTES = 8;
/** Length of the long (random) part of a nonce on the wire. */
export const LONG_NONCE_BYTES = 16;

/** Prefix of the HELLO box nonce (client counter). */
export const HELLO_PREFIX = ascii('CurveZMQHELLO---');
/** Prefix of the WELCOME box nonce (random). */
export const WELCOME_PREFIX = ascii('WELCOME-');
/** Prefix of the cookie box nonce (random). */
export const COOKIE_PREFIX = ascii('COOKIE--');
/** Prefix of the INITIATE box nonce (client counter). */
export const INITIATE_PREFIX = ascii('CurveZMQINITIATE');
/** Prefix of the vouch box nonce (random). */
export const VOUCH_PREFIX = ascii('VOUCH---');
/** Prefix of the READY box nonce (server counter). */
export const READY_PREFIX = ascii('CurveZMQREADY---');
/** Prefix of MESSAGE boxes sent by the client (RFC 26 prose, libzmq; not the ABNF's `MESSAGE-`). */
export const MESSAGE_CLIENT_PREFIX = ascii('CurveZMQMESSAGEC');
/** Prefix of MESSAGE boxes sent by the server. */
export const MESSAGE_SERVER_PREFIX = ascii('CurveZMQMESSAGES');

/** The first short nonce each side sends (libzmq). */
export const FIRST_SHORT_NONCE = 1n;

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** A 24-byte nonce: `prefix` followed by the variable part `tail` (a long nonce). */
export function longNonce(prefix: Uint8Array, tail: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES);
  nonce.set(prefix);
  nonce.set(tail, prefix.length);
  return nonce;
}

/** A 24-byte nonce: the 16-byte `prefix` followed by `counter` as 8 big-endian bytes. */
export function shortNonce(prefix: Uint8Array, counter: bigint): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES);
  nonce.set(prefix);
  writeU64BE(nonce, prefix.length, counter);
  return nonce;
}

/** The 8 big-endian bytes of a short nonce as they travel. */
export function shortNonceBytes(counter: bigint): Uint8Array {
  const bytes = new Uint8Array(SHORT_NONCE_BYTES);
  writeU64BE(bytes, 0, counter);
  return bytes;
}

/** Reads a short nonce (8 bytes, big-endian) at `offset` of a command. */
export function readShortNonce(command: Uint8Array, offset: number): bigint {
  return readU64BE(command, offset);
}

/**
 * One side's send counter. It never wraps: once 2^64 - 1 has been used, every further
 * {@link SendCounter.take} fails (RFC 26: "no more than 2^64-1 commands").
 */
export class SendCounter {
  private nextValue: bigint;

  /** @param first - the first nonce to hand out (1 on the wire; tests inject large values) */
  constructor(first: bigint = FIRST_SHORT_NONCE) {
    this.nextValue = first;
  }

  /** The nonce the next {@link take} will hand out (may be 2^64 when exhausted). */
  get next(): bigint {
    return this.nextValue;
  }

  /**
   * Hands out the next nonce and advances.
   *
   * @param command - the command being sent, reported on exhaustion
   * @throws {@link MechanismError} `ERR_NONCE_EXHAUSTED` when 2^64 - 1 was already used
   */
  take(command: string): bigint {
    const value = this.nextValue;
    if (value > U64_MAX) {
      throw new MechanismError('ERR_NONCE_EXHAUSTED', 'no short nonce left to send with', { command });
    }
    this.nextValue = value + 1n;
    return value;
  }
}

/**
 * Checks a received MESSAGE nonce against the last accepted one: it must be strictly greater
 * (gaps allowed, as in libzmq).
 *
 * @throws {@link MechanismError} `ERR_INVALID_SEQUENCE` when `received <= last`
 */
export function checkIncreasing(received: bigint, last: bigint): void {
  if (received <= last) {
    throw new MechanismError('ERR_INVALID_SEQUENCE', 'MESSAGE nonce is not greater than the last one', {
      command: 'MESSAGE',
    });
  }
}
