/**
 * Canonical encoding of X25519 public keys received from the peer.
 *
 * X25519 ignores bit 255 of a public key and reduces it modulo p = 2^255 - 19 (RFC 7748 §5),
 * so `u`, `u` with bit 255 flipped and `u + p` name the same key. Honest peers only ever send
 * the canonical spelling (a base-point multiplication yields a value below p with bit 255
 * clear). Accepting the others would let anyone flip bit 255 of C' in a HELLO without breaking
 * its box, so a non-canonical C', S' or C is refused like a low-order key.
 *
 * Torsion variants (the u-coordinate of P + T for T of order 2, 4 or 8, such as `1/u mod p`)
 * are not refused: they are canonical, X25519 treats them as the same key because secret
 * scalars are multiples of 8, and recognising them takes a full scalar multiplication by the
 * group order in BigInt arithmetic, some 30 times the cost of X25519 on libsodium. What they
 * allow is documented in `docs/protocol.md` §1.
 *
 * @module
 */
import { MechanismError } from '../../src';

/** True when `key` is below p = 2^255 - 19 (which also means bit 255 is clear). */
export function isCanonicalKey(key: Uint8Array): boolean {
  if ((key[31]! & 0x80) !== 0) return false;
  if (key[31] !== 0x7f || key[0]! < 0xed) return true;
  for (let i = 1; i < 31; i++) if (key[i] !== 0xff) return true;
  return false;
}

/**
 * Checks a public key received in `command` (C' in HELLO, S' in WELCOME, C in INITIATE).
 *
 * @throws {@link MechanismError} `ERR_INVALID_KEY` when it is not canonically encoded
 */
export function checkPeerKey(key: Uint8Array, command: string): void {
  if (!isCanonicalKey(key)) {
    throw new MechanismError('ERR_INVALID_KEY', 'public key is not canonically encoded', { command });
  }
}
