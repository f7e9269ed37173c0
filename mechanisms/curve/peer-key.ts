/**
 * Checks on X25519 public keys received from the peer, beyond the crypto façade's low-order
 * check.
 *
 * X25519 ignores bit 255 of a public key, reduces it modulo p = 2^255 - 19, and (because every
 * secret scalar is a multiple of 8) ignores any small-order component of the point
 * (RFC 7748 §5). So several byte strings name the same key: `u` with bit 255 flipped, `u + p`,
 * and the u-coordinates of P + T for T of order 2, 4 or 8 (for T = (0, 0) that is `1/u mod p`).
 * Honest peers only ever send the canonical, prime-order spelling, because a base-point
 * multiplication yields nothing else.
 *
 * - {@link checkPeerKey} refuses non-canonical spellings (bit 255, values from p up) wherever a
 *   peer sends a key: otherwise anyone could flip bit 255 of C' in a HELLO without breaking its
 *   box.
 * - {@link checkIdentityKey} also refuses a long-term client key C outside the prime-order
 *   subgroup. C is the identity the authorizer decides on: otherwise the holder of c could
 *   present C under several spellings and slip past a deny-list that compares bytes. It costs
 *   one Montgomery ladder in BigInt arithmetic (about one X25519 on tweetnacl), once per
 *   INITIATE.
 *
 * @module
 */
import { MechanismError } from '../../src';

const P = (1n << 255n) - 19n;
/** The order of the prime-order subgroup. */
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const A24 = 121665n;
const L_BITS = L.toString(2).length;

/** True when `key` is below p = 2^255 - 19 (which also means bit 255 is clear). */
export function isCanonicalKey(key: Uint8Array): boolean {
  if ((key[31]! & 0x80) !== 0) return false;
  if (key[31] !== 0x7f || key[0]! < 0xed) return true;
  for (let i = 1; i < 31; i++) if (key[i] !== 0xff) return true;
  return false;
}

/**
 * True when `key` (canonical) is the u-coordinate of a point of prime order ℓ: [ℓ]P is the
 * point at infinity. Points of small order, points with a small-order component and points on
 * the twist all answer false. The key is public, so the ladder need not be constant-time.
 */
export function isPrimeOrderKey(key: Uint8Array): boolean {
  const u = littleEndian(key);
  if (u === 0n) return false;
  return ladderZ(u, L) === 0n;
}

/**
 * Checks a public key received in `command` (C', S').
 *
 * @throws {@link MechanismError} `ERR_INVALID_KEY` when it is not canonically encoded
 */
export function checkPeerKey(key: Uint8Array, command: string): void {
  if (!isCanonicalKey(key)) {
    throw new MechanismError('ERR_INVALID_KEY', 'public key is not canonically encoded', { command });
  }
}

/**
 * Checks the client's long-term key C received in INITIATE.
 *
 * @throws {@link MechanismError} `ERR_INVALID_KEY` when it is not canonical or not of prime order
 */
export function checkIdentityKey(key: Uint8Array): void {
  checkPeerKey(key, 'INITIATE');
  if (!isPrimeOrderKey(key)) {
    throw new MechanismError('ERR_INVALID_KEY', 'public key is not in the prime-order subgroup', { command: 'INITIATE' });
  }
}

function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

/** The Z coordinate of [k]P by the RFC 7748 Montgomery ladder, for an unclamped scalar k. */
function ladderZ(u: bigint, k: bigint): bigint {
  let x2 = 1n;
  let z2 = 0n;
  let x3 = u;
  let z3 = 1n;
  let swap = 0n;
  for (let t = BigInt(L_BITS - 1); t >= 0n; t--) {
    const bit = (k >> t) & 1n;
    if (swap ^ bit) [x2, x3, z2, z3] = [x3, x2, z3, z2];
    swap = bit;
    const a = x2 + z2;
    const aa = (a * a) % P;
    const b = x2 - z2 + P;
    const bb = (b * b) % P;
    const e = aa - bb + P;
    const da = ((x3 - z3 + P) * a) % P;
    const cb = ((x3 + z3) * b) % P;
    const sum = da + cb;
    const diff = da - cb + P;
    x3 = (sum * sum) % P;
    z3 = (u * ((diff * diff) % P)) % P;
    x2 = (aa * bb) % P;
    z2 = (e * ((aa + A24 * e) % P)) % P;
  }
  return swap ? z3 : z2;
}
