/**
 * Every backend against every other on random inputs: the same public keys, shared secrets,
 * HSalsa20 outputs and boxes, and each opens what the others sealed, through the plain and the
 * in-place ("Into") paths. Run counts are small because tweetnacl is slow under jest's vm.
 */
import fc from 'fast-check';
import {
  availableBackends,
  cryptoBackend,
  isValidPublicKey,
  open,
  openInto,
  seal,
  sealInto,
  sealPartInto,
  useCryptoBackend,
  type CryptoBackend,
} from '../../src/crypto';
import { hex, loadVectors, toHexString } from './load-vectors';

const backends = availableBackends();
const original = cryptoBackend();
afterAll(() => useCryptoBackend(original));

const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const same = (results: Uint8Array[]) => new Set(results.map(toHexString)).size === 1;

test('at least two backends are compared', () => {
  expect(backends.length).toBeGreaterThanOrEqual(2);
});

test('X25519: same public keys and shared secrets (arbitrary public bytes too)', () => {
  fc.assert(
    fc.property(bytes(32), bytes(32), bytes(32), (secretA, secretB, anyPoint) => {
      const publicB = backends[0]!.scalarMultBase(secretB);
      expect(same(backends.map((b) => b.scalarMultBase(secretA)))).toBe(true);
      expect(same(backends.map((b) => b.scalarMult(secretA, publicB)))).toBe(true);
      expect(same(backends.map((b) => b.scalarMult(secretA, anyPoint)))).toBe(true);
      const publicA = backends[backends.length - 1]!.scalarMultBase(secretA);
      expect(toHexString(backends[0]!.scalarMult(secretB, publicA))).toBe(
        toHexString(backends[backends.length - 1]!.scalarMult(secretA, publicB)),
      );
    }),
    { numRuns: 12 },
  );
});

test('HSalsa20: same output', () => {
  fc.assert(
    fc.property(bytes(32), bytes(16), (key, input) => {
      expect(same(backends.map((b) => b.hsalsa20(key, input)))).toBe(true);
    }),
    { numRuns: 50 },
  );
});

test('secretbox: same boxes, and each backend opens every other one’s, plain and in place', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), bytes(24), bytes(32), fc.nat(7), (plaintext, nonce, key, offset) => {
      const boxes = backends.map((b) => b.secretboxSeal(plaintext, nonce, key));
      expect(same(boxes)).toBe(true);
      for (const opener of backends) {
        useCryptoBackend(opener);
        for (const boxed of boxes) expect(toHexString(open(boxed, nonce, key))).toBe(toHexString(plaintext));
        // In place: plaintext already at offset + 16 in the wire buffer.
        const wire = new Uint8Array(offset + 16 + plaintext.length);
        wire.set(plaintext, offset + 16);
        sealInto(wire, offset, wire.subarray(offset + 16), nonce, key);
        expect(toHexString(wire.subarray(offset))).toBe(toHexString(boxes[0]!));
        openInto(wire, offset + 16, wire.subarray(offset), nonce, key);
        expect(toHexString(wire.subarray(offset + 16))).toBe(toHexString(plaintext));
        expect(toHexString(seal(plaintext, nonce, key))).toBe(toHexString(boxes[0]!));
      }
    }),
    { numRuns: 40 },
  );
});

