/**
 * A hand-made CURVE peer for tests: builds HELLO, WELCOME and INITIATE from chosen fields, so
 * that tests can send what a correct peer never would (wrong vouch halves, low-order keys,
 * non-zero padding, a signature box that does not hold zeros).
 */
import { concatBytes } from '../../../src/bytes';
import { open, precompute, publicKeyFromSecret, seal } from '../../../src/crypto';
import { encodeMetadata, type MetadataInit } from '../../../src';
import { encodeCommand } from '../../../src/codec/command';
import { encodeHello, encodeInitiate, encodeWelcome } from '../../../mechanisms/curve/commands';
import {
  HELLO_PREFIX,
  INITIATE_PREFIX,
  longNonce,
  shortNonce,
  shortNonceBytes,
  VOUCH_PREFIX,
  WELCOME_PREFIX,
} from '../../../mechanisms/curve/nonces';

/** A client transient key pair chosen by the test. */
export interface Transient {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** A transient key pair from a 1-byte seed (deterministic, distinct per seed). */
export function transient(seed: number): Transient {
  const secretKey = new Uint8Array(32).fill(seed);
  return { secretKey, publicKey: publicKeyFromSecret(secretKey) };
}

/** Options of {@link craftHello}. */
export interface HelloFields {
  readonly version?: readonly [number, number];
  readonly padding?: Uint8Array;
  readonly signature?: Uint8Array;
  readonly nonce?: bigint;
  readonly clientTransient?: Uint8Array;
}

/** A HELLO from `c` to `serverPublic`, with any field replaced. */
export function craftHello(c: Transient, serverPublic: Uint8Array, fields: HelloFields = {}): Uint8Array {
  const nonce = fields.nonce ?? 1n;
  const box = seal(fields.signature ?? new Uint8Array(64), shortNonce(HELLO_PREFIX, nonce), precompute(serverPublic, c.secretKey));
  if (fields.version === undefined && fields.padding === undefined) {
    return encodeHello({ clientTransient: fields.clientTransient ?? c.publicKey, nonce: shortNonceBytes(nonce), box });
  }
  return encodeCommand(
    'HELLO',
    Uint8Array.from(fields.version ?? [1, 0]),
    fields.padding ?? new Uint8Array(72),
    fields.clientTransient ?? c.publicKey,
    shortNonceBytes(nonce),
    box,
  );
}

/** A WELCOME from the holder of `serverSecret` to C', carrying `serverTransient` and `cookie`. */
export function craftWelcome(serverSecret: Uint8Array, clientTransient: Uint8Array, serverTransient: Uint8Array, cookie = new Uint8Array(96)): Uint8Array {
  const nonce = new Uint8Array(16).fill(7);
  const box = seal(concatBytes(serverTransient, cookie), longNonce(WELCOME_PREFIX, nonce), precompute(clientTransient, serverSecret));
  return encodeWelcome({ nonce, box });
}

/** What {@link craftInitiate} needs besides the WELCOME. */
export interface InitiateFields {
  /** The client's long-term public key C put in the box. */
  readonly clientPublic: Uint8Array;
  /** The secret the vouch is made with (normally c). */
  readonly vouchSecret: Uint8Array;
  /** The C' the vouch names (normally the sender's). */
  readonly vouchTransient?: Uint8Array;
  /** The S the vouch names (normally the server's). */
  readonly vouchServer: Uint8Array;
  readonly metadata?: MetadataInit | Uint8Array;
  readonly nonce?: bigint;
  /** Replace the cookie of the WELCOME. */
  readonly cookie?: Uint8Array;
}

/** Opens a WELCOME sent to `c` by `serverPublic`: S' and the cookie. */
export function openWelcome(welcome: Uint8Array, c: Transient, serverPublic: Uint8Array): { serverTransient: Uint8Array; cookie: Uint8Array } {
  const plaintext = open(welcome.subarray(24), longNonce(WELCOME_PREFIX, welcome.subarray(8, 24)), precompute(serverPublic, c.secretKey));
  return { serverTransient: plaintext.slice(0, 32), cookie: plaintext.slice(32) };
}

/** An INITIATE answering `welcome` (sent to `c` by `serverPublic`), with any field replaced. */
export function craftInitiate(welcome: Uint8Array, c: Transient, serverPublic: Uint8Array, fields: InitiateFields): Uint8Array {
  const { serverTransient, cookie } = openWelcome(welcome, c, serverPublic);
  const vouchNonce = new Uint8Array(16).fill(9);
  const vouchBox = seal(
    concatBytes(fields.vouchTransient ?? c.publicKey, fields.vouchServer),
    longNonce(VOUCH_PREFIX, vouchNonce),
    precompute(serverTransient, fields.vouchSecret),
  );
  const metadata = fields.metadata instanceof Uint8Array ? fields.metadata : encodeMetadata(fields.metadata);
  const nonce = fields.nonce ?? 2n;
  const box = seal(
    concatBytes(fields.clientPublic, vouchNonce, vouchBox, metadata),
    shortNonce(INITIATE_PREFIX, nonce),
    precompute(serverTransient, c.secretKey),
  );
  return encodeInitiate({ cookie: fields.cookie ?? cookie, nonce: shortNonceBytes(nonce), box });
}
