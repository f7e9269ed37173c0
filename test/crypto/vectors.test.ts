/**
 * Known answers for the crypto façade on every backend available here, and for the Z85 codec.
 * Every vector file in `./vectors/` is used in full: the bulk files through `kat.ts`.
 */
import {
  availableBackends,
  box,
  boxOpen,
  cryptoBackend,
  isValidPublicKey,
  open,
  openInto,
  precompute,
  publicKeyFromSecret,
  seal,
  sealInto,
  useCryptoBackend,
  type CryptoBackend,
} from '../../src/crypto';
import { z85Decode, z85Encode } from '../../src/z85';
import { catchMechanismError } from '../helpers/expect-error';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { KatReport } from './kat';
import { hex, loadVectors, toHexString } from './load-vectors';

interface Bernstein {
  alicesk: string;
  alicepk: string;
  bobsk: string;
  bobpk: string;
  shared_scalarmult: string;
  firstkey_hsalsa20_beforenm: string;
  nonce: string;
  message: string;
  ciphertext: string;
  small_order_point_rejected_by_libsodium: string;
}
interface Z85Vectors {
  valid: { name: string; bytes: string; z85: string }[];
  decode_encode_roundtrip: string[];
  invalid_decode: { name: string; z85: string }[];
  invalid_encode_byte_lengths: number[];
}

const bernstein = loadVectors<Bernstein>('nacl_box_bernstein.json');
const z85 = loadVectors<Z85Vectors>('z85_vectors.json');

const ZERO_16 = new Uint8Array(16);

const backends = availableBackends();
const original = cryptoBackend();
afterAll(() => useCryptoBackend(original));

/** True when the optional sodium-native package can be found from the package's own code. */
function sodiumInstalled(): boolean {
  try {
    require.resolve('sodium-native');
    return true;
  } catch {
    return false;
  }
}

test('tweetnacl, node and (when installed) sodium backends are all tested', () => {
  const names = backends.map((b) => b.name);
  expect(names).toContain('tweetnacl');
  expect(names).toContain('node');
  // Without this, a sodium backend that failed to load would silently leave its vectors untested.
  if (sodiumInstalled()) expect(names).toContain('sodium');
  expect(names).toHaveLength(sodiumInstalled() ? 3 : 2);
});

