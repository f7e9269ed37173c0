/**
 * The crypto façade every mechanism uses: NaCl `crypto_box` (X25519 + HSalsa20 +
 * XSalsa20-Poly1305) and `crypto_secretbox`, in libsodium "easy" wire format (16-byte tag, then
 * ciphertext), as RFC 26 boxes are sent.
 *
 * It closes the gaps the NaCl libraries leave open: a public key of low order or an all-zero
 * shared secret is rejected (tweetnacl accepts both), and a box that does not open becomes a
 * {@link MechanismError} `ERR_DECRYPT` instead of `null`.
 *
 * The backend is chosen on first use: the fastest available (sodium-native, then node:crypto,
 * then tweetnacl; see `./select.ts`), unless {@link useCryptoBackend} picked one.
 *
 * @module
 */
import { assertBytes, isAllZero, wipe } from '../bytes';
import { MechanismError } from '../errors';
import type { CryptoBackend, SecretLifetime } from './backend';
import { BACKEND_NAMES, backendByName, fastestBackend, type BackendName } from './select';

export type { CryptoBackend, SecretLifetime } from './backend';
export { availableBackends, BACKEND_NAMES, type BackendName } from './select';

/** Key, nonce and tag sizes of `crypto_box` / `crypto_secretbox`. */
export const KEY_BYTES = 32;
/** Nonce size of `crypto_box` / `crypto_secretbox`. */
export const NONCE_BYTES = 24;
/** Poly1305 tag size: a box is this much longer than its plaintext. */
export const TAG_BYTES = 16;

const ZERO_16 = new Uint8Array(16);

let active: CryptoBackend | undefined;

/** The backend in use, choosing the fastest available on first use. */
function backend(): CryptoBackend {
  return (active ??= fastestBackend());
}

/** The backend in use. */
export function cryptoBackend(): CryptoBackend {
  return backend();
}

/**
 * Selects the backend every later operation uses (existing precomputed keys stay valid: all
 * backends compute the same bytes): a {@link CryptoBackend} object, a name (`'sodium'`,
 * `'node'`, `'tweetnacl'`), or `'auto'` for the fastest available.
 *
 * @throws {@link TypeError} when `backend` is neither a name nor an object with every method
 * @throws {@link RangeError} when `backend` names a backend unknown or unavailable here
 */
export function useCryptoBackend(backend: CryptoBackend | BackendName | 'auto'): void {
  if (typeof backend !== 'string') {
    if (!isBackend(backend)) throw new TypeError('"backend" expected a CryptoBackend or a backend name');
    active = backend;
    return;
  }
  if (backend === 'auto') {
    active = fastestBackend();
    return;
  }
  if (!(BACKEND_NAMES as readonly string[]).includes(backend)) {
    throw new RangeError(`"backend" must be one of ${BACKEND_NAMES.join(', ')} or auto, got ${backend}`);
  }
  const found = backendByName(backend);
  if (found === undefined) throw new RangeError(`"backend" ${backend} is not available here`);
  active = found;
}

const BACKEND_METHODS = ['scalarMultBase', 'scalarMult', 'hsalsa20', 'secretboxSeal', 'secretboxOpen'] as const;

function isBackend(value: unknown): value is CryptoBackend {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.name === 'string' && BACKEND_METHODS.every((method) => typeof candidate[method] === 'function');
}

/**
 * The X25519 public key of a 32-byte secret key.
 *
 * @param lifetime - `'long-term'` lets the backend keep what it derives from the key until
 *   {@link forgetSecretKey}; the default, `'transient'`, keeps nothing
 * @throws {@link TypeError} / {@link RangeError} when `secretKey` is not 32 bytes
 * @throws {@link RangeError} when `lifetime` is neither `'transient'` nor `'long-term'`
 */
export function publicKeyFromSecret(secretKey: Uint8Array, lifetime: SecretLifetime = 'transient'): Uint8Array {
  assertBytes(secretKey, 'secretKey', KEY_BYTES);
  if (lifetime !== 'transient' && lifetime !== 'long-term') {
    throw new RangeError(`"lifetime" expected 'transient' or 'long-term', got ${String(lifetime)}`);
  }
  return backend().scalarMultBase(secretKey, lifetime);
}

