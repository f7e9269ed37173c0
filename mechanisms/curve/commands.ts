/**
 * The CurveZMQ commands (RFC 26 "Command Grammar"), byte for byte as libzmq sends them. Offsets
 * are from the first byte of the command (the name length). Encoders take fields that were
 * already produced; parsers take any bytes, check the size and the fields that are not
 * authenticated, and return views into the blob (never copies) or throw a typed error.
 *
 * | command  | size       | layout                                                               |
 * | -------- | ---------- | -------------------------------------------------------------------- |
 * | HELLO    | 200        | 0 `\x05HELLO`, 6 version 1.0, 8 72×0, 80 C', 112 nonce8, 120 box80 |
 * | WELCOME  | 168        | 0 `\x07WELCOME`, 8 nonce16, 24 box144                                |
 * | INITIATE | 257 + M    | 0 `\x08INITIATE`, 9 cookie96, 105 nonce8, 113 box(144 + M)          |
 * | READY    | 30 + M     | 0 `\x05READY`, 6 nonce8, 14 box(16 + M)                              |
 * | MESSAGE  | 33 + N     | 0 `\x07MESSAGE`, 8 nonce8, 16 box(17 + N) (see `./message.ts`)      |
 * | ERROR    | 7 + L      | 0 `\x05ERROR`, 6 L, 7 reason                                         |
 *
 * @module
 */
import { isAllZero } from '../../src/bytes';
import { DEFAULT_METADATA_LIMITS, encodeCommand, isCommand, MechanismError } from '../../src';
import { LONG_NONCE_BYTES, SHORT_NONCE_BYTES } from './nonces';

/** Size of HELLO (RFC 26; libzmq requires exactly this). */
export const HELLO_SIZE = 200;
/** Size of WELCOME (RFC 26; libzmq requires exactly this). */
export const WELCOME_SIZE = 168;
/** Smallest INITIATE (no metadata). */
export const INITIATE_MIN_SIZE = 257;
/** Smallest READY (no metadata). */
export const READY_MIN_SIZE = 30;
/** Smallest MESSAGE (an empty part still carries its flags byte). */
export const MESSAGE_MIN_SIZE = 33;
/** Smallest ERROR (empty reason). */
export const ERROR_MIN_SIZE = 7;
/** Largest metadata list accepted in INITIATE and READY, before any decryption. */
export const MAX_METADATA_BYTES = DEFAULT_METADATA_LIMITS.maxTotalLength;
/** Size of the cookie: 16-byte nonce ‖ secretbox(C' ‖ s'). */
export const COOKIE_SIZE = 96;
/** Size of the vouch: 16-byte nonce ‖ Box[C' ‖ S](C->S'). */
export const VOUCH_SIZE = 96;
/** Size of a public or secret key. */
export const KEY_SIZE = 32;
/** Size of the Poly1305 tag every box carries. */
export const TAG_SIZE = 16;
/** Plaintext of the HELLO box: 64 zero bytes. */
export const HELLO_PLAINTEXT_SIZE = 64;
/** Plaintext of the WELCOME box: S' ‖ cookie. */
export const WELCOME_PLAINTEXT_SIZE = KEY_SIZE + COOKIE_SIZE;
/** Fixed part of the INITIATE box plaintext: C ‖ vouch, then metadata. */
export const INITIATE_PLAINTEXT_FIXED = KEY_SIZE + VOUCH_SIZE;

const HELLO_PADDING = 72;
const VERSION = Uint8Array.of(1, 0);

/** The CurveZMQ command names. */
export type CurveCommandName = 'HELLO' | 'WELCOME' | 'INITIATE' | 'READY' | 'MESSAGE' | 'ERROR';

const NAMES: readonly CurveCommandName[] = ['HELLO', 'WELCOME', 'INITIATE', 'READY', 'MESSAGE', 'ERROR'];

/**
 * Names the command in `blob` after libzmq's basic structure check.
 *
 * @returns the command's name, or `undefined` for a well-formed command of another name
 * @throws {@link MechanismError} `ERR_MALFORMED_COMMAND` when the blob is shorter than 2 bytes
 *   or its name length is 0 or runs past the end
 */
export function commandName(blob: Uint8Array): CurveCommandName | undefined {
  const nameLength = blob[0];
  if (blob.length < 2 || nameLength === undefined || nameLength === 0 || 1 + nameLength > blob.length) {
    throw new MechanismError('ERR_MALFORMED_COMMAND', 'malformed command: bad name length');
  }
  return NAMES.find((name) => isCommand(blob, name));
}

/**
 * A view of `blob` made by this realm's `Uint8Array`, without copying. A Node `Buffer` or an
 * array from another realm (jest, vm) fails tweetnacl's `instanceof` checks (tweetnacl-js#148).
 */
export function ownBytes(blob: Uint8Array): Uint8Array {
  return blob.constructor === Uint8Array ? blob : new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
}

/** The error for a command of the wrong size or with a bad unauthenticated field. */
export function malformed(command: CurveCommandName, detail: string): MechanismError {
  return new MechanismError('ERR_MALFORMED_COMMAND', `malformed ${command}: ${detail}`, { command });
}

