/**
 * The sodium-native backend: libsodium's X25519 and XSalsa20-Poly1305 through N-API, the
 * fastest backend, with sealing and opening straight into the caller's buffer. This is the only
 * file in the package that loads sodium-native, an optional dependency: it is required only
 * when {@link loadSodiumBackend} is called, and its absence is not an error.
 *
 * sodium-native 5 exposes neither `crypto_box_beforenm` nor `crypto_core_hsalsa20`, so HSalsa20
 * comes from {@link tweetnaclBackend} (about 0.2 us, next to about 30 us for the X25519 before
 * it).
 *
 * The MESSAGE hot paths (`secretboxSealPartInto`, `secretboxOpenInto`, short `secretboxOpen`) call
 * sodium-native's native binding directly, after checking every type and length it relies on,
 * and seal and open short parts in a reused off-heap scratch buffer.
 *
 * @module
 */
import type { CryptoBackend } from './backend';
import { tweetnaclBackend } from './tweetnacl';

/** The part of sodium-native's API this backend uses (the package ships no typings). */
interface SodiumNative {
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void;
  crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean;
}

/** The secretbox calls of sodium-native (its native binding returns a status from the first). */
type SecretboxCalls = Pick<SodiumNative, 'crypto_secretbox_easy' | 'crypto_secretbox_open_easy'>;

const TAG = 16;
const NONCE = 24;
const KEY = 32;

/** Types and lengths the native secretbox calls rely on, beyond `box.length === plain.length + 16`. */
function checkedNonceAndKey(nonce: Uint8Array, key: Uint8Array): boolean {
  return ArrayBuffer.isView(nonce) && ArrayBuffer.isView(key) && nonce.byteLength === NONCE && key.byteLength === KEY;
}

function badNonceOrKey(): RangeError {
  return new RangeError(`"nonce" and "key" expected Uint8Arrays of lengths ${NONCE} and ${KEY}`);
}

/**
 * Plaintexts up to this length are sealed and opened in a scratch buffer of the backend's own
 * (see {@link sodiumBackend}); longer ones straight in the caller's arrays.
 */
const SCRATCH_MAX = 256;

