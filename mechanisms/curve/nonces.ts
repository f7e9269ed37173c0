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

/** 2^32: the weight of a counter's high half. */
const HIGH_WEIGHT = 0x1_0000_0000;
/** Largest value of a 32-bit half. */
const HALF_MAX = 0xffff_ffff;

/**
 * One side's send counter. It never wraps: once 2^64 - 1 has been used, every further
 * {@link SendCounter.take} fails (RFC 26: "no more than 2^64-1 commands").
 *
 * The next value is kept as two 32-bit numbers, exact over the whole 64-bit range: the
 * MESSAGE hot path then writes it with byte shifts, without a `bigint` or a `DataView` per
 * message.
 */
export class SendCounter {
  private high: number;
  private low: number;
  /** Set once 2^64 - 1 has been handed out. */
  private exhausted: boolean;

  /** @param first - the first nonce to hand out (1 on the wire; tests inject large values) */
  constructor(first: bigint = FIRST_SHORT_NONCE) {
    this.exhausted = first > U64_MAX;
    this.high = this.exhausted ? 0 : Number(first / BigInt(HIGH_WEIGHT));
    this.low = this.exhausted ? 0 : Number(first % BigInt(HIGH_WEIGHT));
  }

  /** The nonce the next {@link take} will hand out (may be 2^64 when exhausted). */
  get next(): bigint {
    return this.exhausted ? U64_MAX + 1n : BigInt(this.high) * BigInt(HIGH_WEIGHT) + BigInt(this.low);
  }

  /**
   * Hands out the next nonce and advances.
   *
   * @param command - the command being sent, reported on exhaustion
   * @throws {@link MechanismError} `ERR_NONCE_EXHAUSTED` when 2^64 - 1 was already used
   */
  take(command: string): bigint {
    this.checkLeft(command);
    const value = this.next;
    this.advance();
    return value;
  }

  /**
   * {@link take}, writing the nonce as 8 big-endian bytes at `offset` of `target` instead of
   * returning it.
   *
   * @throws {@link MechanismError} `ERR_NONCE_EXHAUSTED` when 2^64 - 1 was already used
   */
  takeInto(command: string, target: Uint8Array, offset: number): void {
    this.checkLeft(command);
    writeHalf(target, offset, this.high);
    writeHalf(target, offset + 4, this.low);
    this.advance();
  }

  private checkLeft(command: string): void {
    if (this.exhausted) {
      throw new MechanismError('ERR_NONCE_EXHAUSTED', 'no short nonce left to send with', { command });
    }
  }

  private advance(): void {
    if (this.low < HALF_MAX) {
      this.low++;
    } else if (this.high < HALF_MAX) {
      this.low = 0;
      this.high++;
    } else {
      this.exhausted = true;
    }
  }
}

/**
 * The last short nonce accepted from the peer, as two 32-bit numbers (see {@link SendCounter}
 * for why not a `bigint`).
 */
export class ReceivedNonce {
  private high: number;
  private low: number;

  /** @param last - the nonce already accepted (INITIATE's or READY's) */
  constructor(last: bigint) {
    this.high = Number(last / BigInt(HIGH_WEIGHT));
    this.low = Number(last % BigInt(HIGH_WEIGHT));
  }

  /**
   * Checks the short nonce at `offset` of `command` (8 bytes, big-endian): it must be
   * strictly greater than the last accepted one (gaps allowed, as in libzmq). Nothing is
   * recorded: see {@link accept}.
   *
   * @throws {@link MechanismError} `ERR_INVALID_SEQUENCE` when it is not greater
   */
  check(command: Uint8Array, offset: number): void {
    const high = readHalf(command, offset);
    if (high < this.high || (high === this.high && readHalf(command, offset + 4) <= this.low)) {
      throw new MechanismError('ERR_INVALID_SEQUENCE', 'MESSAGE nonce is not greater than the last one', {
        command: 'MESSAGE',
      });
    }
  }

  /**
   * Records the checked nonce at `offset` of `command` as the last accepted one; called only
   * once the whole command is valid, so a rejected command leaves the record as it was.
   */
  accept(command: Uint8Array, offset: number): void {
    this.high = readHalf(command, offset);
    this.low = readHalf(command, offset + 4);
  }

  /** Marks the last accepted nonce; the function returned puts it back as it is now. */
  checkpoint(): () => void {
    const { high, low } = this;
    return () => {
      this.high = high;
      this.low = low;
    };
  }
}

/** Reads 4 big-endian bytes at `offset`; the caller has checked the bounds. */
function readHalf(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** Writes `value` (below 2^32) as 4 big-endian bytes at `offset`. */
function writeHalf(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = value >>> 16;
  bytes[offset + 2] = value >>> 8;
  bytes[offset + 3] = value;
}
