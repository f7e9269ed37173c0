/**
 * The primitives a crypto backend supplies. The façade in `./index.ts` adds the checks NaCl
 * libraries leave out (low-order points, all-zero shared secrets, typed open failures).
 *
 * @module
 */

/**
 * How long a secret key is used, so a backend knows what it may keep derived from it:
 * `'long-term'` (a server's s, used by every handshake of an endpoint) may be kept until
 * {@link CryptoBackend.forget}; `'transient'` (s', c', and any key of unknown use) must not
 * outlive the call, or forward secrecy would rest on the garbage collector.
 */
export type SecretLifetime = 'long-term' | 'transient';

/** Primitive operations of NaCl's `crypto_box` family, in libsodium "easy" format. */
export interface CryptoBackend {
  /** A short name: `'tweetnacl'`, `'node'`, `'sodium'`. */
  readonly name: string;
  /** X25519 of the base point: the public key of a 32-byte secret key. */
  scalarMultBase(secretKey: Uint8Array, lifetime?: SecretLifetime): Uint8Array;
  /** X25519(secretKey, publicKey), unchecked: may be all zero for low-order points. */
  scalarMult(secretKey: Uint8Array, publicKey: Uint8Array, lifetime?: SecretLifetime): Uint8Array;
  /**
   * Optional: drops anything kept for the long-term `secretKey` (the same array), which the
   * caller is about to wipe. Backends that keep nothing leave it out.
   */
  forget?(secretKey: Uint8Array): void;
  /** HSalsa20 core: 32-byte key, 16-byte input, the "expand 32-byte k" constant. */
  hsalsa20(key: Uint8Array, input: Uint8Array): Uint8Array;
  /** XSalsa20-Poly1305: returns the 16-byte tag followed by the ciphertext. */
  secretboxSeal(plaintext: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  /** Opens tag ‖ ciphertext; `null` when authentication fails. */
  secretboxOpen(boxed: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null;
  /**
   * Optional fast path: seals into `out` (exactly `plaintext.length + 16` bytes: tag, then
   * ciphertext) without an intermediate array. `plaintext` may overlap `out` (for example
   * `out.subarray(16)`, sealing in place). The façade copies from {@link secretboxSeal} when a
   * backend leaves this out.
   */
  secretboxSealInto?(out: Uint8Array, plaintext: Uint8Array, nonce: Uint8Array, key: Uint8Array): void;
  /**
   * Optional fast path: opens tag ‖ ciphertext into `out` (exactly `boxed.length - 16` bytes),
   * which may overlap `boxed`. Returns false, leaving `out` unspecified, when authentication fails.
   */
  secretboxOpenInto?(out: Uint8Array, boxed: Uint8Array, nonce: Uint8Array, key: Uint8Array): boolean;
  /**
   * Optional fast path for a MESSAGE-shaped plaintext: seals `first ‖ data` (one byte, then
   * `data`) into `out` from `offset` to its end (`data.length + 17` bytes: tag, then
   * ciphertext), with no other array in between. May overwrite the 16 bytes before `offset`
   * (NaCl's zero padding, when `offset >= 16`): the caller writes them afterwards. The façade
   * has checked the lengths of `out`, `nonce` and `key`.
   */
  secretboxSealPartInto?(
    out: Uint8Array,
    offset: number,
    first: number,
    data: Uint8Array,
    nonce: Uint8Array,
    key: Uint8Array,
  ): void;
}
