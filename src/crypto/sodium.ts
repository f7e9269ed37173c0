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

const TAG = 16;

/** Builds the backend around a loaded sodium-native module. */
function sodiumBackend(sodium: SodiumNative): CryptoBackend {
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
      const out = new Uint8Array(boxed.length - TAG);
      return sodium.crypto_secretbox_open_easy(out, boxed, nonce, key) ? out : null;
    },
    secretboxSealInto(out, plaintext, nonce, key) {
      // The "easy" calls take the whole tag ‖ ciphertext span, so no subarray views are made
      // (each costs about as much as the sealing of a short message), and libsodium moves an
      // overlapping plaintext into place first, so sealing in place (plaintext at out + 16) is safe.
      sodium.crypto_secretbox_easy(out, plaintext, nonce, key);
    },
    secretboxOpenInto(out, boxed, nonce, key) {
      return sodium.crypto_secretbox_open_easy(out, boxed, nonce, key);
    },
  };
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
      loaded = typeof sodium.crypto_secretbox_open_easy === 'function' ? sodiumBackend(sodium) : null;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}
