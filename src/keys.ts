/**
 * Long-term CURVE keys: generation, Z85 conversion and validation. Wherever a key is taken, a
 * 32-byte array or a 40-character Z85 string is accepted, as libzmq accepts both (libzmq PR
 * #597). Z85 key pairs are interchangeable with `zeromq.curveKeyPair()`.
 *
 * @module
 */
import { isBytes } from './bytes';
import { isValidPublicKey, KEY_BYTES, publicKeyFromSecret } from './crypto';
import { drawRandom, secureRandom, type RandomSource } from './random';
import { z85Decode, z85Encode } from './z85';

/** A key as callers may give it: 32 bytes, or 40 characters of Z85. */
export type KeyLike = Uint8Array | string;

/** A key pair in bytes. */
export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** A key pair in Z85, the shape `zeromq.curveKeyPair()` returns. */
export interface Z85KeyPair {
  readonly publicKey: string;
  readonly secretKey: string;
}

/** Length of a key in Z85. */
export const Z85_KEY_LENGTH = 40;

/**
 * Generates a long-term key pair.
 *
 * @param random - the random source (default: the platform CSPRNG)
 */
export function generateKeyPair(random: RandomSource = secureRandom): KeyPair {
  const secretKey = drawRandom(random, KEY_BYTES);
  return { publicKey: publicKeyFromSecret(secretKey), secretKey };
}

/** Generates a key pair in Z85, drop-in compatible with `zeromq.curveKeyPair()`. */
export function curveKeyPair(random: RandomSource = secureRandom): Z85KeyPair {
  const pair = generateKeyPair(random);
  const z85 = { publicKey: z85Encode(pair.publicKey), secretKey: z85Encode(pair.secretKey) };
  pair.secretKey.fill(0);
  return z85;
}

/**
 * Normalises a key to 32 fresh bytes.
 *
 * @param name - the argument's name, quoted in errors
 * @throws {@link TypeError} when `key` is neither bytes nor a string
 * @throws {@link RangeError} when it is not 32 bytes or 40 valid Z85 characters
 */
export function toKeyBytes(key: KeyLike, name: string): Uint8Array {
  if (typeof key === 'string') {
    if (key.length !== Z85_KEY_LENGTH) {
      throw new RangeError(`"${name}" expected 40 Z85 characters, got length=${key.length}`);
    }
    try {
      return z85Decode(key);
    } catch {
      throw new RangeError(`"${name}" is not valid Z85`);
    }
  }
  if (!isBytes(key)) throw new TypeError(`"${name}" expected Uint8Array or Z85 string`);
  if (key.length !== KEY_BYTES) {
    throw new RangeError(`"${name}" expected Uint8Array of length 32, got length=${key.length}`);
  }
  return new Uint8Array(key);
}

/**
 * Normalises a public key and rejects one that is all zero or of low order.
 *
 * @throws {@link TypeError} / {@link RangeError} as {@link toKeyBytes}, and RangeError for a
 *   low-order key
 */
export function toPublicKey(key: KeyLike, name: string): Uint8Array {
  const bytes = toKeyBytes(key, name);
  if (!isValidPublicKey(bytes)) throw new RangeError(`"${name}" is an all-zero or low-order key`);
  return bytes;
}

/** Normalises a secret key (any 32 bytes are a valid X25519 scalar). */
export function toSecretKey(key: KeyLike, name: string): Uint8Array {
  return toKeyBytes(key, name);
}

/** A key in Z85. */
export function keyToZ85(key: KeyLike): string {
  return z85Encode(toKeyBytes(key, 'key'));
}

/** The public key, in bytes, that belongs to a secret key given in either form. */
export function publicKeyOf(secretKey: KeyLike): Uint8Array {
  const secret = toSecretKey(secretKey, 'secretKey');
  const publicKey = publicKeyFromSecret(secret);
  secret.fill(0);
  return publicKey;
}