describe.each(backends.map((b): [string, CryptoBackend] => [b.name, b]))('%s backend', (_name, backend) => {
  beforeAll(() => useCryptoBackend(backend));

  describe('NaCl Alice and Bob (Bernstein)', () => {
    const v = bernstein;
    test('public keys from secret keys', () => {
      expect(toHexString(publicKeyFromSecret(hex(v.alicesk)))).toBe(v.alicepk);
      expect(toHexString(publicKeyFromSecret(hex(v.bobsk)))).toBe(v.bobpk);
    });
    test('X25519 shared secret both ways', () => {
      expect(toHexString(backend.scalarMult(hex(v.alicesk), hex(v.bobpk)))).toBe(v.shared_scalarmult);
      expect(toHexString(backend.scalarMult(hex(v.bobsk), hex(v.alicepk)))).toBe(v.shared_scalarmult);
    });
    test('HSalsa20 of the shared secret is the beforenm key', () => {
      expect(toHexString(backend.hsalsa20(hex(v.shared_scalarmult), ZERO_16))).toBe(v.firstkey_hsalsa20_beforenm);
      expect(toHexString(precompute(hex(v.bobpk), hex(v.alicesk)))).toBe(v.firstkey_hsalsa20_beforenm);
      expect(toHexString(precompute(hex(v.alicepk), hex(v.bobsk)))).toBe(v.firstkey_hsalsa20_beforenm);
    });
    test('box and secretbox give the known ciphertext, and open back', () => {
      const key = hex(v.firstkey_hsalsa20_beforenm);
      expect(toHexString(box(hex(v.message), hex(v.nonce), hex(v.bobpk), hex(v.alicesk)))).toBe(v.ciphertext);
      expect(toHexString(seal(hex(v.message), hex(v.nonce), key))).toBe(v.ciphertext);
      expect(toHexString(open(hex(v.ciphertext), hex(v.nonce), key))).toBe(v.message);
      expect(toHexString(boxOpen(hex(v.ciphertext), hex(v.nonce), hex(v.alicepk), hex(v.bobsk)))).toBe(v.message);
    });
    test('sealInto and openInto give the same bytes, also in place', () => {
      const key = hex(v.firstkey_hsalsa20_beforenm);
      const message = hex(v.message);
      const wire = new Uint8Array(8 + 16 + message.length + 3);
      wire.set(message, 8 + 16);
      sealInto(wire, 8, wire.subarray(8 + 16, 8 + 16 + message.length), hex(v.nonce), key);
      expect(toHexString(wire.subarray(8, 8 + 16 + message.length))).toBe(v.ciphertext);
      const out = new Uint8Array(message.length + 5);
      openInto(out, 5, hex(v.ciphertext), hex(v.nonce), key);
      expect(toHexString(out.subarray(5))).toBe(v.message);
      const boxed = wire.subarray(8, 8 + 16 + message.length);
      openInto(boxed, 16, boxed, hex(v.nonce), key);
      expect(toHexString(boxed.subarray(16))).toBe(v.message);
    });
    test("libsodium's small-order point is rejected", () => {
      const point = hex(v.small_order_point_rejected_by_libsodium);
      expect(catchMechanismError(() => precompute(point, hex(v.alicesk))).code).toBe('ERR_INVALID_KEY');
      expect(catchMechanismError(() => box(hex(v.message), hex(v.nonce), point, hex(v.alicesk))).code).toBe(
        'ERR_INVALID_KEY',
      );
      expect(isValidPublicKey(point)).toBe(false);
    });
  });

  test('a tampered box, a short box and a wrong key fail with ERR_DECRYPT', () => {
    const key = hex(bernstein.firstkey_hsalsa20_beforenm);
    const nonce = hex(bernstein.nonce);
    const boxed = hex(bernstein.ciphertext);
    for (const index of [0, 15, 16, boxed.length - 1]) {
      const bad = new Uint8Array(boxed);
      bad[index]! ^= 0x01;
      expect(catchMechanismError(() => open(bad, nonce, key, 'MESSAGE')).code).toBe('ERR_DECRYPT');
      expect(catchMechanismError(() => openInto(new Uint8Array(bad.length - 16), 0, bad, nonce, key)).code).toBe(
        'ERR_DECRYPT',
      );
    }
    for (const length of [0, 1, 15]) {
      expect(catchMechanismError(() => open(boxed.subarray(0, length), nonce, key)).code).toBe('ERR_DECRYPT');
      expect(catchMechanismError(() => openInto(new Uint8Array(16), 0, boxed.subarray(0, length), nonce, key)).code).toBe(
        'ERR_DECRYPT',
      );
    }
    const wrongKey = new Uint8Array(key);
    wrongKey[31]! ^= 0x80;
    const error = catchMechanismError(() => open(boxed, nonce, wrongKey, 'MESSAGE'));
    expect(error.code).toBe('ERR_DECRYPT');
  });

  test('every tweetnacl, Wycheproof and low-order vector (in a plain Node process)', () => {
    // kat.ts explains why these run outside jest's vm context.
    const output = execFileSync(
      process.execPath,
      ['--require', join(__dirname, '..', '..', 'bench', 'register.js'), join(__dirname, 'kat-cli.ts'), backend.name],
      { encoding: 'utf8', timeout: 60_000 },
    );
    const report = JSON.parse(output) as KatReport;
    expect(report.backend).toBe(backend.name);
    expect(report.failures).toEqual([]);
    expect(report.checks).toEqual({
      box: 512,
      scalarmult: 1024,
      'iterated-base': 1,
      'base-random': 2000,
      wycheproof: 518 + 487,
      'wycheproof-zero': 62,
      'low-order': 14 * 5 + 1,
    });
  });

  test('the libzmq test key pairs match (Z85 and X25519 together)', () => {
    const byName = new Map(z85.valid.map((v) => [v.name, v.z85]));
    for (const side of ['client', 'server']) {
      const secret = z85Decode(byName.get(`zmq_curve_${side}_secret`)!);
      expect(z85Encode(publicKeyFromSecret(secret))).toBe(byName.get(`zmq_curve_${side}_public`));
    }
  });
});

describe('Z85 (RFC 32)', () => {
  test.each(z85.valid.map((v) => [v.name, v] as const))('%s encodes and decodes', (_name, v) => {
    expect(z85Encode(hex(v.bytes))).toBe(v.z85);
    expect(toHexString(z85Decode(v.z85))).toBe(v.bytes);
  });

  test('decode then encode gives the text back', () => {
    for (const text of z85.decode_encode_roundtrip) expect(z85Encode(z85Decode(text))).toBe(text);
  });

  test.each(z85.invalid_decode.map((v) => [v.name, v.z85] as const))('invalid decode %s throws RangeError', (_name, text) => {
    expect(() => z85Decode(text)).toThrow(RangeError);
  });

  test.each(z85.invalid_encode_byte_lengths)('encoding %i bytes throws RangeError', (length) => {
    expect(() => z85Encode(new Uint8Array(length))).toThrow(RangeError);
  });

  test('a 1 MiB input round-trips (the encoder builds its text in slices)', () => {
    const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7) & 0xff);
    const text = z85Encode(big);
    expect(text).toHaveLength(1_310_720);
    expect(z85Decode(text)).toEqual(big);
  });

  test('non-string and non-bytes arguments throw TypeError', () => {
    expect(() => z85Decode(42 as unknown as string)).toThrow(TypeError);
    expect(() => z85Encode('HelloWorld' as unknown as Uint8Array)).toThrow(TypeError);
  });
});