/**
 * Drops whatever the backends keep for a long-term secret key (the same array), before the
 * caller wipes it: a backend's copy, such as an OpenSSL key object, cannot be wiped from here.
 */
export function forgetSecretKey(secretKey: Uint8Array): void {
  const current = backend();
  current.forget?.(secretKey);
  // The node backend may have been used before another was selected: it keeps keys too.
  if (current.name !== 'node') backendByName('node')?.forget?.(secretKey);
}

/**
 * The u-coordinates of small order (dividing 8) on Curve25519 and its twist, in every 255-bit
 * encoding: 0, 1, p - 1, the two of order 8, and the non-canonical p and p + 1 (libsodium's
 * `has_small_order` list). X25519 with a clamped scalar (a multiple of 8) gives zero for
 * exactly these, after bit 255 is masked.
 */
const SMALL_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((hex) => Uint8Array.from({ length: KEY_BYTES }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16)));

/**
 * True when `publicKey` is a usable X25519 public key: 32 bytes that are not one of the
 * small-order points (nor all zero), so X25519 with it cannot collapse to the all-zero
 * secret. A comparison with a fixed list, as libsodium does, not a scalar multiplication;
 * the known-answer tests check it against X25519 on every backend.
 */
export function isValidPublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== KEY_BYTES) return false;
  for (const point of SMALL_ORDER) {
    let diff = (publicKey[31]! & 0x7f) ^ point[31]!;
    for (let i = 0; i < 31; i++) diff |= publicKey[i]! ^ point[i]!;
    if (diff === 0) return false;
  }
  return true;
}

/**
 * `crypto_box_beforenm`: the precomputed key K = HSalsa20(X25519(mySecret, theirPublic), 0).
 * Rejects an all-zero X25519 result, as libsodium does.
 *
 * @param lifetime - how long `mySecret` is used (see {@link publicKeyFromSecret})
 * @throws {@link MechanismError} `ERR_INVALID_KEY` when `theirPublic` is of low order
 */
export function precompute(theirPublic: Uint8Array, mySecret: Uint8Array, lifetime: SecretLifetime = 'transient'): Uint8Array {
  const current = backend();
  const shared = current.scalarMult(mySecret, theirPublic, lifetime);
  if (isAllZero(shared)) {
    throw new MechanismError('ERR_INVALID_KEY', 'public key is of low order');
  }
  const key = current.hsalsa20(shared, ZERO_16);
  wipe(shared);
  return key;
}

/** `crypto_box_easy_afternm` (equal to `crypto_secretbox_easy` with K): tag ‖ ciphertext. */
export function seal(plaintext: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  return backend().secretboxSeal(plaintext, nonce, key);
}

/**
 * Opens tag ‖ ciphertext made by {@link seal}.
 *
 * @param command - the command being opened, reported on failure
 * @throws {@link MechanismError} `ERR_DECRYPT` when authentication fails
 */
export function open(
  boxed: Uint8Array,
  nonce: Uint8Array,
  key: Uint8Array,
  command?: string,
): Uint8Array {
  const plaintext = boxed.length < TAG_BYTES ? null : backend().secretboxOpen(boxed, nonce, key);
  if (plaintext === null) {
    throw new MechanismError('ERR_DECRYPT', 'message authentication failed', { command });
  }
  return plaintext;
}

/**
 * {@link seal} written straight into `out` at `offset` (tag, then ciphertext:
 * `plaintext.length + 16` bytes), for a hot path that builds the wire frame once. `plaintext`
 * may already lie in `out` (at `offset + 16` for sealing in place).
 *
 * @throws {@link RangeError} when `out` is too short for the box at `offset`
 */
export function sealInto(
  out: Uint8Array,
  offset: number,
  plaintext: Uint8Array,
  nonce: Uint8Array,
  key: Uint8Array,
): void {
  const end = offset + plaintext.length + TAG_BYTES;
  if (!(offset >= 0 && end <= out.length)) {
    throw new RangeError(`"out" is too short for a ${plaintext.length}-byte plaintext at ${offset}`);
  }
  const current = backend();
  if (current.secretboxSealInto !== undefined) {
    current.secretboxSealInto(offset === 0 && end === out.length ? out : out.subarray(offset, end), plaintext, nonce, key);
  } else {
    out.set(current.secretboxSeal(plaintext, nonce, key), offset);
  }
}

