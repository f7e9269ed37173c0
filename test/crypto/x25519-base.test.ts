/**
 * The tweetnacl backend's fixed-base X25519 (`src/crypto/x25519-base.ts`) against tweetnacl's
 * own ladder, `nacl.scalarMult.base`, byte for byte. Counts are modest because tweetnacl is
 * about twenty times slower under jest's vm context; `kat.ts` checks thousands more keys in a
 * plain Node process, and every tweetnacl and libsodium vector goes through this code there.
 */
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { tweetnaclBackend } from '../../src/crypto/tweetnacl';
import { toHexString } from './load-vectors';

const fixedBase = (secret: Uint8Array) => toHexString(tweetnaclBackend.scalarMultBase(secret));
const ladder = (secret: Uint8Array) => toHexString(nacl.scalarMult.base(secret));
const filled = (byte: number) => new Uint8Array(32).fill(byte);

test('edge scalars: zero, one, all ones, every nibble value, all digits -8, one bit at a time', () => {
  const one = new Uint8Array(32);
  one[0] = 1;
  const edges: [string, Uint8Array][] = [
    ['one', one],
    // Every nibble n gives radix-16 digits of one value each, so each row is read at n or n - 16
    // (0x00: only the top digit, 4; 0xff: a carry through all 64 digits).
    ...Array.from({ length: 16 }, (_, n): [string, Uint8Array] => [`fill ${n * 0x11}`, filled(n * 0x11)]),
    // Nibbles 8, 7, 8, 7...: every digit recodes to -8 with a carry, and the top one to +8.
    ['digits -8 and a top 8', filled(0x78)],
    ['nibbles 7, 8', filled(0x87)],
    // Bits 3 and 253, the lowest and highest bits that clamping leaves to the key.
    ...[3, 253].map((bit): [string, Uint8Array] => {
      const secret = new Uint8Array(32);
      secret[bit >> 3] = 1 << (bit & 7);
      return [`bit ${bit}`, secret];
    }),
  ];
  for (const [name, secret] of edges) expect([name, fixedBase(secret)]).toEqual([name, ladder(secret)]);
});

test('random secret keys give the ladder’s public key', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (secret) => {
      expect(fixedBase(secret)).toBe(ladder(secret));
    }),
    { numRuns: 80 },
  );
});

test('the bits X25519 clamps away change nothing', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(7), (secret, lowBits) => {
      const other = new Uint8Array(secret);
      other[0] = (other[0]! & 248) | lowBits;
      other[31] = other[31]! ^ 0xc0; // bit 255 flipped, bit 254 forced on either way
      expect(fixedBase(other)).toBe(fixedBase(secret));
    }),
    { numRuns: 20 },
  );
});

test('a secret key that is not 32 bytes throws RangeError', () => {
  expect(() => tweetnaclBackend.scalarMultBase(new Uint8Array(31))).toThrow(RangeError);
});