/** HELLO's fields (views into the blob). */
export interface Hello {
  /** C', the client's transient public key. */
  readonly clientTransient: Uint8Array;
  /** The 8-byte short nonce as sent. */
  readonly nonce: Uint8Array;
  /** Box[64 × 0](C'->S), 80 bytes. */
  readonly box: Uint8Array;
}

/** Encodes HELLO: version 1.0, 72 zero bytes, C', short nonce, box. */
export function encodeHello(hello: Hello): Uint8Array {
  return encodeCommand('HELLO', VERSION, new Uint8Array(HELLO_PADDING), hello.clientTransient, hello.nonce, hello.box);
}

/**
 * Parses HELLO. Stricter than libzmq: the padding must be zero (RFC 26 "SHALL validate all
 * fields").
 *
 * @throws {@link MechanismError} `ERR_MALFORMED_COMMAND` for a size other than 200, a version
 *   other than 1.0 or non-zero padding
 */
export function parseHello(blob: Uint8Array): Hello {
  if (blob.length !== HELLO_SIZE) throw malformed('HELLO', `size ${blob.length}, expected ${HELLO_SIZE}`);
  if (blob[6] !== 1 || blob[7] !== 0) throw malformed('HELLO', 'version is not 1.0');
  if (!isAllZero(blob.subarray(8, 80))) throw malformed('HELLO', 'padding is not zero');
  return { clientTransient: blob.subarray(80, 112), nonce: blob.subarray(112, 120), box: blob.subarray(120, 200) };
}

/** WELCOME's fields (views into the blob). */
export interface Welcome {
  /** The 16-byte long nonce. */
  readonly nonce: Uint8Array;
  /** Box[S' ‖ cookie](S->C'), 144 bytes. */
  readonly box: Uint8Array;
}

/** Encodes WELCOME. */
export function encodeWelcome(welcome: Welcome): Uint8Array {
  return encodeCommand('WELCOME', welcome.nonce, welcome.box);
}

/**
 * Parses WELCOME.
 *
 * @throws {@link MechanismError} `ERR_MALFORMED_COMMAND` for a size other than 168
 */
export function parseWelcome(blob: Uint8Array): Welcome {
  if (blob.length !== WELCOME_SIZE) throw malformed('WELCOME', `size ${blob.length}, expected ${WELCOME_SIZE}`);
  return { nonce: blob.subarray(8, 8 + LONG_NONCE_BYTES), box: blob.subarray(24) };
}

/** INITIATE's fields (views into the blob). */
export interface Initiate {
  /** The cookie from WELCOME, 96 bytes. */
  readonly cookie: Uint8Array;
  /** The 8-byte short nonce as sent. */
  readonly nonce: Uint8Array;
  /** Box[C ‖ vouch ‖ metadata](C'->S'), 144 + M bytes. */
  readonly box: Uint8Array;
}

/** Encodes INITIATE. */
export function encodeInitiate(initiate: Initiate): Uint8Array {
  return encodeCommand('INITIATE', initiate.cookie, initiate.nonce, initiate.box);
}

/**
 * Parses INITIATE. Refuses, before any cryptography, one whose metadata would exceed
 * {@link MAX_METADATA_BYTES}.
 *
 * @throws {@link MechanismError} `ERR_MALFORMED_COMMAND` for a size under 257 or over the limit
 */
export function parseInitiate(blob: Uint8Array): Initiate {
  if (blob.length < INITIATE_MIN_SIZE) throw malformed('INITIATE', `size ${blob.length} is under ${INITIATE_MIN_SIZE}`);
  if (blob.length - INITIATE_MIN_SIZE > MAX_METADATA_BYTES) throw malformed('INITIATE', 'metadata over the size limit');
  return { cookie: blob.subarray(9, 105), nonce: blob.subarray(105, 105 + SHORT_NONCE_BYTES), box: blob.subarray(113) };
}

/** READY's fields (views into the blob). */
export interface Ready {
  /** The 8-byte short nonce as sent. */
  readonly nonce: Uint8Array;
  /** Box[metadata](S'->C'), 16 + M bytes. */
  readonly box: Uint8Array;
}

/** Encodes READY. */
export function encodeReady(ready: Ready): Uint8Array {
  return encodeCommand('READY', ready.nonce, ready.box);
}

/**
 * Parses READY. Refuses, before any cryptography, one whose metadata would exceed
 * {@link MAX_METADATA_BYTES}.
 *
 * @throws {@link MechanismError} `ERR_MALFORMED_COMMAND` for a size under 30 or over the limit
 */
export function parseReady(blob: Uint8Array): Ready {
  if (blob.length < READY_MIN_SIZE) throw malformed('READY', `size ${blob.length} is under ${READY_MIN_SIZE}`);
  if (blob.length - READY_MIN_SIZE > MAX_METADATA_BYTES) throw malformed('READY', 'metadata over the size limit');
  return { nonce: blob.subarray(6, 6 + SHORT_NONCE_BYTES), box: blob.subarray(14) };
}