/**
 * Seals `first ‖ data` (one byte, then `data`: the plaintext of a MESSAGE, flags then part)
 * into `out` from `offset` to its end: `data.length + 17` bytes, tag then ciphertext. The
 * MESSAGE hot path: the plaintext is never assembled in an array of its own, and the fast
 * backends make no `subarray` view (sodium seals short ones in a reused off-heap scratch
 * buffer, tweetnacl in place in `out` behind NaCl's zero padding).
 *
 * **The 16 bytes before `offset` are scratch**: they may be overwritten, so write them after
 * this call.
 *
 * @throws {@link RangeError} when the box does not end exactly at the end of `out`, or when
 * `nonce` or `key` has the wrong length
 */
export function sealPartInto(
  out: Uint8Array,
  offset: number,
  first: number,
  data: Uint8Array,
  nonce: Uint8Array,
  key: Uint8Array,
): void {
  if (!(offset >= 0 && offset + data.length + 1 + TAG_BYTES === out.length)) {
    throw new RangeError(`"out" must end with the ${data.length + 1 + TAG_BYTES}-byte box at ${offset}, got length=${out.length}`);
  }
  if (nonce.length !== NONCE_BYTES || key.length !== KEY_BYTES) {
    throw new RangeError(`"nonce" and "key" expected lengths ${NONCE_BYTES} and ${KEY_BYTES}, got ${nonce.length} and ${key.length}`);
  }
  const current = backend();
  if (current.secretboxSealPartInto !== undefined) {
    current.secretboxSealPartInto(out, offset, first, data, nonce, key);
    return;
  }
  const at = offset + TAG_BYTES;
  out[at] = first;
  out.set(data, at + 1);
  sealInto(out, offset, out.subarray(at), nonce, key);
}

/**
 * {@link open} written straight into `out` at `offset` (`boxed.length - 16` bytes), which may
 * overlap `boxed`. On failure `out` may have been partly written.
 *
 * @param command - the command being opened, reported on failure
 * @throws {@link RangeError} when `out` is too short at `offset`
 * @throws {@link MechanismError} `ERR_DECRYPT` when authentication fails
 */
export function openInto(
  out: Uint8Array,
  offset: number,
  boxed: Uint8Array,
  nonce: Uint8Array,
  key: Uint8Array,
  command?: string,
): void {
  let opened = false;
  if (boxed.length >= TAG_BYTES) {
    const end = offset + boxed.length - TAG_BYTES;
    if (!(offset >= 0 && end <= out.length)) {
      throw new RangeError(`"out" is too short for a ${boxed.length}-byte box at ${offset}`);
    }
    const current = backend();
    if (current.secretboxOpenInto !== undefined) {
      // A view costs about as much as opening a short box: make one only when needed.
      const target = offset === 0 && end === out.length ? out : out.subarray(offset, end);
      opened = current.secretboxOpenInto(target, boxed, nonce, key);
    } else {
      const plaintext = current.secretboxOpen(boxed, nonce, key);
      if (plaintext !== null) {
        out.set(plaintext, offset);
        opened = true;
      }
    }
  }
  if (!opened) {
    throw new MechanismError('ERR_DECRYPT', 'message authentication failed', { command });
  }
}

/**
 * One-shot `crypto_box_easy`: Box[plaintext](mySecret -> theirPublic). The precomputed key is
 * wiped before returning.
 *
 * @throws {@link MechanismError} `ERR_INVALID_KEY` when `theirPublic` is of low order
 */
export function box(
  plaintext: Uint8Array,
  nonce: Uint8Array,
  theirPublic: Uint8Array,
  mySecret: Uint8Array,
): Uint8Array {
  const key = precompute(theirPublic, mySecret);
  try {
    return seal(plaintext, nonce, key);
  } finally {
    wipe(key);
  }
}

/**
 * One-shot `crypto_box_open_easy`. The precomputed key is wiped before returning.
 *
 * @throws {@link MechanismError} `ERR_INVALID_KEY` or `ERR_DECRYPT`
 */
export function boxOpen(
  boxed: Uint8Array,
  nonce: Uint8Array,
  theirPublic: Uint8Array,
  mySecret: Uint8Array,
  command?: string,
): Uint8Array {
  const key = precompute(theirPublic, mySecret);
  try {
    return open(boxed, nonce, key, command);
  } finally {
    wipe(key);
  }
}
