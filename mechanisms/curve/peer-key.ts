/**
 * Canonical encoding of X25519 public keys received from the peer.
 *
 * X25519 ignores bit 255 of a public key and reduces it modulo p = 2^255 - 19 (RFC 7748 §5), so
 * several byte strings name the same key. Honest peers only ever send the canonical one (a
 * base-point multiplication yields a value below p with bit 255 clear). Accepting the others
 * would let anyone change C' in a HELLO without breaking its box, and let the holder of c
 * present C under a second spelling that a deny-list comparing bytes would miss. So a
 * non-canonical C', S' or C is refused like a low-order key.
 *
 * @module
 */
import { MechanismError } from '../../src';

/** True when `key` is below 2^255 - 19 (which also means bit 255 is clear). */
export function isCanonicalKey(key: Uint8Array): boolean {
  if ((key[31]! & 0x80) !== 0) return false;
  if (key[31] !== 0x7f || key[0]! < 0xed) return true;
  for (let i = 1; i < 31; i++) if (key[i] !== 0xff) return true;
  return false;
}

/**
 * Checks a public key received in `command`.
 *
 * @throws {@link MechanismError} `ERR_INVALID_KEY` when it is not canonically encoded
 */
export function checkPeerKey(key: Uint8Array, command: string): void {
  if (!isCanonicalKey(key)) {
    throw new MechanismError('ERR_INVALID_KEY', 'public key is not canonically encoded', { command });
  }
}