test('sealPartInto: first ‖ data sealed as seal() does, at any offset and across the scratch size; openInto into exact and offset targets', () => {
  // Sizes either side of the sodium backend's 256-byte scratch limit, and offsets under, at and
  // over the 16 bytes of NaCl padding that tweetnacl seals in place.
  const sizes = fc.constantFrom(0, 1, 15, 16, 254, 255, 256, 257, 1000, 3000);
  fc.assert(
    fc.property(sizes, fc.nat(255), bytes(24), bytes(32), fc.constantFrom(0, 5, 16, 20), (size, first, nonce, key, offset) => {
      const data = Uint8Array.from({ length: size }, (_, i) => (i * 7 + first) & 0xff);
      const plaintext = new Uint8Array(size + 1);
      plaintext[0] = first;
      plaintext.set(data, 1);
      const expected = toHexString(backends[0]!.secretboxSeal(plaintext, nonce, key));
      for (const backend of backends) {
        useCryptoBackend(backend);
        const out = new Uint8Array(offset + size + 17).fill(0xee);
        sealPartInto(out, offset, first, data, nonce, key);
        expect(toHexString(out.subarray(offset))).toBe(expected);
        // Only the 16 bytes right before the box may have been touched.
        expect(out.subarray(0, Math.max(0, offset - 16)).every((byte) => byte === 0xee)).toBe(true);
        const exact = new Uint8Array(size + 1);
        openInto(exact, 0, out.subarray(offset), nonce, key);
        expect(toHexString(exact)).toBe(toHexString(plaintext));
        const wider = new Uint8Array(size + 4);
        openInto(wider, 2, out.subarray(offset), nonce, key);
        expect(toHexString(wider.subarray(2, size + 3))).toBe(toHexString(plaintext));
      }
    }),
    { numRuns: 30 },
  );
});

test('sealPartInto and openInto refuse misuse with RangeErrors and forgeries with ERR_DECRYPT, on every backend', () => {
  const nonce = new Uint8Array(24);
  const key = new Uint8Array(32).fill(3);
  for (const backend of backends) {
    useCryptoBackend(backend);
    const data = new Uint8Array(10);
    expect(() => sealPartInto(new Uint8Array(26), 0, 0, data, nonce, key)).toThrow(RangeError);
    expect(() => sealPartInto(new Uint8Array(28), 0, 0, data, nonce, key)).toThrow(RangeError);
    expect(() => sealPartInto(new Uint8Array(27), -1, 0, new Uint8Array(11), nonce, key)).toThrow(RangeError);
    expect(() => sealPartInto(new Uint8Array(27), 0, 0, data, nonce.subarray(1), key)).toThrow(RangeError);
    expect(() => sealPartInto(new Uint8Array(27), 0, 0, data, nonce, key.subarray(1))).toThrow(RangeError);
    for (const size of [5, 300]) {
      const out = new Uint8Array(size + 17);
      sealPartInto(out, 0, 1, new Uint8Array(size), nonce, key);
      out[out.length - 1]! ^= 1;
      const target = new Uint8Array(size + 1).fill(0x55);
      expect(() => openInto(target, 0, out, nonce, key, 'MESSAGE')).toThrow(expect.objectContaining({ code: 'ERR_DECRYPT' }));
    }
  }
});

test('secretbox: a flipped bit is rejected by every backend', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), bytes(24), bytes(32), fc.nat(), (plaintext, nonce, key, at) => {
      const boxed = backends[0]!.secretboxSeal(plaintext, nonce, key);
      boxed[at % boxed.length]! ^= 1 << (at % 8);
      for (const b of backends as CryptoBackend[]) expect(b.secretboxOpen(boxed, nonce, key)).toBeNull();
    }),
    { numRuns: 40 },
  );
});

test('isValidPublicKey (a fixed list) agrees with X25519 on every backend', () => {
  const probe = new Uint8Array(32);
  probe[0] = 9;
  const zeroUnderX25519 = (key: Uint8Array) => backends.map((b) => b.scalarMult(probe, key).every((byte) => byte === 0));
  const check = (key: Uint8Array) => {
    for (const zero of zeroUnderX25519(key)) expect({ key: toHexString(key), valid: isValidPublicKey(key) }).toEqual({ key: toHexString(key), valid: !zero });
  };
  // The 14 low-order encodings, and neighbours of each (one bit off anywhere) that are valid.
  const { points } = loadVectors<{ points: { public: string }[] }>('x25519_low_order_points.json');
  for (const point of points) {
    const key = hex(point.public);
    check(key);
    for (const bit of [0, 1, 7, 100, 254]) {
      const near = new Uint8Array(key);
      near[bit >> 3]! ^= 1 << (bit & 7);
      check(near);
    }
  }
  fc.assert(fc.property(bytes(32), (key) => check(key)), { numRuns: 20 });
});
