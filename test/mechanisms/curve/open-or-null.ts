/**
 * Raw openers for tests that must show a box does NOT open: they return `null` instead of
 * throwing, and skip the façade's low-order check so any key combination can be tried.
 */
import { cryptoBackend } from '../../../src';

/** beforenm without the low-order check: HSalsa20(X25519(secret, public)). */
export function precompute(publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const backend = cryptoBackend();
  return backend.hsalsa20(backend.scalarMult(secretKey, publicKey), new Uint8Array(16));
}

/** secretbox open that answers `null` when the box does not open. */
export function secretboxOpenOrNull(boxed: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null {
  return cryptoBackend().secretboxOpen(boxed, nonce, key);
}
