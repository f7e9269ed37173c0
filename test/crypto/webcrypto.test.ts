/**
 * The WebCrypto X25519 backend against the same known answers as the synchronous backends:
 * every Wycheproof X25519 vector and every low-order point, and its keys against tweetnacl's.
 */
import { webCryptoX25519, type WebCryptoX25519 } from '../../src/crypto/webcrypto';
import { backendByName } from '../../src/crypto/select';
import { isValidPublicKey } from '../../src/crypto';
import { MechanismError } from '../../src/errors';
import { hex, loadVectors, toHexString } from './load-vectors';

interface Wycheproof {
  testGroups: { tests: { tcId: number; private: string; public: string; shared: string }[] }[];
}
interface LowOrder {
  points: { public: string }[];
}

const ALL_ZERO = /^0{64}$/;
const wycheproof = loadVectors<Wycheproof>('wycheproof_x25519_test.json').testGroups.flatMap((g) => g.tests);
const lowOrder = loadVectors<LowOrder>('x25519_low_order_points.json');
const tweetnacl = backendByName('tweetnacl')!;

/** How a call ended: the shared secret in hex, or the error code it was refused with. */
async function outcome(run: () => Promise<Uint8Array>): Promise<string> {
  try {
    return toHexString(await run());
  } catch (error) {
    return error instanceof MechanismError ? error.code : `unexpected ${String(error)}`;
  }
}

let x25519: WebCryptoX25519;
beforeAll(async () => {
  // Node 20 has WebCrypto X25519: here its absence is a failure, not a skip.
  const found = await webCryptoX25519();
  expect(found).toBeDefined();
  x25519 = found!;
});

test('is detected once, by a known answer', async () => {
  expect(x25519.name).toBe('webcrypto');
  await expect(webCryptoX25519()).resolves.toBe(x25519);
});

test(`every Wycheproof X25519 vector (${wycheproof.length}): the shared secret, or ERR_INVALID_KEY when it is all zero`, async () => {
  const results = await Promise.all(wycheproof.map((t) => outcome(() => x25519.scalarMult(hex(t.private), hex(t.public)))));
  const wrong = wycheproof.filter((t, i) => results[i] !== (ALL_ZERO.test(t.shared) ? 'ERR_INVALID_KEY' : t.shared)).map((t) => t.tcId);
  expect(wrong).toEqual([]);
  expect(results.filter((r) => r === 'ERR_INVALID_KEY')).toHaveLength(wycheproof.filter((t) => ALL_ZERO.test(t.shared)).length);
});

test(`every low-order point (${lowOrder.points.length}) is refused with ERR_INVALID_KEY, as the façade refuses it`, async () => {
  const secrets = [new Uint8Array(32).fill(0x5a), new Uint8Array(32).fill(0xff)];
  for (const point of lowOrder.points) {
    expect(isValidPublicKey(hex(point.public))).toBe(false);
    for (const secret of secrets) {
      await expect(outcome(() => x25519.scalarMult(secret, hex(point.public)))).resolves.toBe('ERR_INVALID_KEY');
    }
  }
});

test('public keys and shared secrets equal tweetnacl\'s, on keys WebCrypto generates', async () => {
  for (let i = 0; i < 20; i++) {
    const [a, b] = await Promise.all([x25519.generateKeyPair(), x25519.generateKeyPair()]);
    expect(toHexString(a.publicKey)).toBe(toHexString(tweetnacl.scalarMultBase(a.secretKey)));
    await expect(x25519.scalarMultBase(b.secretKey).then(toHexString)).resolves.toBe(toHexString(b.publicKey));
    const shared = toHexString(tweetnacl.scalarMult(b.secretKey, a.publicKey));
    await expect(x25519.scalarMult(a.secretKey, b.publicKey).then(toHexString)).resolves.toBe(shared);
  }
});

test('caller misuse throws a TypeError or RangeError naming the argument', async () => {
  expect(() => x25519.scalarMult(new Uint8Array(31), new Uint8Array(32))).toThrow(/"secretKey"/);
  expect(() => x25519.scalarMult(new Uint8Array(32), 'key' as unknown as Uint8Array)).toThrow(TypeError);
  expect(() => x25519.scalarMultBase(new Uint8Array(33))).toThrow(RangeError);
});