/** Builds the backend around a loaded sodium-native module. */
function sodiumBackend(sodium: SodiumNative, raw: SecretboxCalls): CryptoBackend {
  // Why a scratch buffer: each N-API call asks V8 for the memory of every array it is given.
  // A fresh small `Uint8Array` lives on V8's heap and is moved off it on that first request,
  // and a `subarray` view costs about as much as sealing a short message. The scratch buffer
  // is off the heap from the start, and its views are made once per length and reused, so
  // sealing a short part costs one N-API call on arrays native code has seen before, plus
  // two short copies. It holds only ciphertext between calls: sealing is done in place, and
  // an opened plaintext is wiped once copied out.
  const scratch = new ArrayBuffer(SCRATCH_MAX + TAG);
  const boxViews: Uint8Array[] = [];
  const plainViews: Uint8Array[] = [];
  const boxView = (length: number): Uint8Array => (boxViews[length] ??= new Uint8Array(scratch, 0, length + TAG));
  const plainView = (length: number): Uint8Array => (plainViews[length] ??= new Uint8Array(scratch, TAG, length));
  return {
    name: 'sodium',
    scalarMultBase(secretKey) {
      const out = new Uint8Array(32);
      sodium.crypto_scalarmult_base(out, secretKey);
      return out;
    },
    scalarMult(secretKey, publicKey) {
      if (secretKey.length !== 32 || publicKey.length !== 32) {
        throw new RangeError('"secretKey" and "publicKey" must be 32 bytes');
      }
      const out = new Uint8Array(32);
      try {
        sodium.crypto_scalarmult(out, secretKey, publicKey);
      } catch {
        // libsodium returns -1 (sodium-native throws) only for an all-zero result; the
        // interface promises the unchecked result, so the façade sees the zeros and rejects.
        out.fill(0);
      }
      return out;
    },
    hsalsa20: tweetnaclBackend.hsalsa20,
    secretboxSeal(plaintext, nonce, key) {
      const out = new Uint8Array(plaintext.length + TAG);
      sodium.crypto_secretbox_easy(out, plaintext, nonce, key);
      return out;
    },
    secretboxOpen(boxed, nonce, key) {
      const length = boxed.length - TAG;
      if (!(length >= 0 && length <= SCRATCH_MAX && ArrayBuffer.isView(boxed) && boxed.byteLength === boxed.length)) {
        const out = new Uint8Array(Math.max(0, length));
        return sodium.crypto_secretbox_open_easy(out, boxed, nonce, key) ? out : null;
      }
      // Short: opened in the scratch buffer and copied into a fresh array that native code
      // never sees, so V8 keeps it on its heap (see the scratch buffer above).
      if (!checkedNonceAndKey(nonce, key)) throw badNonceOrKey();
      const plain = plainView(length);
      if (!raw.crypto_secretbox_open_easy(plain, boxed, nonce, key)) return null;
      const out = new Uint8Array(plain);
      plain.fill(0);
      return out;
    },
    secretboxSealInto(out, plaintext, nonce, key) {
      // The "easy" calls take the whole tag ‖ ciphertext span, so no subarray views are made
      // (each costs about as much as the sealing of a short message), and libsodium moves an
      // overlapping plaintext into place first, so sealing in place (plaintext at out + 16) is safe.
      sodium.crypto_secretbox_easy(out, plaintext, nonce, key);
    },
    secretboxOpenInto(out, boxed, nonce, key) {
      const length = out.length;
      if (!(ArrayBuffer.isView(out) && ArrayBuffer.isView(boxed) && boxed.byteLength === out.byteLength + TAG && out.byteLength === length)) {
        throw new RangeError('"out" must be a Uint8Array 16 bytes shorter than "boxed"');
      }
      if (!checkedNonceAndKey(nonce, key)) throw badNonceOrKey();
      if (length > SCRATCH_MAX) return raw.crypto_secretbox_open_easy(out, boxed, nonce, key);
      // Short: open into the scratch buffer and copy, so `out` (often a fresh array on V8's
      // heap) is never handed to native code.
      const plain = plainView(length);
      if (!raw.crypto_secretbox_open_easy(plain, boxed, nonce, key)) return false;
      out.set(plain);
      plain.fill(0);
      return true;
    },
    secretboxSealPartInto(out, offset, first, data, nonce, key) {
      // The façade checked that the box ends at the end of `out`; only the scratch views, the
      // nonce and the key reach native code on the short path, and `out` there too on the long one.
      if (!checkedNonceAndKey(nonce, key)) throw badNonceOrKey();
      const length = data.length + 1;
      if (length <= SCRATCH_MAX) {
        const plain = plainView(length);
        const box = boxView(length);
        plain[0] = first;
        plain.set(data, 1);
        raw.crypto_secretbox_easy(box, plain, nonce, key);
        out.set(box, offset);
        return;
      }
      if (!(ArrayBuffer.isView(out) && out.byteLength === out.length)) throw new TypeError('"out" expected a Uint8Array');
      out[offset + TAG] = first;
      out.set(data, offset + TAG + 1);
      raw.crypto_secretbox_easy(out.subarray(offset), out.subarray(offset + TAG), nonce, key);
    },
  };
}

/**
 * sodium-native's native functions without its JavaScript wrappers, whose argument checks (an
 * `assert` per argument) cost about a fifth of sealing a 16-byte part. The native side trusts
 * its arguments, so {@link sodiumBackend} calls these only where it has checked the types and
 * lengths itself. Falls back to the wrappers when the internal `binding.js` is not there.
 */
function rawBinding(sodium: SodiumNative): SecretboxCalls {
  try {
    const binding = require('sodium-native/binding.js') as Partial<SecretboxCalls>;
    if (typeof binding.crypto_secretbox_easy === 'function' && typeof binding.crypto_secretbox_open_easy === 'function') {
      return binding as SecretboxCalls;
    }
  } catch {
    // an other layout of sodium-native: keep its checked wrappers
  }
  return sodium;
}

let loaded: CryptoBackend | null | undefined;

/**
 * The sodium-native backend, or `undefined` when sodium-native is not installed or its native
 * part does not load on this platform. Loads it on the first call only.
 */
export function loadSodiumBackend(): CryptoBackend | undefined {
  if (loaded === undefined) {
    try {
      const sodium = require('sodium-native') as SodiumNative;
      loaded = typeof sodium.crypto_secretbox_open_easy === 'function' ? sodiumBackend(sodium, rawBinding(sodium)) : null;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}
